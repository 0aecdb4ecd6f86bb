/**
 * Explanations of a cart tree's predictions: the decision path of a record, and its SHAP values
 * (`tree_shap.ts`). Both are built per record as plain objects keyed by class label, ready for
 * JSON; the paths can also be written straight as JSON text (`path_json.ts`).
 *
 * @module
 */

import {
  AlgorithmError,
  type ClassValues,
  type ExplainOptions,
  type Explanation,
  type Matrix,
  type PathExplanation,
  type PathStep,
  type ShapExplanation,
} from "../types.ts";
import type { FlatTree } from "./flat_tree.ts";
import { byClass, PathJsonWriter } from "./path_json.ts";
import { TreeShap } from "./tree_shap.ts";

/** What the explainer needs of a cart model. */
export interface ExplainedTree {
  /** The flat tree. */
  readonly tree: FlatTree;
  /** Class probabilities of each node, node-major. */
  readonly probabilities: Float64Array;
  /** The class labels. */
  readonly classes: readonly string[];
  /** Number of features every record must have. */
  readonly featureCount: number;
  /** Depth of the deepest leaf. */
  readonly depth: number;
}

/** Explains the predictions of one cart tree; the SHAP walk is prepared on first use. */
export class CartExplainer {
  private readonly model: ExplainedTree;
  private shap: TreeShap | undefined;
  private pathJson: PathJsonWriter | undefined;

  /** Prepares to explain `model`'s predictions. */
  constructor(model: ExplainedTree) {
    this.model = model;
  }

  /** One explanation of `kind` per row of `features`. */
  explain(features: Matrix, options: ExplainOptions): Explanation[] {
    const { rows, columns, data } = features;
    this.checkColumns(columns);
    const out: Explanation[] = new Array(rows);
    if (options.kind === "path") {
      for (let r = 0; r < rows; r++) out[r] = this.path(data, r * columns);
    } else if (options.kind === "shap") {
      for (let r = 0; r < rows; r++) out[r] = this.shapValues(data, r * columns);
    } else {
      throw new AlgorithmError(
        400,
        `Unknown explanation ${JSON.stringify(options.kind)}: cart supports path, shap`,
      );
    }
    return out;
  }

  /**
   * The explanations of {@linkcode CartExplainer.explain}, each as the JSON text of its fields
   * without the outer braces. Paths are written without building their objects.
   */
  explainJson(features: Matrix, options: ExplainOptions): string[] {
    if (options.kind !== "path") {
      return this.explain(features, options).map((explanation) =>
        JSON.stringify(explanation).slice(1, -1)
      );
    }
    const { rows, columns, data } = features;
    this.checkColumns(columns);
    this.pathJson ??= new PathJsonWriter(this.model);
    const out: string[] = new Array(rows);
    for (let r = 0; r < rows; r++) out[r] = this.pathJson.fields(data, r * columns);
    return out;
  }

  /** Refuses records that do not have the model's number of features. */
  private checkColumns(columns: number): void {
    if (columns !== this.model.featureCount) {
      throw new AlgorithmError(
        400,
        `Cannot explain: expected ${this.model.featureCount} features per record, found ${columns}`,
      );
    }
  }

  /** The decision path of the record at `base` in `data`. */
  path(data: Float64Array, base: number): PathExplanation {
    const { tree, probabilities, classes } = this.model;
    const { feature, threshold, left, right } = tree;
    const steps: PathStep[] = [];
    let node = 0;
    while (left[node] >= 0) {
      const value = data[base + feature[node]];
      const missing = value !== value;
      const goesLeft = value <= threshold[node];
      steps.push({
        node,
        feature: feature[node],
        value: missing ? null : value,
        threshold: threshold[node],
        direction: goesLeft ? "left" : "right",
        missing,
      });
      node = goesLeft ? left[node] : right[node];
    }
    const k = tree.classCount;
    return {
      kind: "path",
      path: steps,
      leaf: node,
      class_counts: byClass(classes, tree.value, node * k),
      probabilities: byClass(classes, probabilities, node * k),
    };
  }

  /** The SHAP values of the record at `base` in `data`. */
  shapValues(data: Float64Array, base: number): ShapExplanation {
    const { tree, probabilities, classes, featureCount } = this.model;
    this.shap ??= new TreeShap(tree, probabilities, featureCount);
    const k = tree.classCount;
    const phi = new Float64Array(featureCount * k);
    this.shap.explain(data, base, phi);
    const contributions: ClassValues[] = new Array(featureCount);
    for (let j = 0; j < featureCount; j++) contributions[j] = byClass(classes, phi, j * k);
    let leaf = 0;
    while (tree.left[leaf] >= 0) {
      leaf = data[base + tree.feature[leaf]] <= tree.threshold[leaf]
        ? tree.left[leaf]
        : tree.right[leaf];
    }
    return {
      kind: "shap",
      probabilities: byClass(classes, probabilities, leaf * k),
      base_values: byClass(classes, this.shap.baseValues, 0),
      contributions,
    };
  }
}
