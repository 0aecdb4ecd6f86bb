/**
 * The cart model's payload in the model file: the tree's arrays as base64 of their
 * little-endian bytes, plus node count, depth, leaves and the effective hyperparameters.
 *
 * Loading checks everything prediction relies on: array lengths, child indices (always after
 * the parent, one parent each), feature indices and class counts; an error names what is
 * damaged.
 *
 * @module
 */

import type { Model, ModelHeader } from "../types.ts";
import type { CartParams } from "./hyperparameters.ts";
import { CartModel } from "./model.ts";

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Base64 of the little-endian bytes of a typed array. */
function encodeArray(array: Int32Array | Float64Array): string {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (!LITTLE_ENDIAN) throw new Error("Cannot save a tree on a big-endian machine");
  return bytes.toBase64();
}

/** Decodes a base64 field of the saved model into bytes of the expected length. */
function decodeBytes(saved: Record<string, unknown>, name: string, byteLength: number): Uint8Array {
  const text = saved[name];
  if (typeof text !== "string") throw new Error(`Damaged cart model: ${name} is not a string`);
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.fromBase64(text);
  } catch {
    throw new Error(`Damaged cart model: ${name} is not valid base64`);
  }
  if (bytes.length !== byteLength) {
    throw new Error(
      `Damaged cart model: ${name} holds ${bytes.length} bytes, expected ${byteLength}`,
    );
  }
  return bytes;
}

/** The format tag and version of a cart payload. */
export const CART_FORMAT = { format: "cart-tree", version: 1 } as const;

/** The JSON payload of a cart model, as {@linkcode loadTree} reads it back. */
export function saveTree(model: Model): unknown {
  if (!(model instanceof CartModel)) throw new Error("Cannot save a model that is not a cart tree");
  const { tree } = model;
  return {
    ...CART_FORMAT,
    nodes: tree.nodes,
    leaves: model.leaves,
    depth: model.depth,
    classCount: tree.classCount,
    featureCount: model.featureCount,
    params: model.params,
    feature: encodeArray(tree.feature),
    threshold: encodeArray(tree.threshold),
    left: encodeArray(tree.left),
    right: encodeArray(tree.right),
    value: encodeArray(tree.value),
  };
}

/** Rebuilds a cart model from its payload; throws an error naming what is damaged. */
export function loadTree(saved: unknown, header: ModelHeader): Model {
  if (typeof saved !== "object" || saved === null || Array.isArray(saved)) {
    throw new Error("Damaged cart model: expected an object");
  }
  const s = saved as Record<string, unknown>;
  if (s.format !== CART_FORMAT.format || s.version !== CART_FORMAT.version) {
    throw new Error(
      `Cannot load cart model: format ${JSON.stringify(s.format)} version ${
        JSON.stringify(s.version)
      }, expected ${CART_FORMAT.format} version ${CART_FORMAT.version}`,
    );
  }
  const nodes = s.nodes;
  if (typeof nodes !== "number" || !Number.isSafeInteger(nodes) || nodes < 1) {
    throw new Error(
      `Damaged cart model: node count ${JSON.stringify(nodes)} is not an integer >= 1`,
    );
  }
  const k = header.classes.length;
  if (s.classCount !== k) {
    throw new Error(`Damaged cart model: ${s.classCount} classes, the header lists ${k}`);
  }
  if (s.featureCount !== header.featureCount) {
    throw new Error(
      `Damaged cart model: ${s.featureCount} features, the header says ${header.featureCount}`,
    );
  }
  const feature = new Int32Array(decodeBytes(s, "feature", nodes * 4).buffer);
  const threshold = new Float64Array(decodeBytes(s, "threshold", nodes * 8).buffer);
  const left = new Int32Array(decodeBytes(s, "left", nodes * 4).buffer);
  const right = new Int32Array(decodeBytes(s, "right", nodes * 4).buffer);
  const value = new Float64Array(decodeBytes(s, "value", nodes * k * 8).buffer);
  if (!LITTLE_ENDIAN) throw new Error("Cannot load a tree on a big-endian machine");
  // Structure: children come after their parent and every node but the root has one parent,
  // so the arrays form one tree and prediction always reaches a leaf.
  const parents = new Uint8Array(nodes);
  const depthOf = new Int32Array(nodes);
  const featureCount = header.featureCount;
  let leaves = 0;
  let depth = 0;
  for (let i = 0; i < nodes; i++) {
    const l = left[i];
    const r = right[i];
    if (l === -1 && r === -1) {
      leaves++;
      let total = 0;
      for (let j = 0; j < k; j++) {
        const v = value[i * k + j];
        if (!(v >= 0 && v < Infinity)) {
          throw new Error(`Damaged cart model: leaf ${i} has class count ${v}`);
        }
        total += v;
      }
      if (!(total > 0)) throw new Error(`Damaged cart model: leaf ${i} has no training rows`);
      if (depthOf[i] > depth) depth = depthOf[i];
      continue;
    }
    if (!(l > i && l < nodes && r > i && r < nodes && l !== r)) {
      throw new Error(`Damaged cart model: node ${i} has children ${l} and ${r}`);
    }
    if (!(feature[i] >= 0 && feature[i] < featureCount)) {
      throw new Error(
        `Damaged cart model: node ${i} tests feature ${feature[i]} of ${featureCount}`,
      );
    }
    if (threshold[i] !== threshold[i]) {
      throw new Error(`Damaged cart model: node ${i} has threshold NaN`);
    }
    if (parents[l]++ > 0 || parents[r]++ > 0) {
      throw new Error(`Damaged cart model: node ${i} shares a child with another node`);
    }
    depthOf[l] = depthOf[i] + 1;
    depthOf[r] = depthOf[i] + 1;
  }
  for (let i = 1; i < nodes; i++) {
    if (parents[i] !== 1) throw new Error(`Damaged cart model: node ${i} has no parent`);
  }
  if (s.leaves !== leaves || s.depth !== depth) {
    throw new Error(
      `Damaged cart model: it says ${s.leaves} leaves and depth ${s.depth}, ` +
        `the arrays hold ${leaves} leaves and depth ${depth}`,
    );
  }
  const params = typeof s.params === "object" && s.params !== null ? s.params as CartParams : {};
  return new CartModel(
    { nodes, classCount: k, feature, threshold, left, right, value },
    { ...header, depth, leaves, params },
  );
}
