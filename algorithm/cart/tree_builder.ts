/**
 * The CART tree builder: turns nodes into splits and keeps every node's rows contiguous.
 *
 * The rows' bin codes are moved (as 32-bit words) at every split so that each node's rows are
 * one block: a histogram pass streams through memory. The larger child's histogram is the
 * parent's minus the smaller child's, counted while the parent's rows are moved
 * (`row_kernels.ts`), so each split reads its rows once. A split depends only on class counts, so
 * the order of a node's rows does not matter and the move needs no scratch memory.
 * A split goes in three steps: it is planned (threshold, children's counts, the job), its job
 * (`node_job.ts`) is run, on this thread or a row worker, ahead of the order of commits, and it
 * is committed, which numbers the children and searches them when the search draws features.
 * The order of commits (depth first or best first) is the caller's choice (`grow.ts`).
 *
 * With row workers, a node of at least `parallelMinRows` rows has each pass shared by all
 * threads, each on a slice of the rows; a smaller node's job runs on one thread, several such
 * jobs at once. The tree is the same either way.
 *
 * @module
 */

import type { BinnedFeatures } from "./binning.ts";
import type { ResolvedParams } from "./hyperparameters.ts";
import type { FlatTree } from "./flat_tree.ts";
import { type NodeRows, TreeNodes } from "./tree_nodes.ts";
import {
  type ChildSplit,
  completeNodeJob,
  type NodeJob,
  type NodeJobResult,
  runNodeJob,
} from "./node_job.ts";
import { addRowsToHistogram, type RowView, rowViewOf } from "./row_kernels.ts";
import type { RowWorkers } from "./row_workers.ts";
import { SplitSearch, type SplitTarget, totalWeightOf } from "./split_search.ts";

/** Histograms of frontier nodes kept for the subtraction trick are capped at this many bytes. */
const HISTOGRAM_BUDGET_BYTES = 128 * 1024 * 1024;

/** Histograms kept for reuse rather than allocated again. */
const SPARE_HISTOGRAMS = 32;

/** How a planned split divides its node, and the job that does the work. */
export interface SplitPlan {
  /** The threshold the node will test. */
  readonly threshold: number;
  /** Unweighted class counts of the left child. */
  readonly leftCounts: Float64Array;
  /** Unweighted class counts of the right child. */
  readonly rightCounts: Float64Array;
  /** Where the right child's rows will start. */
  readonly middle: number;
  /** Whether the left child may be split (it is not a leaf by its size or depth). */
  readonly needLeft: boolean;
  /** Whether the right child may be split. */
  readonly needRight: boolean;
  /** The work on the rows and histograms. */
  readonly job: NodeJob;
}

/**
 * A node that can be split: its rows, its best split, and how far its split has got. Its split
 * is planned, then its job is run (on any thread, ahead of the order of commits), then it is
 * committed, which gives its children their node ids.
 */
export interface Candidate extends SplitTarget {
  /** The node's id in the tree; -1 until the split of its parent is committed. */
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
  /** Whether `splitFeature`, `splitBin` and `improvement` hold the node's best split. */
  searched: boolean;
  /** Where the split has got: not started, its job running, or its job done. */
  state: "idle" | "running" | "done";
  /** The worker that runs its job, -1 for this thread. */
  worker: number;
  /** The planned split, once planned. */
  plan: SplitPlan | null;
  /** Once the job is done: the left child if it may be split (maybe not searched yet). */
  leftChild: Candidate | null;
  /** Once the job is done: the right child if it may be split. */
  rightChild: Candidate | null;
}

