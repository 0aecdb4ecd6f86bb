/**
 * The CART tree builder: turns nodes into splits and keeps every node's rows contiguous.
 *
 * The rows' bin codes are moved (as 32-bit words) at every split so that each node's rows are
 * one block: a histogram pass streams through memory. The larger child's histogram is the
 * parent's minus the smaller child's, counted while the parent's rows are moved
 * (`row_kernels.ts`), so each split reads its rows once. A split depends only on class counts, so
 * the order of a node's rows does not matter and the move needs no scratch memory.
 * The order in which nodes are split (depth first or best first) is the caller's choice.
 *
 * With row workers, a node of at least `parallelMinRows` rows has its histogram counted and its
 * rows moved by the workers, each on a slice of the rows; smaller nodes stay on this thread,
 * where a pass costs less than handing it over. The tree is the same either way.
 *
 * @module
 */

import type { BinnedFeatures } from "./binning.ts";
import type { ResolvedParams } from "./hyperparameters.ts";
import type { FlatTree } from "./flat_tree.ts";
import { addRowsToHistogram, partitionRows, type RowView } from "./row_kernels.ts";
import type { RowWorkers } from "./row_workers.ts";
import { SplitSearch, type SplitTarget } from "./split_search.ts";

/** Histograms of frontier nodes kept for the subtraction trick are capped at this many bytes. */
const HISTOGRAM_BUDGET_BYTES = 128 * 1024 * 1024;

/** A node being grown: its rows and, once searched, its best split. */
export interface Candidate extends SplitTarget {
  /** The node's id in the tree. */
  node: number;
  /** First of the node's rows in the builder's row order. */
  start: number;
  /** End (exclusive) of the node's rows. */
  end: number;
  /** Depth of the node; the root has depth 0. */
  depth: number;
  /** Unweighted class counts. */
  counts: Float64Array;
  /** Class histogram over the global bins, class-major, or null when it was not kept. */
  histogram: Int32Array | null;
}

function subtractHistogram(target: Int32Array, minus: Int32Array): void {
  for (let i = 0; i < target.length; i++) target[i] -= minus[i];
}

/** Grows a tree on binned data, one split at a time. */
export class TreeBuilder {
  private readonly binned: BinnedFeatures;
  private readonly params: ResolvedParams;
  private readonly classCount: number;
  /** The split search and leaf rules, shared by every node. */
  readonly search: SplitSearch;
  /** The rows' bin codes as 32-bit words, moved so that every node's rows are contiguous. */
  private readonly words: Uint32Array;
  private readonly wordsPerRow: number;
  /** Labels in the same (node) order as `words`. */
  private readonly rowLabels: Int32Array;
  /** The rows as the row passes see them. */
  private readonly view: RowView;
  private workers: RowWorkers | null = null;
  private parallelMinRows = Infinity;
  private readonly histogramLength: number;
  private spareHistograms: Int32Array[] = [];
  private liveHistogramBytes = 0;
  private feature: Int32Array;
  private threshold: Float64Array;
  private left: Int32Array;
  private right: Int32Array;
  private value: Float64Array;
  private nodes = 0;
  /** Number of leaves grown so far. */
  leaves = 0;
  /** Depth of the deepest node so far. */
  depth = 0;

  /**
   * Prepares to grow a tree on `binned`, whose rows are labelled `labels`; moves its codes.
   * With `labelsInPlace` the labels are moved along with the codes instead of copied.
   */
  constructor(
    binned: BinnedFeatures,
    labels: Int32Array,
    params: ResolvedParams,
    options: { labelsInPlace?: boolean } = {},
  ) {
    const classCount = params.classWeight.length;
    this.binned = binned;
    this.params = params;
    this.classCount = classCount;
    this.search = new SplitSearch(binned, labels, params);
    const codes = binned.codes;
    this.words = new Uint32Array(codes.buffer, codes.byteOffset, codes.byteLength / 4);
    this.wordsPerRow = binned.rows === 0 ? 0 : this.words.length / binned.rows;
    this.rowLabels = options.labelsInPlace ? labels : Int32Array.from(labels);
    this.histogramLength = binned.binOffsets[binned.columns] * classCount;
    this.view = {
      codes,
      words: this.words,
      wordsPerRow: this.wordsPerRow,
      stride: binned.stride,
      columns: binned.columns,
      binOffsets: binned.binOffsets,
      labels: this.rowLabels,
    };
    const capacity = 1024;
    this.feature = new Int32Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.value = new Float64Array(capacity * classCount);
  }

