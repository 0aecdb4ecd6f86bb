/**
 * Test support for the cart tests: small hand-made data sets, a fit with raw hyperparameters,
 * and cross-validation with fixed folds.
 *
 * @module
 */

import assert from "node:assert/strict";
import { cart, CartModel } from "../../../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../../../algorithm/hyperparameters.ts";
import { binFeatures } from "../../../algorithm/cart/binning.ts";
import type { FittedTree } from "../../../algorithm/cart/fit.ts";
import type { BinnedDataset, Dataset, Matrix, Model } from "../../../algorithm/types.ts";

/** The rows `indices` of a dataset. */
export function pick(dataset: Dataset, indices: number[]): Dataset {
  const { columns, data } = dataset.features;
  const out = new Float64Array(indices.length * columns);
  indices.forEach((r, i) => out.set(data.subarray(r * columns, (r + 1) * columns), i * columns));
  return {
    features: { data: out, rows: indices.length, columns },
    labels: Int32Array.from(indices, (r) => dataset.labels[r]),
    classes: dataset.classes,
  };
}

/**
 * 5-fold cross-validated accuracy with fixed folds: row i is in fold i % 5. Every row is
 * predicted once by a tree that did not see it; the result is the share predicted right.
 */
export async function crossValidated(
  dataset: Dataset,
  raw: Record<string, string>,
): Promise<number> {
  const params = parseHyperparameters(raw, cart.hyperparameters);
  let correct = 0;
  for (let fold = 0; fold < 5; fold++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let r = 0; r < dataset.features.rows; r++) (r % 5 === fold ? test : train).push(r);
    const model = await cart.fit(pick(dataset, train), params);
    const held = pick(dataset, test);
    const predicted = model.predict(held.features);
    predicted.forEach((k, i) => {
      if (k === held.labels[i]) correct++;
    });
  }
  return correct / dataset.features.rows;
}

export function matrix(rows: number[][]): Matrix {
  return { data: Float64Array.from(rows.flat()), rows: rows.length, columns: rows[0].length };
}

export function dataset(rows: number[][], labels: number[], classCount = 2): Dataset {
  return {
    features: matrix(rows),
    labels: Int32Array.from(labels),
    classes: Array.from({ length: classCount }, (_, k) => `c${k}`),
  };
}

export function fit(data: Dataset, raw: Record<string, string> = {}): Promise<Model> {
  return cart.fit(data, parseHyperparameters(raw, cart.hyperparameters));
}

export function tree(model: Model): CartModel {
  assert.ok(model instanceof CartModel);
  return model;
}

/** Unweighted training rows per leaf (the leaves' class counts, without class weights). */
export function leafSizes(model: Model): number[] {
  const { tree: flat } = tree(model);
  const sizes: number[] = [];
  for (let node = 0; node < flat.nodes; node++) {
    if (flat.left[node] !== -1) continue;
    let total = 0;
    for (let k = 0; k < flat.classCount; k++) total += flat.value[node * flat.classCount + k];
    sizes.push(total);
  }
  return sizes;
}

/** One feature 0..n-1 with labels alternating in runs of `run`: many leaves when unbounded. */
export function stripes(n: number, run: number): Dataset {
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    rows.push([i]);
    labels.push(Math.floor(i / run) % 2);
  }
  return dataset(rows, labels);
}

/** Deterministic pseudo-random 3-class data with `columns` features. */
export function noisy(n: number, columns: number, seed: number): Dataset {
  let state = seed;
  function next(): number {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 4_294_967_296;
  }
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = Array.from({ length: columns }, () => Math.round(next() * 1000) / 100);
    rows.push(row);
    labels.push((row[0] + row[1] + next() * 4 > 12 ? 1 : 0) + (row[2] > 7 ? 1 : 0));
  }
  return dataset(rows, labels, 3);
}

/** Every byte of a fitted tree and what the model records about it. */
export function bytesOf(fitted: FittedTree): string {
  const { tree } = fitted;
  const arrays = [tree.feature, tree.threshold, tree.left, tree.right, tree.value];
  const hex = arrays.map((array) =>
    Array.from(
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength),
      (byte) => byte.toString(16).padStart(2, "0"),
    ).join("")
  );
  return JSON.stringify({ hex, depth: fitted.depth, leaves: fitted.leaves, params: fitted.params });
}

/** A binned copy of `data` (codes and labels of its own, since a binned fit moves them). */
export async function binned(data: Dataset, maxBins: number): Promise<BinnedDataset> {
  const features = await binFeatures(data.features, maxBins);
  return { features, labels: Int32Array.from(data.labels), classes: data.classes };
}

/** A copy of `data` (in shared memory with `shared`) that a binned fit may move. */
export function copyOf(data: BinnedDataset, shared = false): BinnedDataset {
  const { codes } = data.features;
  const buffer = shared
    ? new SharedArrayBuffer(codes.byteLength)
    : new ArrayBuffer(codes.byteLength);
  const copy = codes instanceof Uint16Array ? new Uint16Array(buffer) : new Uint8Array(buffer);
  copy.set(codes);
  return {
    ...data,
    features: { ...data.features, codes: copy },
    labels: Int32Array.from(data.labels),
  };
}

/** Each row as text (its codes and label), sorted: the rows as a multiset. */
export function rowSet(data: BinnedDataset): string[] {
  const { codes, stride, rows } = data.features;
  const out: string[] = [];
  for (let r = 0; r < rows; r++) {
    out.push(`${codes.subarray(r * stride, (r + 1) * stride).join(" ")}:${data.labels[r]}`);
  }
  return out.sort();
}
