/**
 * Where sharing a row pass pays: one histogram pass and one split (partition) pass over a node of
 * n rows (10,000 to 4,000,000 by default; 20 features, one byte a value), on the main thread alone
 * and shared with row workers (`algorithm/cart/row_workers.ts`), back to back, median of `--runs`
 * rounds. The row threshold of the cart fit (`PARALLEL_MIN_ROWS`) comes from this.
 *
 * ```sh
 * deno run -A bench/cart_passes.ts [--threads 2] [--runs 21] [--sizes 10000,100000]
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { type RowTask, runRowTask } from "../algorithm/cart/row_kernels.ts";
import { RowWorkers } from "../algorithm/cart/row_workers.ts";
import { shareRows } from "../algorithm/cart/shared_rows.ts";
import { TreeBuilder } from "../algorithm/cart/tree_builder.ts";
import { resolveParams } from "../algorithm/cart/hyperparameters.ts";
import { cart } from "../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../algorithm/hyperparameters.ts";
import { binnedDataset } from "./cart_fit_data.ts";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sizes: { type: "string", default: "10000,25000,50000,100000,400000,4000000" },
      runs: { type: "string", default: "21" },
      threads: { type: "string", default: String(navigator.hardwareConcurrency) },
    },
  });
  const sizes = values.sizes.split(",").map(Number);
  const rows = Math.max(...sizes);
  const data = await binnedDataset(rows, 20);
  const shared = shareRows(data.features, data.labels, { labelsInPlace: true });
  const classCounts = new Float64Array(data.classes.length);
  for (const label of shared.labels) classCounts[label]++;
  const params = resolveParams(parseHyperparameters({}, cart.hyperparameters), {
    rows,
    columns: 20,
    classCounts,
  });
  const view = new TreeBuilder(shared.binned, shared.labels, params, { labelsInPlace: true })
    .rowView;
  const threads = Number(values.threads);
  const workers = new RowWorkers(view, {
    workers: threads - 1,
    classCount: data.classes.length,
  });
  const histogram = new Int32Array(shared.binned.binOffsets[20] * data.classes.length);
  const load = Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
  const lines = [
    `# One row pass: one thread and ${threads} threads`,
    "",
    `20 features, one byte a value; median ms of ${values.runs} back-to-back rounds; ` +
    `load average ${load} at the start.`,
    "",
    "| node rows | histogram, one thread | histogram, shared | split, one thread | split, shared |",
    "| --- | --- | --- | --- | --- |",
  ];
  try {
    await workers.histogram({ start: 0, end: 1000 }, histogram);
    for (const n of sizes) {
      const times: Record<string, number[]> = { h1: [], hN: [], p1: [], pN: [] };
      for (let round = 0; round < Number(values.runs); round++) {
        const start = (round * 7919) % (rows - n + 1);
        const end = start + n;
        const split = (feature: number): Extract<RowTask, { kind: "partition" }> => ({
          kind: "partition",
          start,
          end,
          feature,
          bin: 100,
          counted: "left",
        });
        let t = performance.now();
        runRowTask(view, { task: { kind: "histogram", start, end }, histogram });
        times.h1.push(performance.now() - t);
        t = performance.now();
        await workers.histogram({ start, end }, histogram);
        times.hN.push(performance.now() - t);
        t = performance.now();
        runRowTask(view, { task: split(round % 20), histogram });
        times.p1.push(performance.now() - t);
        t = performance.now();
        await workers.partition(split((round + 7) % 20), { histogram, counted: "left" });
        times.pN.push(performance.now() - t);
      }
      const [h1, hN, p1, pN] = ["h1", "hN", "p1", "pN"].map((k) => median(times[k]).toFixed(2));
      lines.push(`| ${n.toLocaleString("en-US")} | ${h1} | ${hN} | ${p1} | ${pN} |`);
      console.error(lines.at(-1));
    }
  } finally {
    workers.close();
  }
  lines.push(
    "",
    `Load average ${Deno.loadavg().map((x) => x.toFixed(2)).join(" ")} at the end.`,
    "",
  );
  console.log(lines.join("\n"));
}
