/**
 * The rest of a binned read on every core: once the bin edges are placed, a large channel of
 * plain files is cut into byte ranges at line ends, read and binned by reading threads
 * (`parallel_read.ts`), and the ranges' codes and labels are put after each other in order,
 * each copied once into the channel's arrays. The result is the sequential read's: the same
 * codes, labels, row order and smallest and largest value of every bin.
 *
 * @module
 */

import type { BinnedDataset } from "../algorithm/mod.ts";
import { allocateCodes, type BinEdges, type BinnedRowsBuilder } from "../algorithm/binning.ts";
import type { CsvTableReader } from "../codecs/csv_reader.ts";
import type { NumberTable } from "../codecs/table.ts";
import { log } from "../log.ts";
import { ChannelError } from "../sagemaker/channels.ts";
import type { TrainingSetup } from "../sagemaker/hyperparameters.ts";
import type { ChannelConfig } from "../sagemaker/input_config.ts";
import {
  checkClasses,
  logChannelRead,
  type ReadPosition,
  type StoppedRead,
} from "./channel_data.ts";
import type { LabelIds } from "./label_ids.ts";
import { ReadingThreads, readRangesInParallel } from "./parallel_read.ts";
import { type FilePart, firstNonBlankLine, isGzipFile, planRanges } from "./range_plan.ts";

/** Below this many bytes left to read, a channel is read on the main thread only (8 MiB). */
export const PARALLEL_MIN_BYTES = 8 << 20;

/** Bytes of a range one reading thread reads at a time (16 MiB). */
export const RANGE_BYTES = 16 << 20;

/** How a large channel is read on several threads. */
export interface ParallelSettings {
  /** Reading threads; the machine's cores by default. Fewer than 2 reads on the main thread. */
  readonly workers?: number;
  /** Bytes left to read from which threads are started ({@linkcode PARALLEL_MIN_BYTES}). */
  readonly minBytes?: number;
  /** Bytes of a range ({@linkcode RANGE_BYTES}). */
  readonly rangeBytes?: number;
}

/**
 * Decides, chunk by chunk, whether the rest of a channel is read in parallel: only for plain
 * files (gzip and pipes are streams), with at least `minBytes` left, and past the current
 * file's header line. It may start the reading threads early ({@linkcode ParallelSwitch.startEarly})
 * and ends them when they are not used ({@linkcode ParallelSwitch.close}).
 */
export class ParallelSwitch {
  /** Reading threads to start. */
  readonly workers: number;
  /** Bytes of a range. */
  readonly rangeBytes: number;
  readonly #minBytes: number;
  readonly #header: boolean;
  #sizes: number[] | undefined;
  #lastGzip = -1;
  #never = false;
  readonly #headerEnds = new Map<number, number | undefined>();
  #threads: ReadingThreads | undefined;

  /** Starts undecided; `header` says whether each file starts with a header line. */
  constructor(header: boolean, settings: ParallelSettings) {
    this.workers = settings.workers ?? navigator.hardwareConcurrency;
    this.rangeBytes = Math.max(1, settings.rangeBytes ?? RANGE_BYTES);
    this.#minBytes = settings.minBytes ?? PARALLEL_MIN_BYTES;
    this.#header = header;
    if (this.workers < 2) this.#never = true;
  }

