/**
 * The model file: a versioned JSON envelope around the algorithm's own payload, written
 * atomically and validated on load.
 *
 * ```json
 * { "format": "sagemaker-deno-model", "formatVersion": 1, "algorithm": "cart",
 *   "featureCount": 4, "classes": ["setosa", ...], "hyperparameters": {...},
 *   "training": {...}, "payload": ... }
 * ```
 *
 * `hyperparameters` holds every effective value (the container's `algorithm`, `header`,
 * `label_column` and the algorithm's own); `training` holds statistics of the run (rows,
 * features, accuracies, fit time). `featureImportances` (one number per feature, summing to 1)
 * is there when the model computes them; files without it load alike, and readers that do not
 * know it ignore it, so the format version stays 1. On load, every envelope field is checked,
 * then the algorithm checks its payload; any problem is a {@linkcode ModelFileError} naming
 * the file and field.
 *
 * @module
 */

import {
  type Algorithm,
  findAlgorithm,
  type HyperparameterValues,
  type Model,
} from "./algorithm/mod.ts";

/** The name of the model file inside the model folder. */
export const MODEL_FILE_NAME = "model.json";

/** The `format` field every model file carries. */
export const MODEL_FORMAT = "sagemaker-deno-model";

/** The model file version this program writes and reads. */
export const MODEL_FORMAT_VERSION = 1;

/** Facts about the training run stored with the model. */
export type TrainingStats = Record<string, string | number>;

/** A model with everything the model file records about it. */
export interface StoredModel {
  /** The algorithm that trained the model. */
  readonly algorithm: Algorithm;
  /** The model itself, ready to predict. */
  readonly model: Model;
  /** The effective hyperparameters it was trained with. */
  readonly hyperparameters: HyperparameterValues;
  /** Statistics of the training run. */
  readonly training: TrainingStats;
  /** Global feature importances as the model file records them, when it does. */
  readonly featureImportances?: readonly number[];
}

/** A model file that is missing, damaged or of an unknown version. */
export class ModelFileError extends Error {
  /** Creates an error; the message names the file and the problem. */
  constructor(message: string) {
    super(message);
    this.name = "ModelFileError";
  }
}

/** Writes `text` to `path` atomically: a temporary file in the same folder, then a rename. */
export async function writeFileAtomic(path: string, text: string | Uint8Array): Promise<void> {
  const temporary = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    if (typeof text === "string") await Deno.writeTextFile(temporary, text);
    else await Deno.writeFile(temporary, text);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}

/** Serialises a stored model to the model file's JSON text. */
export function encodeModel(stored: StoredModel): string {
  const computed = stored.model.featureImportances?.();
  const importances = computed === undefined ? stored.featureImportances : Array.from(computed);
  return JSON.stringify({
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    algorithm: stored.algorithm.name,
    featureCount: stored.model.featureCount,
    classes: stored.model.classes,
    hyperparameters: stored.hyperparameters,
    training: stored.training,
    ...(importances === undefined ? {} : { featureImportances: importances }),
    payload: stored.algorithm.save(stored.model),
  });
}

