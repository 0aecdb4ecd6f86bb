import assert from "node:assert/strict";
import { parseLearnerTable } from "../../bench/training.ts";

Deno.test("parseLearnerTable() pairs our row with scikit-learn's for each size", () => {
  const markdown = [
    "| rows | learner | fit s | fit vs ours | hold-out accuracy | leaves |",
    "|---|---|---|---|---|---|",
    "| 10k | cart (ours) | 0.204 | 1.0x | 0.7948 | 1000 |",
    "| 10k | scikit-learn | 0.503 | 2.5x | 0.7916 | 1000 |",
    "| 10k | xgboost hist (2 threads) | 1.741 | 8.5x | 0.8068 | 1579 |",
    "| 1M | cart (ours) | 2.900 | 1.0x | 0.9084 | 1000 |",
    "| 1M | scikit-learn | 37.100 | 12.8x | 0.9107 | 1000 |",
    "| 100k | cart (ours) | 0.500 | 1.0x | 0.9000 | 1000 |",
  ].join("\n");
  assert.deepStrictEqual(parseLearnerTable(markdown), [
    {
      rows: 10_000,
      oursSeconds: 0.204,
      oursAccuracy: 0.7948,
      sklearnSeconds: 0.503,
      sklearnAccuracy: 0.7916,
    },
    {
      rows: 1_000_000,
      oursSeconds: 2.9,
      oursAccuracy: 0.9084,
      sklearnSeconds: 37.1,
      sklearnAccuracy: 0.9107,
    },
  ]);
});
