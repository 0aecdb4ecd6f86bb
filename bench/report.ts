/**
 * The benchmark's figures, the targets they are judged against, and the Markdown they are
 * printed and saved as. Pure functions only: `runner.ts` measures, this module formats.
 *
 * @module
 */

import type { TreeMemory } from "./process_tree.ts";
import type { LoadResult } from "./wrk.ts";
import { median, pairedRatio, ratio } from "./stats.ts";

/** Everything measured for one stack; a missing figure was not measured (or not supported). */
export interface StackFigures {
  /** 1-record CSV, 1 connection. */
  oneRecordC1?: LoadResult;
  /** 1-record CSV, 16 connections. */
  oneRecordC16?: LoadResult;
  /** 100-record CSV, 16 connections. */
  hundredRecordsC16?: LoadResult;
  /** 100-record JSON, 16 connections; a string says why it is n/a. */
  jsonHundredC16?: LoadResult | string;
  /** The classic sample's payload.csv (15 records in `%.18e`), 16 connections. */
  samplePayloadC16?: LoadResult;
  /** 1-record CSV, 16 connections, interleaved with the 30-record runs (ours only). */
  oneRecordBesideThirtyC16?: LoadResult;
  /** 30-record CSV in short decimals, 16 connections (ours only). */
  thirtyRecordsC16?: LoadResult;
  /** 30-record CSV in `%.18e`, 16 connections (ours only). */
  thirtyNumpyC16?: LoadResult;
  /** Seconds for each 5 MB (200,000-record) CSV request, in order. */
  batchSeconds?: number[];
  /** Seconds for each 4.6 MB (46,000-record) CSV request in `%.18e`, in order. */
  numpyBatchSeconds?: number[];
  /** Milliseconds from process start to the first 200 on `/ping`, one per start. */
  coldStartMs?: number[];
  /** Memory after the small-request load. */
  memory?: TreeMemory;
  /** Memory after the 5 MB requests. */
  memoryAfterBatch?: TreeMemory;
}

/** One row of the training comparison, as the learner benchmark reports it. */
export interface TrainingRow {
  /** Training rows (20 features each). */
  readonly rows: number;
  /** Our fit in seconds. */
  readonly oursSeconds: number;
  /** scikit-learn's `fit` in seconds. */
  readonly sklearnSeconds: number;
  /** Our hold-out accuracy, 0..1. */
  readonly oursAccuracy: number;
  /** scikit-learn's hold-out accuracy, 0..1. */
  readonly sklearnAccuracy: number;
  /** Peak RSS of our fit's process in bytes (data loaded, runtime included). */
  readonly oursPeakBytes?: number;
  /** RSS of our fit's process just before the fit, data loaded. */
  readonly oursRssBeforeBytes?: number;
  /** Bytes of the feature matrix as float64. */
  readonly matrixBytes?: number;
}

/** The whole `train` job, ours against the classic sample's `train.py`, on one CSV file. */
export interface TrainJobComparison {
  /** Records of the training file. */
  readonly rows: number;
  /** Features per record (the label comes first). */
  readonly features: number;
  /** Size of the file in bytes. */
  readonly bytes: number;
  /** Wall seconds of each run of `main.ts train`, process start to exit. */
  readonly oursSeconds: number[];
  /** Wall seconds of each run of `bench/reference/train.py`. */
  readonly referenceSeconds: number[];
}

/** The whole run. */
export interface BenchReport {
  /** When the run started (ISO 8601). */
  readonly startedAt: string;
  /** Lines describing the machine and versions. */
  readonly environment: readonly string[];
  /** How the run was configured, one line each. */
  readonly settings: readonly string[];
  /** Figures by stack. */
  readonly ours: StackFigures;
  /** The Python reference. */
  readonly reference: StackFigures;
  /** The trivial Deno handler. */
  readonly ceiling: StackFigures;
  /** Training rows, or a sentence saying why there are none. */
  readonly training: readonly TrainingRow[] | string;
  /** The whole train job against the sample's, or a sentence saying why it was not run. */
  readonly trainJob?: TrainJobComparison | string;
  /** The learner benchmark's own report (fit, accuracy, leaves, model size, xgboost), if run. */
  readonly trainingDetail?: string;
  /** Free-form notes (agreement of predictions, load average, warnings). */
  readonly notes: readonly string[];
}

/** A performance target and whether this run met it. */
export interface TargetResult {
  /** What is compared, for example `1-record req/s at 16 connections`. */
  readonly name: string;
  /** The threshold in words, for example `>= 25x the reference`. */
  readonly threshold: string;
  /** The measured ratio in words, or `not measured`. */
  readonly measured: string;
  /** PASS, MISS, or n/a when a figure is missing. */
  readonly verdict: "PASS" | "MISS" | "n/a";
}

