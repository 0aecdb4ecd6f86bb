/**
 * The few statistics the benchmarks report: medians and ratios of figures measured side by side.
 *
 * @module
 */

import type { LoadResult } from "./wrk.ts";

/** The median of some numbers (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `a` over `b`, or undefined when either is missing, not finite, or `b` is 0. */
export function ratio(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) {
    return undefined;
  }
  return b === 0 ? undefined : a / b;
}

/**
 * `a` over `b` measured in the same rounds: the median of the rounds' ratios, so that the
 * machine's drift between rounds cancels out (each round runs both seconds apart); the ratio of
 * the medians when the rounds are not known.
 */
export function pairedRatio(
  a: LoadResult | undefined,
  b: LoadResult | undefined,
): number | undefined {
  const ours = a?.roundsPerSecond;
  const theirs = b?.roundsPerSecond;
  if (ours === undefined || theirs === undefined || ours.length !== theirs.length) {
    return ratio(a?.requestsPerSecond, b?.requestsPerSecond);
  }
  return median(ours.map((value, round) => value / theirs[round]));
}
