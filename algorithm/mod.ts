/**
 * The algorithm module: THE part of this project a user replaces.
 *
 * Everything specific to decision trees lives in this folder. The rest of the program only
 * calls {@linkcode findAlgorithm} and the {@linkcode Algorithm} interface, so bringing your
 * own model means writing one module that implements `Algorithm` and listing it in
 * {@linkcode ALGORITHMS} (see "Bring your own algorithm" in `docs/learner.md`).
 *
 * @module
 */

import { cart } from "./cart/mod.ts";
import { mlCart } from "./ml_cart/mod.ts";
import type { Algorithm } from "./types.ts";

export type {
  Algorithm,
  BinnedDataset,
  BinnedInput,
  BinnedMatrix,
  ClassValues,
  Dataset,
  ExplainOptions,
  Explanation,
  ExplanationKind,
  FitOptions,
  Matrix,
  Model,
  ModelHeader,
  PathExplanation,
  PathStep,
  ShapExplanation,
} from "./types.ts";
export { AlgorithmError, EXPLANATION_KINDS } from "./types.ts";
export {
  explainRecords,
  explainRecordsJson,
  type ExplainRecordsOptions,
  supportedExplanations,
} from "./explanations.ts";
export type {
  HyperparameterSpec,
  HyperparameterSpecs,
  HyperparameterValue,
  HyperparameterValues,
} from "./hyperparameters.ts";
export { describeAccepted, parseHyperparameters, shorten, showValue } from "./hyperparameters.ts";

/** Every algorithm this image can train, by name. The first one is the default. */
export const ALGORITHMS: readonly Algorithm[] = [cart, mlCart];

/** The algorithm used when the `algorithm` hyperparameter is not set. */
export const DEFAULT_ALGORITHM: string = ALGORITHMS[0].name;

/**
 * Finds an algorithm by name among `algorithms` (every algorithm of this image unless given);
 * throws a message listing the known names if there is none.
 */
export function findAlgorithm(
  name: string,
  algorithms: readonly Algorithm[] = ALGORITHMS,
): Algorithm {
  const found = algorithms.find((algorithm) => algorithm.name === name);
  if (found === undefined) {
    const known = algorithms.map((algorithm) => algorithm.name).join(", ");
    throw new Error(`Unknown algorithm ${JSON.stringify(name)}: accepted ones are ${known}`);
  }
  return found;
}
