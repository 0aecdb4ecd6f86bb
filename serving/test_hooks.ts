/**
 * TEST ONLY: make the model throw, to test how the worker answers a failing algorithm module.
 *
 * With `SERVING_TEST_HOOKS=true` (never in production) the custom attribute `test_throw` makes
 * the model's `predict` throw, exactly where a user's algorithm would throw:
 *
 * - `test_throw=algorithm-NNN`: an {@linkcode AlgorithmError} with status NNN (for example 422);
 * - `test_throw=unexpected`: a plain `TypeError`, as a bug in user code would.
 *
 * No real input makes our own algorithms throw while predicting (the worker checks the feature
 * count before the model sees a record), so the tests of issue 10 need this hook. It lives in
 * serving/, not in algorithm/, so the algorithm modules stay free of test code.
 *
 * @module
 */

import { AlgorithmError, type Model } from "../algorithm/mod.ts";

const TEST_THROW = /(?:^|[,;])\s*test_throw\s*=\s*(algorithm-(\d{3})|unexpected)\s*(?:[,;]|$)/i;

/** The message of the `test_throw=algorithm-NNN` error. */
export const TEST_ALGORITHM_MESSAGE = "Test hook: the algorithm refuses this record";

/**
 * The model to predict with for a request: `model` itself, or, when the custom attributes ask
 * for `test_throw`, a model whose `predict` and `predictProba` throw.
 */
export function modelForTestHooks(model: Model, customAttributes: string): Model {
  const match = customAttributes.match(TEST_THROW);
  if (match === null) return model;
  const status = match[2] === undefined ? undefined : Number(match[2]);
  function fail(): never {
    if (status !== undefined) throw new AlgorithmError(status, TEST_ALGORITHM_MESSAGE);
    const missing = undefined as unknown as { leaves: number };
    // A genuine TypeError with a genuine stack, like a bug in user code.
    return missing.leaves as never;
  }
  return {
    featureCount: model.featureCount,
    classes: model.classes,
    describe: () => model.describe(),
    predict: fail,
    predictProba: fail,
  };
}
