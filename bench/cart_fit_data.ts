/**
 * Synthetic binned training data for the cart fit benchmark: the same rows as the train-job
 * benchmark's CSV (`bench/train_job.ts`, 20 uniform features, 4 classes from the first three),
 * binned in memory the way the training job bins a channel while it reads it.
 *
 * @module
 */

import { BinnedRowsBuilder, findBinEdges } from "../algorithm/binning.ts";
import { createRandom } from "../algorithm/random.ts";
import type { BinnedDataset } from "../algorithm/types.ts";

const CLASSES = ["c0", "c1", "c2", "c3"];

/** Fills `data` and `labels` with `rows` rows of `columns` features drawn from `random`. */
function fillRows(
  random: () => number,
  rows: number,
  columns: number,
  data: Float64Array,
  labels: Int32Array,
  labelStart: number,
): void {
  for (let r = 0; r < rows; r++) {
    const base = r * columns;
    for (let c = 0; c < columns; c++) data[base + c] = Math.round(random() * 100_000) / 10_000;
    const score = data[base] + data[base + 1] - data[base + 2] + random() * 2;
    labels[labelStart + r] = score < 1 ? 0 : score < 5 ? 1 : score < 9 ? 2 : 3;
  }
}

/** `rows` x `columns` synthetic rows binned into at most `maxBins` bins a feature. */
export async function binnedDataset(
  rows: number,
  columns: number,
  options: { maxBins?: number; seed?: number } = {},
): Promise<BinnedDataset> {
  const random = createRandom(options.seed ?? 42);
  const chunk = 100_000;
  const data = new Float64Array(chunk * columns);
  const labels = new Int32Array(rows);
  const first = Math.min(rows, chunk);
  fillRows(random, first, columns, data, labels, 0);
  const edges = await findBinEdges(
    { data: data.subarray(0, first * columns), rows: first, columns },
    options.maxBins ?? 256,
  );
  const builder = new BinnedRowsBuilder(edges, rows);
  builder.append({ data: data.subarray(0, first * columns), rows: first, columns });
  for (let start = first; start < rows; start += chunk) {
    const count = Math.min(chunk, rows - start);
    fillRows(random, count, columns, data, labels, start);
    builder.append({ data: data.subarray(0, count * columns), rows: count, columns });
  }
  return { features: builder.finish(), labels, classes: CLASSES };
}
