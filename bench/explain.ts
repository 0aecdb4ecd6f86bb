/**
 * Explanation benchmark: how many records per second a cart tree explains with `path` and
 * `shap`, single thread, on a tree of about 1,000 leaves and depth about 20.
 *
 * Run alone: `deno run -A bench/explain.ts [--rows 50000] [--leaves 1000] [--depth 20]`. It
 * grows the tree on synthetic 3-class data with 20 features, explains held-out records, prints
 * a markdown table and saves it as `bench/results/explain-<date>.md`.
 *
 * @module
 */

import process from "node:process";
import { cart } from "../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../algorithm/hyperparameters.ts";
import { createRandom } from "../algorithm/random.ts";
import type { Dataset, ExplanationKind, Matrix, Model } from "../algorithm/mod.ts";

/** Options of {@linkcode runExplainBench}. */
export interface ExplainBenchOptions {
  /** Training rows. Default 50,000. */
  rows?: number;
  /** `max_leaf_nodes` of the tree. Default 1,000. */
  leaves?: number;
  /** `max_depth` of the tree. Default 20. */
  depth?: number;
}

/** Features of the synthetic records. */
export const COLUMNS = 20;

/** `rows` synthetic records: six informative features with interactions, noisy labels. */
export function syntheticData(rows: number, seed: number): Dataset {
  const random = createRandom(seed);
  const data = new Float64Array(rows * COLUMNS);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const x = data.subarray(r * COLUMNS, (r + 1) * COLUMNS);
    for (let c = 0; c < COLUMNS; c++) x[c] = Math.round(random() * 1e6) / 1e4;
    const z = Math.sin(x[0] / 15) + (x[1] * x[2]) / 5000 + (x[3] > 50 ? 0.6 : 0) -
      x[4] / 100 + (x[5] > 30 && x[5] < 70 ? 0.4 : 0) + (random() - 0.5) * 0.6;
    labels[r] = z < 0.3 ? 0 : z < 1.1 ? 1 : 2;
  }
  return { features: { data, rows, columns: COLUMNS }, labels, classes: ["a", "b", "c"] };
}

/** Records per second: wall-clock, CPU time, and CPU time of the fastest batch. */
interface Rate {
  wall: number;
  cpu: number;
  best: number;
}

/**
 * Explains `features` with `kind`, one batch after another, until at least `seconds` have
 * passed. On a shared machine the wall-clock rate counts the waits for a core; the CPU-time
 * rates do not, and the fastest batch (CPU time) is the one least slowed by other processes.
 */
function measure(model: Model, features: Matrix, kind: ExplanationKind, seconds: number): Rate {
  model.explain!(features, { kind }); // warm-up
  let records = 0;
  let best = 0;
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) {
    const batch = process.cpuUsage();
    records += model.explain!(features, { kind }).length;
    const used = process.cpuUsage(batch);
    best = Math.max(best, features.rows / ((used.user + used.system) / 1e6));
  }
  const wall = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStarted);
  return { wall: records / wall, cpu: records / ((cpu.user + cpu.system) / 1e6), best };
}

/** Grows the tree and measures both explanations; returns the markdown report. */
export async function runExplainBench(options: ExplainBenchOptions = {}): Promise<string> {
  const rows = options.rows ?? 50_000;
  const leaves = options.leaves ?? 1_000;
  const depth = options.depth ?? 20;
  const params = parseHyperparameters(
    { max_leaf_nodes: String(leaves), max_depth: String(depth), random_state: "0" },
    cart.hyperparameters,
  );
  const model = await cart.fit(syntheticData(rows, 1), params);
  const described = model.describe();
  const heldOut = syntheticData(2_000, 2).features;
  const path = measure(model, heldOut, "path", 2);
  const shap = measure(model, heldOut, "shap", 3);
  const format = (value: number) => Math.round(value).toLocaleString("en-US");
  return [
    `Tree: ${described.leaves} leaves, depth ${described.depth}, grown on ${
      format(rows)
    } synthetic rows x ${COLUMNS} features, 3 classes; ${
      format(heldOut.rows)
    } held-out records explained in batches, one thread.`,
    "",
    "| explanation | records/s (wall) | records/s (CPU time) | records/s (fastest batch) " +
    "| µs of CPU per record | target records/s |",
    "|---|---|---|---|---|---|",
    `| path | ${format(path.wall)} | ${format(path.cpu)} | ${format(path.best)} | ${
      (1e6 / path.cpu).toFixed(2)
    } | 200,000 |`,
    `| shap | ${format(shap.wall)} | ${format(shap.cpu)} | ${format(shap.best)} | ${
      (1e6 / shap.cpu).toFixed(1)
    } | 5,000 |`,
    "",
    `Load average during the run: ${Deno.loadavg().map((v) => v.toFixed(1)).join(", ")} ` +
    `(${navigator.hardwareConcurrency} cores).`,
    "",
  ].join("\n");
}

function readArgs(args: string[]): ExplainBenchOptions {
  const options: ExplainBenchOptions = {};
  for (let i = 0; i < args.length; i++) {
    const value = Number(args[i + 1]);
    if (args[i] === "--rows") options.rows = value;
    else if (args[i] === "--leaves") options.leaves = value;
    else if (args[i] === "--depth") options.depth = value;
    else throw new Error(`Unknown argument ${args[i]}`);
    i++;
  }
  return options;
}

if (import.meta.main) {
  const report = await runExplainBench(readArgs(Deno.args));
  console.log(report);
  const date = new Date().toISOString().slice(0, 10);
  const results = new URL("./results/", import.meta.url);
  await Deno.mkdir(results, { recursive: true });
  const header = `# Explanation benchmark, ${date}\n\n` +
    `\`deno run -A bench/explain.ts ${Deno.args.join(" ")}\` on ${Deno.build.os}/` +
    `${Deno.build.arch}, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}.\n\n`;
  await Deno.writeTextFile(new URL(`explain-${date}.md`, results), header + report);
}
