/**
 * Reading a training job's channels into typed arrays: which channels there are
 * (`inputdataconfig.json`, `SM_CHANNELS` or the folders), the files or the pipe of each, the
 * header and label column, and the labels as class indices.
 *
 * @module
 */

import type { Dataset } from "../algorithm/mod.ts";
import { type CsvTable, CsvTableReader } from "../codecs/csv_reader.ts";
import {
  type ChannelHeader,
  checkFeatureColumns,
  checkSameHeader,
  explainFirstLineError,
  type FirstLine,
  type HeaderRow,
  headerRow,
  holdsOnlyNumbers,
  LeadingLines,
  resolveLabelColumn,
} from "./first_line.ts";
import { sortClasses } from "../codecs/labels.ts";
import { log } from "../log.ts";
import { ProgressReporter } from "./progress.ts";
import { checkTextEncoding } from "./text_encoding.ts";
import { channelDir, channelPipe, type SageMakerPaths } from "../sagemaker/paths.ts";
import {
  ChannelError,
  checkChannelPipe,
  listChannelFiles,
  readSourceChunks,
} from "../sagemaker/channels.ts";
import type { ChannelConfig } from "../sagemaker/input_config.ts";
import type { TrainingSetup } from "../sagemaker/hyperparameters.ts";

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
  /** The first file's header row and the label column, when files start with a header. */
  readonly header?: ChannelHeader;
}

/** What reading a channel's records needs of the job's setup: the header and label column. */
export type TableSetup = Pick<TrainingSetup, "header" | "labelColumn">;

/** Lists the files (or the pipe) of a channel. */
async function channelSources(paths: SageMakerPaths, channel: ChannelConfig): Promise<string[]> {
  if (channel.inputMode === "Pipe") {
    const pipe = channelPipe(paths, channel.name);
    await checkChannelPipe(channel.name, pipe);
    return [pipe];
  }
  return await listChannelFiles(channel.name, channelDir(paths, channel.name));
}

/** Options of {@linkcode readChannelRecords}. */
export interface ReadRecordsOptions {
  /** Aborted to stop reading. */
  readonly signal?: AbortSignal;
  /** The number of feature columns each record must have (validation matches training). */
  readonly features?: number;
  /**
   * Called after every chunk with the reader, which it may drain; the read waits for it. Without
   * it the reader keeps every value, in one buffer sized from the input.
   */
  readonly onChunk?: (reader: CsvTableReader, read: ReadSoFar) => void | Promise<void>;
  /** Milliseconds between progress lines (5 seconds by default). */
  readonly progressIntervalMs?: number;
  /**
   * Asked after every chunk (after `onChunk`) whether to stop here and leave the rest of the
   * channel to the caller, which then gets {@linkcode ChannelRecords.stopped}.
   */
  readonly stopAfterChunk?: (at: ReadPosition) => boolean | Promise<boolean>;
  /** Called with the first file's header row and the label column, when there is a header. */
  readonly onHeader?: (header: ChannelHeader) => void;
  /**
   * The training channel's header, whose feature columns the first file's header must name in
   * the same order (for the validation channel).
   */
  readonly trainingHeader?: ChannelHeader;
}

/** Where a read is: the source (an index into the channel's sources) and its bytes read. */
export interface ReadPosition {
  /** The channel's sources, in reading order. */
  readonly sources: readonly string[];
  /** The index of the source being read. */
  readonly sourceIndex: number;
  /** The bytes of that source handed to the reader so far. */
  readonly offset: number;
  /** Bytes handed to the reader so far, every source together. */
  readonly bytes: number;
  /** Whether the source is gzip'd, so that `offset` is not a position in the file. */
  readonly gzip: boolean;
}

/** A read stopped by {@linkcode ReadRecordsOptions.stopAfterChunk}, for the caller to go on. */
export interface StoppedRead extends ReadPosition {
  /** The reader, which may hold the start of a line cut by the end of the last chunk. */
  readonly reader: CsvTableReader;
  /** The progress lines' reporter, to go on with. */
  readonly progress: ProgressReporter;
  /** When the read started (`performance.now()`). */
  readonly started: number;
  /** The label column, counted from 0. */
  readonly labelColumn: number;
  /** The first file's header row, when files start with one: later files must match it. */
  readonly firstHeader?: HeaderRow;
}

