/**
 * `X-Amzn-SageMaker-Custom-Attributes`: free text SageMaker passes through from the caller
 * (`CustomAttributes` of `InvokeEndpoint`), at most 1024 characters. We read `key=value` pairs
 * separated by `,` or `;` and ignore keys we do not know (they may be meant for someone else):
 *
 * - `probabilities=true`: answer class probabilities (same as `Accept: ...; verbose=true`);
 * - `errors=mark`: answer an error marker for a record that cannot be read instead of failing
 *   the request; `errors=fail` forces the default;
 * - `test_sleep_ms=N`: TEST ONLY, honoured only with `SERVING_TEST_HOOKS=true`.
 *
 * @module
 */

import type { BadRecordMode } from "../sagemaker/serving_config.ts";
import { HttpError } from "./errors.ts";

/** The request (and response) header. */
export const CUSTOM_ATTRIBUTES_HEADER = "x-amzn-sagemaker-custom-attributes";

/** SageMaker's limit on the header's length, in characters. */
export const MAX_CUSTOM_ATTRIBUTES_LENGTH = 1024;

/** What the custom attributes ask of one invocation. */
export interface InvocationAttributes {
  /** `probabilities=true|false`. */
  readonly probabilities?: boolean;
  /** `errors=mark|fail`. */
  readonly badRecords?: BadRecordMode;
  /** `test_sleep_ms=N` (test only). */
  readonly testSleepMs?: number;
}

function invalid(key: string, value: string, expected: string): HttpError {
  return new HttpError(
    400,
    `Invalid custom attribute ${key}=${JSON.stringify(value)}: expected ${expected}`,
  );
}

/**
 * Reads the header; throws a 400 {@linkcode HttpError} when it is too long or when a key we
 * know has a value we do not.
 *
 * @example
 * ```ts
 * parseCustomAttributes("probabilities=true, errors=mark, trace=abc");
 * // { probabilities: true, badRecords: "mark" }
 * ```
 */
export function parseCustomAttributes(header: string | null): InvocationAttributes {
  if (header === null || header === "") return {};
  if (header.length > MAX_CUSTOM_ATTRIBUTES_LENGTH) {
    throw new HttpError(
      400,
      `X-Amzn-SageMaker-Custom-Attributes is ${header.length} characters long: the limit is ${MAX_CUSTOM_ATTRIBUTES_LENGTH}`,
    );
  }
  let probabilities: boolean | undefined;
  let badRecords: BadRecordMode | undefined;
  let testSleepMs: number | undefined;
  for (const part of header.split(/[,;]/)) {
    const equals = part.indexOf("=");
    if (equals === -1) continue;
    const key = part.slice(0, equals).trim().toLowerCase();
    const value = part.slice(equals + 1).trim();
    const lower = value.toLowerCase();
    if (key === "probabilities") {
      if (lower !== "true" && lower !== "false") throw invalid(key, value, "true or false");
      probabilities = lower === "true";
    } else if (key === "errors") {
      if (lower !== "mark" && lower !== "fail") throw invalid(key, value, "mark or fail");
      badRecords = lower;
    } else if (key === "test_sleep_ms") {
      if (!/^\d{1,6}$/.test(value)) throw invalid(key, value, "a number of milliseconds");
      testSleepMs = Number(value);
    }
  }
  return { probabilities, badRecords, testSleepMs };
}
