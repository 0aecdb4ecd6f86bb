/**
 * Where SageMaker puts things: the `/opt/ml` tree, moved by `SAGEMAKER_BASE_DIR`.
 *
 * @module
 */

/** Environment variables as plain strings (pass `Deno.env.toObject()`). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The default root of SageMaker's file layout inside a container. */
export const DEFAULT_BASE_DIR = "/opt/ml";

/** Every path the training and serving contracts use. */
export interface SageMakerPaths {
  /** The root, `/opt/ml` unless `SAGEMAKER_BASE_DIR` moves it. */
  readonly base: string;
  /** `input/config/hyperparameters.json`. */
  readonly hyperparameters: string;
  /** `input/config/inputdataconfig.json`. */
  readonly inputDataConfig: string;
  /** `input/config/resourceconfig.json`. */
  readonly resourceConfig: string;
  /** `input/data`: one folder (or FIFO) per channel. */
  readonly dataDir: string;
  /** `model`: where training writes and serving reads the model. */
  readonly modelDir: string;
  /** `output`: where the failure file goes. */
  readonly outputDir: string;
  /** `output/failure`: why a training job failed. */
  readonly failureFile: string;
  /** `output/data`: extra artefacts such as metrics. */
  readonly outputDataDir: string;
}

/** Joins path parts with single slashes. */
export function joinPath(...parts: string[]): string {
  return parts.join("/").replace(/\/{2,}/g, "/");
}

/** Resolves the SageMaker paths from the environment. */
export function sageMakerPaths(env: Environment): SageMakerPaths {
  const base = (env.SAGEMAKER_BASE_DIR || DEFAULT_BASE_DIR).replace(/\/+$/, "") || "/";
  const output = joinPath(base, "output");
  return {
    base,
    hyperparameters: joinPath(base, "input/config/hyperparameters.json"),
    inputDataConfig: joinPath(base, "input/config/inputdataconfig.json"),
    resourceConfig: joinPath(base, "input/config/resourceconfig.json"),
    dataDir: joinPath(base, "input/data"),
    modelDir: joinPath(base, "model"),
    outputDir: output,
    failureFile: joinPath(output, "failure"),
    outputDataDir: joinPath(output, "data"),
  };
}

/** The folder of one input channel, for example `input/data/training`. */
export function channelDir(paths: SageMakerPaths, channel: string): string {
  return joinPath(paths.dataDir, channel);
}
