/**
 * The serving configuration, read once from the environment. Every limit here drives nginx,
 * the workers and our own checks together, so they cannot disagree.
 *
 * @module
 */

import { knownMediaType, MEDIA_TYPES, type MediaType } from "../codecs/negotiate.ts";
import { defaultWorkerCount } from "./machine.ts";
import { type Environment, sageMakerPaths } from "./paths.ts";
import {
  ASYNC_PAYLOAD_MB,
  type BatchLimits,
  batchLimits,
  REALTIME_BODY_BYTES,
  REALTIME_RESPONSE_BYTES,
} from "./platform_limits.ts";

/** What to do with a record that cannot be read: fail the request (400) or mark the record. */
export type BadRecordMode = "fail" | "mark";

/** Where a configuration value came from. */
export type ValueSource = "default" | `env ${string}`;

/** Everything `serve` and its workers need to know. */
export interface ServingConfig {
  /** The public port nginx (or the workers, without nginx) listens on. */
  readonly port: number;
  /** Number of worker processes. */
  readonly workers: number;
  /** Seconds a request may take before it is answered with 504. */
  readonly timeoutSeconds: number;
  /** Largest accepted request body in bytes: `SAGEMAKER_MAX_PAYLOAD_IN_MB`, else 6 MiB. */
  readonly bodyLimitBytes: number;
  /**
   * Largest answer to an invocation in bytes: `MODEL_SERVER_MAX_RESPONSE_MB`, else the body
   * limit but at least the 6 MiB SageMaker passes back from a real-time invocation. Past it, an
   * invocation is answered 413 before the answer is built.
   */
  readonly responseLimitBytes: number;
  /** True in a batch transform job (`SAGEMAKER_BATCH=true`). */
  readonly batch: boolean;
  /** `SAGEMAKER_MAX_PAYLOAD_IN_MB` as set (6 by default), before SageMaker's batch cap. */
  readonly maxPayloadMB: number;
  /**
   * What `/execution-parameters` announces: `MaxPayloadInMB`, and `MaxConcurrentTransforms`
   * from `SAGEMAKER_MAX_CONCURRENT_TRANSFORMS` or the worker count, both within SageMaker's cap.
   */
  readonly batchLimits: BatchLimits;
  /** The response type for `Accept: *\/*` or no `Accept` (`SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`). */
  readonly defaultAccept?: MediaType;
  /** Default handling of unreadable records (`MODEL_SERVER_BAD_RECORDS`: `fail` or `mark`). */
  readonly badRecords: BadRecordMode;
  /**
   * `SAGEMAKER_DEFAULT_PROBABILITIES=true`: every answer carries class probabilities unless the
   * request says `probabilities=false` (SageMaker Clarify's requests carry no custom attributes).
   */
  readonly defaultProbabilities: boolean;
  /** The folder holding the model. */
  readonly modelDir: string;
  /** Ports the workers may use behind nginx (`SAGEMAKER_SAFE_PORT_RANGE`, e.g. `20000-20999`). */
  readonly safePortRange?: readonly [number, number];
  /** Where each value above came from, by field name. */
  readonly sources: Readonly<Record<string, ValueSource>>;
}