function formatNumber(value: number | undefined, digits: number): string {
  if (value === undefined || !Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Formats a ratio with three significant digits and an `x`, or `n/a`. */
export function formatRatio(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value) || value === 0) return "n/a";
  if (value >= 100) return `${Math.round(value)}x`;
  return `${Number(value.toPrecision(3))}x`;
}

type Pick = (figures: StackFigures) => number | undefined;

function load(
  get: (figures: StackFigures) => LoadResult | string | undefined,
  field: Exclude<keyof LoadResult, "roundsPerSecond">,
): Pick {
  return (figures) => {
    const result = get(figures);
    return typeof result === "object" ? result[field] : undefined;
  };
}

interface Row {
  label: string;
  pick: Pick;
  digits: number;
  ceiling: boolean;
}

const MIB = 1024;

function rows(): Row[] {
  const list: Row[] = [];
  const scenarios: [string, (figures: StackFigures) => LoadResult | string | undefined, boolean][] =
    [
      ["1-record CSV, 1 conn", (f) => f.oneRecordC1, true],
      ["1-record CSV, 16 conns", (f) => f.oneRecordC16, true],
      ["100-record CSV, 16 conns", (f) => f.hundredRecordsC16, false],
      ["100-record JSON, 16 conns", (f) => f.jsonHundredC16, false],
      ["sample payload.csv (15 records, %.18e), 16 conns", (f) => f.samplePayloadC16, false],
      [
        "1-record CSV beside the 30-record runs, 16 conns",
        (f) => f.oneRecordBesideThirtyC16,
        false,
      ],
      ["30-record CSV, 16 conns", (f) => f.thirtyRecordsC16, false],
      ["30-record CSV in %.18e, 16 conns", (f) => f.thirtyNumpyC16, false],
    ];
  for (const [name, get, ceiling] of scenarios) {
    list.push({
      label: `${name}: req/s`,
      pick: load(get, "requestsPerSecond"),
      digits: 0,
      ceiling,
    });
    list.push({ label: `${name}: p50 ms`, pick: load(get, "p50Ms"), digits: 2, ceiling });
    list.push({ label: `${name}: p99 ms`, pick: load(get, "p99Ms"), digits: 2, ceiling });
    list.push({ label: `${name}: errors`, pick: load(get, "errors"), digits: 0, ceiling });
  }
  list.push({
    label: "5 MB CSV (200,000 records): seconds, median",
    pick: (f) => f.batchSeconds && median(f.batchSeconds),
    digits: 3,
    ceiling: false,
  });
  list.push({
    label: "4.6 MB CSV in %.18e (46,000 records): seconds, median",
    pick: (f) => f.numpyBatchSeconds && median(f.numpyBatchSeconds),
    digits: 3,
    ceiling: false,
  });
  list.push({
    label: "cold start to first 200 on /ping: ms, median",
    pick: (f) => f.coldStartMs && median(f.coldStartMs),
    digits: 0,
    ceiling: true,
  });
  list.push({
    label: "RSS per worker: MiB",
    pick: (f) => f.memory && f.memory.perWorkerKiB / MIB,
    digits: 1,
    ceiling: true,
  });
  list.push({
    label: "RSS total (all processes): MiB",
    pick: (f) => f.memory && f.memory.totalKiB / MIB,
    digits: 1,
    ceiling: true,
  });
  list.push({
    label: "PSS per worker (shared pages divided): MiB",
    pick: (f) => f.memory?.pssPerWorkerKiB && f.memory.pssPerWorkerKiB / MIB,
    digits: 1,
    ceiling: true,
  });
  list.push({
    label: "PSS total (all processes): MiB",
    pick: (f) => f.memory?.pssTotalKiB && f.memory.pssTotalKiB / MIB,
    digits: 1,
    ceiling: true,
  });
  list.push({
    label: "RSS per worker after the 5 MB requests: MiB",
    pick: (f) => f.memoryAfterBatch && f.memoryAfterBatch.perWorkerKiB / MIB,
    digits: 1,
    ceiling: false,
  });
  return list;
}

/** Renders the serving comparison as a Markdown table (ratios are ours divided by theirs). */
export function renderServingTable(report: BenchReport): string {
  const lines = [
    "| measure | ours | reference | ours/ref | ceiling | ours/ceiling |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of rows()) {
    const ours = row.pick(report.ours);
    const reference = row.pick(report.reference);
    const ceiling = row.ceiling ? row.pick(report.ceiling) : undefined;
    const isErrors = row.label.endsWith("errors");
    const oursText = describe(report.ours, row, ours);
    const referenceText = describe(report.reference, row, reference);
    lines.push(
      `| ${row.label} | ${oursText} | ${referenceText} | ${
        isErrors ? "" : formatRatio(ratio(ours, reference))
      } | ${row.ceiling ? formatNumber(ceiling, row.digits) : ""} | ${
        isErrors || !row.ceiling ? "" : formatRatio(ratio(ours, ceiling))
      } |`,
    );
  }
  return lines.join("\n");
}