/** Grows a tree on binned data, one split at a time. */
export class TreeBuilder {
  private readonly binned: BinnedFeatures;
  private readonly params: ResolvedParams;
  private readonly classCount: number;
  /** The split search and leaf rules, shared by every node. */
  private readonly search: SplitSearch;
  /**
   * The rows as the row passes see them: the bin codes (moved as 32-bit words so that every
   * node's rows are contiguous) and the labels in the same order.
   */
  private readonly view: RowView;
  private workers: RowWorkers | null = null;
  private parallelMinRows = Infinity;
  private readonly histogramLength: number;
  private spareHistograms: Int32Array[] = [];
  private liveHistogramBytes = 0;
  private readonly nodes: TreeNodes;

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
    const totalWeight = totalWeightOf(labels, params.classWeight);
    this.search = new SplitSearch(binned, params, { totalWeight });
    this.histogramLength = binned.binOffsets[binned.columns] * classCount;
    this.view = rowViewOf(binned, options.labelsInPlace ? labels : Int32Array.from(labels));
    this.nodes = new TreeNodes(params.classWeight);
  }

  /** A histogram for a candidate, from the pool when one is spare. */
  private takeHistogram(): Int32Array {
    this.liveHistogramBytes += this.histogramLength * 4;
    const spare = this.spareHistograms.pop();
    if (spare !== undefined) return spare;
    // Workers count into histograms of node jobs, which must be shared with them.
    if (this.workers === null) return new Int32Array(this.histogramLength);
    return new Int32Array(new SharedArrayBuffer(this.histogramLength * 4));
  }

  /** Returns a histogram no candidate needs any more to the pool. */
  private releaseHistogram(histogram: Int32Array | null): void {
    if (histogram === null) return;
    this.liveHistogramBytes -= this.histogramLength * 4;
    if (this.spareHistograms.length < SPARE_HISTOGRAMS) this.spareHistograms.push(histogram);
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

  /**
   * Counts the class histogram of rows `[start, end)` into `histogram`, with the workers sharing
   * the pass when `shared` and the rows are many enough (the workers must be idle then).
   */
  private async fillHistogram(
    histogram: Int32Array,
    range: { start: number; end: number; shared: boolean },
  ): Promise<void> {
    const { start, end } = range;
    if (range.shared && this.parallel(start, end)) {
      return await this.workers!.histogram({ start, end }, histogram);
    }
    histogram.fill(0);
    addRowsToHistogram(this.view, { start, end, histogram });
  }

  /** Number of leaves grown so far. */
  get leaves(): number {
    return this.nodes.leaves;
  }

  /** Depth of the deepest node so far. */
  get depth(): number {
    return this.nodes.depth;
  }

  /** Makes the root node; returns it as a candidate if it can be split. */
  async root(counts: Float64Array): Promise<Candidate | null> {
    if (this.search.isLeafBySize(counts, 0)) {
      this.nodes.add(counts, 0, { start: 0, end: this.rows });
      return null;
    }
    const candidate = this.candidate(0, this.rows, { depth: 0, counts, histogram: null });
    candidate.node = this.nodes.add(counts, 0, candidate);
    candidate.histogram = this.takeHistogram();
    await this.fillHistogram(candidate.histogram, { start: 0, end: this.rows, shared: true });
    return this.searched(candidate) ? candidate : null;
  }

  /** A candidate for rows `[start, end)`, not yet searched nor numbered. */
  private candidate(
    start: number,
    end: number,
    node: { depth: number; counts: Float64Array; histogram: Int32Array | null },
  ): Candidate {
    return {
      node: -1,
      start,
      end,
      depth: node.depth,
      counts: node.counts,
      histogram: node.histogram,
      searched: false,
      splitFeature: -1,
      splitBin: -1,
      improvement: 0,
      state: "idle",
      worker: -1,
      plan: null,
      leftChild: null,
      rightChild: null,
    };
  }

  /**
   * Searches a candidate's best split on this thread (drawing features in the order of the
   * calls); false when it must stay a leaf, its histogram then released.
   */
  private searched(candidate: Candidate): boolean {
    if (!this.search.find(candidate.histogram!, candidate.counts, candidate)) {
      this.releaseHistogram(candidate.histogram);
      candidate.histogram = null;
      return false;
    }
    candidate.searched = true;
    this.keepWithinBudget(candidate);
    return true;
  }

  /** Drops a candidate's histogram (to be counted again) when too many are kept. */
  private keepWithinBudget(candidate: Candidate): void {
    if (this.liveHistogramBytes <= HISTOGRAM_BUDGET_BYTES) return;
    this.releaseHistogram(candidate.histogram);
    candidate.histogram = null;
  }

  /** Whether a candidate's rows are many enough to share each pass with the workers. */
  isLarge(candidate: Candidate): boolean {
    return this.parallel(candidate.start, candidate.end);
  }

  /** Whether node jobs search the children (the search draws no features). */
  private get searchesInJobs(): boolean {
    return this.search.drawsNothing;
  }

  /**
   * Counts a candidate's histogram again if it was not kept, with the workers sharing the pass
   * when `shared` and the candidate is large (they must be idle then).
   */
  async countHistogram(candidate: Candidate, options: { shared: boolean }): Promise<void> {
    if (candidate.histogram !== null) return;
    candidate.histogram = this.takeHistogram();
    const { start, end } = candidate;
    await this.fillHistogram(candidate.histogram, { start, end, shared: options.shared });
  }

  /**
   * Plans a searched candidate's split from its histogram (which must be there): its threshold,
   * its children's counts, and the job, which takes the histogram over.
   */
  plan(candidate: Candidate): void {
    if (candidate.histogram === null) throw new Error("Cannot plan a split without a histogram");
    const { columns, binOffsets, binLow, binHigh } = this.binned;
    const totalBins = binOffsets[columns];
    const f = candidate.splitFeature;
    const b = candidate.splitBin;
    const k = this.classCount;
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
    const leftSmaller = middle - start <= end - middle;
    const inJob = this.searchesInJobs;
    candidate.histogram = null;
    candidate.plan = {
      threshold,
      leftCounts,
      rightCounts,
      middle,
      needLeft,
      needRight,
      job: {
        start,
        end,
        feature: f,
        bin: b,
        counted: leftSmaller ? "left" : "right",
        // The smaller child's histogram is counted; the larger one's is the parent's minus it.
        small: needLeft || needRight ? this.takeHistogram() : null,
        parent: histogram,
        keepLarge: leftSmaller ? needRight : needLeft,
        leftCounts,
        rightCounts,
        searchLeft: inJob && needLeft,
        searchRight: inJob && needRight,
      },
    };
  }

  /**
   * Runs a planned candidate's job on this thread, with the workers sharing its passes when
   * `shared` and it is large (they must be idle then), and takes its result.
   */
  async runHere(candidate: Candidate, options: { shared: boolean }): Promise<void> {
    const job = candidate.plan!.job;
    const search = this.searchesInJobs ? this.search : null;
    candidate.state = "running";
    candidate.worker = -1;
    let result: NodeJobResult;
    if (options.shared && this.isLarge(candidate)) {
      const { start, end, feature, bin, small } = job;
      const found = await this.workers!.partition({ start, end, feature, bin }, {
        histogram: small,
        counted: job.counted,
      });
      result = completeNodeJob(search, { job, left: found - start });
    } else result = runNodeJob(this.view, { job, search });
    this.finish(candidate, result);
  }

  /**
   * Takes the result of a candidate's job: checks the rows that went left, and makes the
   * children that may be split (searched when the job searched them).
   */
  finish(candidate: Candidate, result: NodeJobResult): void {
    const plan = candidate.plan!;
    const { job, middle } = plan;
    const { start, end } = candidate;
    if (start + result.left !== middle) {
      throw new Error(
        `Cannot split the node of rows ${start} to ${end}: ${result.left} rows went left, expected ${
          middle - start
        }`,
      );
    }
    const leftSmaller = job.counted === "left";
    const large = job.keepLarge ? job.parent : null;
    if (large === null) this.releaseHistogram(job.parent);
    const needSmall = leftSmaller ? plan.needLeft : plan.needRight;
    if (!needSmall) this.releaseHistogram(job.small);
    const small = needSmall ? job.small : null;
    const depth = candidate.depth + 1;
    const child = (
      need: boolean,
      range: { start: number; end: number; counts: Float64Array; histogram: Int32Array | null },
      split: ChildSplit,
    ): Candidate | null => {
      if (!need) return null;
      if (split === null) {
        this.releaseHistogram(range.histogram);
        return null;
      }
      const made = this.candidate(range.start, range.end, { ...range, depth });
      if (split !== undefined) {
        made.splitFeature = split.splitFeature;
        made.splitBin = split.splitBin;
        made.improvement = split.improvement;
        made.searched = true;
        this.keepWithinBudget(made);
      }
      return made;
    };
    candidate.leftChild = child(plan.needLeft, {
      start,
      end: middle,
      counts: plan.leftCounts,
      histogram: leftSmaller ? small : large,
    }, result.leftSplit);
    candidate.rightChild = child(plan.needRight, {
      start: middle,
      end,
      counts: plan.rightCounts,
      histogram: leftSmaller ? large : small,
    }, result.rightSplit);
    candidate.state = "done";
  }

  /**
   * Commits the split of a candidate whose job is done: the node's test, its children's ids
   * (the next ones), the searches the job left to this thread; returns the children that can be
   * split further.
   */
  commit(candidate: Candidate): Candidate[] {
    const plan = candidate.plan!;
    const node = candidate.node;
    const depth = candidate.depth + 1;
    const children: Candidate[] = [];
    const numbered = (
      counts: Float64Array,
      child: Candidate | null,
      rows: { start: number; end: number },
    ) => {
      const id = this.nodes.add(counts, depth, rows);
      if (child === null) return id;
      child.node = id;
      if (child.searched || this.searched(child)) children.push(child);
      return id;
    };
    const { start, end } = candidate;
    const left = numbered(plan.leftCounts, candidate.leftChild, { start, end: plan.middle });
    const right = numbered(plan.rightCounts, candidate.rightChild, { start: plan.middle, end });
    this.nodes.split(node, {
      feature: candidate.splitFeature,
      threshold: plan.threshold,
      left,
      right,
    });
    candidate.plan = null;
    candidate.leftChild = null;
    candidate.rightChild = null;
    return children;
  }

  /** Returns the histograms an uncommitted candidate and its uncommitted children hold. */
  discard(candidate: Candidate): void {
    this.releaseHistogram(candidate.histogram);
    candidate.histogram = null;
    if (candidate.plan !== null && candidate.state !== "done") {
      this.releaseHistogram(candidate.plan.job.parent);
      this.releaseHistogram(candidate.plan.job.small);
    }
    for (const child of [candidate.leftChild, candidate.rightChild]) {
      if (child !== null) this.discard(child);
    }
  }

  /** The grown tree, trimmed to its nodes. */
  tree(): FlatTree {
    return this.nodes.tree();
  }

  /** The rows of each node of the grown tree, in the order the fit left them. */
  nodeRows(): NodeRows {
    return this.nodes.rows();
  }
}
