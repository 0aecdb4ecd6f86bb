/**
 * Feature binning shared by learners that count classes per bin (a histogram) instead of
 * sorting rows: every feature value becomes a small bin code.
 *
 * Bin edges come from a sample of rows ({@linkcode findBinEdges}); rows are then encoded slice
 * by slice ({@linkcode BinnedRowsBuilder}), so that a training channel can be binned while it is
 * read and its float64 values are never held all at once.
 *
 * A feature with at most `maxBins` distinct values in the sample gets one bin per value, which
 * makes a split search exact. A feature with more gets `maxBins` quantile bins computed from at
 * most {@linkcode BIN_SAMPLE_ROWS} rows of the sample. NaN goes to the highest bin: it is treated
 * as larger than every number.
 *
 * @module
 */

import { sortFloats } from "./sort_floats.ts";
import type { BinnedMatrix, Matrix } from "./types.ts";

/** Rows of the sample used to place the quantile bin edges of a feature. */
export const BIN_SAMPLE_ROWS = 50_000;

/**
 * Cells of the lookup table that narrows the bin search of a value to a few edges; each feature
 * has `LOOKUP_CELLS + 1` entries in `cellStart` and `cellEdge`.
 */
export const LOOKUP_CELLS = 1024;

/** Where the bins of every feature lie, found from a sample of rows. */
export interface BinEdges {
  /** Number of features. */
  readonly columns: number;
  /** The most bins a feature may have; 256 or fewer gives one-byte codes. */
  readonly maxBins: number;
  /** Number of bins of each feature (1 for a constant feature). */
  readonly binCounts: Int32Array;
  /** Where each feature's bins start in the global bin numbering; `columns + 1` entries. */
  readonly binOffsets: Int32Array;
  /** Upper edges, global numbering: value `v` goes to the first bin whose edge is >= `v`. */
  readonly edges: Float64Array;
  /** Per feature: the lowest edge, and the scale from a value to its lookup cell. */
  readonly low: Float64Array;
  /** See `low`. */
  readonly scale: Float64Array;
  /** `columns * (LOOKUP_CELLS + 1)` entries: the first edge (global index) of each cell. */
  readonly cellStart: Int32Array;
  /**
   * Same layout: the one edge inside a cell, `Infinity` for a cell without any, NaN for a cell
   * with several (only those need a search).
   */
  readonly cellEdge: Float64Array;
}

/** Checks a bin count: 2 to 65,536. */
function checkMaxBins(maxBins: number): void {
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 65_536) {
    throw new RangeError(`Cannot bin features into ${maxBins} bins: expected 2 to 65536`);
  }
}

/**
 * Finds the bin edges of every feature of `sample` (at most `maxBins` bins each), using at most
 * {@linkcode BIN_SAMPLE_ROWS} of its rows. `checkpoint` is awaited after each feature.
 */
export async function findBinEdges(
  sample: Matrix,
  maxBins: number,
  options: { checkpoint?: () => Promise<void> } = {},
): Promise<BinEdges> {
  checkMaxBins(maxBins);
  const { rows, columns, data } = sample;
  const picked = sampleRows(rows);
  const n = picked === null ? rows : picked.length;
  // The picked rows' values feature by feature, gathered in one pass in row order: picking each
  // feature's values at random rows costs a cache miss a value (about 100 ms for 20 x 50,000).
  const byFeature = new Float64Array(n * columns);
  for (let i = 0; i < n; i++) {
    const base = (picked === null ? i : picked[i]) * columns;
    for (let c = 0; c < columns; c++) byFeature[c * n + i] = data[base + c];
  }
  const values = new Float64Array(n);
  const edgesByFeature: Float64Array[] = [];
  const binCounts = new Int32Array(columns);
  for (let c = 0; c < columns; c++) {
    const edges = featureEdges(byFeature.subarray(c * n, (c + 1) * n), values, maxBins);
    edgesByFeature.push(edges);
    binCounts[c] = edges.length + 1;
    await options.checkpoint?.();
  }
  const binOffsets = new Int32Array(columns + 1);
  for (let c = 0; c < columns; c++) binOffsets[c + 1] = binOffsets[c] + binCounts[c];
  const edges = new Float64Array(binOffsets[columns]);
  for (let c = 0; c < columns; c++) edges.set(edgesByFeature[c], binOffsets[c]);
  return {
    columns,
    maxBins,
    binCounts,
    binOffsets,
    edges,
    ...buildLookup(edgesByFeature, binOffsets),
  };
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
  // In row order, so that the rows are read front to back; the edges depend only on the values.
  return sample.sort();
}

