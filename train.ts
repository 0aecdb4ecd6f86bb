/**
 * The training contract: config files and channels in; a model file, metrics and log lines out.
 * On any failure the reason goes to `output/failure` and to stderr, and the exit code is 1.
 *
 * The steps, in order: resource config (only the first host trains), hyperparameters
 * (`hyperparameters.json` and `SM_HPS`), channels (`inputdataconfig.json`, `SM_CHANNELS`, or the
 * folders), the `training` channel and the optional `validation` channel parsed straight into
 * typed arrays, `algorithm.fit`, then the model file and `output/data/metrics.json`, both
 * written atomically.
 *
 * @module
 */

import type { Dataset, HyperparameterValues } from "./algorithm/mod.ts";
import { CsvTableReader } from "./codecs/csv.ts";
import { sortClasses } from "./codecs/labels.ts";
import { log } from "./log.ts";
import { describeModel, saveModel, writeFileAtomic } from "./model_store.ts";
import { channelDir, channelPipe, type SageMakerPaths } from "./sagemaker/paths.ts";
import {
  ChannelError,
  checkChannelPipe,
  listChannelFiles,
  readSourceChunks,
} from "./sagemaker/channels.ts";
import {
  type ChannelConfig,
  defaultChannelConfig,
  parseChannelList,
  parseInputDataConfig,
} from "./sagemaker/input_config.ts";
import { resolveResourceConfig } from "./sagemaker/resource_config.ts";
import {
  readJsonFile,
  readRawHyperparameters,
  resolveHyperparameters,
  type TrainingSetup,
} from "./sagemaker/hyperparameters.ts";

/** The channel holding the training data (`train` is accepted when there is no `training`). */
export const TRAINING_CHANNEL = "training";

/** The optional channel the model is scored on. */
export const VALIDATION_CHANNEL = "validation";

/** The most distinct labels a training channel may have (more usually means a wrong column). */
export const MAX_CLASSES = 1000;

/** The file under `output/data` holding the metrics. */
export const METRICS_FILE_NAME = "metrics.json";

/** Options of {@linkcode train}. */
export interface TrainOptions {
  /** Aborted to stop training (SIGTERM); the job then fails with a message saying so. */
  signal?: AbortSignal;
}

