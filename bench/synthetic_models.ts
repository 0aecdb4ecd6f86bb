/**
 * Synthetic cart models for the multi-model tests and benchmark: a complete-ish binary tree with
 * any number of leaves, written as a real model file (`model_store.ts` envelope, `cart` payload)
 * that `loadModel` validates like any trained model. Class labels carry a tag, so an answer
 * shows which model produced it.
 *
 * @module
 */

import { CART_FORMAT } from "../algorithm/cart/mod.ts";
import { MODEL_FILE_NAME, MODEL_FORMAT, MODEL_FORMAT_VERSION } from "../model_store.ts";

/** Options of {@linkcode syntheticModelText}. */
export interface SyntheticModelOptions {
  /** Number of leaves (at least 2). */
  readonly leaves: number;
  /** Added to every class label (`a-<tag>`, `b-<tag>`), so answers name their model. */
  readonly tag: string;
  /** Number of features; default 4. */
  readonly featureCount?: number;
  /** Seed of the thresholds; default 1. */
  readonly seed?: number;
}

function base64(array: Int32Array | Float64Array): string {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength).toBase64();
}

/**
 * The text of a model file: node `i < leaves - 1` tests feature `i % featureCount` against a
 * threshold in (0, 1) and has children `2i + 1` and `2i + 2`; leaf `j` predicts class `j % 2`.
 * Records with all features 0 reach the leftmost leaf, which predicts class `b`.
 */
export function syntheticModelText(options: SyntheticModelOptions): string {
  const leaves = options.leaves;
  const featureCount = options.featureCount ?? 4;
  const nodes = 2 * leaves - 1;
  const feature = new Int32Array(nodes).fill(-2);
  const threshold = new Float64Array(nodes).fill(-2);
  const left = new Int32Array(nodes).fill(-1);
  const right = new Int32Array(nodes).fill(-1);
  const value = new Float64Array(nodes * 2);
  const depthOf = new Int32Array(nodes);
  let seed = options.seed ?? 1;
  let depth = 0;
  for (let i = 0; i < nodes; i++) {
    if (i < leaves - 1) {
      feature[i] = i % featureCount;
      seed = (seed * 1103515245 + 12345) % 2147483648;
      threshold[i] = 0.05 + 0.9 * (seed / 2147483648);
      left[i] = 2 * i + 1;
      right[i] = 2 * i + 2;
      depthOf[2 * i + 1] = depthOf[i] + 1;
      depthOf[2 * i + 2] = depthOf[i] + 1;
    } else {
      const leaf = i - (leaves - 1);
      // The leftmost leaf is node 2^d - 1 for some d; give class b to the leaf order's odd ones
      // and to the leftmost leaf, so an all-zero record always answers b.
      const isLeftmost = ((i + 1) & i) === 0;
      const cls = isLeftmost ? 1 : leaf % 2;
      value[i * 2 + cls] = 3;
      value[i * 2 + (1 - cls)] = 1;
      if (depthOf[i] > depth) depth = depthOf[i];
    }
  }
  return JSON.stringify({
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    algorithm: "cart",
    featureCount,
    classes: [`a-${options.tag}`, `b-${options.tag}`],
    hyperparameters: {},
    training: { synthetic: 1 },
    payload: {
      ...CART_FORMAT,
      nodes,
      leaves,
      depth,
      classCount: 2,
      featureCount,
      params: {},
      feature: base64(feature),
      threshold: base64(threshold),
      left: base64(left),
      right: base64(right),
      value: base64(value),
    },
  });
}

/** Writes a synthetic model into `<dir>/model.json` (creating `dir`) and returns `dir`. */
export async function writeSyntheticModel(
  dir: string,
  options: SyntheticModelOptions,
): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(`${dir}/${MODEL_FILE_NAME}`, syntheticModelText(options));
  return dir;
}