/** Writes the model file into `modelDir` atomically and returns its path. */
export async function saveModel(modelDir: string, stored: StoredModel): Promise<string> {
  await Deno.mkdir(modelDir, { recursive: true });
  const path = `${modelDir}/${MODEL_FILE_NAME}`;
  await writeFileAtomic(path, encodeModel(stored));
  return path;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Options of {@linkcode decodeModel} and {@linkcode loadModel}. */
export interface LoadModelOptions {
  /** The algorithms a model file may name; default `ALGORITHMS` of `algorithm/mod.ts`. */
  readonly algorithms?: readonly Algorithm[];
}

/** Rebuilds a stored model from the model file's text; `source` names it in errors. */
export async function decodeModel(
  text: string,
  source: string,
  options: LoadModelOptions = {},
): Promise<StoredModel> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(`Model file ${source} is damaged: ${(error as Error).message}`);
  }
  if (!isRecord(parsed) || parsed.format !== MODEL_FORMAT) {
    const found = isRecord(parsed) ? `format ${JSON.stringify(parsed.format)}` : "no JSON object";
    throw new ModelFileError(
      `Model file ${source} is not a ${MODEL_FORMAT} file: found ${found}`,
    );
  }
  if (parsed.formatVersion !== MODEL_FORMAT_VERSION) {
    const version = parsed.formatVersion;
    const newer = typeof version === "number" && version > MODEL_FORMAT_VERSION;
    throw new ModelFileError(
      `Model file ${source} has format version ${JSON.stringify(version)}: ` +
        `this program reads version ${MODEL_FORMAT_VERSION}; ` +
        (newer ? "use the image that trained it" : "retrain the model or use a matching image"),
    );
  }
  if (typeof parsed.algorithm !== "string") {
    throw new ModelFileError(`Model file ${source} is damaged: algorithm is not a name`);
  }
  if (!isRecord(parsed.hyperparameters)) {
    throw new ModelFileError(`Model file ${source} is damaged: hyperparameters is not an object`);
  }
  if (!isRecord(parsed.training)) {
    throw new ModelFileError(`Model file ${source} is damaged: training is not an object`);
  }
  if (parsed.payload === undefined || parsed.payload === null) {
    throw new ModelFileError(`Model file ${source} is damaged: payload is missing`);
  }
  const { featureCount, classes } = parsed;
  if (typeof featureCount !== "number" || !Number.isInteger(featureCount) || featureCount < 1) {
    throw new ModelFileError(
      `Model file ${source} is damaged: featureCount is not a positive integer`,
    );
  }
  if (
    !Array.isArray(classes) || classes.length < 2 || !classes.every((c) => typeof c === "string")
  ) {
    throw new ModelFileError(`Model file ${source} is damaged: classes is not a list of labels`);
  }
  if (new Set(classes).size !== classes.length) {
    throw new ModelFileError(`Model file ${source} is damaged: classes has a repeated label`);
  }
  const importances = parsed.featureImportances;
  if (
    importances !== undefined &&
    !(Array.isArray(importances) && importances.length === featureCount &&
      importances.every((value) => typeof value === "number" && value >= 0 && value <= 1))
  ) {
    throw new ModelFileError(
      `Model file ${source} is damaged: featureImportances is not ${featureCount} numbers ` +
        "from 0 to 1",
    );
  }
  let algorithm: Algorithm;
  try {
    algorithm = findAlgorithm(parsed.algorithm, options.algorithms);
  } catch (error) {
    throw new ModelFileError(`Model file ${source}: ${(error as Error).message}`);
  }
  let model: Model;
  try {
    model = await algorithm.load(parsed.payload, { featureCount, classes });
  } catch (error) {
    throw new ModelFileError(`Model file ${source} is damaged: ${(error as Error).message}`);
  }
  return {
    algorithm,
    model,
    hyperparameters: parsed.hyperparameters as HyperparameterValues,
    training: parsed.training as TrainingStats,
    ...(importances === undefined ? {} : { featureImportances: importances as number[] }),
  };
}

/** Loads and validates the model file in `modelDir`; throws {@linkcode ModelFileError}. */
export async function loadModel(
  modelDir: string,
  options: LoadModelOptions = {},
): Promise<StoredModel> {
  const path = `${modelDir}/${MODEL_FILE_NAME}`;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new ModelFileError(`No model at ${path}: run train first, or check SAGEMAKER_BASE_DIR`);
    }
    throw new ModelFileError(`Cannot read model file ${path}: ${(error as Error).message}`);
  }
  return await decodeModel(text, path, options);
}

/** A one-line summary of a stored model for logs. */
export function describeModel(stored: StoredModel): Record<string, string | number> {
  return {
    algorithm: stored.algorithm.name,
    features: stored.model.featureCount,
    classes: stored.model.classes.length,
    ...stored.model.describe(),
  };
}
