/**
 * The small contract between the SageMaker plumbing and a learning algorithm.
 *
 * An algorithm sees numbers in and class indices or probabilities out. It never reads files,
 * environment variables or HTTP requests: `train.ts` and the serving workers do that and hand it
 * plain typed arrays.
 *
 * @module
 */

import type { HyperparameterSpecs, HyperparameterValues } from "./hyperparameters.ts";

/** A row-major table of numbers: `rows` records of `columns` features each. */
export interface Matrix {
  /** `rows * columns` values; record `r`, feature `c` is `data[r * columns + c]`. */
  readonly data: Float64Array;
  /** Number of records. */
  readonly rows: number;
  /** Number of features per record. */
  readonly columns: number;
}

/** Labelled training data: a feature matrix and, per row, an index into `classes`. */
export interface Dataset {
  /** The features, one row per record. */
  readonly features: Matrix;
  /** The class of each row as an index into `classes`. */
  readonly labels: Int32Array;
  /** The class labels as they appeared in the data, in a stable order. */
  readonly classes: readonly string[];
}

/**
 * Features already turned into small bin codes, for an algorithm that learns from histograms
 * ({@linkcode Algorithm.fitBinned}): one or two bytes a value instead of eight.
 */
export interface BinnedMatrix {
  /** Number of records. */
  readonly rows: number;
  /** Number of features per record. */
  readonly columns: number;
  /**
   * Bin codes; record `r`, feature `c` is `codes[r * stride + c]`, the bin's index among that
   * feature's bins. Rows are padded to a multiple of 4 bytes so that a learner can move whole
   * rows as 32-bit words.
   */
  readonly codes: Uint8Array | Uint16Array;
  /** Codes per row including padding: `columns` rounded up to fill whole 32-bit words. */
  readonly stride: number;
  /** Number of bins of each feature (1 for a constant feature). NaN is in a feature's top bin. */
  readonly binCounts: Int32Array;
  /** Where each feature's bins start in the global bin numbering; `columns + 1` entries. */
  readonly binOffsets: Int32Array;
  /** Smallest training value in each global bin (`Infinity` when the bin holds none). */
  readonly binLow: Float64Array;
  /** Largest training value in each global bin (`-Infinity` when the bin holds none). */
  readonly binHigh: Float64Array;
}

/** Labelled training data whose features are bin codes (see {@linkcode Algorithm.fitBinned}). */
export interface BinnedDataset {
  /** The features as bin codes, one row per record. */
  readonly features: BinnedMatrix;
  /** The class of each row as an index into `classes`. */
  readonly labels: Int32Array;
  /** The class labels as they appeared in the data, in a stable order. */
  readonly classes: readonly string[];
}

/** How an algorithm wants its training data binned (see {@linkcode Algorithm.binnedInput}). */
export interface BinnedInput {
  /** The most bins a feature may have (2 to 65,536; up to 256 keeps one byte a value). */
  readonly maxBins: number;
}

/** A trained model, ready to predict. */
export interface Model {
  /** Number of features every record must have. */
  readonly featureCount: number;
  /** The class labels; predictions are indices into this list. */
  readonly classes: readonly string[];
  /** Predicts the class index of every row. */
  predict(features: Matrix): Int32Array;
  /** Predicts class probabilities: `rows * classes.length` values, row-major. */
  predictProba(features: Matrix): Float64Array;
  /** A short description for logs, for example `{ leaves: 12, depth: 5 }`. */
  describe(): Record<string, string | number>;
  /**
   * The kinds of explanation {@linkcode Model.explain} gives; absent (or empty) when the model
   * explains nothing.
   */
  readonly explanations?: readonly ExplanationKind[];
  /**
   * Explains the prediction of every row, one {@linkcode Explanation} per row in row order.
   * Throws an {@linkcode AlgorithmError} (400) for a kind not in `explanations` or a record
   * with the wrong number of features.
   */
  explain?(features: Matrix, options: ExplainOptions): Explanation[];
  /**
   * Optional, for speed: the explanations of {@linkcode Model.explain}, each as JSON text of its
   * fields without the outer braces, exactly `JSON.stringify(explanation).slice(1, -1)`
   * (`"kind":"path","path":[...],...`). The server uses it when present, else it encodes what
   * `explain` returns; a model whose explanations repeat much of their text (a tree's path) can
   * write them faster than building and encoding the objects. Refuses what `explain` refuses.
   */
  explainJson?(features: Matrix, options: ExplainOptions): string[];
  /**
   * Predicts binned rows as {@linkcode Model.predict} predicts the rows rebuilt from them, each
   * value the smallest training value of its bin (`binLow`): the training scores of a model
   * fitted by {@linkcode Algorithm.fitBinned}. Optional: without it the rows are rebuilt and
   * predicted; a tree can walk the codes directly, several times faster.
   */
  predictBinned?(binned: BinnedMatrix): Int32Array;
  /**
   * The predictions of the rows the model was just fitted to by {@linkcode Algorithm.fitBinned},
   * in the order the fit left them, when the fit knows them without predicting again (a tree's
   * leaves hold their training rows); undefined otherwise. Optional: the training scores then
   * come from {@linkcode Model.predictBinned}.
   */
  fittedPredictions?(): Int32Array | undefined;
  /**
   * Global feature importances, one per feature, each >= 0 and summing to 1 (all 0 when the
   * model uses no feature), as scikit-learn's `feature_importances_`.
   */
  featureImportances?(): Float64Array;
}

