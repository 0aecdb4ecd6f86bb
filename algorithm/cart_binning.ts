/**
 * Feature binning for the CART learner: every feature value becomes a small bin code, so the
 * split search counts classes per bin (a histogram) instead of sorting rows at every node.
 *
 * A feature with at most `maxBins` distinct values gets one bin per value, which makes the split
 * search exact (the same candidate thresholds as scikit-learn). A feature with more distinct
 * values gets `maxBins` quantile bins computed from at most {@linkcode BIN_SAMPLE_ROWS} rows.
 * NaN goes to the highest bin: it is treated as larger than every number.
 *
 * @module
 */

import type { Matrix } from "./types.ts";

/** Rows sampled to place the quantile bin edges of a feature with many distinct values. */
export const BIN_SAMPLE_ROWS = 200_000;

/** Features turned into bin codes, row-major like the matrix they came from. */
export interface BinnedFeatures {
  /** Number of records. */
  readonly rows: number;
  /** Number of features per record. */
  readonly columns: number;
  /** `rows * columns` bin codes; record `r`, feature `c` is `codes[r * columns + c]`. */
  readonly codes: Uint8Array | Uint16Array;
  /** Number of bins of each feature (1 for a constant feature). */
  readonly binCounts: Int32Array;
  /** Where each feature's bins start in the global bin numbering; `columns + 1` entries. */
  readonly binOffsets: Int32Array;
  /** Smallest training value in each global bin (`Infinity` when the bin holds none). */
  readonly binLow: Float64Array;
  /** Largest training value in each global bin (`-Infinity` when the bin holds none). */
  readonly binHigh: Float64Array;
}

/** Options for {@linkcode binFeatures}. */
export interface BinOptions {
  /** Called between features; may await a macrotask or throw to stop. */
  checkpoint?: () => Promise<void>;
}

/**
 * Bins every feature of `features` into at most `maxBins` bins (2 to 65,536).
 *
 * @example
 * ```ts
 * const binned = await binFeatures({ data: new Float64Array([1, 2, 3]), rows: 3, columns: 1 }, 256);
 * // binned.codes = [0, 1, 2]: each distinct value has its own bin
 * ```
 */
export async function binFeatures(
  features: Matrix,
  maxBins: number,
  options: BinOptions = {},
): Promise<BinnedFeatures> {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 65_536) {
    throw new RangeError(`Cannot bin features into ${maxBins} bins: expected 2 to 65536`);
  }
  const { rows, columns, data } = features;
  const codes = maxBins <= 256 ? new Uint8Array(rows * columns) : new Uint16Array(rows * columns);
  const sample = sampleRows(rows);
  const values = new Float64Array(sample === null ? rows : sample.length);
  const edgesByFeature: Float64Array[] = [];
  const binCounts = new Int32Array(columns);
  for (let c = 0; c < columns; c++) {
    const edges = findEdges(data, rows, columns, c, sample, values, maxBins);
    edgesByFeature.push(edges);
    binCounts[c] = edges.length + 1;
    await options.checkpoint?.();
  }
  const binOffsets = new Int32Array(columns + 1);
  for (let c = 0; c < columns; c++) binOffsets[c + 1] = binOffsets[c] + binCounts[c];
  const binLow = new Float64Array(binOffsets[columns]).fill(Infinity);
  const binHigh = new Float64Array(binOffsets[columns]).fill(-Infinity);
  for (let c = 0; c < columns; c++) {
    encodeFeature(data, rows, columns, c, edgesByFeature[c], codes, binOffsets[c], binLow, binHigh);
    await options.checkpoint?.();
  }
  return { rows, columns, codes, binCounts, binOffsets, binLow, binHigh };
}

/** Row indices to sample for bin edges, or `null` to use every row. */
function sampleRows(rows: number): Uint32Array | null {
  if (rows <= BIN_SAMPLE_ROWS) return null;
  // A fixed-seed xorshift draw keeps binning deterministic whatever `random_state` is.
  const sample = new Uint32Array(BIN_SAMPLE_ROWS);
  let state = 0x9e3779b9;
  for (let i = 0; i < sample.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    sample[i] = (state >>> 0) % rows;
  }
  return sample;
}

/** The upper edges of a feature's bins: value `v` goes to the first bin whose edge is >= v. */
function findEdges(
  data: Float64Array,
  rows: number,
  columns: number,
  column: number,
  sample: Uint32Array | null,
  values: Float64Array,
  maxBins: number,
): Float64Array {
  let count = 0;
  if (sample === null) {
    for (let r = 0; r < rows; r++) {
      const v = data[r * columns + column];
      if (v === v) values[count++] = v;
    }
  } else {
    for (let i = 0; i < sample.length; i++) {
      const v = data[sample[i] * columns + column];
      if (v === v) values[count++] = v;
    }
  }
  const sorted = values.subarray(0, count).sort();
  let distinct = count > 0 ? 1 : 0;
  for (let i = 1; i < count; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  const edges: number[] = [];
  if (distinct <= maxBins) {
    // Exact: one bin per distinct value; the edge of a bin is its value.
    for (let i = 0; i < count - 1; i++) if (sorted[i] !== sorted[i + 1]) edges.push(sorted[i]);
    return Float64Array.from(edges);
  }
  // Quantiles: an edge after every `count / maxBins` sorted values, skipping repeats.
  const last = sorted[count - 1];
  for (let b = 1; b < maxBins; b++) {
    const edge = sorted[Math.ceil((b * count) / maxBins) - 1];
    if (edge >= last) break;
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
  }
  return Float64Array.from(edges);
}

/** Writes the bin code of one feature for every row and records each bin's value range. */
function encodeFeature(
  data: Float64Array,
  rows: number,
  columns: number,
  column: number,
  edges: Float64Array,
  codes: Uint8Array | Uint16Array,
  offset: number,
  binLow: Float64Array,
  binHigh: Float64Array,
): void {
  const top = edges.length;
  for (let r = 0; r < rows; r++) {
    const v = data[r * columns + column];
    let bin: number;
    if (v !== v) {
      bin = top;
    } else {
      let lo = 0;
      let hi = top;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (edges[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      bin = lo;
      const g = offset + bin;
      if (v < binLow[g]) binLow[g] = v;
      if (v > binHigh[g]) binHigh[g] = v;
    }
    codes[r * columns + column] = bin;
  }
}
