/**
 * A node job: the part of splitting one node that depends on nothing but the node, so that any
 * thread may do it at any time, ahead of the order in which splits are committed. It moves the
 * node's left rows before its right ones (counting the smaller child's histogram on the way),
 * turns the node's histogram into the larger child's by subtraction, and, when the split search
 * draws no features, searches both children's best splits. Node ids, leaf counts and searches
 * that draw features stay with the commit, in the sequential order (`grow.ts`).
 *
 * Different nodes' rows are disjoint blocks, so jobs of different nodes may run at once.
 *
 * @module
 */

import { type CountedSide, partitionRows, type RowView } from "./row_kernels.ts";
import type { SplitSearch, SplitTarget } from "./split_search.ts";

/** The work of splitting one node, as the main thread hands it to a thread. */
export interface NodeJob {
  /** First of the node's rows. */
  readonly start: number;
  /** End (exclusive) of the node's rows. */
  readonly end: number;
  /** The feature the split tests. */
  readonly feature: number;
  /** The feature's last bin that goes left. */
  readonly bin: number;
  /** Which child's rows are counted into `small`: the child with fewer rows. */
  readonly counted: "left" | "right";
  /** Where the smaller child's rows are counted (cleared first); null when no child needs it. */
  readonly small: Int32Array | null;
  /** The node's histogram; with `keepLarge`, the smaller child's is subtracted from it. */
  readonly parent: Int32Array;
  /** Whether the larger child needs its histogram (the parent's minus the smaller child's). */
  readonly keepLarge: boolean;
  /** Unweighted class counts of the left child. */
  readonly leftCounts: Float64Array;
  /** Unweighted class counts of the right child. */
  readonly rightCounts: Float64Array;
  /** Whether to search the left child's best split. */
  readonly searchLeft: boolean;
  /** Whether to search the right child's best split. */
  readonly searchRight: boolean;
}

/** A child's best split as a job found it: null when it must stay a leaf, undefined unsearched. */
export type ChildSplit = SplitTarget | null | undefined;

/** What a node job found. */
export interface NodeJobResult {
  /** Rows that went left. */
  readonly left: number;
  /** The left child's best split. */
  readonly leftSplit: ChildSplit;
  /** The right child's best split. */
  readonly rightSplit: ChildSplit;
}

/** Values a job result takes in {@linkcode writeResult}'s array. */
export const RESULT_LENGTH = 7;

/**
 * Jobs a worker may have at once (one running, the next queued, so that it need not wait for the
 * main thread between two): its shared result array has a slot for each, job `seq` in slot
 * `seq % JOBS_PER_WORKER`.
 */
export const JOBS_PER_WORKER = 2;

/**
 * Finishes a job whose rows `left` rows went left and whose smaller child is counted: the
 * subtraction and the children's searches.
 */
export function completeNodeJob(
  search: SplitSearch | null,
  run: { job: NodeJob; left: number },
): NodeJobResult {
  const { job, left } = run;
  const { small, parent, keepLarge } = job;
  if (small !== null && keepLarge) {
    for (let i = 0; i < parent.length; i++) parent[i] -= small[i];
  }
  const leftSmaller = job.counted === "left";
  const childSearch = (histogram: Int32Array | null, counts: Float64Array): ChildSplit => {
    if (search === null || histogram === null) return undefined;
    const target: SplitTarget = { splitFeature: -1, splitBin: -1, improvement: 0 };
    return search.find(histogram, counts, target) ? target : null;
  };
  return {
    left,
    leftSplit: job.searchLeft
      ? childSearch(leftSmaller ? small : parent, job.leftCounts)
      : undefined,
    rightSplit: job.searchRight
      ? childSearch(leftSmaller ? parent : small, job.rightCounts)
      : undefined,
  };
}

/**
 * Runs a whole node job on this thread; `search` (one that draws no features) searches the
 * children, null leaves them to the commit.
 */
export function runNodeJob(
  view: RowView,
  run: { job: NodeJob; search: SplitSearch | null },
): NodeJobResult {
  const { job, search } = run;
  const { start, end, feature, bin, small } = job;
  small?.fill(0);
  const counted: CountedSide = small === null ? "none" : job.counted;
  const left = partitionRows(view, { start, end, feature, bin, histogram: small, counted });
  return completeNodeJob(search, { job, left });
}

function writeSplit(out: Float64Array, at: number, split: ChildSplit): void {
  out[at] = split === undefined ? -2 : split === null ? -1 : split.splitFeature;
  out[at + 1] = split?.splitBin ?? -1;
  out[at + 2] = split?.improvement ?? 0;
}

function readSplit(from: Float64Array, at: number): ChildSplit {
  if (from[at] === -2) return undefined;
  if (from[at] === -1) return null;
  return { splitFeature: from[at], splitBin: from[at + 1], improvement: from[at + 2] };
}

/** Writes `result` into `out` ({@linkcode RESULT_LENGTH} values), for a worker to hand back. */
export function writeResult(out: Float64Array, result: NodeJobResult): void {
  out[0] = result.left;
  writeSplit(out, 1, result.leftSplit);
  writeSplit(out, 4, result.rightSplit);
}

/** The result {@linkcode writeResult} wrote into `from`. */
export function readResult(from: Float64Array): NodeJobResult {
  return { left: from[0], leftSplit: readSplit(from, 1), rightSplit: readSplit(from, 4) };
}
