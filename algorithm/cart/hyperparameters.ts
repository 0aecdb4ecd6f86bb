/**
 * The hyperparameters `algorithm=cart` accepts (scikit-learn's names and defaults), and how
 * they resolve against the data: fractions become row counts, words become feature counts.
 * {@linkcode CART_HYPERPARAMETERS} is the one place that holds their defaults.
 *
 * @module
 */

import {
  defaultHyperparameters,
  type HyperparameterSpecs,
  type HyperparameterValue,
  type HyperparameterValues,
} from "../hyperparameters.ts";

/** Parses a count-or-fraction like scikit-learn's `min_samples_split` (int >= 2 or float <= 1). */
function parseMinSamplesSplit(text: string): number {
  const value = Number(text);
  if (/^\+?\d+$/.test(text)) {
    if (!Number.isSafeInteger(value) || value < 2) throw new Error("out of range");
    return value;
  }
  if (!Number.isFinite(value) || value <= 0 || value > 1) throw new Error("out of range");
  return value;
}

/** Parses a count-or-fraction like scikit-learn's `min_samples_leaf` (int >= 1 or float < 1). */
function parseMinSamplesLeaf(text: string): number {
  const value = Number(text);
  if (/^\+?\d+$/.test(text)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new Error("out of range");
    return value;
  }
  if (!Number.isFinite(value) || value <= 0 || value >= 1) throw new Error("out of range");
  return value;
}

/** Parses `max_features`: sqrt, log2, none, an int >= 1 or a float in (0, 1]. */
function parseMaxFeatures(text: string): string | number | null {
  const lower = text.toLowerCase();
  if (lower === "sqrt" || lower === "log2") return lower;
  if (lower === "none" || lower === "null" || lower === "") return null;
  const value = Number(text);
  if (/^\+?\d+$/.test(text)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new Error("out of range");
    return value;
  }
  if (!Number.isFinite(value) || value <= 0 || value > 1) throw new Error("out of range");
  // A fraction of 1.0 means every feature; keeping it apart from the integer 1 needs null.
  return value === 1 ? null : value;
}

/** Parses `class_weight`: balanced or none. */
function parseClassWeight(text: string): string | null {
  const lower = text.toLowerCase();
  if (lower === "balanced") return "balanced";
  if (lower === "none" || lower === "null" || lower === "") return null;
  throw new Error("not a class weight");
}

/** The hyperparameters `algorithm=cart` accepts, with scikit-learn's defaults. */
export const CART_HYPERPARAMETERS: HyperparameterSpecs = {
  criterion: {
    kind: "choice",
    default: "gini",
    values: ["gini", "entropy", "log_loss"],
    doc: "Impurity measure of a split: gini, or entropy (log_loss is the same as entropy)",
  },
  max_depth: {
    kind: "integer",
    default: null,
    min: 1,
    nullable: true,
    doc: "Maximum depth of the tree; none grows until leaves are pure or too small to split",
  },
  min_samples_split: {
    kind: "custom",
    default: 2,
    accepted: "an integer >= 2, or a fraction of the rows in (0, 1]",
    parse: parseMinSamplesSplit,
    doc: "Fewest rows a node needs to be split",
  },
  min_samples_leaf: {
    kind: "custom",
    default: 1,
    accepted: "an integer >= 1, or a fraction of the rows in (0, 1)",
    parse: parseMinSamplesLeaf,
    doc: "Fewest rows each child of a split must get",
  },
  max_leaf_nodes: {
    kind: "integer",
    default: null,
    min: 2,
    nullable: true,
    doc: "Maximum number of leaves, grown best first by impurity decrease; none for no limit",
  },
  min_impurity_decrease: {
    kind: "number",
    default: 0,
    min: 0,
    doc: "A node is split only if the weighted impurity decrease is at least this much",
  },
  max_features: {
    kind: "custom",
    default: null,
    accepted: "sqrt, log2, none, an integer >= 1, or a fraction of the features in (0, 1]",
    parse: parseMaxFeatures,
    doc: "Features drawn at random at each split; none for all of them",
  },
  random_state: {
    kind: "integer",
    default: null,
    min: 0,
    max: 4_294_967_295,
    nullable: true,
    doc: "Seed of the feature draws; none for a different tree each time",
  },
  class_weight: {
    kind: "custom",
    default: null,
    accepted: "balanced or none",
    parse: parseClassWeight,
    doc: "balanced weighs each class by rows / (classes * rows of the class)",
  },
  max_bins: {
    kind: "integer",
    default: 256,
    min: 2,
    max: 65_536,
    doc: "Histogram bins per feature; a feature with at most this many distinct values " +
      "is split exactly, like scikit-learn",
  },
};

/** The default of every cart hyperparameter, read once from the spec. */
const DEFAULTS: HyperparameterValues = defaultHyperparameters(CART_HYPERPARAMETERS);

/** No depth limit: a depth no tree can reach. */
const UNLIMITED_DEPTH = 2_147_483_647;

