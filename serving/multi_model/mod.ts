/**
 * Multi-model endpoints: the `/models` routes SageMaker calls when `SAGEMAKER_MULTI_MODEL=true`.
 *
 * | Route                          | Answer                                                       |
 * | ------------------------------ | ------------------------------------------------------------ |
 * | `POST /models`                 | load `{"model_name", "url"}`: 200; 409 loaded; 400/404 no valid model; 507 over budget |
 * | `GET /models`                  | `{"models": [{"modelName", "modelUrl"}], "nextPageToken"?}`, sorted by name |
 * | `GET /models/{name}`           | `{"modelName", "modelUrl", ...}`; 404 unknown                |
 * | `DELETE /models/{name}`        | unload: 200; 404 unknown                                     |
 * | `POST /models/{name}/invoke`   | predict, exactly as `POST /invocations` does                 |
 *
 * How every worker answers for every model: the worker that gets `POST /models` validates and
 * loads the model, then registers it in the shared {@linkcode ModelRegistry} folder (atomic and
 * exclusive, so concurrent loads of a name give one 200 and 409s). On an invocation, any worker
 * reads the registry entry (one small file read) and answers from its own
 * `ModelCache` (`cache.ts`), loading the model file on first use. An entry that is gone means the
 * model was unloaded; a new generation means it was reloaded. A timer drops cached copies of
 * unloaded models that are not invoked again.
 *
 * @module
 */

import type { MultiModelConfig } from "../../sagemaker/multi_model_config.ts";
import { ConfigError } from "../../sagemaker/serving_config.ts";
import { ModelRegistry } from "./registry.ts";
import { createMultiModelHandler, type MultiModelHandler } from "./routes.ts";

export { ModelCache, type ModelCacheOptions } from "./cache.ts";
export {
  isValidModelName,
  MODEL_NAME_PATTERN,
  ModelRegistry,
  type RegistryEntry,
  type RegistryPage,
} from "./registry.ts";
export {
  createMultiModelHandler,
  type InvokeModel,
  type MultiModelHandler,
  type MultiModelOptions,
} from "./routes.ts";

/**
 * The `/models` routes of a worker process: undefined unless `config.enabled`. The registry
 * folder is the one `serve` created and named in the worker's environment.
 */
export function multiModelHandlerFor(
  config: MultiModelConfig,
  options: { timeoutSeconds?: number } = {},
): MultiModelHandler | undefined {
  if (!config.enabled) return undefined;
  if (config.registryDir === undefined) {
    throw new ConfigError(
      "SAGEMAKER_MULTI_MODEL=true but no model registry folder is set: workers are started by serve",
    );
  }
  return createMultiModelHandler({
    registry: new ModelRegistry(config.registryDir),
    modelRoot: config.modelRoot,
    cacheMaxBytes: config.cacheMaxBytes,
    timeoutSeconds: options.timeoutSeconds,
  });
}
