/**
 * Learner benchmark: our CART tree next to scikit-learn's `DecisionTreeClassifier` and
 * xgboost's `hist` tree on the same synthetic 3-class data with 20 features.
 *
 * Run alone: `deno run -A bench/learner/run.ts [--sizes 10000,100000,1000000]
 * [--max-leaf-nodes 1000] [--no-references] [--load-leaves 100000]`. It writes the data to a
 * temporary directory (removed afterwards), prints a markdown table and saves it as
 * `bench/results/learner-<date>.md`. Each fit runs in its own process so that its peak memory
 * is its own. The Python side needs Debian's `python3-sklearn` and `python3-xgboost`.
 *
 * @module
 */

import { BENCH_COLUMNS, type FitMeasurement } from "./fit_cart.ts";

/** Options of {@linkcode runLearnerBench}. */
export interface LearnerBenchOptions {
  /** Training rows of each run; the hold-out set has a quarter as many rows. Default 10k, 100k, 1M. */
  sizes?: number[];
  /** `max_leaf_nodes` of every learner (xgboost's `max_leaves`). Default 1000. */
  maxLeafNodes?: number;
  /** Also run scikit-learn and xgboost. Default true. */
  references?: boolean;
  /** Also time loading a tree of this many leaves, grown on the largest size. Default 100000. */
  loadLeaves?: number | null;
  /** The Python with scikit-learn and xgboost. Default `/usr/bin/python3` (Debian's). */
  python?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** Writes `rows` deterministic synthetic records as CSV and as binary files for the learners. */
export async function writeSyntheticData(
  directory: string,
  name: string,
  rows: number,
  seed: number,
): Promise<void> {
  let state = seed >>> 0;
  function random(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  const features = new Float64Array(rows * BENCH_COLUMNS);
  const labels = new Int32Array(rows);
  const csv = await Deno.open(`${directory}/${name}.csv`, {
    write: true,
    create: true,
    truncate: true,
  });
  const encoder = new TextEncoder();
  let chunk: string[] = [];
  for (let r = 0; r < rows; r++) {
    const x = features.subarray(r * BENCH_COLUMNS, (r + 1) * BENCH_COLUMNS);
    for (let c = 0; c < BENCH_COLUMNS; c++) x[c] = Math.round(random() * 1e6) / 1e4;
    // Six informative features with interactions; the other fourteen are noise.
    const z = Math.sin(x[0] / 15) + (x[1] * x[2]) / 5000 + (x[3] > 50 ? 0.6 : 0) -
      (x[4] / 100) ** 2 + (x[5] > 30 && x[0] < 60 ? 0.5 : 0);
    let label = z < 0.45 ? 0 : z < 1.1 ? 1 : 2;
    if (random() < 0.06) label = Math.floor(random() * 3);
    labels[r] = label;
    chunk.push(`${label},${x.join(",")}`);
    if (chunk.length === 10_000) {
      await csv.write(encoder.encode(chunk.join("\n") + "\n"));
      chunk = [];
    }
  }
  if (chunk.length > 0) await csv.write(encoder.encode(chunk.join("\n") + "\n"));
  csv.close();
  await Deno.writeFile(`${directory}/${name}.f64`, new Uint8Array(features.buffer));
  await Deno.writeFile(`${directory}/${name}.i32`, new Uint8Array(labels.buffer));
}

async function runJson(command: string, args: string[]): Promise<FitMeasurement> {
  const output = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" })
    .output();
  const stdout = new TextDecoder().decode(output.stdout).trim();
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr);
    throw new Error(`Benchmark step ${command} ${args.join(" ")} failed: ${stderr.slice(-2000)}`);
  }
  return JSON.parse(stdout.split("\n").pop()!);
}

function fixed(value: number, digits: number): string {
  return value.toFixed(digits);
}

function megabytes(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}

function rowsLabel(rows: number): string {
  return rows >= 1_000_000 ? `${rows / 1_000_000}M` : `${rows / 1000}k`;
}

/** One learner at one size, as {@linkcode runLearnerBenchRows} returns it. */
export interface LearnerRow extends FitMeasurement {
  /** Training rows (20 features each). */
  readonly rows: number;
  /** `cart (ours)`, `scikit-learn` or `xgboost hist (2 threads)`. */
  readonly learner: string;
  /** Bytes of the training feature matrix as float64 (`rows * 20 * 8`). */
  readonly matrixBytes: number;
}

/** The learner names of {@linkcode LearnerRow.learner}. */
export const LEARNERS = {
  ours: "cart (ours)",
  sklearn: "scikit-learn",
  xgboost: "xgboost hist (2 threads)",
} as const;

/**
 * Runs the benchmark and returns a markdown report (a table plus notes).
 *
 * @example
 * ```ts
 * const markdown = await runLearnerBench({ sizes: [10_000], references: false });
 * ```
 */
export async function runLearnerBench(options: LearnerBenchOptions = {}): Promise<string> {
  return (await runLearnerBenchRows(options)).markdown;
}

/**
 * Runs the benchmark and returns its figures as rows (one per learner and size) together with
 * the markdown report of {@linkcode runLearnerBench}, so that callers never parse the markdown.
 */