/**
 * A kind of explanation: `path`, the decision path of a tree; `shap`, Shapley values of the
 * features (TreeSHAP).
 */
export type ExplanationKind = "path" | "shap";

/** Every explanation kind, in the order messages list them. */
export const EXPLANATION_KINDS: readonly ExplanationKind[] = ["path", "shap"];

/** Options of {@linkcode Model.explain}. */
export interface ExplainOptions {
  /** Which explanation to give. */
  readonly kind: ExplanationKind;
}

/** One number per class, by class label. */
export type ClassValues = Record<string, number>;

/** One test of a decision path: the node, what it tested and where the record went. */
export interface PathStep {
  /** The node's id in the tree; 0 is the root. */
  readonly node: number;
  /** The feature tested, as its index in the record (from 0). */
  readonly feature: number;
  /** The record's value of that feature; `null` when it is missing (NaN). */
  readonly value: number | null;
  /** The split threshold: a record goes left when its value is <= the threshold. */
  readonly threshold: number;
  /** The child the record went to. */
  readonly direction: "left" | "right";
  /** Whether the value was missing, so the missing-value rule chose the direction. */
  readonly missing: boolean;
}

/** The decision path of one record through a tree, root to leaf. */
export interface PathExplanation {
  /** Always `path`. */
  readonly kind: "path";
  /** The tests from the root down, one per internal node passed; empty for a one-leaf tree. */
  readonly path: readonly PathStep[];
  /** The id of the leaf reached. */
  readonly leaf: number;
  /** The leaf's training class counts (class-weighted when `class_weight` was set). */
  readonly class_counts: ClassValues;
  /** The predicted class probabilities: the leaf's class counts over their sum. */
  readonly probabilities: ClassValues;
}

/**
 * Shapley values of one record's predicted probabilities: for every class `c`,
 * `base_values[c] + sum over features j of contributions[j][c] = probabilities[c]`.
 */
export interface ShapExplanation {
  /** Always `shap`. */
  readonly kind: "shap";
  /** The predicted class probabilities. */
  readonly probabilities: ClassValues;
  /** The expected prediction over the training data: what no feature known would predict. */
  readonly base_values: ClassValues;
  /** One entry per feature, in feature order: how much knowing it moved each class. */
  readonly contributions: readonly ClassValues[];
}

/** The explanation of one record's prediction. */
export type Explanation = PathExplanation | ShapExplanation;

/** Options passed to {@linkcode Algorithm.fit}. */
export interface FitOptions {
  /**
   * Aborted when the training job is asked to stop (SIGTERM). A long fit should
   * `await` a macrotask now and then (say every 100 ms) and throw `signal.reason`
   * once the signal is aborted, so that the job can stop within seconds.
   */
  signal?: AbortSignal;
  /** Writes one progress line to the training log. */
  log?: (message: string) => void;
}

/**
 * A learning algorithm: how to fit a model, and how to turn it into JSON and back.
 *
 * To bring your own model, implement this interface in a folder of `algorithm/` and list it
 * in `ALGORITHMS` in `algorithm/mod.ts` ("Bring your own algorithm" in `docs/learner.md`).
 */
export interface Algorithm {
  /** The name users select with the `algorithm` hyperparameter, for example `cart`. */
  readonly name: string;
  /** The hyperparameters this algorithm accepts, with their types, ranges and defaults. */
  readonly hyperparameters: HyperparameterSpecs;
  /** Fits a model to the data with already validated hyperparameters. */
  fit(data: Dataset, params: HyperparameterValues, options?: FitOptions): Promise<Model>;
  /**
   * Optional, for an algorithm that learns from histograms: how it wants the training data
   * binned with these hyperparameters, or `undefined` for the plain matrix. When it answers,
   * the training job bins the values while it reads them (never holding the float64 matrix)
   * and calls {@linkcode Algorithm.fitBinned} instead of {@linkcode Algorithm.fit}.
   */
  binnedInput?(params: HyperparameterValues): BinnedInput | undefined;
  /**
   * Fits a model to binned data (see {@linkcode Algorithm.binnedInput}). The fit may reorder
   * the rows in place, codes and labels alike. The model must treat every value of a bin alike
   * (split between bins only), so that predicting from each bin's `binLow` gives the training
   * predictions.
   */
  fitBinned?(
    data: BinnedDataset,
    params: HyperparameterValues,
    options?: FitOptions,
  ): Promise<Model>;
  /** Turns a model into a JSON-compatible value (see `model_store.ts` for the envelope). */
  save(model: Model): unknown;
  /**
   * Rebuilds a model from what {@linkcode Algorithm.save} returned; throws (or rejects) if it is
   * damaged. It may be async, for example to import a library only when a model needs it.
   */
  load(saved: unknown, header: ModelHeader): Model | Promise<Model>;
}

/** What the model file records around the algorithm's own payload. */
export interface ModelHeader {
  /** Number of features every record must have. */
  readonly featureCount: number;
  /** The class labels in the order the model uses. */
  readonly classes: readonly string[];
}

/**
 * An error the algorithm raises to answer a request with a given HTTP status,
 * for example 400 for a value it refuses. Any other exception becomes a 500.
 */
export class AlgorithmError extends Error {
  /** The HTTP status the serving worker answers with. */
  readonly status: number;

  /** Creates an error that the worker answers with `status` and `message`. */
  constructor(status: number, message: string) {
    super(message);
    this.name = "AlgorithmError";
    this.status = status;
  }
}
