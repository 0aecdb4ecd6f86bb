/**
 * The nodes of a tree being grown, as the flat arrays the model keeps (`flat_tree.ts`), grown by
 * doubling as nodes are added: every node starts as a leaf, and becomes a split when its split is
 * committed.
 *
 * @module
 */

import type { FlatTree } from "./flat_tree.ts";

/** The flat arrays of a growing tree, with its leaf count and depth. */
export class TreeNodes {
  readonly #classWeight: Float64Array;
  readonly #classCount: number;
  #feature: Int32Array;
  #threshold: Float64Array;
  #left: Int32Array;
  #right: Int32Array;
  #value: Float64Array;
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
  }

  /** Appends a leaf of unweighted class counts `counts` at `depth`; returns its id. */
  add(counts: Float64Array, depth: number): number {
    if (this.#nodes === this.#feature.length) this.#grow();
    const id = this.#nodes++;
    this.#feature[id] = -2;
    this.#threshold[id] = -2;
    this.#left[id] = -1;
    this.#right[id] = -1;
    const k = this.#classCount;
    for (let j = 0; j < k; j++) this.#value[id * k + j] = counts[j] * this.#classWeight[j];
    this.leaves++;
    if (depth > this.depth) this.depth = depth;
    return id;
  }

  /** Makes leaf `node` a split on `feature` at `threshold` with children `left` and `right`. */
  split(node: number, test: { feature: number; threshold: number; left: number; right: number }) {
    this.leaves--;
    this.#feature[node] = test.feature;
    this.#threshold[node] = test.threshold;
    this.#left[node] = test.left;
    this.#right[node] = test.right;
  }

  /** Doubles the capacity of the arrays. */
  #grow(): void {
    const capacity = this.#feature.length * 2;
    const feature = new Int32Array(capacity);
    feature.set(this.#feature);
    this.#feature = feature;
    const threshold = new Float64Array(capacity);
    threshold.set(this.#threshold);
    this.#threshold = threshold;
    const left = new Int32Array(capacity);
    left.set(this.#left);
    this.#left = left;
    const right = new Int32Array(capacity);
    right.set(this.#right);
    this.#right = right;
    const value = new Float64Array(capacity * this.#classCount);
    value.set(this.#value);
    this.#value = value;
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
