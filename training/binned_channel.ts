/**
 * Reading the training channel straight into bin codes, for an algorithm that asks for binned
 * input (`Algorithm.binnedInput`): one or two bytes a value instead of eight, and no float64
 * matrix of the whole channel ever in memory.
 *
 * The first {@linkcode EDGE_SAMPLE_ROWS} records are held as numbers; the bin edges are found
 * from them (for a channel no longer than that, from every record, exactly as binning the whole
 * matrix would). Every later record is binned in small batches as it is read.
 *
 * @module
 */

import type { BinnedDataset, BinnedInput } from "../algorithm/mod.ts";
import { type BinEdges, BinnedRowsBuilder, findBinEdges } from "../algorithm/binning.ts";
import type { CsvTableReader } from "../codecs/csv_reader.ts";
import type { NumberTable } from "../codecs/table.ts";
import { ChannelError } from "../sagemaker/channels.ts";
import type { TrainingSetup } from "../sagemaker/hyperparameters.ts";
import type { ChannelConfig } from "../sagemaker/input_config.ts";
import type { SageMakerPaths } from "../sagemaker/paths.ts";
import {
  channelMemoryLimit,
  checkClasses,
  readChannelRecords,
  type ReadSoFar,
} from "./channel_data.ts";

/** Records read as numbers before the bin edges are placed from them. */
export const EDGE_SAMPLE_ROWS = 100_000;

/** Records binned at a time once the edges are known. */
const BATCH_ROWS = 8192;

/** Labels gathered batch by batch into one growing array. */
class LabelIds {
  ids: Int32Array;
  length = 0;

  constructor(capacity: number) {
    this.ids = new Int32Array(Math.max(1024, capacity));
  }

  append(batch: Int32Array): void {
    if (this.length + batch.length > this.ids.length) {
      const grown = new Int32Array(
        Math.max(this.length + batch.length, Math.ceil(this.ids.length * 1.5)),
      );
      grown.set(this.ids.subarray(0, this.length));
      this.ids = grown;
    }
    this.ids.set(batch, this.length);
    this.length += batch.length;
  }
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
  options: { signal?: AbortSignal; progressIntervalMs?: number } = {},
): Promise<BinnedDataset> {
  const memoryLimit = channelMemoryLimit();
  let edges: BinEdges | undefined;
  let builder: BinnedRowsBuilder | undefined;
  let labels: LabelIds | undefined;
  const start = async (sample: NumberTable, read: ReadSoFar | undefined) => {
    edges = await findBinEdges(sample, binning.maxBins, {
      checkpoint: () => Promise.resolve(options.signal?.throwIfAborted()),
    });
    // Size the arrays from the bytes per record so far, so that they seldom grow.
    let capacity = sample.rows;
    if (read !== undefined && read.totalBytes !== undefined && !read.compressed) {
      capacity = Math.ceil((read.totalBytes / read.bytes) * sample.rows * 1.02);
    }
    builder = new BinnedRowsBuilder(edges, capacity);
    labels = new LabelIds(capacity);
  };
  const append = (batch: NumberTable & { labelIds?: Int32Array }, source: string) => {
    builder!.append(batch);
    labels!.append(batch.labelIds!);
    const bytes = builder!.rows * Math.ceil(batch.columns / 4) * 4;
    if (bytes > memoryLimit) {
      throw new ChannelError(
        `Cannot read channel ${channel.name}: its ${builder!.rows} records up to ${source} ` +
          `need more than ${memoryLimit} bytes of memory`,
      );
    }
  };
  const onChunk = async (reader: CsvTableReader, read: ReadSoFar) => {
    if (edges === undefined) {
      if (reader.rows < EDGE_SAMPLE_ROWS) return;
      const sample = reader.drain();
      await start(sample, read);
      append(sample, read.source);
    } else if (reader.rows >= BATCH_ROWS) {
      append(reader.drain(), read.source);
    }
  };
  const { table, sources } = await readChannelRecords(paths, channel, setup, {
    signal: options.signal,
    onChunk,
    progressIntervalMs: options.progressIntervalMs,
  });
  const last = { ...table!.features, labelIds: table!.labelIds! };
  if (edges === undefined) await start(last, undefined);
  append(last, sources.at(-1)!);
  const { classes, remap } = checkClasses(table!.labelNames!, channel, setup);
  const ids = labels!.ids.subarray(0, labels!.length);
  // Renumber the first-seen indices in place to indices into the sorted classes.
  for (let i = 0; i < ids.length; i++) ids[i] = remap[ids[i]];
  return { features: builder!.finish(), labels: ids, classes };
}
