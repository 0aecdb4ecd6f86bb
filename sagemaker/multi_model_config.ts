/**
 * The multi-model endpoint configuration, read once from the environment.
 *
 * | Variable                         | Meaning                                                          |
 * | -------------------------------- | ---------------------------------------------------------------- |
 * | `SAGEMAKER_MULTI_MODEL`          | `true` switches `serve` to multi-model mode (SageMaker sets it)  |
 * | `SAGEMAKER_MULTI_MODEL_ROOT`     | the only folder `POST /models` may load from; default `<base>/models` |
 * | `MODEL_CACHE_MAX_MB`             | models each worker keeps in memory, in MiB (see below)           |
 * | `SAGEMAKER_MULTI_MODEL_REGISTRY` | internal: the shared registry folder `serve` hands its workers   |
 *
 * `MODEL_CACHE_MAX_MB` is a budget per worker, because every worker keeps its own copies. The
 * default is half of the memory (the cgroup limit when there is one, else the machine's) divided
 * by the number of workers, so all workers together use at most half of the memory for models.
 *
 * @module
 */

import { type Environment, joinPath, sageMakerPaths } from "./paths.ts";
import { ConfigError, type ValueSource } from "./serving_config.ts";

/** The variable through which `serve` tells its workers where the shared registry is. */
export const REGISTRY_VARIABLE = "SAGEMAKER_MULTI_MODEL_REGISTRY";

/** Share of the memory that all workers' model caches may use together by default. */
export const DEFAULT_MEMORY_SHARE = 0.5;

const MIB = 1024 * 1024;

/** Everything multi-model serving needs to know. */
export interface MultiModelConfig {
  /** True when `SAGEMAKER_MULTI_MODEL=true`. */
  readonly enabled: boolean;
  /** The folder every loaded model must lie in (checked after resolving symlinks). */
  readonly modelRoot: string;
  /** The shared registry folder, when `serve` has created one (workers only). */
  readonly registryDir: string | undefined;
  /** The byte budget of one worker's model cache. */
  readonly cacheMaxBytes: number;
  /** Where each value above came from, by field name. */
  readonly sources: Readonly<Record<string, ValueSource>>;
}

/** Facts about the machine the default budget is derived from. */
export interface MachineFacts {
  /** Number of worker processes sharing the memory. */
  readonly workers: number;
  /** Memory available to the container in bytes; see `containerMemoryBytes` in `machine.ts`. */
  readonly memoryBytes: number;
}

/** Reads the multi-model configuration; throws {@linkcode ConfigError} for an unusable value. */
export function readMultiModelConfig(env: Environment, machine: MachineFacts): MultiModelConfig {
  const sources: Record<string, ValueSource> = {};
  const flag = env.SAGEMAKER_MULTI_MODEL?.trim().toLowerCase();
  const enabled = flag === "true";
  sources.enabled = flag === undefined ? "default" : "env SAGEMAKER_MULTI_MODEL";

  const rootText = env.SAGEMAKER_MULTI_MODEL_ROOT?.trim();
  let modelRoot: string;
  if (rootText) {
    if (!rootText.startsWith("/")) {
      throw new ConfigError(
        `Invalid SAGEMAKER_MULTI_MODEL_ROOT=${JSON.stringify(rootText)}: expected an absolute path`,
      );
    }
    modelRoot = rootText.replace(/\/+$/, "") || "/";
    sources.modelRoot = "env SAGEMAKER_MULTI_MODEL_ROOT";
  } else {
    modelRoot = joinPath(sageMakerPaths(env).base, "models");
    sources.modelRoot = "default";
  }

  const budgetText = env.MODEL_CACHE_MAX_MB?.trim();
  let cacheMaxBytes: number;
  if (budgetText) {
    const value = Number(budgetText);
    if (!/^\d+$/.test(budgetText) || value < 1 || value > 1_048_576) {
      throw new ConfigError(
        `Invalid MODEL_CACHE_MAX_MB=${
          JSON.stringify(budgetText)
        }: expected an integer from 1 to 1048576`,
      );
    }
    cacheMaxBytes = value * MIB;
    sources.cacheMaxBytes = "env MODEL_CACHE_MAX_MB";
  } else {
    const share = (machine.memoryBytes * DEFAULT_MEMORY_SHARE) / Math.max(1, machine.workers);
    cacheMaxBytes = Math.max(MIB, Math.floor(share / MIB) * MIB);
    sources.cacheMaxBytes = "default";
  }

  const registryText = env[REGISTRY_VARIABLE]?.trim();
  return {
    enabled,
    modelRoot,
    registryDir: registryText ? registryText : undefined,
    cacheMaxBytes,
    sources,
  };
}
