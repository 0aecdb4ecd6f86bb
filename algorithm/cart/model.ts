/**
 * A fitted CART tree and its predictions.
 *
 * The tree is flat typed arrays: `feature`, `threshold`, `left`, `right` per node and the
 * class-weighted class counts `value` (node-major). Leaves have `left = right = -1` and
 * `feature = -2`, as in scikit-learn. A record goes left when `value <= threshold`, so a NaN
 * feature always goes right; predicting one record is a few array reads per level.
 *
 * @module
 */

import {
  AlgorithmError,
  type BinnedMatrix,
  type ExplainOptions,
  type Explanation,
  type ExplanationKind,
  type Matrix,
  type Model,
  type ModelHeader,
} from "../types.ts";
import { predictBinnedRows } from "./binned_predict.ts";
import { CartExplainer } from "./explain.ts";
import type { CartParams } from "./hyperparameters.ts";
import { featureImportances } from "./importances.ts";
import type { FlatTree } from "./flat_tree.ts";
import type { NodeRows } from "./tree_nodes.ts";

export type { FlatTree };

/** Predictions of up to this many rows are cut from a shared slab (see `labelArray`). */
const SLAB_ROWS = 256;
let labelSlab = new Int32Array(16_384);
let labelSlabUsed = 0;

/**
 * A new Int32Array of `rows` zeros. Small ones are views of a slab, each of memory no other
 * view shares, because allocating a typed array costs about 0.3 µs (a serving worker predicts
 * one row per request; see `bench/one_record.ts`) and a view about 0.03 µs. A slab is freed
 * once no view of it is left.
 */
function labelArray(rows: number): Int32Array {
  if (rows > SLAB_ROWS) return new Int32Array(rows);
  if (labelSlabUsed + rows > labelSlab.length) {
    labelSlab = new Int32Array(labelSlab.length);
    labelSlabUsed = 0;
  }
  const out = labelSlab.subarray(labelSlabUsed, labelSlabUsed + rows);
  labelSlabUsed += rows;
  return out;
}

/** What a {@linkcode CartModel} knows besides its tree: the model file's header and more. */
export interface CartModelInfo extends ModelHeader {
  /** Depth of the deepest leaf (the root alone has depth 0). */
  readonly depth: number;
  /** Number of leaves. */
  readonly leaves: number;
  /** Effective hyperparameters the tree was grown with. */
  readonly params: CartParams;
  /** The rows of each node, when the fit left its training rows in node order. */
  readonly nodeRows?: NodeRows;
}

/** A fitted CART tree, ready to predict. */
export class CartModel implements Model {
  /** Number of features every record must have. */
  readonly featureCount: number;
  /** The class labels; predictions are indices into this list. */
  readonly classes: readonly string[];
  /** The flat tree. */
  readonly tree: FlatTree;
  /** Depth of the deepest leaf (the root alone has depth 0). */
  readonly depth: number;
  /** Number of leaves. */
  readonly leaves: number;
  /** Effective hyperparameters the tree was grown with. */
  readonly params: CartParams;
  /** Class probabilities of each node, node-major. */
  readonly probabilities: Float64Array;
  /** Most probable class of each node (the lowest index on ties, as numpy's argmax). */
  readonly nodeClass: Int32Array;
  /** The explanations {@linkcode CartModel.explain} gives. */
  readonly explanations: readonly ExplanationKind[] = ["path", "shap"];
  private explainer: CartExplainer | undefined;
  private readonly nodeRows: NodeRows | undefined;

