/**
 * The cart fit alone, on one thread and on several (the main thread and row workers): for each
 * row count (1M and 8M rows x 20 features by default, one byte a value, `max_leaf_nodes=1000`) it
 * bins synthetic rows (`cart_fit_data.ts`) into a temporary folder and fits them `--runs` times
 * each way, the ways back to back, each fit in a fresh process that reads the rows from the folder
 * (so that no fit runs on code the JIT compiled for another way), reporting the median wall and
 * CPU seconds of the fit (CPU counts every thread, workers included), the load average around the
 * runs, and the memory copied into shared memory.
 * `--thresholds` also times the parallel fit with other row thresholds, and `--baseline` the fit
 * of another checkout (its `algorithm/cart/fit.ts`) on the same rows.
 *
 * ```sh
 * deno run -A bench/cart_fit.ts                                  # 1M and 8M rows, 5 runs
 * deno run -A bench/cart_fit.ts --sizes 1000000 --runs 3 --thresholds 25000,50000,200000
 * deno run -A bench/cart_fit.ts --baseline /path/to/old/checkout --save bench/results/cart-fit.md
 * ```
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import {
  type CartFitOptions,
  fitBinnedTree,
  type FittedTree,
  PARALLEL_MIN_ROWS,
} from "../algorithm/cart/fit.ts";
import { cart } from "../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../algorithm/hyperparameters.ts";
import type { BinnedDataset } from "../algorithm/types.ts";
import { binnedDataset } from "./cart_fit_data.ts";

const FEATURES = 20;

/** A cart fit of binned rows: ours, or another checkout's. */
type Fit = (
  data: BinnedDataset,
  params: ReturnType<typeof parseHyperparameters>,
  options: CartFitOptions,
) => Promise<FittedTree>;

/** One fit's figures. */
interface Run {
  readonly wall: number;
  readonly cpu: number;
  readonly tree: string;
}

/** The medians of one way of fitting one row count. */
interface Row {
  readonly rows: number;
  readonly way: string;
  readonly wall: number;
  readonly cpu: number;
  readonly runs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function loadAverage(): string {
  return Deno.loadavg().map((load) => load.toFixed(2)).join(" ");
}

/** The binary files a fit process reads its rows from. */
const FILES = ["codes", "labels", "binCounts", "binOffsets", "binLow", "binHigh"] as const;

/** Writes `data` to `dir` for {@linkcode readDataset}. */
async function writeDataset(dir: string, data: BinnedDataset): Promise<void> {
  const { features } = data;
  for (const name of FILES) {
    const array = name === "labels" ? data.labels : features[name];
    await Deno.writeFile(
      `${dir}/${name}.bin`,
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength),
    );
  }
  const { rows, columns, stride } = features;
  const wide = features.codes.BYTES_PER_ELEMENT === 2;
  await Deno.writeTextFile(`${dir}/shape.json`, JSON.stringify({ rows, columns, stride, wide }));
}

/** The rows {@linkcode writeDataset} wrote to `dir`. */
async function readDataset(dir: string): Promise<BinnedDataset> {
  const shape = JSON.parse(await Deno.readTextFile(`${dir}/shape.json`));
  const read = async (name: string) => (await Deno.readFile(`${dir}/${name}.bin`)).buffer;
  const codes = await read("codes");
  return {
    features: {
      rows: shape.rows,
      columns: shape.columns,
      stride: shape.stride,
      codes: shape.wide ? new Uint16Array(codes) : new Uint8Array(codes),
      binCounts: new Int32Array(await read("binCounts")),
      binOffsets: new Int32Array(await read("binOffsets")),
      binLow: new Float64Array(await read("binLow")),
      binHigh: new Float64Array(await read("binHigh")),
    },
    labels: new Int32Array(await read("labels")),
    classes: ["c0", "c1", "c2", "c3"],
  };
}

/** In a fit process: fits the rows of `dir` once and answers its figures as JSON. */
async function fitOnce(
  dir: string,
  options: { threads?: number; parallelMinRows?: number; module?: string },
): Promise<void> {
  const data = await readDataset(dir);
  const fit = options.module === undefined
    ? fitBinnedTree
    : (await import(options.module)).fitBinnedTree as Fit;
  const params = parseHyperparameters(
    { max_leaf_nodes: "1000", random_state: "0" },
    cart.hyperparameters,
  );
  let copied = "";
  let copyMs = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const fitted = await fit(data, params, {
    threads: options.threads,
    parallelMinRows: options.parallelMinRows,
    log(message) {
      const match = /([0-9.]+) MiB copied into shared memory in (\d+) ms/.exec(message);
      if (match === null) return;
      copied = match[1];
      copyMs = Number(match[2]);
    },
  });
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const bytes = [fitted.tree.feature, fitted.tree.threshold, fitted.tree.value].map((array) =>
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength)
  );
  const joined = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const part of bytes) {
    joined.set(part, at);
    at += part.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
  const tree = Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
  console.log(JSON.stringify({ wall, cpu: (cpu.user + cpu.system) / 1e6, tree, copied, copyMs }));
}

/** Runs one fit in a fresh process. */
async function fitInProcess(
  dir: string,
  way: { threads?: number; parallelMinRows?: number; module?: string },
): Promise<Run & { copied: string; copyMs: number }> {
  const args = ["run", "-A", new URL(import.meta.url).pathname, "--fit", dir];
  if (way.threads !== undefined) args.push("--threads", String(way.threads));
  if (way.parallelMinRows !== undefined) args.push("--min-rows", String(way.parallelMinRows));
  if (way.module !== undefined) args.push("--module", way.module);
  const output = await new Deno.Command(Deno.execPath(), { args, stdin: "null" }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`The fit failed: ${new TextDecoder().decode(output.stderr).slice(-2000)}`);
  }
  return JSON.parse(text.trim().split("\n").at(-1)!);
}

