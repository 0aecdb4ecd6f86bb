/**
 * Reading a training job's channels into typed arrays: which channels there are
 * (`inputdataconfig.json`, `SM_CHANNELS` or the folders), the files or the pipe of each, the
 * header and label column, and the labels as class indices.
 *
 * @module
 */

import { type Dataset, showValue } from "../algorithm/mod.ts";
import { CsvTableReader } from "../codecs/csv_reader.ts";
import { sortClasses } from "../codecs/labels.ts";
import { log } from "../log.ts";
import { channelDir, channelPipe, type SageMakerPaths } from "../sagemaker/paths.ts";
import {
  ChannelError,
  checkChannelPipe,
  listChannelFiles,
  readSourceChunks,
} from "../sagemaker/channels.ts";
import {
  type ChannelConfig,
  defaultChannelConfig,
  parseChannelList,
  parseInputDataConfig,
} from "../sagemaker/input_config.ts";
import { readJsonFile, type TrainingSetup } from "../sagemaker/hyperparameters.ts";

/** The channel holding the training data (`train` is accepted when there is no `training`). */
export const TRAINING_CHANNEL = "training";

/** The optional channel the model is scored on. */
export const VALIDATION_CHANNEL = "validation";

/** The most distinct labels a training channel may have (more usually means a wrong column). */
export const MAX_CLASSES = 1000;

/** What one channel turned into: a feature table and the labels as first-seen indices. */
export interface ChannelTable {
  /** The features, row-major: `data[row * columns + column]`. */
  readonly features: { data: Float64Array; rows: number; columns: number };
  /** The label of each record as an index into `labelNames`. */
  readonly labelIds: Int32Array;
  /** The distinct labels in first-seen order. */
  readonly labelNames: readonly string[];
  /** The files (or the pipe) the records were read from, in order. */
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
        `Invalid hyperparameter label_column: no column of ${source} line ${line.number} ` +
          `is named ${showValue(setup.labelColumn)}; its columns are ${fields.join(", ")}`,
      );
    }
    return index;
  }
  const index = setup.labelColumn < 0 ? fields.length + setup.labelColumn : setup.labelColumn;
  if (index < 0 || index >= fields.length) {
    throw new Error(
      `Invalid hyperparameter label_column: ${source} line ${line.number} has ` +
        `${fields.length} ${header ? "header " : ""}fields (columns are counted from 0); ` +
        `found ${setup.labelColumn}`,
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
export async function readChannelTable(
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
export async function readTrainingDataset(
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
export function encodeValidationLabels(
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
