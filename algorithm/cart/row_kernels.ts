/**
 * The two passes over a node's rows that dominate a large fit, written so that the main thread
 * and the row workers (`row_worker.ts`) run the same code: counting the rows' classes per bin,
 * and moving the rows that go left before those that go right.
 *
 * Rows are in node order (every node's rows are one block) and their bin codes move as 32-bit
 * words, with the labels alongside. A split depends only on class counts, never on the order of
 * a node's rows, so how a pass orders them does not change the tree.
 *
 * @module
 */

/** The rows of a fit as the passes see them: codes, the same bytes as words, and labels. */
export interface RowView {
  /** Bin codes; row `r`, feature `c` is `codes[r * stride + c]`. */
  readonly codes: Uint8Array | Uint16Array;
  /** The same memory as `codes`, as 32-bit words: `wordsPerRow` a row. */
  readonly words: Uint32Array;
  /** Words a row. */
  readonly wordsPerRow: number;
  /** Codes a row, including padding. */
  readonly stride: number;
  /** Number of features. */
  readonly columns: number;
  /** Where each feature's bins start in the global bin numbering; `columns + 1` entries. */
  readonly binOffsets: Int32Array;
  /** The class of each row, in the same order as the codes. */
  readonly labels: Int32Array;
}

/** The view of `codes` (`rows` rows of `stride` codes, `columns` used) and their `labels`. */
export function rowViewOf(
  binned: {
    codes: Uint8Array | Uint16Array;
    rows: number;
    stride: number;
    columns: number;
    binOffsets: Int32Array;
  },
  labels: Int32Array,
): RowView {
  const { codes, rows } = binned;
  const words = new Uint32Array(codes.buffer, codes.byteOffset, codes.byteLength / 4);
  return {
    codes,
    words,
    wordsPerRow: rows === 0 ? 0 : words.length / rows,
    stride: binned.stride,
    columns: binned.columns,
    binOffsets: binned.binOffsets,
    labels,
  };
}

/** A range of rows and the histogram a pass counts them into. */
export interface HistogramPass {
  /** First row. */
  readonly start: number;
  /** End (exclusive). */
  readonly end: number;
  /** Counts per class and global bin, class-major. */
  readonly histogram: Int32Array;
}

/**
 * Adds the rows `[start, end)` to `histogram`: one count per class and global bin, class-major
 * (`histogram[label * totalBins + binOffsets[c] + code]`).
 */
export function addRowsToHistogram(view: RowView, pass: HistogramPass): void {
  const { start, end, histogram } = pass;
  const totalBins = view.binOffsets[view.columns];
  for (let i = start; i < end; i++) addRow(histogram, view, totalBins, i);
}

/**
 * Adds the one row `i` to `histogram` (see {@linkcode addRowsToHistogram}). One-byte codes are
 * read four at a time from their 32-bit words (little-endian, as on every platform Deno runs on):
 * a quarter of the loads, in the loop that dominates a large fit (`bench/cart_fit.ts`).
 */
function addRow(histogram: Int32Array, view: RowView, totalBins: number, i: number): void {
  const { codes, columns, binOffsets, stride, labels } = view;
  const classBase = labels[i] * totalBins;
  let c = 0;
  if (codes.BYTES_PER_ELEMENT === 1) {
    const words = view.words;
    const first = i * view.wordsPerRow;
    const fullWords = columns >>> 2;
    for (let w = 0; w < fullWords; w++, c += 4) {
      const word = words[first + w];
      histogram[classBase + binOffsets[c] + (word & 0xff)]++;
      histogram[classBase + binOffsets[c + 1] + ((word >>> 8) & 0xff)]++;
      histogram[classBase + binOffsets[c + 2] + ((word >>> 16) & 0xff)]++;
      histogram[classBase + binOffsets[c + 3] + (word >>> 24)]++;
    }
  }
  const base = i * stride;
  for (; c < columns; c++) histogram[classBase + binOffsets[c] + codes[base + c]]++;
}

/** Swaps rows `i` and `j`: their words and their labels. */
function swapRows(view: RowView, i: number, j: number): void {
  const { words, wordsPerRow, labels } = view;
  const a = i * wordsPerRow;
  const b = j * wordsPerRow;
  for (let w = 0; w < wordsPerRow; w++) {
    const word = words[a + w];
    words[a + w] = words[b + w];
    words[b + w] = word;
  }
  const label = labels[i];
  labels[i] = labels[j];
  labels[j] = label;
}

/** Which rows {@linkcode partitionRows} adds to its histogram. */
export type CountedSide = "left" | "right" | "none";

/** A split of a node's rows, and which of them to count into which histogram. */
export interface PartitionPass {
  /** First row. */
  readonly start: number;
  /** End (exclusive). */
  readonly end: number;
  /** The feature the split tests. */
  readonly feature: number;
  /** The feature's last bin that goes left. */
  readonly bin: number;
  /** Where the rows of `counted` are counted; null to count none. */
  readonly histogram: Int32Array | null;
  /** Which rows to count. */
  readonly counted: CountedSide;
}

/**
 * Moves the rows of `[start, end)` whose code of `feature` is <= `bin` (the left rows) before
 * the others, in place and in no particular order, and returns how many went left. The rows of
 * `counted` are added to `histogram` on the way, which saves a second pass over them.
 */
export function partitionRows(view: RowView, pass: PartitionPass): number {
  const { codes, stride, binOffsets, columns } = view;
  const { start, end, feature, bin, histogram, counted } = pass;
  const totalBins = binOffsets[columns];
  const countLeft = counted === "left" && histogram !== null;
  const countRight = counted === "right" && histogram !== null;
  let i = start;
  let j = end - 1;
  for (;;) {
    while (i <= j && codes[i * stride + feature] <= bin) {
      if (countLeft) addRow(histogram, view, totalBins, i);
      i++;
    }
    while (i < j && codes[j * stride + feature] > bin) {
      if (countRight) addRow(histogram, view, totalBins, j);
      j--;
    }
    if (i >= j) break;
    // Row i goes right and row j goes left: swap them, then both are in place.
    swapRows(view, i, j);
    if (countLeft) addRow(histogram, view, totalBins, i);
    if (countRight) addRow(histogram, view, totalBins, j);
    i++;
    j--;
  }
  // Rows from i on go right; the loops above may have stopped on one not yet counted.
  if (countRight && i === j) addRow(histogram, view, totalBins, i);
  return i - start;
}

/** A pass over the rows `[start, end)`, as the main thread hands it to a row worker. */
export type RowTask =
  | { readonly kind: "histogram"; readonly start: number; readonly end: number }
  | {
    readonly kind: "partition";
    readonly start: number;
    readonly end: number;
    readonly feature: number;
    readonly bin: number;
    readonly counted: CountedSide;
  };

/**
 * Runs `task` into `histogram` (cleared first): a histogram of the rows, or a partition that
 * counts the rows of its `counted` side. Returns the number of rows that went left (0 for a
 * histogram).
 */
export function runRowTask(view: RowView, run: { task: RowTask; histogram: Int32Array }): number {
  const { task, histogram } = run;
  histogram.fill(0);
  if (task.kind === "histogram") {
    addRowsToHistogram(view, { start: task.start, end: task.end, histogram });
    return 0;
  }
  const { start, end, feature, bin, counted } = task;
  return partitionRows(view, { start, end, feature, bin, histogram, counted });
}