  /** A histogram for a candidate, from the pool when one is spare. */
  private takeHistogram(): Int32Array {
    this.liveHistogramBytes += this.histogramLength * 4;
    return this.spareHistograms.pop() ?? new Int32Array(this.histogramLength);
  }

  /** Returns a histogram no candidate needs any more to the pool. */
  releaseHistogram(histogram: Int32Array | null): void {
    if (histogram === null) return;
    this.liveHistogramBytes -= this.histogramLength * 4;
    if (this.spareHistograms.length < 8) this.spareHistograms.push(histogram);
  }

  /** Number of rows. */
  get rows(): number {
    return this.binned.rows;
  }

  /** The rows (codes in node order and their labels), for row workers to share. */
  get rowView(): RowView {
    return this.view;
  }

  /**
   * Hands the passes over nodes of at least `minRows` rows to `workers`, which must have been
   * started on {@linkcode TreeBuilder.rowView}.
   */
  useWorkers(workers: RowWorkers, minRows: number): void {
    this.workers = workers;
    this.parallelMinRows = minRows;
  }

  /** Whether the rows `[start, end)` are many enough to hand to the workers. */
  private parallel(start: number, end: number): boolean {
    return this.workers !== null && end - start >= this.parallelMinRows;
  }

  /** Counts the class histogram of rows `[start, end)` into `histogram`. */
  private async fillHistogram(histogram: Int32Array, start: number, end: number): Promise<void> {
    if (this.parallel(start, end)) return await this.workers!.histogram({ start, end }, histogram);
    histogram.fill(0);
    addRowsToHistogram(this.view, { start, end, histogram });
  }

  /** Appends a node (as a leaf) and returns its id. */
  addNode(counts: Float64Array, depth: number): number {
    if (this.nodes === this.feature.length) this.grow();
    const id = this.nodes++;
    this.feature[id] = -2;
    this.threshold[id] = -2;
    this.left[id] = -1;
    this.right[id] = -1;
    const k = this.classCount;
    for (let j = 0; j < k; j++) this.value[id * k + j] = counts[j] * this.params.classWeight[j];
    this.leaves++;
    if (depth > this.depth) this.depth = depth;
    return id;
  }

  /** Doubles the capacity of the node arrays. */
  private grow(): void {
    const capacity = this.feature.length * 2;
    const feature = new Int32Array(capacity);
    feature.set(this.feature);
    this.feature = feature;
    const threshold = new Float64Array(capacity);
    threshold.set(this.threshold);
    this.threshold = threshold;
    const left = new Int32Array(capacity);
    left.set(this.left);
    this.left = left;
    const right = new Int32Array(capacity);
    right.set(this.right);
    this.right = right;
    const value = new Float64Array(capacity * this.classCount);
    value.set(this.value);
    this.value = value;
  }

  /** Makes a node for rows `[start, end)`; returns a candidate if it can be split. */
  async prepare(
    start: number,
    end: number,
    depth: number,
    counts: Float64Array,
    histogram: Int32Array | null,
  ): Promise<Candidate | null> {
    const node = this.addNode(counts, depth);
    const candidate: Candidate = {
      node,
      start,
      end,
      depth,
      counts,
      histogram,
      splitFeature: -1,
      splitBin: -1,
      improvement: 0,
    };
    if (histogram === null) {
      candidate.histogram = this.takeHistogram();
      await this.fillHistogram(candidate.histogram, start, end);
    }
    if (!this.search.find(candidate.histogram!, counts, candidate)) {
      this.releaseHistogram(candidate.histogram);
      return null;
    }
    if (this.liveHistogramBytes > HISTOGRAM_BUDGET_BYTES) {
      this.releaseHistogram(candidate.histogram);
      candidate.histogram = null;
    }
    return candidate;
  }

