/**
 * The training contract: config files and channels in; a model file, metrics and log lines out.
 * On any failure the reason goes to `output/failure` and to stderr, and the exit code is 1.
 *
 * The steps, in order: resource config (only the first host trains), hyperparameters
 * (`hyperparameters.json` and `SM_HPS`), channels (`inputdataconfig.json`, `SM_CHANNELS`, or the
 * folders), the `training` channel and the optional `validation` channel parsed straight into
 * typed arrays, `algorithm.fit`, then the model file and `output/data/metrics.json`, both
 * written atomically. An algorithm that asks for binned input (`binnedInput`, as cart does) gets
 * the training channel binned while it is read, one or two bytes a value, and `fitBinned`.
 *
 * @module
 */

import type { BinnedDataset, Dataset, HyperparameterValues } from "./algorithm/mod.ts";
import { log } from "./log.ts";
import { describeModel, saveModel, writeFileAtomic } from "./model_store.ts";
import type { SageMakerPaths } from "./sagemaker/paths.ts";
import { resolveResourceConfig } from "./sagemaker/resource_config.ts";
import { STOP_SIGNALS } from "./sagemaker/stop_signals.ts";
import {
  readJsonFile,
  readRawHyperparameters,
  resolveHyperparameters,
} from "./sagemaker/hyperparameters.ts";
import {
  type ChannelTable,
  encodeValidationLabels,
  readTrainingDataset,
} from "./training/channel_data.ts";
import { resolveChannels } from "./training/channel_list.ts";
import type { ChannelHeader } from "./training/first_line.ts";
import { readBinnedTrainingDataset } from "./training/binned_channel.ts";
import { startValidationRead } from "./training/validation_read.ts";
import { predictBinned } from "./training/binned_predictions.ts";
import {
  type ChannelScores,
  importancesJson,
  metricLines,
  round,
  scorePredictions,
  scoresJson,
} from "./training/scores.ts";

/** The file under `output/data` holding the metrics. */
export const METRICS_FILE_NAME = "metrics.json";

/** Options of {@linkcode train}. */
export interface TrainOptions {
  /** Aborted to stop training (a stop signal); the job then fails with a message saying so. */
  signal?: AbortSignal;
  /** Milliseconds between progress lines of a long read (5 seconds by default). */
  progressIntervalMs?: number;
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
  /** Scores on the training channel. */
  readonly train: ChannelScores;
  /** Scores on the validation channel, when there is one. */
  readonly validation?: ChannelScores;
  /** Seconds spent fitting. */
  readonly fitSeconds: number;
  /** Seconds for the whole job: read, fit, save. */
  readonly totalSeconds: number;
  /** Path of the written model file. */
  readonly modelPath: string;
  /** Path of the written metrics file. */
  readonly metricsPath: string;
}

/**
 * Runs a training job against the SageMaker layout in `paths`. Returns `undefined` when this
 * host is not the one that trains (multi-host job). Throws on failure; {@linkcode runTrainJob}
 * wraps it with the failure file and exit code.
 */
