/**
 * Predictions of binned rows by walking their codes: each internal node gets a table saying, for
 * every bin of its feature, whether the bin's smallest training value (`binLow`) goes left, so
 * that a row takes exactly the way its rebuilt values would take, without being rebuilt.
 *
 * @module
 */

import type { BinnedMatrix } from "../types.ts";
import type { FlatTree } from "./flat_tree.ts";

/**
 * For every node and every bin of the node's feature, 1 when the bin's smallest training value
 * goes left (`value <= threshold`); `maxBins` entries a node, leaves all 0.
 */
function leftTables(tree: FlatTree, binned: BinnedMatrix, maxBins: number): Uint8Array {
  const { feature, threshold, left } = tree;
  const { binCounts, binOffsets, binLow } = binned;
  const tables = new Uint8Array(tree.nodes * maxBins);
  for (let node = 0; node < tree.nodes; node++) {
    if (left[node] < 0) continue;
    const f = feature[node];
    const offset = binOffsets[f];
    for (let bin = 0; bin < binCounts[f]; bin++) {
      tables[node * maxBins + bin] = binLow[offset + bin] <= threshold[node] ? 1 : 0;
    }
  }
  return tables;
}

/**
 * The class index that `nodeClass` gives the leaf of every row of `binned`, the rows taking the
 * way their bins' smallest training values take.
 */
export function predictBinnedRows(
  tree: FlatTree,
  binned: BinnedMatrix,
  nodeClass: Int32Array,
): Int32Array {
  const { rows, codes, stride, binCounts } = binned;
  let maxBins = 1;
  for (let f = 0; f < binCounts.length; f++) maxBins = Math.max(maxBins, binCounts[f]);
  const tables = leftTables(tree, binned, maxBins);
  const { feature, left, right } = tree;
  const out = new Int32Array(rows);
  for (let r = 0, base = 0; r < rows; r++, base += stride) {
    let node = 0;
    let next = left[0];
    while (next >= 0) {
      node = tables[node * maxBins + codes[base + feature[node]]] === 1 ? next : right[node];
      next = left[node];
    }
    out[r] = nodeClass[node];
  }
  return out;
}