/** How far a read is, for {@linkcode ReadRecordsOptions.onChunk}. */
export interface ReadSoFar {
  /** Bytes handed to the reader so far (decompressed). */
  readonly bytes: number;
  /** The channel's size on disk, or undefined for a pipe. */
  readonly totalBytes: number | undefined;
  /** Whether a file is gzip'd, so that `bytes` counts more than `totalBytes`. */
  readonly compressed: boolean;
  /** The source being read. */
  readonly source: string;
}

/** What {@linkcode readChannelRecords} read: the last table (all of it without a drain). */
export interface ChannelRecords {
  /** The reader's table at the end, or undefined when no line had any content. */
  readonly table: CsvTable | undefined;
  /** The files (or the pipe) read, in order. */
  readonly sources: readonly string[];
  /** Whether the first line of each source is a header. */
  readonly header: boolean;
  /** Set when `stopAfterChunk` stopped the read; `table` is then undefined. */
  readonly stopped?: StoppedRead;
}

/**
 * Reads every file (or the pipe) of a channel with one CSV reader, the label column placed
 * from the first line, logging progress every few seconds.
 */
export async function readChannelRecords(
  paths: SageMakerPaths,
  channel: ChannelConfig,
  setup: TableSetup,
  options: ReadRecordsOptions,
): Promise<ChannelRecords> {
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
  const totalBytes = channel.inputMode === "Pipe" ? undefined : bytes;
  const memoryLimit = channelMemoryLimit();
  // About 6 bytes of text per value; gzip'd CSV of numbers shrinks about 3 times.
  const capacityHint = options.onChunk !== undefined ? 1024 : Math.min(
    Math.ceil((compressed ? bytes * 3 : bytes) / 6) || 1024 * 1024,
    Math.floor(memoryLimit / 8),
  );
  log.info("reading channel", {
    channel: channel.name,
    mode: channel.inputMode,
    contentType: channel.contentType,
    sources: sources.length,
    bytes: totalBytes,
    header,
  });
  const progress = new ProgressReporter(
    (fields) => log.info("reading progress", { channel: channel.name, ...fields }),
    {
      intervalMs: options.progressIntervalMs,
      totalBytes: compressed ? undefined : totalBytes,
    },
  );
  let labelColumn = -1;
  let firstHeader: HeaderRow | undefined;
  let first: { line: FirstLine; source: string } | undefined;
  // Parses the first line (or the last of a one-line channel), explaining a header row there.
  function parseFirstLine<T>(parse: () => T): T {
    try {
      return parse();
    } catch (error) {
      throw first === undefined
        ? error
        : explainFirstLineError(error, first.line, { source: first.source, header });
    }
  }
  function createReader(line: FirstLine, source: string) {
    first = { line, source };
    labelColumn = resolveLabelColumn(setup, header, line, source);
    if (header) {
      firstHeader = headerRow(line, source);
      const found = { row: firstHeader, labelColumn };
      if (options.trainingHeader !== undefined) {
        checkFeatureColumns(options.trainingHeader, found);
      }
      options.onHeader?.(found);
      if (holdsOnlyNumbers(firstHeader, labelColumn)) {
        log.warn(
          "the header row holds only numbers: if the file has no header row, its first " +
            "record is skipped as one",
          { source, line: line.number },
        );
      }
    }
    return new CsvTableReader({
      labelColumn,
      labelIds: true,
      header,
      skipRepeatedHeaders: header,
      features: options.features,
      source,
      // The size of the files is what arrives, so the whole hint is allocated at once.
      buffer: options.onChunk === undefined ? new Float64Array(capacityHint) : undefined,
      maxValueBytes: memoryLimit,
    }, capacityHint);
  }
  let reader: CsvTableReader | undefined;
  let read = 0;
  for (const [sourceIndex, source] of sources.entries()) {
    if (reader !== undefined) reader.beginSource(source);
    let offset = 0;
    let gzip = false;
    // Before the first record: wait for the first non-blank line to place the label column.
    const leading = reader === undefined ? new LeadingLines(source) : undefined;
    // A later file's header is checked against the first file's before its records are read.
    let laterHeader = firstHeader === undefined ? undefined : new LeadingLines(source);
    const chunks = readSourceChunks(source, {
      signal: options.signal,
      channel: channel.name,
      onGzip: () => {
        gzip = true;
        log.info("decompressing gzip", { channel: channel.name, source });
      },
      maxDecompressedBytes: memoryLimit,
    });
    for await (const chunk of chunks) {
      if (offset === 0) checkTextEncoding(chunk, source);
      read += chunk.length;
      offset += chunk.length;
      if (reader === undefined) {
        const line = leading!.push(chunk);
        if (line === undefined) continue;
        const created = reader = createReader(line, source);
        parseFirstLine(() => created.push(leading!.bytes()));
      } else {
        const line = laterHeader?.push(chunk);
        if (line !== undefined) {
          checkSameHeader(firstHeader!, line, source);
          laterHeader = undefined;
        }
        reader.push(chunk);
      }
      await options.onChunk?.(reader, { bytes: read, totalBytes, compressed, source });
      progress.update(reader.records, read);
      if (options.stopAfterChunk === undefined) continue;
      const at = { sources, sourceIndex, offset, bytes: read, gzip };
      if (await options.stopAfterChunk(at)) {
        const stopped = { ...at, reader, progress, started, labelColumn, firstHeader };
        return { table: undefined, sources, header, stopped };
      }
    }
    const line = laterHeader?.finish();
    if (line !== undefined) checkSameHeader(firstHeader!, line, source);
    if (reader === undefined) {
      const line = leading!.finish();
      if (line !== undefined) {
        const created = reader = createReader(line, source);
        parseFirstLine(() => created.push(leading!.bytes()));
      }
    }
  }
  const table = parseFirstLine(() => reader?.finish());
  logChannelRead(channel, reader?.records ?? 0, table?.features.columns ?? 0, started);
  if (table === undefined || reader!.records === 0) {
    throw new ChannelError(
      `Channel ${channel.name} has no records in ${sources.join(", ")}` +
        (header ? " (the first line of each file is a header)" : ""),
    );
  }
  return { table, sources, header };
}

