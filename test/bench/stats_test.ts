import assert from "node:assert/strict";
import { median, pairedRatio, ratio } from "../../bench/stats.ts";

Deno.test("median() takes the middle value, or the mean of the two middle ones", () => {
  assert.deepStrictEqual(median([3, 1, 2]), 2);
  assert.deepStrictEqual(median([4, 1, 2, 3]), 2.5);
  assert.deepStrictEqual(Number.isNaN(median([])), true);
});

Deno.test("pairedRatio() takes the median of the rounds' ratios, else the ratio of the medians", () => {
  const load = (requestsPerSecond: number, roundsPerSecond?: number[]) => ({
    requests: 0,
    seconds: 0,
    requestsPerSecond,
    p50Ms: 0,
    p99Ms: 0,
    errors: 0,
    roundsPerSecond,
  });
  // Rounds 2 and 3 ran on a machine twice as slow, and round 3's 1-record run caught a fast
  // moment: two of three rounds say 0.9; the medians (450 and 1000) would say 0.45.
  const thirty = load(450, [900, 450, 450]);
  assert.deepStrictEqual(pairedRatio(thirty, load(500, [1000, 500, 500])), 0.9);
  assert.deepStrictEqual(pairedRatio(thirty, load(1000, [1000, 500, 1500])), 0.9);
  assert.deepStrictEqual(pairedRatio(load(900), load(1000)), 0.9);
  assert.deepStrictEqual(pairedRatio(load(900, [900]), load(1000, [1, 2])), 0.9);
  assert.deepStrictEqual(pairedRatio(undefined, load(1000)), undefined);
});

Deno.test("ratio() is undefined for a missing, infinite or zero divisor", () => {
  assert.deepStrictEqual(ratio(3, 4), 0.75);
  assert.deepStrictEqual(ratio(undefined, 4), undefined);
  assert.deepStrictEqual(ratio(3, Infinity), undefined);
  assert.deepStrictEqual(ratio(3, 0), undefined);
});
