/**
 * Where SageMaker puts things: the `/opt/ml` tree, moved by `SAGEMAKER_BASE_DIR`, with the
 * `SM_*` variables of AWS's training toolkit taking precedence where they are set.
 *
 * Precedence, for each path: its own `SM_*` variable, then the folder derived from a parent
 * `SM_*` variable (`SM_INPUT_DIR`, `SM_OUTPUT_DIR`), then `SAGEMAKER_BASE_DIR` (or `/opt/ml`).
 *
 * | Path                         | Variables, strongest first                                  |
 * | ---------------------------- | ----------------------------------------------------------- |
 * | `input/config/*.json`        | `SM_INPUT_CONFIG_DIR`, `SM_INPUT_DIR`/config, base          |
 * | `input/data/<channel>`       | `SM_CHANNEL_<CHANNEL>`, `SM_INPUT_DIR`/data, base           |
 * | `model`                      | `SM_MODEL_DIR`, base                                        |
 * | `output` (failure file)      | `SM_OUTPUT_DIR`, base                                       |
 * | `output/data` (metrics.json) | `SM_OUTPUT_DATA_DIR`, `SM_OUTPUT_DIR`/data, base            |
 *
 * @module
 */

/** Environment variables as plain strings (pass `Deno.env.toObject()`). */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The default root of SageMaker's file layout inside a container. */
export const DEFAULT_BASE_DIR = "/opt/ml";

/**
 * `SM_*` values that stand in for (or add to) the config files. They are kept as the raw text
 * of the variable; `sagemaker/` modules parse them where the matching file is read.
 */
export interface ToolkitVariables {
  /** `SM_HPS`: a JSON object of hyperparameters, laid over `hyperparameters.json`. */
  readonly hps?: string;
  /** `SM_CHANNELS`: a JSON list of channel names, used when `inputdataconfig.json` is absent. */
  readonly channels?: string;
  /** `SM_CURRENT_HOST`: this host's name, over `resourceconfig.json`'s `current_host`. */
  readonly currentHost?: string;
  /** `SM_HOSTS`: a JSON list of host names, over `resourceconfig.json`'s `hosts`. */
  readonly hosts?: string;
}

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
  /** Channel folders set by `SM_CHANNEL_<NAME>`, by lower-case channel name. */
  readonly channelDirs: Readonly<Record<string, string>>;
  /** `model`: where training writes and serving reads the model. */
  readonly modelDir: string;
  /** `output`: where the failure file goes. */
  readonly outputDir: string;
  /** `output/failure`: why a training job failed. */
  readonly failureFile: string;
  /** `output/data`: extra artefacts such as metrics. */
  readonly outputDataDir: string;
  /** The `SM_*` values that are not paths. */
  readonly toolkit: ToolkitVariables;
  /** Where each path came from, for example `{ modelDir: "SM_MODEL_DIR" }`; for logs. */
  readonly sources: Readonly<Record<string, string>>;
}

/** Joins path parts with single slashes. */
export function joinPath(...parts: string[]): string {
  return parts.join("/").replace(/\/{2,}/g, "/");
}

function trimSlashes(path: string): string {
  return path.replace(/\/+$/, "") || "/";
}

/** The prefix of the variables that name channel folders, as in `SM_CHANNEL_TRAINING`. */
export const CHANNEL_VARIABLE_PREFIX = "SM_CHANNEL_";

/** Resolves the SageMaker paths from the environment (see the module docs for precedence). */
export function sageMakerPaths(env: Environment): SageMakerPaths {
  const base = trimSlashes(env.SAGEMAKER_BASE_DIR || DEFAULT_BASE_DIR);
  const baseSource = env.SAGEMAKER_BASE_DIR ? "SAGEMAKER_BASE_DIR" : "default";
  const sources: Record<string, string> = {};
  function pick(field: string, candidates: [string | undefined, string][], fallback: string) {
    for (const [value, source] of candidates) {
      if (value !== undefined && value.trim() !== "") {
        sources[field] = source;
        return trimSlashes(value.trim());
      }
    }
    sources[field] = baseSource;
    return fallback;
  }
  const inputDir = env.SM_INPUT_DIR?.trim() ? trimSlashes(env.SM_INPUT_DIR.trim()) : undefined;
  const outputRoot = env.SM_OUTPUT_DIR?.trim() ? trimSlashes(env.SM_OUTPUT_DIR.trim()) : undefined;
  const configDir = pick("configDir", [
    [env.SM_INPUT_CONFIG_DIR, "SM_INPUT_CONFIG_DIR"],
    [inputDir && joinPath(inputDir, "config"), "SM_INPUT_DIR"],
  ], joinPath(base, "input/config"));
  const dataDir = pick("dataDir", [
    [inputDir && joinPath(inputDir, "data"), "SM_INPUT_DIR"],
  ], joinPath(base, "input/data"));
  const modelDir = pick("modelDir", [[env.SM_MODEL_DIR, "SM_MODEL_DIR"]], joinPath(base, "model"));
  const outputDir = pick("outputDir", [[outputRoot, "SM_OUTPUT_DIR"]], joinPath(base, "output"));
  const outputDataDir = pick("outputDataDir", [
    [env.SM_OUTPUT_DATA_DIR, "SM_OUTPUT_DATA_DIR"],
    [outputRoot && joinPath(outputRoot, "data"), "SM_OUTPUT_DIR"],
  ], joinPath(base, "output/data"));
  const channelDirs: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(CHANNEL_VARIABLE_PREFIX) || value === undefined || !value.trim()) continue;
    const channel = name.slice(CHANNEL_VARIABLE_PREFIX.length).toLowerCase();
    if (channel !== "") channelDirs[channel] = trimSlashes(value.trim());
  }
  return {
    base,
    hyperparameters: joinPath(configDir, "hyperparameters.json"),
    inputDataConfig: joinPath(configDir, "inputdataconfig.json"),
    resourceConfig: joinPath(configDir, "resourceconfig.json"),
    dataDir,
    channelDirs,
    modelDir,
    outputDir,
    failureFile: joinPath(outputDir, "failure"),
    outputDataDir,
    toolkit: {
      hps: env.SM_HPS?.trim() || undefined,
      channels: env.SM_CHANNELS?.trim() || undefined,
      currentHost: env.SM_CURRENT_HOST?.trim() || undefined,
      hosts: env.SM_HOSTS?.trim() || undefined,
    },
    sources,
  };
}

/**
 * The folder of one input channel: `SM_CHANNEL_<NAME>` when set, else `input/data/<channel>`.
 */
export function channelDir(paths: SageMakerPaths, channel: string): string {
  return paths.channelDirs[channel.toLowerCase()] ?? joinPath(paths.dataDir, channel);
}

/**
 * The named pipe of a channel in Pipe mode for one pass over the data:
 * `input/data/<channel>_<epoch>`. Pipes always live under `input/data`.
 */
export function channelPipe(paths: SageMakerPaths, channel: string, epoch = 0): string {
  return joinPath(paths.dataDir, `${channel}_${epoch}`);
}