/**
 * The upper edges of a feature's bins from its sampled `column` of values (`values` is scratch of
 * the same length): value `v` goes to the first bin whose edge is >= v.
 */
function featureEdges(column: Float64Array, values: Float64Array, maxBins: number): Float64Array {
  let count = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i];
    if (v === v) values[count++] = v;
  }
  const sorted = sortFloats(values.subarray(0, count));
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

/** The lookup cell of `v`; never decreases as `v` grows, so edges keep their order. */
function cellOf(v: number, low: number, scale: number): number {
  const t = (v - low) * scale;
  return t < 0 ? 0 : t >= LOOKUP_CELLS ? LOOKUP_CELLS - 1 : Math.floor(t);
}

function buildLookup(
  edgesByFeature: Float64Array[],
  binOffsets: Int32Array,
): { low: Float64Array; scale: Float64Array; cellStart: Int32Array; cellEdge: Float64Array } {
  const columns = edgesByFeature.length;
  const low = new Float64Array(columns);
  const scale = new Float64Array(columns);
  const cellStart = new Int32Array(columns * (LOOKUP_CELLS + 1));
  const cellEdge = new Float64Array(columns * (LOOKUP_CELLS + 1));
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
    for (let cell = 0; cell < LOOKUP_CELLS; cell++) {
      const inside = cellStart[base + cell + 1] - cellStart[base + cell];
      const first = cellStart[base + cell] - binOffsets[c];
      cellEdge[base + cell] = inside === 0 ? Infinity : inside === 1 ? edges[first] : NaN;
    }
    cellEdge[base + LOOKUP_CELLS] = NaN;
  }
  return { low, scale, cellStart, cellEdge };
}

/**
 * Gathers bin codes row slice by row slice, with the smallest and largest value seen in every
 * bin, into one growing code array: what a learner needs, without the float64 values.
 *
 * @example
 * ```ts
 * const edges = await findBinEdges(sample, 256);
 * const builder = new BinnedRowsBuilder(edges, 1_000_000);
 * builder.append(slice); // as often as slices arrive
 * const binned = builder.finish();
 * ```
 */
export class BinnedRowsBuilder {
  readonly #edges: BinEdges;
  readonly #stride: number;
  readonly #wide: boolean;
  #codes: Uint8Array | Uint16Array;
  #rows = 0;
  readonly #binLow: Float64Array;
  readonly #binHigh: Float64Array;

  /** Starts an empty builder with room for `capacityRows` rows (it grows past them). */
  constructor(edges: BinEdges, capacityRows = 1024) {
    this.#edges = edges;
    this.#wide = edges.maxBins > 256;
    this.#stride = codeStride(edges);
    this.#codes = this.#allocate(Math.max(1, capacityRows) * this.#stride);
    const totalBins = edges.binOffsets[edges.columns];
    this.#binLow = new Float64Array(totalBins).fill(Infinity);
    this.#binHigh = new Float64Array(totalBins).fill(-Infinity);
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.#rows;
  }