  /** Splits a candidate's node; returns the children that can be split further. */
  async split(candidate: Candidate): Promise<Candidate[]> {
    const { columns, binOffsets, binLow, binHigh } = this.binned;
    const totalBins = binOffsets[columns];
    const f = candidate.splitFeature;
    const b = candidate.splitBin;
    const k = this.classCount;
    if (candidate.histogram === null) {
      candidate.histogram = this.takeHistogram();
      await this.fillHistogram(candidate.histogram, candidate.start, candidate.end);
    }
    const histogram = candidate.histogram;
    // The threshold lies between the highest value left and the lowest value right of it.
    const offset = binOffsets[f];
    let next = b + 1;
    for (;; next++) {
      let inBin = 0;
      for (let j = 0; j < k; j++) inBin += histogram[j * totalBins + offset + next];
      if (inBin > 0) break;
    }
    const low = binHigh[offset + b];
    const high = binLow[offset + next];
    let threshold = low / 2 + high / 2;
    if (threshold === high || !Number.isFinite(threshold)) threshold = low;
    const leftCounts = new Float64Array(k);
    const rightCounts = new Float64Array(k);
    for (let bin = 0; bin <= b; bin++) {
      for (let c = 0; c < k; c++) leftCounts[c] += histogram[c * totalBins + offset + bin];
    }
    let rightRows = 0;
    for (let c = 0; c < k; c++) {
      rightCounts[c] = candidate.counts[c] - leftCounts[c];
      rightRows += rightCounts[c];
    }
    const { start, end } = candidate;
    const middle = end - rightRows;
    const depth = candidate.depth + 1;
    const needLeft = !this.search.isLeafBySize(leftCounts, depth);
    const needRight = !this.search.isLeafBySize(rightCounts, depth);
    let leftHistogram: Int32Array | null = null;
    let rightHistogram: Int32Array | null = null;
    const leftSmaller = middle - start <= end - middle;
    // The smaller child's histogram is counted; the larger one's is the parent's minus it.
    const small = needLeft || needRight ? this.takeHistogram() : null;
    // Partition the rows (left when the bin code is <= b), counting the smaller child's on the way.
    const range = { start, end, feature: f, bin: b };
    const counted = leftSmaller ? "left" : "right";
    let found: number;
    if (this.parallel(start, end)) {
      found = await this.workers!.partition(range, { histogram: small, counted });
    } else {
      small?.fill(0);
      found = start + partitionRows(this.view, {
        start,
        end,
        feature: f,
        bin: b,
        histogram: small,
        counted,
      });
    }
    if (found !== middle) {
      throw new Error(
        `Cannot split node ${candidate.node}: ${found - start} rows went left, expected ${
          middle - start
        }`,
      );
    }
    if (small !== null) {
      const needSmall = leftSmaller ? needLeft : needRight;
      const needLarge = leftSmaller ? needRight : needLeft;
      let large: Int32Array | null = null;
      if (needLarge) {
        subtractHistogram(histogram, small);
        large = histogram;
      } else this.releaseHistogram(histogram);
      let smallKept: Int32Array | null = small;
      if (!needSmall) {
        this.releaseHistogram(small);
        smallKept = null;
      }
      leftHistogram = leftSmaller ? smallKept : large;
      rightHistogram = leftSmaller ? large : smallKept;
    } else this.releaseHistogram(histogram);
    candidate.histogram = null;
    const node = candidate.node;
    this.leaves--; // the node stops being a leaf
    this.feature[node] = f;
    this.threshold[node] = threshold;
    const children: Candidate[] = [];
    this.left[node] = this.nodes;
    if (needLeft) {
      const child = await this.prepare(start, middle, depth, leftCounts, leftHistogram);
      if (child !== null) children.push(child);
    } else this.addNode(leftCounts, depth);
    this.right[node] = this.nodes;
    if (needRight) {
      const child = await this.prepare(middle, end, depth, rightCounts, rightHistogram);
      if (child !== null) children.push(child);
    } else this.addNode(rightCounts, depth);
    return children;
  }

  /** The grown tree, trimmed to its nodes. */
  tree(): FlatTree {
    const n = this.nodes;
    return {
      nodes: n,
      classCount: this.classCount,
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      value: this.value.slice(0, n * this.classCount),
    };
  }
}