export async function train(
  paths: SageMakerPaths,
  options: TrainOptions = {},
): Promise<TrainResult | undefined> {
  const started = performance.now();
  const { signal } = options;
  log.info("paths", {
    model: paths.modelDir,
    output: paths.outputDir,
    outputData: paths.outputDataDir,
    config: paths.hyperparameters.replace(/\/[^/]*$/, ""),
    data: paths.dataDir,
    ...Object.fromEntries(
      Object.entries(paths.channelDirs).map(([channel, dir]) => [`channel_${channel}`, dir]),
    ),
  });
  const resource = resolveResourceConfig(
    await readJsonFile(paths.resourceConfig, { optional: true }),
    { source: paths.resourceConfig, toolkit: paths.toolkit },
  );
  log.info("resource config", {
    currentHost: resource.currentHost,
    hosts: resource.hosts.join(","),
    trainingHost: resource.leader,
    source: resource.source,
  });
  if (!resource.isLeader) {
    log.info(
      `host ${resource.currentHost} has nothing to do: a single tree trains on ${resource.leader}`,
    );
    return undefined;
  }

  const raw = await readRawHyperparameters(paths.hyperparameters, { hps: paths.toolkit.hps });
  const setup = resolveHyperparameters(raw.values);
  for (const name of setup.ignored) log.info("ignoring platform hyperparameter", { name });
  log.info("effective hyperparameters", setup.effective);
  if (Object.values(raw.sources).includes("SM_HPS")) {
    log.info("hyperparameter sources", raw.sources);
  }

  const channels = await resolveChannels(paths);
  for (const channel of [channels.training, channels.validation]) {
    if (channel?.distribution === "ShardedByS3Key" && resource.hosts.length > 1) {
      log.warn("this host trains on its shard of the channel only", {
        channel: channel.name,
        distribution: channel.distribution,
        hosts: resource.hosts.length,
      });
    }
  }
  const algorithm = setup.algorithm;
  const binning = algorithm.fitBinned === undefined
    ? undefined
    : algorithm.binnedInput?.(setup.hyperparameters);
  const readOptions = { signal, progressIntervalMs: options.progressIntervalMs };
  // The validation channel is read on a thread of its own while the training channel is read.
  const validationRead = channels.validation === undefined
    ? undefined
    : startValidationRead(paths, channels.validation, { ...readOptions, setup });
  let data: Dataset | BinnedDataset;
  let validationData: { table: ChannelTable; labels: Int32Array; classes: string[] } | undefined;
  // The validation channel's header must name the training channel's features in its order.
  let trainingHeader: ChannelHeader | undefined;
  const trainingOptions = {
    ...readOptions,
    onHeader: (header: ChannelHeader) => (trainingHeader = header),
  };
  try {
    data = binning === undefined
      ? await readTrainingDataset(paths, channels.training, setup, trainingOptions)
      : await readBinnedTrainingDataset(paths, channels.training, setup, binning, trainingOptions);
    console.log(
      `training: rows=${data.features.rows} features=${data.features.columns} ` +
        `classes=${data.classes.length} algorithm=${setup.algorithm.name}`,
    );
    if (validationRead !== undefined) {
      const table = await validationRead.table(data.features.columns, { trainingHeader });
      const encoded = encodeValidationLabels(table, data.classes);
      const unseen = encoded.classes.length - data.classes.length;
      if (unseen > 0) {
        log.warn("validation labels the training data does not have", {
          labels: encoded.classes.slice(data.classes.length, data.classes.length + 10).join(","),
          count: unseen,
        });
      }
      validationData = { table, ...encoded };
      console.log(`validation: rows=${table.features.rows}`);
    }
  } finally {
    validationRead?.close();
  }
  const { rows, columns } = data.features;

  signal?.throwIfAborted();
  const fitStarted = performance.now();
  const fitOptions = { signal, log: (message: string) => log.info(message) };
  const model = "data" in data.features
    ? await algorithm.fit(data as Dataset, setup.hyperparameters, fitOptions)
    : await algorithm.fitBinned!(data as BinnedDataset, setup.hyperparameters, fitOptions);
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  signal?.throwIfAborted();

  // A binned fit may have reordered the rows (codes and labels together): scores do not mind.
  // A model that knows the predictions of the rows it was fitted to saves predicting them.
  const trainPredictions = "data" in data.features
    ? model.predict(data.features)
    : model.fittedPredictions?.() ?? predictBinned(model, data.features);
  const trainScores = scorePredictions(trainPredictions, data);
  const validationScores = validationData === undefined
    ? undefined
    : scorePredictions(model.predict(validationData.table.features), validationData);
  signal?.throwIfAborted();

  const metrics: Record<string, number> = {
    "train:accuracy": trainScores.accuracy,
    "train:macro_f1": trainScores.macroF1,
  };
  if (validationScores !== undefined) {
    metrics["validation:accuracy"] = validationScores.accuracy;
    metrics["validation:macro_f1"] = validationScores.macroF1;
  }
  metrics["train:fit_seconds"] = fitSeconds;

  const training: Record<string, string | number> = {
    rows,
    features: columns,
    trainAccuracy: round(trainScores.accuracy),
    trainMacroF1: round(trainScores.macroF1),
    fitSeconds: round(fitSeconds),
    trainingChannel: channels.training.name,
    trainedAt: new Date().toISOString(),
  };
  if (validationScores !== undefined) {
    training.validationRows = validationScores.rows;
    training.validationAccuracy = round(validationScores.accuracy);
    training.validationMacroF1 = round(validationScores.macroF1);
  }
  const stored = {
    algorithm: setup.algorithm,
    model,
    hyperparameters: setup.effective as HyperparameterValues,
    training,
  };
  const modelPath = await saveModel(paths.modelDir, stored).catch((error: Error) => {
    throw new Error(`Cannot write the model to ${paths.modelDir}: ${error.message}`);
  });
  const totalSeconds = (performance.now() - started) / 1000;
  metrics["train:total_seconds"] = totalSeconds;
  log.info("model saved", { path: modelPath, ...describeModel(stored) });

  const metricsPath = `${paths.outputDataDir}/${METRICS_FILE_NAME}`;
  const importances = importancesJson(model);
  await writeMetrics(
    paths.outputDataDir,
    JSON.stringify(
      {
        metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, round(v)])),
        train: scoresJson(trainScores),
        ...(validationScores === undefined ? {} : { validation: scoresJson(validationScores) }),
        classes: data.classes,
        ...(importances === undefined ? {} : { feature_importances: importances }),
        hyperparameters: setup.effective,
        model: describeModel(stored),
      },
      null,
      2,
    ) + "\n",
  ).catch(async (error: Error) => {
    // A failed job leaves no model behind, as when it fails before saving one.
    await Deno.remove(modelPath).catch(() => {});
    throw new Error(`Cannot write the metrics to ${metricsPath}: ${error.message}`);
  });
  if (signal?.aborted) {
    // A stop that came while the files were written fails the job like one before: no model.
    await Deno.remove(modelPath).catch(() => {});
    await Deno.remove(metricsPath).catch(() => {});
    signal.throwIfAborted();
  }
  for (const line of metricLines(metrics)) console.log(line);
  return {
    rows,
    features: columns,
    classes: data.classes,
    trainAccuracy: trainScores.accuracy,
    train: trainScores,
    validation: validationScores,
    fitSeconds,
    totalSeconds,
    modelPath,
    metricsPath,
  };
}

/** Writes the metrics file into `folder`, creating the folder first. */
async function writeMetrics(folder: string, text: string): Promise<void> {
  await Deno.mkdir(folder, { recursive: true });
  await writeFileAtomic(`${folder}/${METRICS_FILE_NAME}`, text);
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
 * Runs `train` as a job: any of {@linkcode STOP_SIGNALS} stops it as a failure naming the
 * signal; on failure it writes `output/failure`, logs the reason to stderr and returns exit code
 * 1. Returns 0 on success (and on a host that has nothing to train).
 */
export async function runTrainJob(paths: SageMakerPaths): Promise<number> {
  const controller = new AbortController();
  const listeners = STOP_SIGNALS.map((signal) => {
    // A later signal is logged but changes nothing: the first one's reason stays (abort is once).
    const listener = () => {
      log.warn(`received ${signal}: stopping training`);
      controller.abort(new Error(`Training was stopped by ${signal} before it finished`));
    };
    Deno.addSignalListener(signal, listener);
    return { signal, listener };
  });
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
    for (const { signal, listener } of listeners) Deno.removeSignalListener(signal, listener);
  }
}