function describe(figures: StackFigures, row: Row, value: number | undefined): string {
  if (value === undefined && row.label.startsWith("100-record JSON")) {
    return typeof figures.jsonHundredC16 === "string" ? `n/a (${figures.jsonHundredC16})` : "n/a";
  }
  return formatNumber(value, row.digits);
}

/** Renders the train-job comparison as a Markdown table, or the reason there is none. */
export function renderTrainJobTable(job: TrainJobComparison | string | undefined): string {
  if (job === undefined) return "The train job was not compared.";
  if (typeof job === "string") return job;
  const ours = median(job.oursSeconds);
  const reference = median(job.referenceSeconds);
  const runs = (values: readonly number[]) => values.map((value) => value.toFixed(2)).join(" / ");
  return [
    "| train job (start, parse, fit, save) | seconds, median | each run | ref/ours |",
    "| --- | ---: | ---: | ---: |",
    `| ours: \`main.ts train\` | ${formatNumber(ours, 2)} | ${runs(job.oursSeconds)} | ${
      formatRatio(reference / ours)
    } |`,
    `| reference: the sample's \`train.py\` | ${formatNumber(reference, 2)} | ${
      runs(job.referenceSeconds)
    } | |`,
    "",
    `${job.rows.toLocaleString("en-US")} records x ${job.features} features, label first, ` +
    `${(job.bytes / 1e6).toFixed(1)} MB of CSV, \`max_leaf_nodes=1000\`; wall time from ` +
    "spawning the process to its exit.",
  ].join("\n");
}

/** Renders the training comparison as a Markdown table, or the reason there is none. */
function renderTrainingTable(training: readonly TrainingRow[] | string): string {
  if (typeof training === "string") return training;
  const lines = [
    "| rows x 20 features | ours fit s | scikit-learn fit s | speed-up | ours accuracy | scikit-learn accuracy | difference (points) |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
  ];
  for (const row of training) {
    lines.push(
      `| ${row.rows.toLocaleString("en-US")} | ${formatNumber(row.oursSeconds, 3)} | ${
        formatNumber(row.sklearnSeconds, 3)
      } | ${formatRatio(row.sklearnSeconds / row.oursSeconds)} | ${
        formatNumber(row.oursAccuracy * 100, 2)
      }% | ${formatNumber(row.sklearnAccuracy * 100, 2)}% | ${
        formatNumber((row.oursAccuracy - row.sklearnAccuracy) * 100, 2)
      } |`,
    );
  }
  return lines.join("\n");
}

function judge(
  name: string,
  threshold: string,
  value: number | undefined,
  passes: (value: number) => boolean,
): TargetResult {
  if (value === undefined || !Number.isFinite(value)) {
    return { name, threshold, measured: "not measured", verdict: "n/a" };
  }
  return {
    name,
    threshold,
    measured: formatRatio(value),
    verdict: passes(value) ? "PASS" : "MISS",
  };
}

/**
 * Judges the run against the project's performance targets: ratios to the reference and the
 * ceiling, set for 2 workers on 2 cores.
 */