/** Hyperparameters after resolving fractions and words against the data. */
export interface ResolvedParams {
  /** The impurity measure; `log_loss` is entropy. */
  readonly criterion: "gini" | "entropy";
  /** Maximum depth; 2,147,483,647 (deeper than any tree) for none. */
  readonly maxDepth: number;
  /** Fewest rows a node needs to be split (at least twice `minSamplesLeaf`). */
  readonly minSamplesSplit: number;
  /** Fewest rows each child of a split must get. */
  readonly minSamplesLeaf: number;
  /** Maximum number of leaves; `Infinity` grows depth first without a limit. */
  readonly maxLeafNodes: number;
  /** Smallest weighted impurity decrease a split must bring. */
  readonly minImpurityDecrease: number;
  /** Features drawn at each split. */
  readonly maxFeatures: number;
  /** Seed of the feature draws. */
  readonly seed: number;
  /** Weight of each class; its length is the number of classes. */
  readonly classWeight: Float64Array;
  /** Whether `classWeight` came from `class_weight=balanced`. */
  readonly balanced: boolean;
  /** Histogram bins per feature. */
  readonly maxBins: number;
}

/** The size of the training data that the hyperparameters resolve against. */
export interface DataShape {
  /** Number of training rows. */
  readonly rows: number;
  /** Number of features per row. */
  readonly columns: number;
  /** Rows of each class. */
  readonly classCounts: Float64Array;
}

/** The number of features `max_features` (as parsed) draws from `columns`. */
function resolveMaxFeatures(param: HyperparameterValue, columns: number): number {
  if (param === null) return columns;
  if (param === "sqrt") return Math.max(1, Math.floor(Math.sqrt(columns)));
  if (param === "log2") return Math.max(1, Math.floor(Math.log2(columns)));
  if (typeof param === "number" && Number.isInteger(param)) {
    if (param > columns) {
      throw new Error(
        `Invalid hyperparameter max_features: the data has ${columns} features; found ${param}`,
      );
    }
    return param;
  }
  return Math.max(1, Math.floor(Number(param) * columns));
}

/** The weight of each class: 1, or with `balanced` scikit-learn's balanced weights. */
function classWeights(
  classCounts: Float64Array,
  options: { rows: number; balanced: boolean },
): Float64Array {
  const classCount = classCounts.length;
  const classWeight = new Float64Array(classCount).fill(1);
  if (!options.balanced) return classWeight;
  // scikit-learn: n_samples / (n_classes * bincount(y)), over the classes present.
  let present = 0;
  for (let k = 0; k < classCount; k++) if (classCounts[k] > 0) present++;
  for (let k = 0; k < classCount; k++) {
    classWeight[k] = classCounts[k] > 0 ? options.rows / (present * classCounts[k]) : 1;
  }
  return classWeight;
}

/**
 * Resolves cart hyperparameters against the data. A name missing from `given` takes its
 * default from {@linkcode CART_HYPERPARAMETERS}.
 */
export function resolveParams(given: HyperparameterValues, shape: DataShape): ResolvedParams {
  const params = { ...DEFAULTS };
  for (const name in params) if (given[name] !== undefined) params[name] = given[name];
  const { rows, columns, classCounts } = shape;
  const leafParam = Number(params.min_samples_leaf);
  const minSamplesLeaf = Number.isInteger(leafParam) && leafParam >= 1
    ? leafParam
    : Math.ceil(leafParam * rows);
  const splitParam = Number(params.min_samples_split);
  let minSamplesSplit = Number.isInteger(splitParam) && splitParam >= 2
    ? splitParam
    : Math.max(2, Math.ceil(splitParam * rows));
  minSamplesSplit = Math.max(minSamplesSplit, 2 * minSamplesLeaf);
  const maxFeatures = resolveMaxFeatures(params.max_features, columns);
  const classWeight = classWeights(classCounts, {
    rows,
    balanced: params.class_weight === "balanced",
  });
  const seed = params.random_state === null
    ? Math.floor(Math.random() * 4_294_967_296)
    : Number(params.random_state);
  return {
    criterion: params.criterion === "entropy" || params.criterion === "log_loss"
      ? "entropy"
      : "gini",
    maxDepth: params.max_depth === null ? UNLIMITED_DEPTH : Number(params.max_depth),
    minSamplesSplit,
    minSamplesLeaf,
    maxLeafNodes: params.max_leaf_nodes === null ? Infinity : Number(params.max_leaf_nodes),
    minImpurityDecrease: Number(params.min_impurity_decrease),
    maxFeatures,
    seed,
    classWeight,
    balanced: params.class_weight === "balanced",
    maxBins: Number(params.max_bins),
  };
}

/** The effective hyperparameters a tree was grown with, as the model file records them. */
export type CartParams = Record<string, string | number | null>;

/**
 * The effective hyperparameters of resolved ones, by their scikit-learn names: what
 * `random_state` was drawn, how many rows a fraction came to.
 */
export function effectiveParams(resolved: ResolvedParams): CartParams {
  return {
    criterion: resolved.criterion,
    max_depth: Number.isFinite(resolved.maxDepth) && resolved.maxDepth < UNLIMITED_DEPTH
      ? resolved.maxDepth
      : null,
    min_samples_split: resolved.minSamplesSplit,
    min_samples_leaf: resolved.minSamplesLeaf,
    max_leaf_nodes: Number.isFinite(resolved.maxLeafNodes) ? resolved.maxLeafNodes : null,
    min_impurity_decrease: resolved.minImpurityDecrease,
    max_features: resolved.maxFeatures,
    random_state: resolved.seed,
    class_weight: resolved.balanced ? "balanced" : null,
    max_bins: resolved.maxBins,
  };
}
