import assert from "node:assert/strict";
import type { LearnerRow } from "../../bench/learner/run.ts";
import { trainingRowsOf } from "../../bench/training.ts";

function row(rows: number, learner: string, fitSeconds: number, accuracy: number): LearnerRow {
  return {
    rows,
    learner,
    fitSeconds,
    accuracy,
    leaves: 1000,
    modelBytes: 1,
    predictRowsPerSecond: 1,
    singleMicroseconds: 1,
    peakBytes: 3 * rows,
    rssBeforeBytes: 2 * rows,
    matrixBytes: rows * 160,
  };
}

Deno.test("trainingRowsOf() pairs our row with scikit-learn's for each size", () => {
  const rows = [
    row(10_000, "cart (ours)", 0.204, 0.7948),
    row(10_000, "scikit-learn", 0.503, 0.7916),
    row(10_000, "xgboost hist (2 threads)", 1.741, 0.8068),
    row(1_000_000, "cart (ours)", 2.9, 0.9084),
    row(1_000_000, "scikit-learn", 37.1, 0.9107),
    row(100_000, "cart (ours)", 0.5, 0.9),
  ];
  assert.deepStrictEqual(trainingRowsOf(rows), [
    {
      rows: 10_000,
      oursSeconds: 0.204,
      oursAccuracy: 0.7948,
      sklearnSeconds: 0.503,
      sklearnAccuracy: 0.7916,
      oursPeakBytes: 30_000,
      oursRssBeforeBytes: 20_000,
      matrixBytes: 1_600_000,
    },
    {
      rows: 1_000_000,
      oursSeconds: 2.9,
      oursAccuracy: 0.9084,
      sklearnSeconds: 37.1,
      sklearnAccuracy: 0.9107,
      oursPeakBytes: 3_000_000,
      oursRssBeforeBytes: 2_000_000,
      matrixBytes: 160_000_000,
    },
  ]);
});
