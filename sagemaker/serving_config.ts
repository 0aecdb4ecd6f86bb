/**
 * The serving configuration, read once from the environment. Every limit here drives nginx,
 * the workers and our own checks together, so they cannot disagree.
 *
 * @module
 */

import { type Environment, sageMakerPaths } from "./paths.ts";

/** The body limit SageMaker allows for real-time endpoints: 6 MiB. */
export const REALTIME_BODY_LIMIT = 6 * 1024 * 1024;

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
  /** Largest accepted request body in bytes. */
  readonly bodyLimitBytes: number;
  /** True in a batch transform job (`SAGEMAKER_BATCH=true`). */
  readonly batch: boolean;
  /** `MaxPayloadInMB` announced by `/execution-parameters`. */
  readonly maxPayloadMB: number;
  /** The folder holding the model. */
  readonly modelDir: string;
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

/** Reads the serving configuration; throws {@linkcode ConfigError} for an unusable value. */
export function readServingConfig(env: Environment, cpuCount: number): ServingConfig {
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
    Math.max(1, cpuCount),
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
    readInteger(env, ["SAGEMAKER_MAX_PAYLOAD_IN_MB"], 1, 1024),
    6,
  );
  const bodyLimitBytes = batch ? maxPayloadMB * 1024 * 1024 : REALTIME_BODY_LIMIT;
  sources.bodyLimitBytes = batch ? sources.maxPayloadMB : "default";
  return {
    port,
    workers,
    timeoutSeconds,
    bodyLimitBytes,
    batch,
    maxPayloadMB,
    modelDir: sageMakerPaths(env).modelDir,
    sources,
  };
}
