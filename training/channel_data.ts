/**
 * Reading a training job's channels into typed arrays: which channels there are
 * (`inputdataconfig.json`, `SM_CHANNELS` or the folders), the files or the pipe of each, the
 * header and label column, and the labels as class indices.
 *
 * @module
 */

import { type Dataset, showValue } from "../algorithm/mod.ts";
import { CsvError, CsvTableReader, MAX_LINE_BYTES } from "../codecs/csv_reader.ts";
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

/**
 * The share of the machine's memory one channel's data may take: as decompressed text, and
 * again as values (8 bytes each). Fitting needs memory beyond the values, so a channel past
 * half the memory cannot be trained on; a small gzip file that inflates to more (a "gzip bomb")
 * then fails naming the file instead of taking the machine.
 */
export const CHANNEL_MEMORY_SHARE = 0.5;

/** The bytes one channel's data may take, {@linkcode CHANNEL_MEMORY_SHARE} of the memory. */
export function channelMemoryLimit(): number {
  return Math.floor(Deno.systemMemoryInfo().total * CHANNEL_MEMORY_SHARE);
}

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
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const COMMA = 0x2c;
const textDecoder = new TextDecoder();

/**
 * Splits one CSV line into fields by CSV rules (for the header and the first record): trimmed,
 * a quoted field unwrapped with its doubled quotes undone.
 */
function splitFields(line: string): string[] {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      if (quoted && line[i + 1] === '"') {
        field += c;
        i++;
      } else quoted = !quoted;
    } else if (c === "," && !quoted) {
      fields.push(field.trim());
      field = "";
    } else field += c;
  }
  fields.push(field.trim());
  return fields;
}

/** The number of fields of one CSV line (commas outside quotes, plus one). */
function countFields(line: string): number {
  let fields = 1;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) quoted = !quoted;
    else if (c === COMMA && !quoted) fields++;
  }
  return fields;
}

/** The first line of a source that is not blank: its text and 1-based number. */
interface FirstLine {
  readonly text: string;
  readonly number: number;
}

/**
 * Gathers the chunks of a source up to its first non-blank line, which places the label column
 * before the reader can start. Each byte is looked at once and the chunks are joined once, so a
 * source without line breaks costs time linear in its length, and fails past
 * {@linkcode MAX_LINE_BYTES}.
 */
class LeadingLines {
  readonly #source: string;
  readonly #chunks: Uint8Array[] = [];
  #length = 0;
  #lineStart = 0;
  #lineNumber = 1;
  #blank = true;

  constructor(source: string) {
    this.#source = source;
  }

  /** Adds a chunk; returns the first non-blank line once it is complete. */
  push(chunk: Uint8Array): FirstLine | undefined {
    const offset = this.#length;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    for (let start = 0;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline;
      if (this.#blank) this.#blank = isBlank(chunk, start, end);
      if (newline === -1) break;
      if (!this.#blank) return this.#line(offset + newline);
      this.#lineStart = offset + newline + 1;
      this.#lineNumber++;
      start = newline + 1;
    }
    if (this.#length - this.#lineStart > MAX_LINE_BYTES) {
      throw new CsvError(
        this.#lineNumber,
        `Cannot parse ${this.#source} line ${this.#lineNumber}: ` +
          `the line is longer than ${MAX_LINE_BYTES} bytes`,
      );
    }
    return undefined;
  }

  /** At the end of the source: its last line, unless that is blank too. */
  finish(): FirstLine | undefined {
    return this.#blank ? undefined : this.#line(this.#length);
  }

  /** Everything gathered, in one array. */
  bytes(): Uint8Array {
    const bytes = concat(this.#chunks);
    this.#chunks.splice(0, this.#chunks.length, bytes);
    return bytes;
  }

  #line(end: number): FirstLine {
    const bytes = this.bytes();
    if (end > this.#lineStart && bytes[end - 1] === CARRIAGE_RETURN) end--;
    return {
      text: textDecoder.decode(bytes.subarray(this.#lineStart, end)),
      number: this.#lineNumber,
    };
  }
}

/** Whether `bytes[start, end)` holds nothing but spaces, tabs and carriage returns. */
function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c !== SPACE && c !== TAB && c !== CARRIAGE_RETURN) return false;
  }
  return true;
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
  if (typeof setup.labelColumn === "string") {
    const fields = splitFields(line.text);
    const index = fields.indexOf(setup.labelColumn);
    if (index === -1) {
      throw new Error(
        `Invalid hyperparameter label_column: no column of ${source} line ${line.number} ` +
          `is named ${showValue(setup.labelColumn)}; its columns are ${fields.join(", ")}`,
      );
    }
    return index;
  }
  // Counted, not split: a line may hold millions of fields.
  const count = countFields(line.text);
  const index = setup.labelColumn < 0 ? count + setup.labelColumn : setup.labelColumn;
  if (index < 0 || index >= count) {
    throw new Error(
      `Invalid hyperparameter label_column: ${source} line ${line.number} has ` +
        `${count} ${header ? "header " : ""}fields (columns are counted from 0); ` +
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
  const memoryLimit = channelMemoryLimit();
  // About 6 bytes of text per value; gzip'd CSV of numbers shrinks about 3 times.
  const capacityHint = Math.min(
    Math.ceil((compressed ? bytes * 3 : bytes) / 6) || 1024 * 1024,
    Math.floor(memoryLimit / 8),
  );
  log.info("reading channel", {
    channel: channel.name,
    mode: channel.inputMode,
    contentType: channel.contentType,
    sources: sources.length,
    bytes: channel.inputMode === "Pipe" ? undefined : bytes,
    header,
  });
  function createReader(line: FirstLine, source: string) {
    return new CsvTableReader({
      labelColumn: resolveLabelColumn(setup, header, line, source),
      labelIds: true,
      header,
      skipRepeatedHeaders: header,
      features: options.features,
      source,
      // The size of the files is what arrives, so the whole hint is allocated at once.
      buffer: new Float64Array(capacityHint),
      maxValueBytes: memoryLimit,
    }, capacityHint);
  }
  let reader: CsvTableReader | undefined;
  for (const source of sources) {
    if (reader !== undefined) reader.beginSource(source);
    // Before the first record: wait for the first non-blank line to place the label column.
    const leading = reader === undefined ? new LeadingLines(source) : undefined;
    const chunks = readSourceChunks(source, {
      signal: options.signal,
      channel: channel.name,
      onGzip: () => log.info("decompressing gzip", { channel: channel.name, source }),
      maxDecompressedBytes: memoryLimit,
    });
    for await (const chunk of chunks) {
      if (reader !== undefined) {
        reader.push(chunk);
        continue;
      }
      const line = leading!.push(chunk);
      if (line === undefined) continue;
      reader = createReader(line, source);
      reader.push(leading!.bytes());
    }
    if (reader === undefined) {
      const line = leading!.finish();
      if (line !== undefined) {
        reader = createReader(line, source);
        reader.push(leading!.bytes());
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