/** Scores of a model on one channel. */
export interface ChannelScores {
  /** Records scored. */
  readonly rows: number;
  /** Share of records predicted right. */
  readonly accuracy: number;
  /** Unweighted mean of the per-class F1 scores (scikit-learn's `f1_score(average="macro")`). */
  readonly macroF1: number;
  /** Precision, recall, F1 and support of every class, by label. */
  readonly perClass: Record<
    string,
    { precision: number; recall: number; f1: number; support: number }
  >;
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

/** What one channel turned into: a feature table and the labels as first-seen indices. */
interface ChannelTable {
  readonly features: { data: Float64Array; rows: number; columns: number };
  /** The label of each record as an index into `labelNames`. */
  readonly labelIds: Int32Array;
  /** The distinct labels in first-seen order. */
  readonly labelNames: readonly string[];
  readonly sources: readonly string[];
}

const NEWLINE = 0x0a;
const textDecoder = new TextDecoder();

/** Splits one CSV line into trimmed, unquoted fields (for the header and the first record). */
function splitFields(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (const c of line) {
    if (c === '"') quoted = !quoted;
    else if (c === "," && !quoted) {
      fields.push(field.trim());
      field = "";
    } else field += c;
  }
  fields.push(field.trim());
  return fields;
}

/** Finds the first non-blank line in `bytes`: its text, or `undefined` if it is not complete. */
function firstLine(
  bytes: Uint8Array,
  complete: boolean,
): { text: string; number: number } | undefined {
  let start = 0;
  let number = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(NEWLINE, start);
    if (end === -1) {
      if (!complete) return undefined;
      end = bytes.length;
    }
    number++;
    const text = textDecoder.decode(bytes.subarray(start, end)).replace(/\r$/, "");
    if (text.trim() !== "") return { text, number };
    start = end + 1;
  }
  return undefined;
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Turns `label_column` into a column number using the first line of the first source: a name
 * is looked up in the header; a number must be within the record's fields.
 */
function resolveLabelColumn(
  setup: TrainingSetup,
  header: boolean,
  line: { text: string; number: number },
  source: string,
): number {
  const fields = splitFields(line.text);
  if (typeof setup.labelColumn === "string") {
    const index = fields.indexOf(setup.labelColumn);
    if (index === -1) {
      throw new Error(
        `Invalid hyperparameter label_column=${JSON.stringify(setup.labelColumn)}: ` +
          `${source} line ${line.number} has the columns ${fields.join(", ")}`,
      );
    }
    return index;
  }
  const index = setup.labelColumn < 0 ? fields.length + setup.labelColumn : setup.labelColumn;
  if (index < 0 || index >= fields.length) {
    throw new Error(
      `Invalid hyperparameter label_column=${setup.labelColumn}: ${source} line ${line.number} ` +
        `has ${fields.length} ${header ? "header " : ""}fields (columns are counted from 0)`,
    );
  }
  return index;
}

/** Lists the files (or the pipe) of a channel. */
async function channelSources(paths: SageMakerPaths, channel: ChannelConfig): Promise<string[]> {
  if (channel.inputMode === "Pipe") {
    const pipe = channelPipe(paths, channel.name);
    await checkChannelPipe(channel.name, pipe);
    return [pipe];
  }
  return await listChannelFiles(channel.name, channelDir(paths, channel.name));
}

/**
 * Reads every file (or the pipe) of a channel straight into a Float64Array: no per-row strings
 * or arrays. `features` fixes the number of feature columns (the validation channel must match
 * the training channel).
 */
async function readChannelTable(
  paths: SageMakerPaths,
  channel: ChannelConfig,
  setup: TrainingSetup,
  options: { signal?: AbortSignal; features?: number },
): Promise<ChannelTable> {
  const started = performance.now();
  const sources = await channelSources(paths, channel);
  const header = setup.header || channel.headerPresent;
  let bytes = 0;
  let compressed = false;
  if (channel.inputMode !== "Pipe") {
    for (const file of sources) {
      try {
        bytes += (await Deno.stat(file)).size;
      } catch (error) {
        throw new ChannelError(
          `Cannot open ${file} of channel ${channel.name}: ${(error as Error).message}`,
        );
      }
      if (file.endsWith(".gz")) compressed = true;
    }
  }
  // About 6 bytes of text per value; gzip'd CSV of numbers shrinks about 3 times.
  const capacityHint = Math.ceil((compressed ? bytes * 3 : bytes) / 6) || 1024 * 1024;
  log.info("reading channel", {
    channel: channel.name,
    mode: channel.inputMode,
    contentType: channel.contentType,
    sources: sources.length,
    bytes: channel.inputMode === "Pipe" ? undefined : bytes,
    header,
  });
  function createReader(line: { text: string; number: number }, source: string) {
    return new CsvTableReader({
      labelColumn: resolveLabelColumn(setup, header, line, source),
      labelIds: true,
      header,
      skipRepeatedHeaders: header,
      features: options.features,
      source,
    }, capacityHint);
  }
  let reader: CsvTableReader | undefined;
  for (const source of sources) {
    if (reader !== undefined) reader.beginSource(source);
    const pending: Uint8Array[] = [];
    const chunks = readSourceChunks(source, {
      signal: options.signal,
      channel: channel.name,
      onGzip: () => log.info("decompressing gzip", { channel: channel.name, source }),
    });
    for await (const chunk of chunks) {
      if (reader !== undefined) {
        reader.push(chunk);
        continue;
      }
      // Before the first record: wait for the first non-blank line to place the label column.
      pending.push(chunk);
      const buffered = concat(pending);
      pending.length = 0;
      pending.push(buffered);
      const line = firstLine(buffered, false);
      if (line === undefined) continue;
      reader = createReader(line, source);
      reader.push(buffered);
      pending.length = 0;
    }
    if (reader === undefined && pending.length > 0) {
      const buffered = concat(pending);
      const line = firstLine(buffered, true);
      if (line !== undefined) {
        reader = createReader(line, source);
        reader.push(buffered);
      }
    }
  }
  const table = reader?.finish();
  log.info("channel read", {
    channel: channel.name,
    rows: table?.features.rows ?? 0,
    features: table?.features.columns ?? 0,
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
  });
  if (table === undefined || table.features.rows === 0) {
    throw new ChannelError(
      `Channel ${channel.name} has no records in ${sources.join(", ")}` +
        (header ? " (the first line of each file is a header)" : ""),
    );
  }
  return {
    features: table.features,
    labelIds: table.labelIds!,
    labelNames: table.labelNames!,
    sources,
  };
}

/** Reads the training channel into a dataset, checking the number of classes. */
async function readTrainingDataset(
  paths: SageMakerPaths,
  channel: ChannelConfig,
  setup: TrainingSetup,
  signal: AbortSignal | undefined,
): Promise<Dataset> {
  const table = await readChannelTable(paths, channel, setup, { signal });
  const classes = sortClasses([...table.labelNames]);
  if (classes.length < 2) {
    throw new Error(
      `Channel ${channel.name} has only one class (${JSON.stringify(classes[0])}): ` +
        `a classifier needs at least two`,
    );
  }
  if (classes.length > MAX_CLASSES) {
    throw new Error(
      `Channel ${channel.name} has ${classes.length} distinct labels: at most ${MAX_CLASSES} ` +
        `are supported; is the label in column ${JSON.stringify(setup.labelColumn)} ` +
        `(hyperparameter label_column)?`,
    );
  }
  // Renumber the first-seen indices in place to indices into the sorted classes.
  const order = new Map(classes.map((label, i) => [label, i]));
  const remap = Int32Array.from(table.labelNames, (label) => order.get(label)!);
  const labels = table.labelIds;
  for (let i = 0; i < labels.length; i++) labels[i] = remap[labels[i]];
  return { features: table.features, labels, classes };
}

/**
 * Encodes validation labels over the training classes; a label the model never saw gets an
 * index past them (it is scored as wrong and counts as its own class for macro F1).
 */
function encodeValidationLabels(
  table: ChannelTable,
  classes: readonly string[],
): { labels: Int32Array; classes: string[] } {
  const index = new Map(classes.map((label, i) => [label, i]));
  const all = [...classes];
  const remap = Int32Array.from(table.labelNames, (label) => {
    let id = index.get(label);
    if (id === undefined) {
      id = all.push(label) - 1;
      index.set(label, id);
    }
    return id;
  });
  const out = new Int32Array(table.labelIds.length);
  for (let i = 0; i < out.length; i++) out[i] = remap[table.labelIds[i]];
  return { labels: out, classes: all };
}

/**
 * Accuracy, macro F1 and per-class scores of `predicted` against the true `labels`, both
 * indices into `classes`.
 */
export function scorePredictions(
  predicted: Int32Array,
  truth: { readonly labels: Int32Array; readonly classes: readonly string[] },
): ChannelScores {
  const { labels: actual, classes } = truth;
  const k = classes.length;
  const truePositives = new Float64Array(k);
  const predictedCount = new Float64Array(k);
  const actualCount = new Float64Array(k);
  let right = 0;
  for (let i = 0; i < actual.length; i++) {
    predictedCount[predicted[i]]++;
    actualCount[actual[i]]++;
    if (predicted[i] === actual[i]) {
      right++;
      truePositives[actual[i]]++;
    }
  }
  const perClass: ChannelScores["perClass"] = {};
  let f1Sum = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    if (actualCount[c] === 0 && predictedCount[c] === 0) continue;
    const precision = predictedCount[c] === 0 ? 0 : truePositives[c] / predictedCount[c];
    const recall = actualCount[c] === 0 ? 0 : truePositives[c] / actualCount[c];
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[classes[c]] = { precision, recall, f1, support: actualCount[c] };
    f1Sum += f1;
    present++;
  }
  return {
    rows: actual.length,
    accuracy: actual.length === 0 ? 0 : right / actual.length,
    macroF1: present === 0 ? 0 : f1Sum / present,
    perClass,
  };
}

