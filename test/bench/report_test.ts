import assert from "node:assert/strict";
import {
  type BenchReport,
  evaluateTargets,
  formatRatio,
  renderServingTable,
  renderTrainJobTable,
} from "../../bench/report.ts";
import type { LoadResult } from "../../bench/wrk.ts";

function load(requestsPerSecond: number, p99Ms: number): LoadResult {
  return { requests: 1, seconds: 1, requestsPerSecond, p50Ms: p99Ms / 4, p99Ms, errors: 0 };
}

function memory(perWorkerKiB: number) {
  return { totalKiB: 3 * perWorkerKiB, workerKiB: [perWorkerKiB], perWorkerKiB, processes: 3 };
}

const REPORT: BenchReport = {
  startedAt: "2026-01-01T00:00:00Z",
  environment: [],
  settings: [],
  ours: {
    oneRecordC16: load(30_000, 4),
    batchSeconds: [0.1, 0.3, 0.2],
    numpyBatchSeconds: [0.1],
    samplePayloadC16: load(20_000, 5),
    // Taken beside the 30-record runs: the ratios divide by it, not by oneRecordC16.
    oneRecordBesideThirtyC16: load(20_000, 4),
    thirtyRecordsC16: load(18_000, 5),
    thirtyNumpyC16: load(16_000, 5),
    coldStartMs: [150],
    memory: memory(60_000),
    jsonHundredC16: "HTTP 415",
  },
  reference: {
    oneRecordC16: load(1_000, 30),
    batchSeconds: [0.6],
    numpyBatchSeconds: [0.5],
    samplePayloadC16: load(1_100, 40),
    coldStartMs: [1_600],
    memory: memory(140_000),
  },
  ceiling: { oneRecordC16: load(40_000, 3) },
  training: [{
    rows: 1_000_000,
    oursSeconds: 2,
    sklearnSeconds: 30,
    oursAccuracy: 0.9,
    sklearnAccuracy: 0.902,
    oursPeakBytes: 512_000_000,
    matrixBytes: 160_000_000,
  }],
  trainJob: {
    rows: 200_000,
    features: 20,
    bytes: 30_000_000,
    oursSeconds: [1.1, 1, 1.2],
    referenceSeconds: [4, 4.2, 3.9],
  },
  notes: [],
};

Deno.test("formatRatio() keeps three significant digits", () => {
  assert.deepStrictEqual(formatRatio(30), "30x");
  assert.deepStrictEqual(formatRatio(0.13333), "0.133x");
  assert.deepStrictEqual(formatRatio(250.4), "250x");
  assert.deepStrictEqual(formatRatio(undefined), "n/a");
});

Deno.test("evaluateTargets() judges every target by its ratio", () => {
  const verdicts = evaluateTargets(REPORT).map((target) => [target.name, target.verdict]);
  assert.deepStrictEqual(verdicts, [
    ["1-record req/s at 16 conns, ours/ref", "PASS"], // 30x
    ["1-record p99 at 16 conns, ours/ref", "MISS"], // 0.133x
    ["5 MB batch seconds, ref/ours", "MISS"], // 3x
    ["4.6 MB %.18e batch seconds, ref/ours", "PASS"], // 5x
    ["sample payload.csv req/s at 16 conns, ours/ref", "MISS"], // 18.2x
    ["30-record req/s at 16 conns, ours/our 1-record (median of the rounds' ratios)", "PASS"], // 0.9x
    ["30-record %.18e req/s at 16 conns, ours/our 1-record (median of the rounds' ratios)", "MISS"], // 0.8x
    ["cold start, ref/ours", "PASS"], // 10.7x
    ["RSS per worker, ours/ref", "PASS"], // 0.429x
    ["1-record req/s at 16 conns, ours/ceiling", "MISS"], // 0.75x
    ["training fit at 1M rows, sklearn/ours", "PASS"], // 15x
    ["train job at 200k rows, ref/ours", "PASS"], // 4x
    ["fit peak RSS at 1M rows / feature matrix", "MISS"], // 3.2x
    ["training accuracy at 1M rows, sklearn minus ours", "PASS"], // 0.2 points
  ]);
});

Deno.test("renderServingTable() shows n/a with the reason for an unsupported JSON request", () => {
  const table = renderServingTable(REPORT);
  const json = table.split("\n").find((line) =>
    line.startsWith("| 100-record JSON, 16 conns: req/s")
  );
  assert.deepStrictEqual(
    json,
    "| 100-record JSON, 16 conns: req/s | n/a (HTTP 415) | n/a | n/a |  |  |",
  );
  const rps = table.split("\n").find((line) => line.startsWith("| 1-record CSV, 16 conns: req/s"));
  assert.deepStrictEqual(
    rps,
    "| 1-record CSV, 16 conns: req/s | 30,000 | 1,000 | 30x | 40,000 | 0.75x |",
  );
});

Deno.test("renderTrainJobTable() shows the medians, every run and the ratio", () => {
  const lines = renderTrainJobTable(REPORT.trainJob).split("\n");
  assert.deepStrictEqual(lines[2], "| ours: `main.ts train` | 1.10 | 1.10 / 1.00 / 1.20 | 3.64x |");
  assert.deepStrictEqual(
    lines[3],
    "| reference: the sample's `train.py` | 4.00 | 4.00 / 4.20 / 3.90 | |",
  );
  assert.deepStrictEqual(renderTrainJobTable("not run"), "not run");
});