  /** Wraps a flat tree; a tree read from a file is checked before it gets here. */
  constructor(tree: FlatTree, info: CartModelInfo) {
    this.tree = tree;
    this.featureCount = info.featureCount;
    this.classes = info.classes;
    this.depth = info.depth;
    this.leaves = info.leaves;
    this.params = info.params;
    this.nodeRows = info.nodeRows;
    const k = tree.classCount;
    this.probabilities = new Float64Array(tree.nodes * k);
    this.nodeClass = new Int32Array(tree.nodes);
    for (let node = 0; node < tree.nodes; node++) {
      let total = 0;
      for (let j = 0; j < k; j++) total += tree.value[node * k + j];
      let best = 0;
      for (let j = 0; j < k; j++) {
        const v = tree.value[node * k + j];
        this.probabilities[node * k + j] = total > 0 ? v / total : 1 / k;
        if (v > tree.value[node * k + best]) best = j;
      }
      this.nodeClass[node] = best;
    }
  }

  /** Finds the leaf of the record starting at `base` in `data`. */
  leafOf(data: Float64Array, base: number): number {
    const { feature, threshold, left, right } = this.tree;
    let node = 0;
    let next = left[0];
    while (next >= 0) {
      node = data[base + feature[node]] <= threshold[node] ? next : right[node];
      next = left[node];
    }
    return node;
  }

  /** Refuses a matrix whose records do not have the model's number of features. */
  private checkColumns(features: Matrix): void {
    if (features.columns !== this.featureCount) {
      throw new AlgorithmError(
        400,
        `Cannot predict: expected ${this.featureCount} features per record, found ${features.columns}`,
      );
    }
  }

  /** Predicts the class index of every row. */
  predict(features: Matrix): Int32Array {
    this.checkColumns(features);
    const { rows, columns, data } = features;
    const out = labelArray(rows);
    const nodeClass = this.nodeClass;
    for (let r = 0; r < rows; r++) out[r] = nodeClass[this.leafOf(data, r * columns)];
    return out;
  }

  /** Predicts binned rows by walking their codes (see {@linkcode Model.predictBinned}). */
  predictBinned(binned: BinnedMatrix): Int32Array {
    if (binned.columns !== this.featureCount) {
      throw new AlgorithmError(
        400,
        `Cannot predict: expected ${this.featureCount} features per record, found ${binned.columns}`,
      );
    }
    return predictBinnedRows(this.tree, binned, this.nodeClass);
  }

  /**
   * The training predictions the fit left behind (see {@linkcode Model.fittedPredictions}):
   * every row of a leaf gets the leaf's class, no row is walked down the tree.
   */
  fittedPredictions(): Int32Array | undefined {
    const rows = this.nodeRows;
    if (rows === undefined) return undefined;
    const { left } = this.tree;
    const out = new Int32Array(rows.end[0]);
    for (let node = 0; node < this.tree.nodes; node++) {
      if (left[node] < 0) out.fill(this.nodeClass[node], rows.start[node], rows.end[node]);
    }
    return out;
  }

  /** Predicts class probabilities from the leaf's class-weighted class fractions. */
  predictProba(features: Matrix): Float64Array {
    this.checkColumns(features);
    const { rows, columns, data } = features;
    const k = this.tree.classCount;
    const out = new Float64Array(rows * k);
    const probabilities = this.probabilities;
    for (let r = 0; r < rows; r++) {
      const leaf = this.leafOf(data, r * columns);
      for (let j = 0; j < k; j++) out[r * k + j] = probabilities[leaf * k + j];
    }
    return out;
  }

  /** The decision path or the SHAP values of every row (see `explain.ts`). */
  explain(features: Matrix, options: ExplainOptions): Explanation[] {
    this.explainer ??= new CartExplainer(this);
    return this.explainer.explain(features, options);
  }

  /** The same explanations as JSON text (see {@linkcode Model.explainJson}). */
  explainJson(features: Matrix, options: ExplainOptions): string[] {
    this.explainer ??= new CartExplainer(this);
    return this.explainer.explainJson(features, options);
  }

  /** Impurity-decrease importances of the features, summing to 1 (see `importances.ts`). */
  featureImportances(): Float64Array {
    return featureImportances(this.tree, this.featureCount, this.params.criterion);
  }

  /** A short description for logs. */
  describe(): Record<string, string | number> {
    return { algorithm: "cart", leaves: this.leaves, depth: this.depth, nodes: this.tree.nodes };
  }
}
