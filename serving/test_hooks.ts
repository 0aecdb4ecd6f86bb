/**
 * TEST ONLY: models that misbehave on request, to test how the worker answers a failing or slow
 * algorithm module. With `SERVING_TEST_HOOKS=true` (never in production) the worker process
 * builds its handler with {@linkcode createTestHookHandler}, and these custom attributes change
 * the model of one request, exactly where a user's algorithm would misbehave:
 *
 * - `test_throw=algorithm-NNN`: `predict` throws an {@linkcode AlgorithmError} with status NNN;
 * - `test_throw=unexpected`: `predict` throws a plain `TypeError`, as a bug in user code would;
 * - `test_sleep_ms=N`: `predict` first blocks the worker N ms (up to 999999), to test timeouts;
 *   it logs `test hook: predict blocks` first, so a test knows the request is in the worker.
 *
 * No real input makes our own algorithms throw while predicting (the worker checks the feature
 * count before the model sees a record), hence the hooks. They live here, outside algorithm/ and
 * outside every product type: the only trace in product code is the one `if` in
 * `worker_process.ts` that picks this handler.
 *
 * @module
 */

import { AlgorithmError, type Model } from "../algorithm/mod.ts";
import { log } from "../log.ts";
import type { Environment } from "../sagemaker/paths.ts";
import { CUSTOM_ATTRIBUTES_HEADER } from "./custom_attributes.ts";
import { createHandler, type HandlerOptions } from "./worker.ts";

const TEST_THROW = /(?:^|[,;])\s*test_throw\s*=\s*(algorithm-(\d{3})|unexpected)\s*(?:[,;]|$)/i;
const TEST_SLEEP = /(?:^|[,;])\s*test_sleep_ms\s*=\s*(\d{1,6})\s*(?:[,;]|$)/i;

/** The message of the `test_throw=algorithm-NNN` error. */
export const TEST_ALGORITHM_MESSAGE = "Test hook: the algorithm refuses this record";

/** True when the environment turns the test hooks on (`SERVING_TEST_HOOKS=true`). */
export function testHooksEnabled(env: Environment): boolean {
  return env.SERVING_TEST_HOOKS === "true";
}

/** Blocks the thread (no CPU) for `ms`, like a model that takes long to predict. */
function blockFor(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The model to predict with for one request whose custom attributes are `customAttributes`:
 * undefined when they ask for no hook, else a model that sleeps before its first prediction
 * and then predicts with `model` or throws.
 */
export function testHookModel(model: Model, customAttributes: string): Model | undefined {
  const thrown = customAttributes.match(TEST_THROW);
  const sleep = customAttributes.match(TEST_SLEEP);
  if (thrown === null && sleep === null) return undefined;
  let sleepMs = sleep === null ? 0 : Number(sleep[1]);
  const status = thrown?.[2] === undefined ? undefined : Number(thrown[2]);
  function misbehave(): void {
    if (sleepMs > 0) {
      log.info("test hook: predict blocks", { ms: sleepMs });
      blockFor(sleepMs);
      sleepMs = 0;
    }
    if (thrown === null) return;
    if (status !== undefined) throw new AlgorithmError(status, TEST_ALGORITHM_MESSAGE);
    const missing = undefined as unknown as { leaves: number };
    // A genuine TypeError with a genuine stack, like a bug in user code.
    void missing.leaves;
  }
  return {
    featureCount: model.featureCount,
    classes: model.classes,
    describe: () => model.describe(),
    predict(features) {
      misbehave();
      return model.predict(features);
    },
    predictProba(features) {
      misbehave();
      return model.predictProba(features);
    },
  };
}

/**
 * The handler of {@linkcode createHandler}, except that a request asking for a hook is answered
 * by a handler built for it alone, around its {@linkcode testHookModel}. Single-model mode only.
 */
export function createTestHookHandler(
  options: HandlerOptions,
): (request: Request) => Promise<Response> {
  const plain = createHandler(options);
  const stored = options.stored;
  return (request) => {
    const attributes = request.headers.get(CUSTOM_ATTRIBUTES_HEADER);
    const hooked = attributes === null || stored === undefined
      ? undefined
      : testHookModel(stored.model, attributes);
    if (hooked === undefined) return plain(request);
    return createHandler({ ...options, stored: { ...stored!, model: hooked } })(request);
  };
}