/** A configuration value that is present but cannot be used. */
export class ConfigError extends Error {
  /** Creates an error; the message names the variable and what it accepts. */
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

function readInteger(
  env: Environment,
  names: readonly string[],
  min: number,
  max: number,
): { value: number; source: ValueSource } | undefined {
  for (const name of names) {
    const text = env[name]?.trim();
    if (text === undefined || text === "") continue;
    const value = Number(text);
    if (!/^\d+$/.test(text) || value < min || value > max) {
      throw new ConfigError(
        `Invalid ${name}=${JSON.stringify(text)}: expected an integer from ${min} to ${max}`,
      );
    }
    return { value, source: `env ${name}` };
  }
  return undefined;
}

function readPortRange(env: Environment, name: string): [number, number] | undefined {
  const text = env[name]?.trim();
  if (text === undefined || text === "") return undefined;
  const match = text.match(/^(\d+)\s*-\s*(\d+)$/);
  const [low, high] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  if (!(low >= 1 && low <= high && high <= 65535)) {
    throw new ConfigError(
      `Invalid ${name}=${JSON.stringify(text)}: expected a range like 20000-20999`,
    );
  }
  return [low, high];
}

/** Options of {@linkcode readServingConfig}. */
export interface ServingConfigOptions {
  /**
   * The container's memory (see `containerMemoryBytes` in `machine.ts`): without
   * `MODEL_SERVER_WORKERS`, no more workers start than it holds. Unlimited when absent.
   */
  readonly memoryBytes?: number;
}

/** Reads the serving configuration; throws {@linkcode ConfigError} for an unusable value. */
export function readServingConfig(
  env: Environment,
  cpuCount: number,
  options: ServingConfigOptions = {},
): ServingConfig {
  const sources: Record<string, ValueSource> = {};
  function pick(
    field: string,
    found: { value: number; source: ValueSource } | undefined,
    fallback: number,
  ) {
    sources[field] = found?.source ?? "default";
    return found?.value ?? fallback;
  }
  const port = pick("port", readInteger(env, ["SAGEMAKER_BIND_TO_PORT"], 1, 65535), 8080);
  const workers = pick(
    "workers",
    readInteger(env, ["MODEL_SERVER_WORKERS", "SAGEMAKER_MODEL_SERVER_WORKERS"], 1, 1024),
    defaultWorkerCount(cpuCount, options.memoryBytes ?? Infinity),
  );
  const timeoutSeconds = pick(
    "timeoutSeconds",
    readInteger(env, ["MODEL_SERVER_TIMEOUT", "SAGEMAKER_MODEL_SERVER_TIMEOUT"], 1, 86_400),
    60,
  );
  const batch = env.SAGEMAKER_BATCH?.trim().toLowerCase() === "true";
  sources.batch = env.SAGEMAKER_BATCH === undefined ? "default" : "env SAGEMAKER_BATCH";
  const maxPayloadMB = pick(
    "maxPayloadMB",
    readInteger(env, ["SAGEMAKER_MAX_PAYLOAD_IN_MB"], 1, ASYNC_PAYLOAD_MB),
    6,
  );
  // One body limit for nginx and the workers: SAGEMAKER_MAX_PAYLOAD_IN_MB when set (batch
  // transform always sets it), else the 6 MiB SageMaker allows for real-time requests.
  const bodyLimitBytes = sources.maxPayloadMB === "default"
    ? REALTIME_BODY_BYTES
    : maxPayloadMB * 1024 * 1024;
  sources.bodyLimitBytes = sources.maxPayloadMB;
  const responseMB = readInteger(env, ["MODEL_SERVER_MAX_RESPONSE_MB"], 1, 1024);
  sources.responseLimitBytes = responseMB?.source ?? "default";
  const responseLimitBytes = responseMB === undefined
    ? Math.max(bodyLimitBytes, REALTIME_RESPONSE_BYTES)
    : responseMB.value * 1024 * 1024;
  const concurrent = pick(
    "maxConcurrentTransforms",
    readInteger(env, ["SAGEMAKER_MAX_CONCURRENT_TRANSFORMS"], 1, 1024),
    workers,
  );
  let defaultAccept: MediaType | undefined;
  const acceptText = env.SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT?.trim();
  if (acceptText !== undefined && acceptText !== "") {
    defaultAccept = knownMediaType(acceptText);
    if (defaultAccept === undefined) {
      throw new ConfigError(
        `Invalid SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT=${
          JSON.stringify(acceptText)
        }: expected one of ${MEDIA_TYPES.join(", ")}`,
      );
    }
    sources.defaultAccept = "env SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT";
  }
  const badRecordsText = env.MODEL_SERVER_BAD_RECORDS?.trim().toLowerCase() ?? "";
  if (badRecordsText !== "" && badRecordsText !== "fail" && badRecordsText !== "mark") {
    throw new ConfigError(
      `Invalid MODEL_SERVER_BAD_RECORDS=${
        JSON.stringify(env.MODEL_SERVER_BAD_RECORDS)
      }: expected fail or mark`,
    );
  }
  const badRecords: BadRecordMode = badRecordsText === "mark" ? "mark" : "fail";
  sources.badRecords = badRecordsText === "" ? "default" : "env MODEL_SERVER_BAD_RECORDS";
  const probabilitiesText = env.SAGEMAKER_DEFAULT_PROBABILITIES?.trim().toLowerCase() ?? "";
  if (probabilitiesText !== "" && probabilitiesText !== "true" && probabilitiesText !== "false") {
    throw new ConfigError(
      `Invalid SAGEMAKER_DEFAULT_PROBABILITIES=${
        JSON.stringify(env.SAGEMAKER_DEFAULT_PROBABILITIES)
      }: expected true or false`,
    );
  }
  sources.defaultProbabilities = probabilitiesText === ""
    ? "default"
    : "env SAGEMAKER_DEFAULT_PROBABILITIES";
  return {
    port,
    workers,
    timeoutSeconds,
    bodyLimitBytes,
    responseLimitBytes,
    batch,
    maxPayloadMB,
    batchLimits: batchLimits(maxPayloadMB, concurrent),
    defaultAccept,
    badRecords,
    defaultProbabilities: probabilitiesText === "true",
    modelDir: sageMakerPaths(env).modelDir,
    safePortRange: readPortRange(env, "SAGEMAKER_SAFE_PORT_RANGE"),
    sources,
  };
}