export async function runLearnerBenchRows(
  options: LearnerBenchOptions = {},
): Promise<{ markdown: string; rows: LearnerRow[] }> {
  const sizes = options.sizes ?? [10_000, 100_000, 1_000_000];
  const maxLeafNodes = options.maxLeafNodes ?? 1000;
  const references = options.references ?? true;
  const loadLeaves = options.loadLeaves === undefined ? 100_000 : options.loadLeaves;
  const python = options.python ?? "/usr/bin/python3";
  const log = options.log ?? (() => {});
  const here = new URL(".", import.meta.url).pathname;
  const lines: string[] = [
    `| rows | learner | fit s | fit vs ours | hold-out accuracy | leaves | model KB | ` +
    `predict rows/s | one record µs | fit peak RSS MB (data ${"in"} RSS before) |`,
    "|---|---|---|---|---|---|---|---|---|---|",
  ];
  const notes: string[] = [];
  const found: LearnerRow[] = [];
  for (const rows of sizes) {
    const directory = await Deno.makeTempDir({ prefix: "learner-bench-" });
    try {
      log(`learner bench: writing ${rows} rows to ${directory}`);
      await writeSyntheticData(directory, "train", rows, 42 + rows);
      await writeSyntheticData(directory, "test", Math.max(1000, rows / 4), 7 + rows);
      const largest = rows === Math.max(...sizes);
      const results: [string, FitMeasurement][] = [];
      log(`learner bench: cart on ${rows} rows`);
      const cartArgs = [
        "run",
        "--allow-all",
        "--v8-flags=--expose-gc",
        `${here}fit_cart.ts`,
        directory,
        String(maxLeafNodes),
      ];
      if (largest && loadLeaves !== null) cartArgs.push(String(loadLeaves));
      const ours = await runJson(Deno.execPath(), cartArgs);
      results.push([LEARNERS.ours, ours]);
      if (ours.loadMilliseconds !== undefined) {
        notes.push(
          `Loading a saved ${ours.loadLeaves}-leaf tree (grown on the ${rowsLabel(rows)} rows, ` +
            `JSON.parse + cart.load with validation) takes ${fixed(ours.loadMilliseconds, 1)} ms.`,
        );
      }
      if (references) {
        for (const kind of ["sklearn", "xgboost"]) {
          log(`learner bench: ${kind} on ${rows} rows`);
          const measured = await runJson(python, [
            `${here}reference_fit.py`,
            kind,
            directory,
            String(maxLeafNodes),
          ]);
          results.push([kind === "sklearn" ? LEARNERS.sklearn : LEARNERS.xgboost, measured]);
        }
      }
      const matrixBytes = rows * BENCH_COLUMNS * 8;
      for (const [name, m] of results) {
        found.push({ ...m, rows, learner: name, matrixBytes });
        lines.push(
          `| ${rowsLabel(rows)} | ${name} | ${fixed(m.fitSeconds, 3)} | ` +
            `${fixed(m.fitSeconds / ours.fitSeconds, 1)}x | ${
              fixed(m.accuracy, 4)
            } | ${m.leaves} | ` +
            `${fixed(m.modelBytes / 1024, 0)} | ${(m.predictRowsPerSecond / 1e6).toFixed(2)} M | ` +
            `${fixed(m.singleMicroseconds, 2)} | ${megabytes(m.peakBytes)} (${
              megabytes(m.rssBeforeBytes)
            }) |`,
        );
      }
      notes.push(
        `${rowsLabel(rows)}: the feature matrix is ${megabytes(matrixBytes)} MB; cart's fit ` +
          `peak RSS is ${fixed(ours.peakBytes / matrixBytes, 2)}x it (the whole process, ` +
          `matrix included).`,
      );
    } finally {
      await Deno.remove(directory, { recursive: true });
    }
  }
  const markdown = [
    `Synthetic 3-class data, 20 features (6 informative, 6% label noise), hold-out a quarter ` +
    `the size of the training set; every learner grows at most ${maxLeafNodes} leaves. ` +
    `"fit vs ours" is the learner's fit time over ours. xgboost: one round, ` +
    `grow_policy=lossguide, max_bin=256, one tree per class.`,
    "",
    ...lines,
    "",
    ...notes.map((note) => `- ${note}`),
    "",
  ].join("\n");
  return { markdown, rows: found };
}

function readArgs(args: string[]): LearnerBenchOptions {
  const options: LearnerBenchOptions = { log: (line) => console.error(line) };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--sizes") options.sizes = args[++i].split(",").map(Number);
    else if (arg === "--max-leaf-nodes") options.maxLeafNodes = Number(args[++i]);
    else if (arg === "--no-references") options.references = false;
    else if (arg === "--load-leaves") {
      const value = args[++i];
      options.loadLeaves = value === "none" ? null : Number(value);
    } else throw new Error(`Unknown argument ${arg}`);
  }
  return options;
}

if (import.meta.main) {
  const report = await runLearnerBench(readArgs(Deno.args));
  console.log(report);
  const date = new Date().toISOString().slice(0, 10);
  const results = new URL("../results/", import.meta.url);
  await Deno.mkdir(results, { recursive: true });
  const header = `# Learner benchmark, ${date}\n\n` +
    `\`deno run -A bench/learner/run.ts ${Deno.args.join(" ")}\` on ${Deno.build.os}/` +
    `${Deno.build.arch}, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}.\n\n`;
  await Deno.writeTextFile(new URL(`learner-${date}.md`, results), header + report);
}