/** Logs the end of a channel's read: its records and features, and the seconds it took. */
export function logChannelRead(
  channel: ChannelConfig,
  rows: number,
  features: number,
  started: number,
): void {
  log.info("channel read", {
    channel: channel.name,
    rows,
    features,
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
  });
}

/**
 * Reads every file (or the pipe) of a channel straight into a Float64Array: no per-row strings
 * or arrays. `features` fixes the number of feature columns (the validation channel must match
 * the training channel).
 */
export async function readChannelTable(
  paths: SageMakerPaths,
  channel: ChannelConfig,
  setup: TableSetup,
  options: Pick<
    ReadRecordsOptions,
    "signal" | "features" | "progressIntervalMs" | "trainingHeader" | "onHeader"
  >,
): Promise<ChannelTable> {
  let header: ChannelHeader | undefined;
  const onHeader = (found: ChannelHeader) => {
    header = found;
    options.onHeader?.(found);
  };
  const { table, sources } = await readChannelRecords(paths, channel, setup, {
    ...options,
    onHeader,
  });
  return {
    features: table!.features,
    labelIds: table!.labelIds!,
    labelNames: table!.labelNames!,
    sources,
    ...(header === undefined ? {} : { header }),
  };
}

/**
 * Checks the number of classes of a channel and returns them sorted, with the table from
 * first-seen label indices to indices into them.
 */
export function checkClasses(
  labelNames: readonly string[],
  channel: ChannelConfig,
  setup: TrainingSetup,
): { classes: string[]; remap: Int32Array } {
  const classes = sortClasses([...labelNames]);
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
  const order = new Map(classes.map((label, i) => [label, i]));
  return { classes, remap: Int32Array.from(labelNames, (label) => order.get(label)!) };
}

/** Reads the training channel into a dataset, checking the number of classes. */
export async function readTrainingDataset(
  paths: SageMakerPaths,
  channel: ChannelConfig,
  setup: TrainingSetup,
  options: Pick<ReadRecordsOptions, "signal" | "progressIntervalMs" | "onHeader"> = {},
): Promise<Dataset> {
  const table = await readChannelTable(paths, channel, setup, options);
  const { classes, remap } = checkClasses(table.labelNames, channel, setup);
  // Renumber the first-seen indices in place to indices into the sorted classes.
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