/** How {@linkcode measure} runs the fits. */
interface MeasureOptions {
  /** Fits per way. */
  runs: number;
  /** Threads of the parallel way. */
  threads: number;
  /** Row thresholds of the parallel way to compare. */
  thresholds: number[];
  /** Another checkout's root, for a before/after way. */
  baseline?: string;
  /** Where progress lines go. */
  log: (line: string) => void;
}

/** Measures one row count; returns a row per way and the lines of notes. */
async function measure(
  rows: number,
  options: MeasureOptions,
): Promise<{ rows: Row[]; notes: string[] }> {
  const dir = await Deno.makeTempDir({ prefix: "cart-fit-" });
  try {
    await writeDataset(dir, await binnedDataset(rows, FEATURES));
    return await measureFolder(dir, rows, options);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Measures the rows written to `dir`. */
async function measureFolder(
  dir: string,
  rows: number,
  options: MeasureOptions,
): Promise<{ rows: Row[]; notes: string[] }> {
  const ways: {
    name: string;
    options: { threads?: number; parallelMinRows?: number; module?: string };
  }[] = [
    ...(options.baseline === undefined
      ? []
      : [{ name: "baseline (--baseline checkout)", options: { module: options.baseline } }]),
    { name: "one thread", options: { threads: 1 } },
    { name: `${options.threads} threads`, options: { threads: options.threads } },
    ...options.thresholds.map((threshold) => ({
      name: `${options.threads} threads from ${threshold} rows`,
      options: { threads: options.threads, parallelMinRows: threshold },
    })),
  ];
  const runs = new Map<string, Run[]>(ways.map((way) => [way.name, []]));
  const notes: string[] = [];
  let copied = "";
  const copyMs: number[] = [];
  const loadBefore = loadAverage();
  for (let round = 0; round < options.runs; round++) {
    for (const way of ways) {
      const run = await fitInProcess(dir, way.options);
      if (run.copied !== "") {
        copied = run.copied;
        copyMs.push(run.copyMs);
      }
      runs.get(way.name)!.push(run);
      options.log(
        `${rows} rows, ${way.name}: ${run.wall.toFixed(2)} s wall, ${run.cpu.toFixed(2)} s CPU`,
      );
    }
  }
  const reference = runs.get("one thread")![0].tree;
  for (const [name, list] of runs) {
    if (list.some((run) => run.tree !== reference)) {
      throw new Error(`The tree of ${rows} rows, ${name}, differs from the one-thread tree`);
    }
  }
  notes.push(
    `${rows} rows: load average ${loadBefore} before, ${loadAverage()} after; ` +
      `${copied} MiB of codes and labels copied into shared memory (median ${
        copyMs.length === 0 ? "-" : median(copyMs)
      } ms, part of the parallel fit); every tree identical`,
  );
  return {
    rows: ways.map((way) => {
      const list = runs.get(way.name)!;
      return {
        rows,
        way: way.name,
        wall: median(list.map((run) => run.wall)),
        cpu: median(list.map((run) => run.cpu)),
        runs: list.length,
      };
    }),
    notes,
  };
}

/** The Markdown report. */
function report(rows: Row[], notes: string[], threads: number): string {
  const lines = [
    `# cart fit: one thread and ${threads} threads`,
    "",
    `${FEATURES} features, one byte a value, \`max_leaf_nodes=1000\`, \`random_state=0\`; ` +
    `nodes of ${PARALLEL_MIN_ROWS} rows or more are shared by the threads unless noted. ` +
    `${navigator.hardwareConcurrency} cores (\`deno run -A bench/cart_fit.ts\`, ` +
    `Deno ${Deno.version.deno}). Medians; CPU counts every thread.`,
    "",
    "| rows | way | runs | wall s | CPU s | speed-up |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const row of rows) {
    const single = rows.find((r) => r.rows === row.rows && r.way === "one thread")!;
    lines.push(
      `| ${row.rows.toLocaleString("en-US")} | ${row.way} | ${row.runs} | ${
        row.wall.toFixed(2)
      } | ${row.cpu.toFixed(2)} | ${(single.wall / row.wall).toFixed(2)}x |`,
    );
  }
  lines.push("", ...notes.map((note) => `- ${note}`), "");
  return lines.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sizes: { type: "string", default: "1000000,8000000" },
      runs: { type: "string", default: "5" },
      threads: { type: "string", default: String(navigator.hardwareConcurrency) },
      thresholds: { type: "string", default: "" },
      save: { type: "string" },
      baseline: { type: "string" },
      fit: { type: "string" },
      "min-rows": { type: "string" },
      module: { type: "string" },
    },
  });
  if (values.fit !== undefined) {
    await fitOnce(values.fit, {
      threads: values.threads === undefined ? undefined : Number(values.threads),
      parallelMinRows: values["min-rows"] === undefined ? undefined : Number(values["min-rows"]),
      module: values.module,
    });
    Deno.exit(0);
  }
  const numbers = (text: string) => text.split(",").filter((s) => s !== "").map(Number);
  const threads = Number(values.threads);
  const baseline = values.baseline === undefined
    ? undefined
    : new URL("algorithm/cart/fit.ts", `file://${values.baseline.replace(/\/?$/, "/")}`).href;
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const size of numbers(values.sizes)) {
    const measured = await measure(size, {
      runs: Number(values.runs),
      threads,
      thresholds: numbers(values.thresholds),
      baseline,
      log: (line) => console.error(line),
    });
    rows.push(...measured.rows);
    notes.push(...measured.notes);
  }
  const markdown = report(rows, notes, threads);
  console.log(markdown);
  if (values.save !== undefined) await Deno.writeTextFile(values.save, markdown);
}
