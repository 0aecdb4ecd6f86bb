/**
 * Fitting a CART tree: checks the data, resolves the hyperparameters, bins the features (unless
 * they were binned while read) and grows the tree. Without `max_leaf_nodes` the tree grows depth first; with it, best first by
 * impurity decrease (a heap), as scikit-learn does.
 *
 * On a machine with several cores, nodes of many rows have their histograms counted and their
 * rows moved by Web Workers (`row_workers.ts`) on rows in shared memory (`shared_rows.ts`); the
 * counts are integers, so the tree is the same byte for byte as on one thread.
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
import { type Candidate, TreeBuilder } from "./tree_builder.ts";

/** Milliseconds of work between two yields to the event loop during fit. */
const YIELD_EVERY_MS = 100;

/**
 * Nodes with fewer rows stay on the main thread: below this, handing a pass to the workers and
 * joining their results costs more than the pass (bench/cart_fit.ts measures it).
 */
export const PARALLEL_MIN_ROWS = 100_000;

/** Options of a cart fit: the common ones, and how many threads count and move rows. */
export interface CartFitOptions extends FitOptions {
  /**
   * Threads that share the passes over the rows of large nodes (counting histograms, moving rows):
   * the main thread and `threads - 1` Web Workers. 1 keeps the whole fit on the main thread.
   * Default: the number of cores.
   */
  threads?: number;
  /** Nodes with fewer rows stay on the main thread. Default: {@linkcode PARALLEL_MIN_ROWS}. */
  parallelMinRows?: number;
}

/** A max-heap of candidates by improvement (earlier node first on ties). */
class CandidateHeap {
  items: Candidate[] = [];

  get size(): number {
    return this.items.length;
  }

  static before(a: Candidate, b: Candidate): boolean {
    return a.improvement > b.improvement || (a.improvement === b.improvement && a.node < b.node);
  }

  push(item: Candidate): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!CandidateHeap.before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): Candidate {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && CandidateHeap.before(items[l], items[best])) best = l;
        if (r < items.length && CandidateHeap.before(items[r], items[best])) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best], items[i]];
        i = best;
      }
    }
    return top;
  }
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

/** Seconds between two progress lines of a long fit. */
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
  if (!(threads >= 2) || rows < parallelMinRows) {
    const builder = new TreeBuilder(binned, labels, resolved, {
      labelsInPlace: options.labelsInPlace,
    });
    return await grow(builder, classCounts, resolved, options);
  }
  const sharing = performance.now();
  const shared = shareRows(binned, labels, { labelsInPlace: options.labelsInPlace });
  const sharedMs = Math.round(performance.now() - sharing);
  const builder = new TreeBuilder(shared.binned, shared.labels, resolved, {
    labelsInPlace: true,
  });
  const workers = new RowWorkers(builder.rowView, {
    workers: threads - 1,
    classCount: classCounts.length,
    signal: options.signal,
  });
  builder.useWorkers(workers, parallelMinRows);
  try {
    options.log?.(
      `cart: ${threads} threads for nodes of ${parallelMinRows} rows or more, ${
        (shared.copiedBytes / 1048576).toFixed(1)
      } MiB copied into shared memory in ${sharedMs} ms`,
    );
    const fitted = await grow(builder, classCounts, resolved, options);
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
  options: FitOptions & { checkpoint: () => Promise<void>; started: number },
): Promise<FittedTree> {
  const { checkpoint, started } = options;
  const rows = builder.rows;
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
  const bestFirst = Number.isFinite(resolved.maxLeafNodes);
  const root = builder.search.isLeafBySize(classCounts, 0)
    ? (builder.addNode(classCounts, 0), null)
    : await builder.prepare(0, rows, 0, classCounts, null);
  if (root !== null) {
    if (bestFirst) {
      const heap = new CandidateHeap();
      heap.push(root);
      while (heap.size > 0 && builder.leaves < resolved.maxLeafNodes) {
        for (const child of await builder.split(heap.pop())) heap.push(child);
        await progress();
      }
      for (const rest of heap.items) builder.releaseHistogram(rest.histogram);
    } else {
      const stack: Candidate[] = [root];
      while (stack.length > 0) {
        const children = await builder.split(stack.pop()!);
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
        await progress();
      }
    }
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
  };
}
