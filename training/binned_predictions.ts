/**
 * Training predictions of a model fitted to binned data: each row's values are rebuilt, a slice
 * at a time, as the smallest training value of its bin. A model that splits between bins (the
 * contract of `Algorithm.fitBinned`) sends that value where it sends every value of the bin, so
 * these are the predictions of the rows as read.
 *
 * @module
 */

import type { BinnedMatrix, Model } from "../algorithm/mod.ts";

/** Rows rebuilt and predicted at a time. */
const SLICE_ROWS = 65_536;

/**
 * Predicts the class index of every row of `binned` with `model`: by its own
 * `Model.predictBinned` when it has one, else by rebuilding the rows.
 */
export function predictBinned(model: Model, binned: BinnedMatrix): Int32Array {
  if (model.predictBinned !== undefined) return model.predictBinned(binned);
  return predictRebuiltRows(model, binned);
}

/** Predicts every row of `binned` rebuilt, a slice at a time, with `model.predict`. */
export function predictRebuiltRows(model: Model, binned: BinnedMatrix): Int32Array {
  const { rows, columns, codes, stride, binOffsets, binLow } = binned;
  const out = new Int32Array(rows);
  const slice = new Float64Array(Math.min(rows, SLICE_ROWS) * columns);
  for (let start = 0; start < rows; start += SLICE_ROWS) {
    const end = Math.min(rows, start + SLICE_ROWS);
    for (let r = start, i = 0; r < end; r++) {
      const base = r * stride;
      for (let c = 0; c < columns; c++) slice[i++] = binLow[binOffsets[c] + codes[base + c]];
    }
    const n = end - start;
    out.set(model.predict({ data: slice.subarray(0, n * columns), rows: n, columns }), start);
  }
  return out;
}
