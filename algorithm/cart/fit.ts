/**
 * Fitting a CART tree: checks the data, resolves the hyperparameters, bins the features (unless
 * they were binned while read) and grows the tree. Without `max_leaf_nodes` the tree grows depth
 * first; with it, best first by impurity decrease (a heap), as scikit-learn does.
 *
 * On a machine with several cores, Web Workers (`row_workers.ts`) split nodes on rows in shared
 * memory (`shared_rows.ts`): each thread its own node, ahead of the order in which the splits are
 * committed (`grow.ts`), or all threads sharing each pass over a node of many rows. Counts are
 * integers and the commits keep the sequential order, so the tree is the same byte for byte as on
 * one thread.
 *
 * @module
 */

import type { BinnedDataset, Dataset, FitOptions } from "../types.ts";
import type { HyperparameterValues } from "../hyperparameters.ts";
import { binFeatures, type BinnedFeatures } from "./binning.ts";
import {
  type CartParams,
  effectiveParams,
  type ResolvedParams,
  resolveParams,
} from "./hyperparameters.ts";
import type { FlatTree } from "./flat_tree.ts";
import { RowWorkers } from "./row_workers.ts";
import { shareRows } from "./shared_rows.ts";
import { TreeBuilder } from "./tree_builder.ts";
import type { NodeRows } from "./tree_nodes.ts";
import { rowViewOf } from "./row_kernels.ts";
import { drawsNoFeatures, totalWeightOf } from "./split_search.ts";
import { CandidateHeap, CandidateStack } from "./frontier.ts";
import { growFrontier } from "./grow.ts";

/** Milliseconds of work between two yields to the event loop during fit. */
const YIELD_EVERY_MS = 100;

/**
 * Nodes with fewer rows are split by one thread each, several nodes at once; larger ones have
 * each pass shared by all threads, which costs a join of their results (bench/cart_fit.ts
 * measures it).
 */
export const PARALLEL_MIN_ROWS = 100_000;

/**
 * A fit of fewer rows stays on the main thread: starting the workers and copying the rows into
 * shared memory would cost more than they save.
 */
const WORKERS_MIN_ROWS = 100_000;

/** Options of a cart fit: the common ones, and how many threads count and move rows. */
export interface CartFitOptions extends FitOptions {
  /**
   * Threads that split nodes (counting histograms, moving rows, searching splits): the main
   * thread and `threads - 1` Web Workers, each on its own node, or all sharing each pass over a
   * large node. 1 keeps the whole fit on the main thread.
   * Default: the number of cores.
   */
  threads?: number;
  /**
   * Nodes with fewer rows are split by one thread; larger ones have each pass shared by all.
   * Default: {@linkcode PARALLEL_MIN_ROWS}.
   */
  parallelMinRows?: number;
}

/**
 * Stops with the signal's reason as soon as it is aborted (reading the flag costs nothing next
 * to a split), and waits for a macrotask every {@linkcode YIELD_EVERY_MS} so that a SIGTERM
 * listener gets to run and abort it.
 */
function createCheckpoint(signal: AbortSignal | undefined): () => Promise<void> {
  let last = performance.now();
  return async function checkpoint(): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    const now = performance.now();
    if (now - last < YIELD_EVERY_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    last = performance.now();
    if (signal?.aborted) throw signal.reason;
  };
}

/** A fitted tree with what the model records about it. */
export interface FittedTree {
  /** The tree as flat arrays. */
  readonly tree: FlatTree;
  /** Depth of the deepest leaf (the root alone has depth 0). */
  readonly depth: number;
  /** Number of leaves. */
  readonly leaves: number;
  /** The effective hyperparameters it was grown with. */
  readonly params: CartParams;
  /**
   * The rows of each node in the order the fit left the caller's rows (codes and labels), when
   * it reordered them in place (`fitBinnedTree`); a leaf's rows are the training rows it
   * predicts.
   */
  readonly nodeRows?: NodeRows;
}

/** Counts the rows of each class, checking that every label is a class index. */
function countClasses(labels: Int32Array, classCount: number): Float64Array {
  const classCounts = new Float64Array(classCount);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(y >= 0 && y < classCount)) {
      throw new Error(`Cannot fit a tree: label ${y} of row ${i} is not a class index`);
    }
    classCounts[y]++;
  }
  return classCounts;
}

/** Checks that there are rows, one label each, and `expected` feature values (or bin codes). */
function checkShape(rows: number, labels: Int32Array, expected: number, found: number): void {
  if (rows === 0) throw new Error("Cannot fit a tree to 0 rows");
  if (labels.length !== rows) {
    throw new Error(`Cannot fit a tree: ${rows} rows but ${labels.length} labels`);
  }
  if (found !== expected) {
    throw new Error(`Cannot fit a tree: expected ${expected} feature values, found ${found}`);
  }
}

/** Fits a flat CART tree to `data` with validated cart hyperparameters. */
export async function fitTree(
  data: Dataset,
  params: HyperparameterValues,
  options: CartFitOptions = {},
): Promise<FittedTree> {
  const { features, labels, classes } = data;
  const { rows, columns } = features;
  checkShape(rows, labels, rows * columns, features.data.length);
  const classCounts = countClasses(labels, classes.length);
  options.signal?.throwIfAborted();
  const resolved = resolveParams(params, { rows, columns, classCounts });
  const checkpoint = createCheckpoint(options.signal);
  const started = performance.now();
  const binned = await binFeatures(features, resolved.maxBins, { checkpoint });
  options.log?.(
    `cart: binned ${rows} rows x ${columns} features in ${
      Math.round(performance.now() - started)
    } ms`,
  );
  return await growTree(binned, labels, classCounts, resolved, {
    ...options,
    checkpoint,
    started,
    labelsInPlace: false,
  });
}