  /** Encodes the rows of `slice` (as many columns as the edges) after those appended so far. */
  append(slice: Matrix): void {
    if (slice.columns !== this.#edges.columns) {
      throw new RangeError(
        `Cannot bin rows of ${slice.columns} features with edges of ${this.#edges.columns}`,
      );
    }
    const needed = (this.#rows + slice.rows) * this.#stride;
    if (needed > this.#codes.length) {
      // Grow by half: the capacity is usually estimated from the input size already.
      const grown = this.#allocate(Math.max(needed, Math.ceil(this.#codes.length * 1.5)));
      grown.set(this.#codes.subarray(0, this.#rows * this.#stride));
      this.#codes = grown;
    }
    const out = this.#rows * this.#stride;
    encodeRows(slice, this.#edges, {
      codes: this.#codes,
      out,
      stride: this.#stride,
      binLow: this.#binLow,
      binHigh: this.#binHigh,
    });
    this.#rows += slice.rows;
  }

  /** The binned rows; the builder must not be used afterwards. */
  finish(): BinnedMatrix {
    const { columns, binCounts, binOffsets } = this.#edges;
    // A view, not a copy: the unwritten tail of a fresh buffer takes no memory.
    const codes = this.#codes.subarray(0, this.#rows * this.#stride);
    this.#codes = this.#allocate(0);
    return {
      rows: this.#rows,
      columns,
      codes,
      stride: this.#stride,
      binCounts,
      binOffsets,
      binLow: this.#binLow,
      binHigh: this.#binHigh,
    };
  }

  #allocate(length: number): Uint8Array | Uint16Array {
    return allocateCodes(length, { wide: this.#wide });
  }
}

/**
 * The codes a row of binned rows takes: the features rounded up to whole 32-bit words, so that
 * every row starts on a word.
 */
export function codeStride(edges: BinEdges): number {
  const perWord = edges.maxBins > 256 ? 2 : 4;
  return Math.ceil(edges.columns / perWord) * perWord;
}

/**
 * A zeroed array of `length` bin codes (two bytes each when `wide`), in shared memory unless
 * `shared` is false: a fit's row workers read and reorder shared codes in place instead of
 * copying them, while codes handed to another thread once are better transferred (a shared
 * buffer lives until every thread that saw it has collected it).
 */
export function allocateCodes(
  length: number,
  options: { wide: boolean; shared?: boolean },
): Uint8Array | Uint16Array {
  const bytes = options.wide ? 2 : 1;
  const buffer = options.shared === false
    ? new ArrayBuffer(length * bytes)
    : new SharedArrayBuffer(length * bytes);
  return options.wide ? new Uint16Array(buffer) : new Uint8Array(buffer);
}

/** Where {@linkcode encodeRows} writes. */
export interface CodeTarget {
  /** The bin codes, `stride` a row. */
  readonly codes: Uint8Array | Uint16Array;
  /** Where the first row's codes go. */
  readonly out: number;
  /** Codes a row ({@linkcode codeStride}). */
  readonly stride: number;
  /** Smallest value seen in each global bin, lowered as values arrive. */
  readonly binLow: Float64Array;
  /** Largest value seen in each global bin, raised as values arrive. */
  readonly binHigh: Float64Array;
}

/**
 * Writes the bin codes of every row of `slice` into `target`, widening the value range of each
 * bin a value falls in. Column by column, so that a feature's lookup stays in registers; a value
 * whose cell holds at most one edge needs one comparison.
 */
export function encodeRows(slice: Matrix, binEdges: BinEdges, target: CodeTarget): void {
  const { codes, out, stride, binLow, binHigh } = target;
  const { data, rows, columns } = slice;
  const { edges, binOffsets, low, scale, cellStart, cellEdge } = binEdges;
  const end = rows * columns;
  for (let c = 0; c < columns; c++) {
    const offset = binOffsets[c];
    const top = binOffsets[c + 1] - 1 - offset;
    const featureLow = low[c];
    const featureScale = scale[c];
    const cells = c * (LOOKUP_CELLS + 1);
    let at = out + c;
    for (let i = c; i < end; i += columns, at += stride) {
      const v = data[i];
      if (v !== v) {
        codes[at] = top; // NaN: the top bin
        continue;
      }
      // cellOf() inlined: `t` is below LOOKUP_CELLS, so `| 0` floors it.
      const t = (v - featureLow) * featureScale;
      const cell = cells + (t < 0 ? 0 : t >= LOOKUP_CELLS ? LOOKUP_CELLS - 1 : t | 0);
      let lo = cellStart[cell];
      const edge = cellEdge[cell];
      if (edge === edge) {
        // Without a branch: whether v is above the edge is as good as random.
        lo += +(v > edge);
      } else {
        let hi = cellStart[cell + 1];
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (edges[mid] < v) lo = mid + 1;
          else hi = mid;
        }
      }
      codes[at] = lo - offset;
      if (v < binLow[lo]) binLow[lo] = v;
      if (v > binHigh[lo]) binHigh[lo] = v;
    }
  }
}