/**
 * Decides which channels the job has: `inputdataconfig.json` when present, else `SM_CHANNELS`,
 * else the folders (`training`, and `validation` if it exists). Returns the training channel
 * and the optional validation channel.
 */
export async function resolveChannels(
  paths: SageMakerPaths,
): Promise<{ training: ChannelConfig; validation?: ChannelConfig; source: string }> {
  const file = await readJsonFile(paths.inputDataConfig, { optional: true });
  let configs: Map<string, ChannelConfig>;
  let source: string;
  if (file !== undefined) {
    configs = parseInputDataConfig(file, paths.inputDataConfig);
    source = paths.inputDataConfig;
  } else {
    const listed = parseChannelList(paths.toolkit.channels);
    source = listed === undefined ? "channel folders" : "SM_CHANNELS";
    const trainingName = !exists(channelDir(paths, TRAINING_CHANNEL)) &&
        exists(channelDir(paths, "train"))
      ? "train"
      : TRAINING_CHANNEL;
    const names = listed ?? [trainingName];
    if (listed === undefined && exists(channelDir(paths, VALIDATION_CHANNEL))) {
      names.push(VALIDATION_CHANNEL);
    }
    configs = new Map(names.map((name) => [name, defaultChannelConfig(name)]));
  }
  const training = configs.get(TRAINING_CHANNEL) ?? configs.get("train");
  if (training === undefined) {
    throw new ChannelError(
      `No ${TRAINING_CHANNEL} channel in ${source}: found ${
        [...configs.keys()].join(", ") || "none"
      }`,
    );
  }
  const validation = configs.get(VALIDATION_CHANNEL);
  for (const name of configs.keys()) {
    if (name !== training.name && name !== VALIDATION_CHANNEL) {
      log.warn("ignoring channel", { channel: name, reason: "not training or validation" });
    }
  }
  return { training, validation, source };
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Scores as written to `metrics.json` (snake_case, like the metric names). */
function scoresJson(scores: ChannelScores): Record<string, unknown> {
  return {
    rows: scores.rows,
    accuracy: round(scores.accuracy),
    macro_f1: round(scores.macroF1),
    per_class: Object.fromEntries(
      Object.entries(scores.perClass).map(([label, s]) => [label, {
        precision: round(s.precision),
        recall: round(s.recall),
        f1: round(s.f1),
        support: s.support,
      }]),
    ),
  };
}

/** The metric lines SageMaker's metric definitions scrape, `name=value;` one per line. */
function metricLines(metrics: Record<string, number>): string[] {
  return Object.entries(metrics).map(([name, value]) =>
    name.endsWith("_seconds") ? `${name}=${value.toFixed(3)};` : `${name}=${value.toFixed(4)};`
  );
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
  const data = await readTrainingDataset(paths, channels.training, setup, signal);
  const { rows, columns } = data.features;
  console.log(
    `training: rows=${rows} features=${columns} classes=${data.classes.length} ` +
      `algorithm=${setup.algorithm.name}`,
  );
  let validationData: { table: ChannelTable; labels: Int32Array; classes: string[] } | undefined;
  if (channels.validation !== undefined) {
    const table = await readChannelTable(paths, channels.validation, setup, {
      signal,
      features: columns,
    });
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

  signal?.throwIfAborted();
  const fitStarted = performance.now();
  const model = await setup.algorithm.fit(data, setup.hyperparameters, {
    signal,
    log: (message) => log.info(message),
  });
  const fitSeconds = (performance.now() - fitStarted) / 1000;
  signal?.throwIfAborted();

  const trainScores = scorePredictions(model.predict(data.features), data);
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
  const modelPath = await saveModel(paths.modelDir, stored);
  const totalSeconds = (performance.now() - started) / 1000;
  metrics["train:total_seconds"] = totalSeconds;
  log.info("model saved", { path: modelPath, ...describeModel(stored) });

  await Deno.mkdir(paths.outputDataDir, { recursive: true });
  const metricsPath = `${paths.outputDataDir}/${METRICS_FILE_NAME}`;
  await writeFileAtomic(
    metricsPath,
    JSON.stringify(
      {
        metrics: Object.fromEntries(Object.entries(metrics).map(([k, v]) => [k, round(v)])),
        train: scoresJson(trainScores),
        ...(validationScores === undefined ? {} : { validation: scoresJson(validationScores) }),
        classes: data.classes,
        hyperparameters: setup.effective,
        model: describeModel(stored),
      },
      null,
      2,
    ) + "\n",
  );
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
 * logs the reason to stderr and returns exit code 1. Returns 0 on success (and on a host that
 * has nothing to train).
 */
export async function runTrainJob(paths: SageMakerPaths): Promise<number> {
  const controller = new AbortController();
  const stop = (signal: Deno.Signal) => () => {
    log.warn(`received ${signal}: stopping training`);
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
