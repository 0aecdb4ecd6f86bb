/**
 * The training contract: hyperparameters and the `training` channel in, a model file out.
 * On any failure the reason goes to `output/failure` and to stderr, and the exit code is 1.
 *
 * @module
 */

import {
  type Algorithm,
  DEFAULT_ALGORITHM,
  findAlgorithm,
  type HyperparameterValues,
  parseHyperparameters,
} from "./algorithm/mod.ts";
import { CsvTableReader } from "./codecs/csv.ts";
import { encodeLabels } from "./codecs/labels.ts";
import { log } from "./log.ts";
import { describeModel, saveModel, writeFileAtomic } from "./model_store.ts";
import { channelDir, type SageMakerPaths } from "./sagemaker/paths.ts";
import { listChannelFiles, readFileChunks } from "./sagemaker/channels.ts";
import { isPlatformHyperparameter, readJsonObject } from "./sagemaker/hyperparameters.ts";
import type { Dataset } from "./algorithm/types.ts";

/** The channel holding the training data. */
export const TRAINING_CHANNEL = "training";

/** Options of {@linkcode train}. */
export interface TrainOptions {
  /** Aborted to stop training (SIGTERM); the job then fails with a message saying so. */
  signal?: AbortSignal;
}

/** The outcome of a successful training run, also printed as metric lines. */
export interface TrainResult {
  /** Records used for training. */
  readonly rows: number;
  /** Features per record. */
  readonly features: number;
  /** The class labels. */
  readonly classes: readonly string[];
  /** Accuracy of the model on its own training data. */
  readonly trainAccuracy: number;
  /** Seconds spent fitting. */
  readonly fitSeconds: number;
  /** Seconds for the whole job: read, fit, save. */
  readonly totalSeconds: number;
  /** Path of the written model file. */
  readonly modelPath: string;
}

/** The algorithm choice plus its validated hyperparameters. */
export interface TrainingSetup {
  /** The selected algorithm. */
  readonly algorithm: Algorithm;
  /** Its effective hyperparameters (given values and defaults). */
  readonly hyperparameters: HyperparameterValues;
}

/**
 * Splits raw hyperparameters into the algorithm choice (`algorithm`) and the algorithm's own
 * values, validating each. Platform-added names (`_tuning_objective_metric`, `sagemaker_*`)
 * are ignored.
 */
export function resolveHyperparameters(raw: Record<string, unknown>): TrainingSetup {
  const own: Record<string, unknown> = {};
  let algorithmName = DEFAULT_ALGORITHM;
  for (const [name, value] of Object.entries(raw)) {
    if (isPlatformHyperparameter(name)) {
      log.info("ignoring platform hyperparameter", { name });
    } else if (name === "algorithm") {
      algorithmName = String(value).trim();
    } else {
      own[name] = value;
    }
  }
  const algorithm = findAlgorithm(algorithmName);
  for (const name of Object.keys(own)) {
    if (!(name in algorithm.hyperparameters)) {
      const accepted = ["algorithm", ...Object.keys(algorithm.hyperparameters)].sort();
      throw new Error(
        `Unknown hyperparameter ${name} for algorithm=${algorithm.name}: ` +
          `accepted ones are ${accepted.join(", ")}`,
      );
    }
  }
  return { algorithm, hyperparameters: parseHyperparameters(own, algorithm.hyperparameters) };
}

/** Reads every file of a channel into one labelled dataset (label in the first column). */
export async function readTrainingData(
  channel: string,
  dir: string,
): Promise<Dataset> {
  const files = await listChannelFiles(channel, dir);
  let bytes = 0;
  for (const file of files) bytes += (await Deno.stat(file)).size;
  const reader = new CsvTableReader({ labelColumn: 0 }, Math.ceil(bytes / 6));
  for (const file of files) {
    reader.beginSource(file);
    for await (const chunk of readFileChunks(file)) reader.push(chunk);
  }
  const table = reader.finish();
  if (table.features.rows === 0) {
    throw new Error(`Channel ${channel} has no records in ${files.join(", ")}`);
  }
  const { labels, classes } = encodeLabels(table.labels);
  if (classes.length < 2) {
    throw new Error(
      `Channel ${channel} has only one class (${JSON.stringify(classes[0])}): ` +
        `a classifier needs at least two`,
    );
  }
  return { features: table.features, labels, classes };
}