  /**
   * Starts the reading threads, so that they load while the edges' records are read, when the
   * read at `at` looks like going on in parallel once `ahead` more bytes are read.
   */
  async startEarly(at: ReadPosition, ahead: number): Promise<void> {
    if (this.#threads !== undefined || !await this.#bigEnough(at, ahead)) return;
    this.#threads = new ReadingThreads(this.workers);
  }

  /** The threads {@linkcode ParallelSwitch.startEarly} started, handed to one read. */
  takeThreads(): ReadingThreads | undefined {
    const threads = this.#threads;
    this.#threads = undefined;
    return threads;
  }

  /** Ends the threads started early and not taken. */
  close(): void {
    this.#threads?.close();
    this.#threads = undefined;
  }

  /** Whether the read should stop at `at` and go on in parallel. */
  async shouldStop(at: ReadPosition): Promise<boolean> {
    if (!await this.#bigEnough(at, 0)) return false;
    if (!this.#header) return true;
    if (!this.#headerEnds.has(at.sourceIndex)) {
      const first = await firstNonBlankLine(at.sources[at.sourceIndex]);
      this.#headerEnds.set(at.sourceIndex, first?.end);
    }
    const headerEnd = this.#headerEnds.get(at.sourceIndex);
    return headerEnd !== undefined && at.offset >= headerEnd;
  }

  /** Whether plain files with at least `minBytes` are left after `ahead` more bytes. */
  async #bigEnough(at: ReadPosition, ahead: number): Promise<boolean> {
    if (this.#never || at.gzip) return false;
    if (this.#sizes === undefined) {
      this.#sizes = [];
      for (const [index, source] of at.sources.entries()) {
        this.#sizes.push((await Deno.stat(source)).size);
        if (index >= at.sourceIndex && await isGzipFile(source)) this.#lastGzip = index;
      }
    }
    let left = this.#sizes[at.sourceIndex] - at.offset;
    for (let i = at.sourceIndex + 1; i < this.#sizes.length; i++) left += this.#sizes[i];
    if (this.#lastGzip >= at.sourceIndex || left < this.#minBytes) {
      this.#never = true;
      return false;
    }
    return left - ahead >= this.#minBytes;
  }

  /** The size of each source, known once {@linkcode ParallelSwitch.shouldStop} said yes. */
  get sizes(): readonly number[] {
    return this.#sizes ?? [];
  }
}

/** What {@linkcode readRestInParallel} goes on from. */
export interface ParallelRest {
  /** The channel being read. */
  readonly channel: ChannelConfig;
  /** The job's setup (the header and label column). */
  readonly setup: TrainingSetup;
  /** The bin edges. */
  readonly edges: BinEdges;
  /** The records binned so far. */
  readonly builder: BinnedRowsBuilder;
  /** Their labels, as first-seen indices of the reader's labels. */
  readonly labels: LabelIds;
  /** Records per byte of the sample, to size the arrays. */
  readonly rowsPerByte: number;
  /** The most bytes the codes may take. */
  readonly memoryLimit: number;
  /** The switch that stopped the read: threads, range size, file sizes. */
  readonly parallel: ParallelSwitch;
  /** Records read before the stop and not binned yet, with the file they came from. */
  readonly unbinned?: {
    readonly table: NumberTable & { readonly labelIds: Int32Array };
    readonly source: string;
  };
  /** Stops the read. */
  readonly signal?: AbortSignal;
}

/** Fails when `rows` records of `columns` features take more codes than the channel may. */
export function checkMemory(
  channel: ChannelConfig,
  at: { rows: number; columns: number; memoryLimit: number; source: string },
): void {
  const bytes = at.rows * Math.ceil(at.columns / 4) * 4;
  if (bytes > at.memoryLimit) {
    throw new ChannelError(
      `Cannot read channel ${channel.name}: its ${at.rows} records up to ${at.source} ` +
        `need more than ${at.memoryLimit} bytes of memory`,
    );
  }
}

/**
 * Reads the rest of a stopped read in parallel: the line the last chunk cut on this thread,
 * then the ranges on the threads; returns the whole channel's binned dataset. The records read
 * but not binned yet (`rest.unbinned`) are binned while the threads read their first ranges.
 */
export async function readRestInParallel(
  stopped: StoppedRead,
  rest: ParallelRest,
): Promise<BinnedDataset> {
  const { channel, edges, builder, labels, memoryLimit, signal } = rest;
  const { reader, sources, sourceIndex } = stopped;
  const columns = edges.columns;
  const sizes = rest.parallel.sizes;
  const offset = await finishLine(reader, sources[sourceIndex], stopped.offset);
  const last = reader.finish();
  const names = [...last.labelNames!];
  const nameIds = new Map(names.map((name, i) => [name, i]));
  let bytes = stopped.bytes + offset - stopped.offset;

  const parts: FilePart[] = [{
    path: sources[sourceIndex],
    start: offset,
    size: sizes[sourceIndex],
  }];
  for (let i = sourceIndex + 1; i < sources.length; i++) {
    parts.push({ path: sources[i], start: 0, size: sizes[i] });
  }
  const header = rest.setup.header || channel.headerPresent;
  const ranges = await planRanges(parts, {
    rangeBytes: rest.parallel.rangeBytes,
    header,
    firstHeader: stopped.firstHeader,
  });
  let left = 0;
  for (const range of ranges) left += range.end - range.start;
  const workers = Math.min(rest.parallel.workers, ranges.length);
  log.info("reading in parallel", {
    channel: channel.name,
    workers,
    ranges: ranges.length,
    bytes: left,
  });
  const setup = {
    labelColumn: stopped.labelColumn,
    header,
    features: columns,
    edges,
    maxValueBytes: memoryLimit,
    rowsPerByte: rest.rowsPerByte,
  };
  const threads = rest.parallel.takeThreads() ?? new ReadingThreads(workers);
  const results = readRangesInParallel(ranges, setup, {
    workers,
    threads,
    channel: channel.name,
    signal,
  });
  try {
    // The first call hands the threads their ranges and returns at its first wait: the records
    // of this thread are binned meanwhile.
    const first = results.next();
    first.catch(() => {});
    if (rest.unbinned !== undefined) {
      builder.append(rest.unbinned.table);
      labels.append(rest.unbinned.table.labelIds);
      checkMemory(channel, {
        rows: builder.rows,
        columns,
        memoryLimit,
        source: rest.unbinned.source,
      });
    }
    builder.append(last.features);
    labels.append(last.labelIds!);
    checkMemory(channel, {
      rows: builder.rows,
      columns,
      memoryLimit,
      source: sources[sourceIndex],
    });

    // One array for every code, sized from the sample with room to spare: its pages are only
    // taken as rows arrive, and the dataset is a view of it, so it is never copied whole.
    const prefix = builder.finish();
    const stride = prefix.stride;
    let rows = prefix.rows;
    let capacity = rows + Math.ceil(left * rest.rowsPerByte * 1.1) + 1024;
    const wide = prefix.codes instanceof Uint16Array;
    let codes = allocateCodes(capacity * stride, { wide });
    codes.set(prefix.codes);
    const { binLow, binHigh } = prefix;
    let index = 0;
    for (let next = await first; !next.done; next = await results.next()) {
      const result = next.value;
      const range = ranges[index++];
      if (rows + result.rows > capacity) {
        capacity = Math.max(rows + result.rows, Math.ceil(capacity * 1.5));
        const grown = allocateCodes(capacity * stride, { wide });
        grown.set(codes.subarray(0, rows * stride));
        codes = grown;
      }
      codes.set(result.codes, rows * stride);
      // In range order, with the sequential read's comparisons: the same value wins a tie.
      for (let b = 0; b < binLow.length; b++) {
        if (result.binLow[b] < binLow[b]) binLow[b] = result.binLow[b];
        if (result.binHigh[b] > binHigh[b]) binHigh[b] = result.binHigh[b];
      }
      const map = Int32Array.from(result.labelNames, (name) => {
        let id = nameIds.get(name);
        if (id === undefined) {
          id = names.push(name) - 1;
          nameIds.set(name, id);
        }
        return id;
      });
      labels.appendMapped(result.labelIds, map);
      rows += result.rows;
      checkMemory(channel, { rows, columns, memoryLimit, source: range.path });
      bytes += range.end - range.start;
      stopped.progress.update(rows, bytes);
    }
    logChannelRead(channel, rows, columns, stopped.started);
    const { classes, remap } = checkClasses(names, channel, rest.setup);
    const ids = labels.ids.subarray(0, labels.length);
    // Renumber the first-seen indices in place to indices into the sorted classes.
    for (let i = 0; i < ids.length; i++) ids[i] = remap[ids[i]];
    return {
      features: { ...prefix, rows, codes: codes.subarray(0, rows * stride) },
      labels: ids,
      classes,
    };
  } finally {
    // Ends the threads first: a wait for a range that will never come then fails at once.
    threads.close();
    await results.return(undefined);
  }
}

/**
 * Hands the reader the rest of the line the last chunk cut, from `offset` of `path` to the
 * line's end; returns the offset after it (the file's size when the line is its last).
 */
async function finishLine(reader: CsvTableReader, path: string, offset: number): Promise<number> {
  const file = await Deno.open(path, { read: true });
  try {
    await file.seek(offset, Deno.SeekMode.Start);
    const buffer = new Uint8Array(64 * 1024);
    while (true) {
      const count = await file.read(buffer);
      if (count === null) return offset;
      const newline = buffer.subarray(0, count).indexOf(0x0a);
      const end = newline === -1 ? count : newline + 1;
      reader.push(buffer.subarray(0, end));
      offset += end;
      if (newline !== -1) return offset;
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied)) {
      throw error;
    }
    throw new ChannelError(`Cannot read ${path}: ${(error as Error).message}`);
  } finally {
    file.close();
  }
}
