/**
 * The nodes of a tree being grown, as the flat arrays the model keeps (`flat_tree.ts`), grown by
 * doubling as nodes are added: every node starts as a leaf, and becomes a split when its split is
 * committed.
 *
 * @module
 */

import type { FlatTree } from "./flat_tree.ts";

/** The rows of each node of a tree, in the order in which the fit left the rows. */
export interface NodeRows {
  /** First row of each node. */
  readonly start: Int32Array;
  /** End (exclusive) of each node's rows. */
  readonly end: Int32Array;
}

/** The flat arrays of a growing tree, with its leaf count and depth. */
export class TreeNodes {
  readonly #classWeight: Float64Array;
  readonly #classCount: number;
  #feature: Int32Array;
  #threshold: Float64Array;
  #left: Int32Array;
  #right: Int32Array;
  #value: Float64Array;
  #rowStart: Int32Array;
  #rowEnd: Int32Array;
  #nodes = 0;
  /** Number of leaves so far. */
  leaves = 0;
  /** Depth of the deepest node so far. */
  depth = 0;

  /** An empty tree whose leaves hold class counts times `classWeight`. */
  constructor(classWeight: Float64Array) {
    const capacity = 1024;
    this.#classWeight = classWeight;
    this.#classCount = classWeight.length;
    this.#feature = new Int32Array(capacity);
    this.#threshold = new Float64Array(capacity);
    this.#left = new Int32Array(capacity);
    this.#right = new Int32Array(capacity);
    this.#value = new Float64Array(capacity * this.#classCount);
    this.#rowStart = new Int32Array(capacity);
    this.#rowEnd = new Int32Array(capacity);
  }

  /**
   * Appends a leaf of unweighted class counts `counts` at `depth`, holding the rows
   * `[rows.start, rows.end)` in the builder's row order; returns its id.
   */
  add(counts: Float64Array, depth: number, rows: { start: number; end: number }): number {
    if (this.#nodes === this.#feature.length) this.#grow();
    const id = this.#nodes++;
    this.#feature[id] = -2;
    this.#threshold[id] = -2;
    this.#left[id] = -1;
    this.#right[id] = -1;
    this.#rowStart[id] = rows.start;
    this.#rowEnd[id] = rows.end;
    const k = this.#classCount;
    for (let j = 0; j < k; j++) this.#value[id * k + j] = counts[j] * this.#classWeight[j];
    this.leaves++;
    if (depth > this.depth) this.depth = depth;
    return id;
  }

  /** Makes leaf `node` a split on `feature` at `threshold` with children `left` and `right`. */
  split(
    node: number,
    test: { feature: number; threshold: number; left: number; right: number },
  ): void {
    this.leaves--;
    this.#feature[node] = test.feature;
    this.#threshold[node] = test.threshold;
    this.#left[node] = test.left;
    this.#right[node] = test.right;
  }

  /** Doubles the capacity of the arrays. */
  #grow(): void {
    const capacity = this.#feature.length * 2;
    this.#feature = copied(this.#feature, new Int32Array(capacity));
    this.#threshold = copied(this.#threshold, new Float64Array(capacity));
    this.#left = copied(this.#left, new Int32Array(capacity));
    this.#right = copied(this.#right, new Int32Array(capacity));
    this.#value = copied(this.#value, new Float64Array(capacity * this.#classCount));
    this.#rowStart = copied(this.#rowStart, new Int32Array(capacity));
    this.#rowEnd = copied(this.#rowEnd, new Int32Array(capacity));
  }

  /** The rows each node holds, `[start[node], end[node])` in the builder's row order. */
  rows(): NodeRows {
    return {
      start: this.#rowStart.slice(0, this.#nodes),
      end: this.#rowEnd.slice(0, this.#nodes),
    };
  }

  /** The tree, trimmed to its nodes. */
  tree(): FlatTree {
    const n = this.#nodes;
    return {
      nodes: n,
      classCount: this.#classCount,
      feature: this.#feature.slice(0, n),
      threshold: this.#threshold.slice(0, n),
      left: this.#left.slice(0, n),
      right: this.#right.slice(0, n),
      value: this.#value.slice(0, n * this.#classCount),
    };
  }
}

/** `into`, a larger array, with `from` copied to its start. */
function copied<T extends Int32Array | Float64Array>(from: T, into: T): T {
  into.set(from);
  return into;
}
