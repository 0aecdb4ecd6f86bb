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

import type { Matrix } from "../types.ts";

/** Rows sampled to place the quantile bin edges of a feature with many distinct values. */
const BIN_SAMPLE_ROWS = 50_000;

/** Cells of the lookup table that narrows the bin search of a value to a few edges. */
const LOOKUP_CELLS = 1024;

/** Features turned into bin codes, row-major like the matrix they came from. */
export interface BinnedFeatures {
  /** Number of records. */
  readonly rows: number;
  /** Number of features per record. */
  readonly columns: number;
  /**
   * Bin codes; record `r`, feature `c` is `codes[r * stride + c]`. Rows are padded to a
   * multiple of 4 bytes so that a learner can move whole rows as 32-bit words.
   */
  readonly codes: Uint8Array | Uint16Array;
  /** Codes per row including padding: `columns` rounded up to fill whole 32-bit words. */
  readonly stride: number;
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
  /** Called now and then; may await a macrotask or throw to stop. */
  checkpoint?: () => Promise<void>;
}

/**
 * Bins every feature of `features` into at most `maxBins` bins (2 to 65,536).
 *
 * @example
 * ```ts
 * const binned = await binFeatures({ data: new Float64Array([1, 2, 3]), rows: 3, columns: 1 }, 256);
 * // binned.codes = [0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]: one bin per distinct value, rows
 * // padded to 4 bytes
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
  const totalBins = binOffsets[columns];
  const edges = new Float64Array(totalBins);
  for (let c = 0; c < columns; c++) edges.set(edgesByFeature[c], binOffsets[c]);
  const lookup = buildLookup(edgesByFeature, binOffsets);
  const perWord = maxBins <= 256 ? 4 : 2;
  const stride = Math.ceil(columns / perWord) * perWord;
  const codes = perWord === 4 ? new Uint8Array(rows * stride) : new Uint16Array(rows * stride);
  const binLow = new Float64Array(totalBins).fill(Infinity);
  const binHigh = new Float64Array(totalBins).fill(-Infinity);
  const chunk = Math.max(1, Math.floor(2_000_000 / Math.max(1, columns)));
  for (let start = 0; start < rows; start += chunk) {
    const end = Math.min(rows, start + chunk);
    encodeRows(data, columns, start, end, edges, binOffsets, lookup, codes, stride);
    recordBinRanges(data, columns, start, end, codes, stride, binOffsets, binLow, binHigh);
    await options.checkpoint?.();
  }
  return { rows, columns, codes, stride, binCounts, binOffsets, binLow, binHigh };
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

/** Per feature: the range of its edges, and a table from a value's cell to its first edge. */
interface Lookup {
  low: Float64Array;
  scale: Float64Array;
  /** `columns * (LOOKUP_CELLS + 1)` entries: edges (global index) before each cell. */
  cellStart: Int32Array;
}

/** The lookup cell of `v`; never decreases as `v` grows, so edges keep their order. */
function cellOf(v: number, low: number, scale: number): number {
  const t = (v - low) * scale;
  return t < 0 ? 0 : t >= LOOKUP_CELLS ? LOOKUP_CELLS - 1 : Math.floor(t);
}

function buildLookup(edgesByFeature: Float64Array[], binOffsets: Int32Array): Lookup {
  const columns = edgesByFeature.length;
  const low = new Float64Array(columns);
  const scale = new Float64Array(columns);
  const cellStart = new Int32Array(columns * (LOOKUP_CELLS + 1));
  for (let c = 0; c < columns; c++) {
    const edges = edgesByFeature[c];
    const base = c * (LOOKUP_CELLS + 1);
    if (edges.length > 0) {
      low[c] = edges[0];
      const span = edges[edges.length - 1] - edges[0];
      scale[c] = span > 0 && Number.isFinite(span) ? LOOKUP_CELLS / span : 0;
    }
    // cellStart[cell] = global index of the first edge whose cell is >= cell.
    let e = 0;
    for (let cell = 0; cell <= LOOKUP_CELLS; cell++) {
      while (e < edges.length && cellOf(edges[e], low[c], scale[c]) < cell) e++;
      cellStart[base + cell] = binOffsets[c] + e;
    }
  }
  return { low, scale, cellStart };
}

/** Writes the bin codes of rows `[start, end)`, reading the matrix once in row order. */
function encodeRows(
  data: Float64Array,
  columns: number,
  start: number,
  end: number,
  edges: Float64Array,
  binOffsets: Int32Array,
  lookup: Lookup,
  codes: Uint8Array | Uint16Array,
  stride: number,
): void {
  const { low, scale, cellStart } = lookup;
  const cells = LOOKUP_CELLS + 1;
  for (let r = start; r < end; r++) {
    const base = r * columns;
    const out = r * stride;
    for (let c = 0; c < columns; c++) {
      const v = data[base + c];
      const offset = binOffsets[c];
      if (v !== v) {
        codes[out + c] = binOffsets[c + 1] - 1 - offset; // NaN: the top bin
        continue;
      }
      const cell = cellOf(v, low[c], scale[c]);
      let lo = cellStart[c * cells + cell];
      let hi = cellStart[c * cells + cell + 1];
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (edges[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      codes[out + c] = lo - offset;
    }
  }
}

/** Records the smallest and largest training value of every bin. */
function recordBinRanges(
  data: Float64Array,
  columns: number,
  start: number,
  end: number,
  codes: Uint8Array | Uint16Array,
  stride: number,
  binOffsets: Int32Array,
  binLow: Float64Array,
  binHigh: Float64Array,
): void {
  for (let r = start; r < end; r++) {
    const base = r * columns;
    const out = r * stride;
    for (let c = 0; c < columns; c++) {
      const v = data[base + c];
      const g = binOffsets[c] + codes[out + c];
      if (v < binLow[g]) binLow[g] = v;
      if (v > binHigh[g]) binHigh[g] = v;
    }
  }
}
