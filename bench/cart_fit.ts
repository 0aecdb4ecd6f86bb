/**
 * The cart fit alone, on one thread and with row workers: for each row count (1M and 8M rows x
 * 20 features by default, one byte a value, `max_leaf_nodes=1000`) it bins synthetic rows in
 * memory (`cart_fit_data.ts`) and fits them `--runs` times each way, the two ways back to back,
 * reporting the median wall and CPU seconds (CPU counts every thread of the process, workers
 * included), the load average around the runs, and the memory copied into shared memory.
 * `--thresholds` also times the parallel fit with other row thresholds.
 *
 * ```sh
 * deno run -A bench/cart_fit.ts                                  # 1M and 8M rows, 5 runs
 * deno run -A bench/cart_fit.ts --sizes 1000000 --runs 3 --thresholds 25000,50000,200000
 * deno run -A bench/cart_fit.ts --save bench/results/cart-fit-parallel.md
 * ```
 *
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { type CartFitOptions, fitBinnedTree, PARALLEL_MIN_ROWS } from "../algorithm/cart/fit.ts";
import { cart } from "../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../algorithm/hyperparameters.ts";
import type { BinnedDataset } from "../algorithm/types.ts";
import { binnedDataset } from "./cart_fit_data.ts";

const FEATURES = 20;

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

/** Fits `data` (restored from `pristine` first, since a fit moves the rows) and times it. */
async function fitOnce(
  data: BinnedDataset,
  pristine: { codes: Uint8Array | Uint16Array; labels: Int32Array },
  options: CartFitOptions,
): Promise<Run> {
  data.features.codes.set(pristine.codes);
  data.labels.set(pristine.labels);
  const params = parseHyperparameters(
    { max_leaf_nodes: "1000", random_state: "0" },
    cart.hyperparameters,
  );
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const fitted = await fitBinnedTree(data, params, options);
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const tree = [fitted.tree.feature, fitted.tree.threshold, fitted.tree.value]
    .map((array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength).join(","))
    .join("|");
  return { wall, cpu: (cpu.user + cpu.system) / 1e6, tree };
}

/** Measures one row count; returns a row per way and the lines of notes. */
async function measure(
  rows: number,
  options: { runs: number; workers: number; thresholds: number[]; log: (line: string) => void },
): Promise<{ rows: Row[]; notes: string[] }> {
  const data = await binnedDataset(rows, FEATURES);
  const pristine = { codes: data.features.codes.slice(), labels: data.labels.slice() };
  const ways: { name: string; options: CartFitOptions }[] = [
    { name: "one thread", options: { workers: 1 } },
    { name: `${options.workers} workers`, options: { workers: options.workers } },
    ...options.thresholds.map((threshold) => ({
      name: `${options.workers} workers from ${threshold} rows`,
      options: { workers: options.workers, parallelMinRows: threshold },
    })),
  ];
  const runs = new Map<string, Run[]>(ways.map((way) => [way.name, []]));
  const notes: string[] = [];
  let copied = "";
  const loadBefore = loadAverage();
  for (let round = 0; round < options.runs; round++) {
    for (const way of ways) {
      const run = await fitOnce(data, pristine, {
        ...way.options,
        log(message) {
          const match = /([0-9.]+) MiB copied/.exec(message);
          if (match) copied = match[1];
        },
      });
      runs.get(way.name)!.push(run);
      options.log(
        `${rows} rows, ${way.name}: ${run.wall.toFixed(2)} s wall, ${run.cpu.toFixed(2)} s CPU`,
      );
    }
  }
  const reference = runs.get(ways[0].name)![0].tree;
  for (const [name, list] of runs) {
    if (list.some((run) => run.tree !== reference)) {
      throw new Error(`The tree of ${rows} rows, ${name}, differs from the one-thread tree`);
    }
  }
  notes.push(
    `${rows} rows: load average ${loadBefore} before, ${loadAverage()} after; ` +
      `${copied} MiB of codes and labels copied into shared memory; every tree identical`,
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
function report(rows: Row[], notes: string[], workers: number): string {
  const lines = [
    `# cart fit: one thread and ${workers} row workers`,
    "",
    `${FEATURES} features, one byte a value, \`max_leaf_nodes=1000\`, \`random_state=0\`; ` +
    `nodes of ${PARALLEL_MIN_ROWS} rows or more go to the workers unless noted. ` +
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
      workers: { type: "string", default: String(navigator.hardwareConcurrency) },
      thresholds: { type: "string", default: "" },
      save: { type: "string" },
    },
  });
  const numbers = (text: string) => text.split(",").filter((s) => s !== "").map(Number);
  const workers = Number(values.workers);
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const size of numbers(values.sizes)) {
    const measured = await measure(size, {
      runs: Number(values.runs),
      workers,
      thresholds: numbers(values.thresholds),
      log: (line) => console.error(line),
    });
    rows.push(...measured.rows);
    notes.push(...measured.notes);
  }
  const markdown = report(rows, notes, workers);
  console.log(markdown);
  if (values.save !== undefined) await Deno.writeTextFile(values.save, markdown);
}