export function evaluateTargets(report: BenchReport): TargetResult[] {
  const { ours, reference, ceiling } = report;
  const results = [
    judge(
      "1-record req/s at 16 conns, ours/ref",
      ">= 25x",
      ratio(ours.oneRecordC16?.requestsPerSecond, reference.oneRecordC16?.requestsPerSecond),
      (value) => value >= 25,
    ),
    judge(
      "1-record p99 at 16 conns, ours/ref",
      "<= 0.1x",
      ratio(ours.oneRecordC16?.p99Ms, reference.oneRecordC16?.p99Ms),
      (value) => value <= 0.1,
    ),
    judge(
      "5 MB batch seconds, ref/ours",
      ">= 4x",
      ratio(median(reference.batchSeconds ?? []), median(ours.batchSeconds ?? [])),
      (value) => value >= 4,
    ),
    judge(
      "4.6 MB %.18e batch seconds, ref/ours",
      ">= 4x",
      ratio(median(reference.numpyBatchSeconds ?? []), median(ours.numpyBatchSeconds ?? [])),
      (value) => value >= 4,
    ),
    judge(
      "sample payload.csv req/s at 16 conns, ours/ref",
      ">= 20x",
      ratio(
        ours.samplePayloadC16?.requestsPerSecond,
        reference.samplePayloadC16?.requestsPerSecond,
      ),
      (value) => value >= 20,
    ),
    judge(
      "30-record req/s at 16 conns, ours/our 1-record (median of the rounds' ratios)",
      ">= 0.85x",
      pairedRatio(ours.thirtyRecordsC16, ours.oneRecordBesideThirtyC16),
      (value) => value >= 0.85,
    ),
    judge(
      "30-record %.18e req/s at 16 conns, ours/our 1-record (median of the rounds' ratios)",
      ">= 0.85x",
      pairedRatio(ours.thirtyNumpyC16, ours.oneRecordBesideThirtyC16),
      (value) => value >= 0.85,
    ),
    judge(
      "cold start, ref/ours",
      ">= 10x",
      ratio(median(reference.coldStartMs ?? []), median(ours.coldStartMs ?? [])),
      (value) => value >= 10,
    ),
    judge(
      "RSS per worker, ours/ref",
      "<= 0.5x",
      ratio(ours.memory?.perWorkerKiB, reference.memory?.perWorkerKiB),
      (value) => value <= 0.5,
    ),
    judge(
      "1-record req/s at 16 conns, ours/ceiling",
      ">= 0.85x",
      ratio(ours.oneRecordC16?.requestsPerSecond, ceiling.oneRecordC16?.requestsPerSecond),
      (value) => value >= 0.85,
    ),
  ];
  const largest = typeof report.training === "string"
    ? undefined
    : report.training.find((row) => row.rows >= 1_000_000);
  results.push(
    judge(
      "training fit at 1M rows, sklearn/ours",
      ">= 10x",
      largest && largest.sklearnSeconds / largest.oursSeconds,
      (value) => value >= 10,
    ),
  );
  const job = typeof report.trainJob === "object" ? report.trainJob : undefined;
  results.push(
    judge(
      `train job at ${job === undefined ? "200k" : `${job.rows / 1000}k`} rows, ref/ours`,
      ">= 3x",
      job && median(job.referenceSeconds) / median(job.oursSeconds),
      (value) => value >= 3,
    ),
  );
  results.push(
    judge(
      "fit peak RSS at 1M rows / feature matrix",
      "< 3x",
      largest?.oursPeakBytes !== undefined && largest.matrixBytes !== undefined
        ? largest.oursPeakBytes / largest.matrixBytes
        : undefined,
      (value) => value < 3,
    ),
  );
  const gap = largest && (largest.sklearnAccuracy - largest.oursAccuracy) * 100;
  results.push(
    gap === undefined
      ? judge("training accuracy at 1M rows", "within 0.5 points", undefined, () => false)
      : {
        name: "training accuracy at 1M rows, sklearn minus ours",
        threshold: "<= 0.5 points",
        measured: `${gap.toFixed(2)} points`,
        verdict: gap <= 0.5 ? "PASS" : "MISS",
      },
  );
  return results;
}

/** Renders the targets as a Markdown table. */
function renderTargets(targets: readonly TargetResult[]): string {
  const lines = ["| target | threshold | measured | verdict |", "| --- | --- | ---: | --- |"];
  for (const target of targets) {
    lines.push(`| ${target.name} | ${target.threshold} | ${target.measured} | ${target.verdict} |`);
  }
  return lines.join("\n");
}

/** Renders the whole report as the Markdown file saved under `bench/results/`. */
export function renderReport(report: BenchReport): string {
  const sections = [
    `# Serving benchmark, ${report.startedAt}`,
    "",
    ...report.environment.map((line) => `- ${line}`),
    ...report.settings.map((line) => `- ${line}`),
    "",
    "## Serving: ours vs the Python reference vs the ceiling",
    "",
    "Ratios are ours divided by the other stack's figure (req/s: higher is better; times, " +
    "latencies and memory: lower is better).",
    "",
    renderServingTable(report),
    "",
    "## Training: ours vs scikit-learn's fit (20 features, hold-out accuracy)",
    "",
    renderTrainingTable(report.training),
    "",
    "## Training: the whole train job, ours vs the classic sample's",
    "",
    renderTrainJobTable(report.trainJob),
    "",
    ...(report.trainingDetail === undefined
      ? []
      : ["The learner benchmark's own table (`bench/learner/run.ts`):", "", report.trainingDetail]),
    "## Targets",
    "",
    renderTargets(evaluateTargets(report)),
  ];
  if (report.notes.length > 0) {
    sections.push("", "## Notes", "", ...report.notes.map((note) => `- ${note}`));
  }
  return sections.join("\n") + "\n";
}