/**
 * Fits a flat CART tree to features binned while they were read. The rows of `data` (codes and
 * labels) are reordered in place as the tree grows.
 */
export async function fitBinnedTree(
  data: BinnedDataset,
  params: HyperparameterValues,
  options: CartFitOptions = {},
): Promise<FittedTree> {
  const { features, labels, classes } = data;
  const { rows, columns } = features;
  checkShape(rows, labels, rows * features.stride, features.codes.length);
  const classCounts = countClasses(labels, classes.length);
  options.signal?.throwIfAborted();
  const resolved = resolveParams(params, { rows, columns, classCounts });
  const checkpoint = createCheckpoint(options.signal);
  return await growTree(features, labels, classCounts, resolved, {
    ...options,
    checkpoint,
    started: performance.now(),
    labelsInPlace: true,
  });
}

/** Milliseconds between two progress lines of a long fit. */
const PROGRESS_EVERY_MS = 5_000;

/** Grows the tree on binned rows, best first with `max_leaf_nodes`, else depth first. */
async function growTree(
  binned: BinnedFeatures,
  labels: Int32Array,
  classCounts: Float64Array,
  resolved: ResolvedParams,
  options: CartFitOptions & {
    checkpoint: () => Promise<void>;
    started: number;
    labelsInPlace: boolean;
  },
): Promise<FittedTree> {
  const rows = binned.rows;
  const threads = Math.floor(options.threads ?? navigator.hardwareConcurrency ?? 1);
  const parallelMinRows = options.parallelMinRows ?? PARALLEL_MIN_ROWS;
  if (!(threads >= 2) || rows < Math.min(parallelMinRows, WORKERS_MIN_ROWS)) {
    const builder = new TreeBuilder(binned, labels, resolved, {
      labelsInPlace: options.labelsInPlace,
    });
    return await grow(builder, classCounts, resolved, {
      ...options,
      workers: null,
      inPlace: options.labelsInPlace,
    });
  }
  const sharing = performance.now();
  const shared = shareRows(binned, labels, {
    labelsInPlace: options.labelsInPlace,
    copyLater: true,
  });
  // The workers start on the shared memory while the rows are copied into it.
  const workers = new RowWorkers(rowViewOf(shared.binned, shared.labels), {
    workers: threads - 1,
    classCount: classCounts.length,
    signal: options.signal,
    search: drawsNoFeatures(resolved, binned.columns)
      ? {
        bins: {
          binCounts: binned.binCounts,
          binOffsets: binned.binOffsets,
          columns: binned.columns,
        },
        params: resolved,
        totalWeight: totalWeightOf(labels, resolved.classWeight),
      }
      : null,
  });
  try {
    shared.copy();
    const sharedMs = Math.round(performance.now() - sharing);
    const builder = new TreeBuilder(shared.binned, shared.labels, resolved, {
      labelsInPlace: true,
    });
    builder.useWorkers(workers, parallelMinRows);
    options.log?.(
      `cart: ${threads} threads for nodes, passes shared from ${parallelMinRows} rows, ${
        (shared.copiedBytes / 1048576).toFixed(1)
      } MiB copied into shared memory in ${sharedMs} ms`,
    );
    const fitted = await grow(builder, classCounts, resolved, {
      ...options,
      workers,
      // Codes that were not shared already were copied: the caller's rows keep their order.
      inPlace: options.labelsInPlace && shared.binned === binned,
    });
    shared.finish();
    return fitted;
  } finally {
    workers.close();
  }
}

/** Grows the tree with `builder`, best first with `max_leaf_nodes`, else depth first. */
async function grow(
  builder: TreeBuilder,
  classCounts: Float64Array,
  resolved: ResolvedParams,
  options: FitOptions & {
    checkpoint: () => Promise<void>;
    started: number;
    workers: RowWorkers | null;
    inPlace: boolean;
  },
): Promise<FittedTree> {
  const { checkpoint, started, workers } = options;
  let reported = performance.now();
  const progress = async () => {
    await checkpoint();
    const now = performance.now();
    if (options.log === undefined || now - reported < PROGRESS_EVERY_MS) return;
    reported = now;
    options.log(
      `cart: growing, ${builder.leaves} leaves so far, depth ${builder.depth}, ${
        Math.round((now - started) / 1000)
      } s`,
    );
  };
  const root = await builder.root(classCounts);
  if (root !== null) {
    const frontier = Number.isFinite(resolved.maxLeafNodes)
      ? new CandidateHeap()
      : new CandidateStack();
    frontier.push([root]);
    await growFrontier(builder, frontier, {
      maxLeaves: resolved.maxLeafNodes,
      workers,
      progress,
    });
  }
  options.log?.(
    `cart: grew ${builder.leaves} leaves, depth ${builder.depth} in ${
      Math.round(performance.now() - started)
    } ms`,
  );
  return {
    tree: builder.tree(),
    depth: builder.depth,
    leaves: builder.leaves,
    params: effectiveParams(resolved),
    ...(options.inPlace ? { nodeRows: builder.nodeRows() } : {}),
  };
}
