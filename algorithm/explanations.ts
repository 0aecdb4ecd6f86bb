/**
 * Asking a model for explanations by name, as a request does: checks that the kind exists and
 * that the model gives it, with the 400 messages the serving layer answers.
 *
 * @module
 */

import {
  AlgorithmError,
  type Explanation,
  EXPLANATION_KINDS,
  type ExplanationKind,
  type Matrix,
  type Model,
} from "./types.ts";

/** Options of {@linkcode explainRecords}. */
export interface ExplainRecordsOptions {
  /** The explanation asked for, as the request wrote it (for example `shap`). */
  readonly kind: string;
  /** The model's algorithm name, for messages (for example `ml-cart`). */
  readonly algorithm: string;
}

/** The explanation kinds `model` gives (empty when it explains nothing). */
export function supportedExplanations(model: Model): readonly ExplanationKind[] {
  return model.explain === undefined ? [] : model.explanations ?? [];
}

/**
 * Explains every row of `features` with the kind named in `options`. Throws an
 * {@linkcode AlgorithmError} (400) naming the problem: `ml-cart supports no explanations`,
 * `Unknown explanation "lime": cart supports path, shap`, or the model's own refusal (a record
 * with the wrong number of features).
 */
export function explainRecords(
  model: Model,
  features: Matrix,
  options: ExplainRecordsOptions,
): Explanation[] {
  return model.explain!(features, { kind: checkedKind(model, options) });
}

/**
 * The explanations of {@linkcode explainRecords}, each as the JSON text of its fields without
 * the outer braces: the model's own {@linkcode Model.explainJson} when it has one, else its
 * objects through `JSON.stringify`. Throws what `explainRecords` throws.
 */
export function explainRecordsJson(
  model: Model,
  features: Matrix,
  options: ExplainRecordsOptions,
): string[] {
  const kind = checkedKind(model, options);
  if (model.explainJson !== undefined) return model.explainJson(features, { kind });
  return model.explain!(features, { kind }).map((explanation) =>
    JSON.stringify(explanation).slice(1, -1)
  );
}

/** The kind `options` names, once it is known to exist and `model` to give it. */
function checkedKind(model: Model, options: ExplainRecordsOptions): ExplanationKind {
  const supported = supportedExplanations(model);
  if (supported.length === 0) {
    throw new AlgorithmError(400, `${options.algorithm} supports no explanations`);
  }
  const kind = EXPLANATION_KINDS.find((known) => known === options.kind);
  if (kind === undefined || !supported.includes(kind)) {
    throw new AlgorithmError(
      400,
      `Unknown explanation ${JSON.stringify(options.kind.slice(0, 100))}: ${options.algorithm} ` +
        `supports ${supported.join(", ")}`,
    );
  }
  return kind;
}
