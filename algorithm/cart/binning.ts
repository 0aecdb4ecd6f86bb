/**
 * Feature binning for the CART learner: every feature value becomes a small bin code, so the
 * split search counts classes per bin (a histogram) instead of sorting rows at every node.
 *
 * The bins themselves are `../binning.ts`: a feature with at most `maxBins` distinct values
 * gets one bin per value, which makes the split search exact (the same candidate thresholds as
 * scikit-learn); a feature with more gets `maxBins` quantile bins computed from at most
 * 50,000 rows. NaN goes to the highest bin: it is treated as larger than every number.
 *
 * @module
 */

import { BinnedRowsBuilder, findBinEdges } from "../binning.ts";
import type { BinnedMatrix, Matrix } from "../types.ts";

/** Features turned into bin codes, row-major like the matrix they came from. */
export type BinnedFeatures = BinnedMatrix;

/** Options for {@linkcode binFeatures}. */
export interface BinOptions {
  /** Called now and then; may await a macrotask or throw to stop. */
  checkpoint?: () => Promise<void>;
}

/**
 * Bins every feature of `features` into at most `maxBins` bins (2 to 65,536).
 *
 * @example
 * ```ts
 * const binned = await binFeatures({ data: new Float64Array([1, 2, 3]), rows: 3, columns: 1 }, 256);
 * // binned.codes = [0, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0]: one bin per distinct value, rows
 * // padded to 4 bytes
 * ```
 */
export async function binFeatures(
  features: Matrix,
  maxBins: number,
  options: BinOptions = {},
): Promise<BinnedFeatures> {
  const edges = await findBinEdges(features, maxBins, options);
  const { rows, columns, data } = features;
  const builder = new BinnedRowsBuilder(edges, rows);
  const chunk = Math.max(1, Math.floor(2_000_000 / Math.max(1, columns)));
  for (let start = 0; start < rows; start += chunk) {
    const end = Math.min(rows, start + chunk);
    const slice = data.subarray(start * columns, end * columns);
    builder.append({ data: slice, rows: end - start, columns });
    await options.checkpoint?.();
  }
  return builder.finish();
}