function accuracy(predicted: Int32Array, actual: Int32Array): number {
  let right = 0;
  for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) right++;
  return actual.length === 0 ? 0 : right / actual.length;
}

/**
 * Runs a training job against the SageMaker layout in `paths`.
 * Throws on failure; {@linkcode runTrainJob} wraps it with the failure file and exit code.
 */
export async function train(
  paths: SageMakerPaths,
  options: TrainOptions = {},
): Promise<TrainResult> {
  const started = performance.now();
  const raw = await readJsonObject(paths.hyperparameters, { optional: true });
  const { algorithm, hyperparameters } = resolveHyperparameters(raw);
  log.info("hyperparameters", { algorithm: algorithm.name, ...hyperparameters });

  const data = await readTrainingData(TRAINING_CHANNEL, channelDir(paths, TRAINING_CHANNEL));
  const { rows, columns } = data.features;
  console.log(
    `training: rows=${rows} features=${columns} classes=${data.classes.length} algorithm=${algorithm.name}`,
  );

  options.signal?.throwIfAborted();
  const fitStarted = performance.now();
  const model = await algorithm.fit(data, hyperparameters, {
    signal: options.signal,
    log: (message) => log.info(message),
  });
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  options.signal?.throwIfAborted();

  const trainAccuracy = accuracy(model.predict(data.features), data.labels);
  const modelPath = await saveModel(paths.modelDir, {
    algorithm,
    model,
    hyperparameters,
    training: { rows, features: columns, trainAccuracy, fitSeconds },
  });
  const totalSeconds = (performance.now() - started) / 1000;
  const summary = describeModel({ algorithm, model, hyperparameters, training: {} });
  log.info("model saved", { path: modelPath, ...summary });
  console.log(`train:accuracy=${trainAccuracy.toFixed(4)};`);
  console.log(`train:fit_seconds=${fitSeconds.toFixed(3)};`);
  console.log(`train:total_seconds=${totalSeconds.toFixed(3)};`);
  return {
    rows,
    features: columns,
    classes: data.classes,
    trainAccuracy,
    fitSeconds,
    totalSeconds,
    modelPath,
  };
}

/** Writes the failure reason where SageMaker reads it (its first 1024 characters are shown). */
export async function writeFailure(paths: SageMakerPaths, reason: string): Promise<void> {
  try {
    await Deno.mkdir(paths.outputDir, { recursive: true });
    await writeFileAtomic(paths.failureFile, reason + "\n");
  } catch (error) {
    log.error("cannot write the failure file", {
      path: paths.failureFile,
      error: (error as Error).message,
    });
  }
}

/**
 * Runs `train` as a job: stops on SIGTERM/SIGINT, and on failure writes `output/failure`,
 * logs the reason to stderr and returns exit code 1. Returns 0 on success.
 */
export async function runTrainJob(paths: SageMakerPaths): Promise<number> {
  const controller = new AbortController();
  const stop = (signal: Deno.Signal) => () => {
    controller.abort(new Error(`Training was stopped by ${signal} before it finished`));
  };
  const onTerm = stop("SIGTERM");
  const onInt = stop("SIGINT");
  Deno.addSignalListener("SIGTERM", onTerm);
  Deno.addSignalListener("SIGINT", onInt);
  try {
    await Deno.remove(paths.failureFile).catch(() => {});
    await train(paths, { signal: controller.signal });
    return 0;
  } catch (error) {
    const reason = controller.signal.aborted
      ? (controller.signal.reason as Error).message
      : (error as Error).message;
    log.error(`training failed: ${reason}`);
    await writeFailure(paths, reason);
    return 1;
  } finally {
    Deno.removeSignalListener("SIGTERM", onTerm);
    Deno.removeSignalListener("SIGINT", onInt);
  }
}
