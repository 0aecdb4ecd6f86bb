/**
 * `X-Amzn-SageMaker-Custom-Attributes`: free text SageMaker passes through from the caller
 * (`CustomAttributes` of `InvokeEndpoint`), at most 1024 characters. We read `key=value` pairs
 * separated by `,` or `;` and ignore keys we do not know (they may be meant for someone else);
 * a key of ours given twice must have the same value both times:
 *
 * - `probabilities=true`: answer class probabilities (same as `Accept: ...; verbose=true`);
 * - `errors=mark`: answer an error marker for a record that cannot be read instead of failing
 *   the request; `errors=fail` forces the default;
 * - `explain=path` or `explain=shap`: explain every prediction (JSON and JSON Lines answers);
 *   the model decides which kinds it gives, so the value is checked when the model is known.
 *
 * @module
 */

import { CUSTOM_ATTRIBUTES_MAX_LENGTH } from "../sagemaker/platform_limits.ts";
import type { BadRecordMode } from "../sagemaker/serving_config.ts";
import { HttpError } from "./errors.ts";

/** The request (and response) header. */
export const CUSTOM_ATTRIBUTES_HEADER = "x-amzn-sagemaker-custom-attributes";

/** What the custom attributes ask of one invocation. */
export interface InvocationAttributes {
  /** `probabilities=true|false`. */
  readonly probabilities?: boolean;
  /** `errors=mark|fail`. */
  readonly badRecords?: BadRecordMode;
  /** `explain=<kind>`, lower-cased: the explanation asked for (`path`, `shap`). */
  readonly explain?: string;
}

/** The values each key of ours takes, for messages. */
const EXPECTED_VALUES: Readonly<Record<string, string>> = {
  probabilities: "true or false",
  errors: "mark or fail",
  explain: "<kind>, such as path or shap",
};

function invalid(key: string, value: string, expected: string): HttpError {
  return new HttpError(
    400,
    `Invalid custom attribute ${key}=${JSON.stringify(value)}: expected ${expected}`,
  );
}

/** A key of ours given twice with different values: which one is meant cannot be guessed. */
function conflicting(key: string, first: string, second: string): HttpError {
  return new HttpError(
    400,
    `Custom attribute ${key} is given twice with different values: ${JSON.stringify(first)} and ${
      JSON.stringify(second)
    }`,
  );
}

/**
 * Reads the header; throws a 400 {@linkcode HttpError} when it is too long, when a key we
 * know has a value we do not, or none, or when it is given twice with different values.
 *
 * @example
 * ```ts
 * parseCustomAttributes("probabilities=true, errors=mark, explain=shap, trace=abc");
 * // { probabilities: true, badRecords: "mark", explain: "shap" }
 * ```
 */
export function parseCustomAttributes(header: string | null): InvocationAttributes {
  if (header === null || header === "") return {};
  if (header.length > CUSTOM_ATTRIBUTES_MAX_LENGTH) {
    throw new HttpError(
      400,
      `X-Amzn-SageMaker-Custom-Attributes is ${header.length} characters long: the limit is ${CUSTOM_ATTRIBUTES_MAX_LENGTH}`,
    );
  }
  let probabilities: boolean | undefined;
  let badRecords: BadRecordMode | undefined;
  let explain: string | undefined;
  for (const part of header.split(/[,;]/)) {
    const equals = part.indexOf("=");
    if (equals === -1) {
      // A key of ours without a value would otherwise be ignored without a word.
      const key = part.trim().toLowerCase();
      const expected = EXPECTED_VALUES[key];
      if (expected !== undefined) {
        throw new HttpError(
          400,
          `Custom attribute ${key} has no value: expected ${key}=${expected}`,
        );
      }
      continue;
    }
    const key = part.slice(0, equals).trim().toLowerCase();
    const value = part.slice(equals + 1).trim();
    const lower = value.toLowerCase();
    if (key === "probabilities") {
      if (lower !== "true" && lower !== "false") throw invalid(key, value, "true or false");
      if (probabilities !== undefined && String(probabilities) !== lower) {
        throw conflicting(key, String(probabilities), lower);
      }
      probabilities = lower === "true";
    } else if (key === "errors") {
      if (lower !== "mark" && lower !== "fail") throw invalid(key, value, "mark or fail");
      if (badRecords !== undefined && badRecords !== lower) {
        throw conflicting(key, badRecords, lower);
      }
      badRecords = lower;
    } else if (key === "explain") {
      if (lower === "") throw invalid(key, value, "an explanation kind such as path or shap");
      if (explain !== undefined && explain !== lower) throw conflicting(key, explain, lower);
      explain = lower;
    }
  }
  return { probabilities, badRecords, explain };
}
