/**
 * Reading the training channel straight into bin codes, for an algorithm that asks for binned
 * input (`Algorithm.binnedInput`): one or two bytes a value instead of eight, and no float64
 * matrix of the whole channel ever in memory.
 *
 * The first {@linkcode EDGE_SAMPLE_ROWS} records are held as numbers; the bin edges are found
 * from them (for a channel no longer than that, from every record, exactly as binning the whole
 * matrix would). Every later record is binned in small batches as it is read: on this thread,
 * or, for a large channel of plain files, on every core (`parallel_read.ts`), which gives the
 * same codes, labels and row order.
 *
 * @module
 */

import type { BinnedDataset, BinnedInput } from "../algorithm/mod.ts";
import { type BinEdges, BinnedRowsBuilder, findBinEdges } from "../algorithm/binning.ts";
import type { CsvTableReader } from "../codecs/csv_reader.ts";
import type { NumberTable } from "../codecs/table.ts";
import type { TrainingSetup } from "../sagemaker/hyperparameters.ts";
import type { ChannelConfig } from "../sagemaker/input_config.ts";
import type { SageMakerPaths } from "../sagemaker/paths.ts";
import {
  channelMemoryLimit,
  checkClasses,
  readChannelRecords,
  type ReadPosition,
  type ReadSoFar,
} from "./channel_data.ts";
import {
  checkMemory,
  type ParallelSettings,
  ParallelSwitch,
  readRestInParallel,
} from "./binned_parallel.ts";
import type { ChannelHeader } from "./first_line.ts";
import { LabelIds } from "./label_ids.ts";

export type { ParallelSettings } from "./binned_parallel.ts";

/** Records read as numbers before the bin edges are placed from them. */
export const EDGE_SAMPLE_ROWS = 100_000;

/** Records binned at a time once the edges are known. */
const BATCH_ROWS = 8192;

/** Options of {@linkcode readBinnedTrainingDataset}. */
export interface BinnedReadOptions {
  /** Aborted to stop reading. */
  readonly signal?: AbortSignal;
  /** Milliseconds between progress lines. */
  readonly progressIntervalMs?: number;
  /** How a large channel is read on several threads; `false` reads on this thread only. */
  readonly parallel?: ParallelSettings | false;
  /** Records the bin edges are placed from ({@linkcode EDGE_SAMPLE_ROWS} by default). */
  readonly edgeSampleRows?: number;
  /** Called with the first file's header row and the label column, when there is a header. */
  readonly onHeader?: (header: ChannelHeader) => void;
}

/**
 * Reads the training channel into bin codes as `binning` asks, checking the number of classes.
 * Error messages name the file, line and field as for the plain read.
 */
export async function readBinnedTrainingDataset(
  paths: SageMakerPaths,
  channel: ChannelConfig,
  setup: TrainingSetup,
  binning: BinnedInput,
  options: BinnedReadOptions = {},
): Promise<BinnedDataset> {
  const memoryLimit = channelMemoryLimit();
  const sampleRows = options.edgeSampleRows ?? EDGE_SAMPLE_ROWS;
  let edges: BinEdges | undefined;
  let builder: BinnedRowsBuilder | undefined;
  let labels: LabelIds | undefined;
  let rowsPerByte = 0;
  const start = async (sample: NumberTable, read: ReadSoFar | undefined) => {
    edges = await findBinEdges(sample, binning.maxBins, {
      checkpoint: () => Promise.resolve(options.signal?.throwIfAborted()),
    });
    // Size the arrays from the bytes per record so far, so that they seldom grow.
    let capacity = sample.rows;
    if (read !== undefined && read.totalBytes !== undefined && !read.compressed) {
      rowsPerByte = sample.rows / read.bytes;
      capacity = Math.ceil(read.totalBytes * rowsPerByte * 1.02);
    }
    builder = new BinnedRowsBuilder(edges, capacity);
    labels = new LabelIds(capacity);
  };
  const append = (batch: NumberTable & { labelIds?: Int32Array }, source: string) => {
    builder!.append(batch);
    labels!.append(batch.labelIds!);
    checkMemory(channel, { rows: builder!.rows, columns: batch.columns, memoryLimit, source });
  };
  // The sample is binned with the next batch, or by the parallel read while its threads start.
  let unbinned: { table: NumberTable & { labelIds: Int32Array }; source: string } | undefined;
  const appendUnbinned = () => {
    if (unbinned !== undefined) append(unbinned.table, unbinned.source);
    unbinned = undefined;
  };
  let records = 0;
  const onChunk = async (reader: CsvTableReader, read: ReadSoFar) => {
    records = reader.records;
    if (edges === undefined) {
      if (reader.rows < sampleRows) return;
      const sample = reader.drain();
      await start(sample, read);
      // A copy: the reader reuses its arrays for the records that come next.
      const table = { ...sample, data: sample.data.slice(), labelIds: sample.labelIds!.slice() };
      unbinned = { table, source: read.source };
    } else if (reader.rows >= BATCH_ROWS) {
      appendUnbinned();
      append(reader.drain(), read.source);
    }
  };
  const parallel = options.parallel === false || channel.inputMode === "Pipe"
    ? undefined
    : new ParallelSwitch(setup.header || channel.headerPresent, options.parallel ?? {});
  const stopAfterChunk = parallel === undefined ? undefined : async (at: ReadPosition) => {
    if (edges !== undefined) return await parallel.shouldStop(at);
    // Bytes still to read before the sample is complete, from the bytes per record so far.
    if (records > 0) await parallel.startEarly(at, (at.bytes / records) * (sampleRows - records));
    return false;
  };
  try {
    const { table, sources, stopped } = await readChannelRecords(paths, channel, setup, {
      signal: options.signal,
      onChunk,
      stopAfterChunk,
      progressIntervalMs: options.progressIntervalMs,
      onHeader: options.onHeader,
    });
    if (stopped !== undefined) {
      return await readRestInParallel(stopped, {
        channel,
        setup,
        edges: edges!,
        builder: builder!,
        labels: labels!,
        rowsPerByte,
        memoryLimit,
        parallel: parallel!,
        unbinned,
        signal: options.signal,
      });
    }
    appendUnbinned();
    const last = { ...table!.features, labelIds: table!.labelIds! };
    if (edges === undefined) await start(last, undefined);
    append(last, sources.at(-1)!);
    const { classes, remap } = checkClasses(table!.labelNames!, channel, setup);
    const ids = labels!.ids.subarray(0, labels!.length);
    // Renumber the first-seen indices in place to indices into the sorted classes.
    for (let i = 0; i < ids.length; i++) ids[i] = remap[ids[i]];
    return { features: builder!.finish(), labels: ids, classes };
  } finally {
    parallel?.close();
  }
}
