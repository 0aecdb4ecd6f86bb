/**
 * How the training job's cost grows with the data: for each row count (1M, 2M, 4M and 8M rows
 * x 20 features by default) it generates a headerless CSV (label first) and a 200,000-row
 * hold-out file under the system temporary folder, then times, one after the other on the same
 * files, `pandas.read_csv` alone and our whole train job (`main.ts train`, `max_leaf_nodes=1000`,
 * the hold-out as the validation channel), each with its peak RSS from `/usr/bin/time`. It writes
 * a Markdown table and an SVG chart (`bench/results/train-scaling.svg`), and removes the data.
 *
 * ```sh
 * deno run -A bench/train_scaling.ts                       # 1M, 2M, 4M, 8M rows
 * deno run -A bench/train_scaling.ts --sizes 1000000 --baseline /path/to/old/main.ts
 * deno run -A bench/train_scaling.ts --sizes 1000000,8000000 --runs 3
 * ```
 *
 * `--baseline` also runs another checkout's `main.ts` on the same files (before/after).
 * `--runs N` runs pandas and each job N times on the same files, interleaved (pandas, our job,
 * the baseline; then again), and keeps the median of each and the median of the pairs' ratios:
 * on a shared machine one run is noisy, and its speed drifts over minutes. The load average
 * before each size is printed and written under the table.
 *
 * @module
 */

import { writeDataset } from "./train_job.ts";
import { PYTHON } from "./reference.ts";
import { PERMISSION_FLAGS } from "../serving/self_command.ts";

/** One measured row count. */
export interface ScalingRow {
  /** Records of the training file. */
  readonly rows: number;
  /** Size of the training file in bytes. */
  readonly bytes: number;
  /** Seconds of `pandas.read_csv` of the file. */
  readonly pandasSeconds: number;
  /** Peak RSS of the pandas process, MiB. */
  readonly pandasRssMiB: number;
  /** Wall seconds of our whole train job. */
  readonly trainSeconds: number;
  /** Peak RSS of our train job, MiB: the highest of the runs. */
  readonly trainRssMiB: number;
  /** Our job's seconds over pandas' in the same pair, the median of the pairs. */
  readonly ratio: number;
  /** pandas' fastest and slowest run, seconds. */
  readonly pandasRange: readonly [number, number];
  /** Seconds the job spent reading the training channel. */
  readonly readSeconds: number;
  /** Seconds in the algorithm's fit. */
  readonly fitSeconds: number;
  /** Accuracy on the hold-out file. */
  readonly holdOutAccuracy: number;
  /** The same job by the `--baseline` checkout, when asked for. */
  readonly baseline?: { seconds: number; rssMiB: number; holdOutAccuracy: number };
  /** The 1-minute load average before the size was measured. */
  readonly loadAverage?: number;
}

/** The run of median `seconds` (the lower middle one of an even count). */
function medianRun<T extends { seconds: number }>(runs: readonly T[]): T {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** What {@linkcode timed} measured of one command. */
interface Timed {
  readonly stdout: string;
  readonly seconds: number;
  readonly rssMiB: number;
}

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const FEATURES = 20;
const HOLD_OUT_ROWS = 200_000;

/** Runs a command under `/usr/bin/time`; returns its stdout, wall seconds and peak RSS. */
async function timed(
  command: string[],
  env: Record<string, string>,
  timeFile: string,
): Promise<Timed> {
  const started = performance.now();
  const output = await new Deno.Command("/usr/bin/time", {
    args: ["-f", "%M", "-o", timeFile, ...command],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const stdout = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(
      `${command.join(" ")} failed:\n${stdout.slice(-2000)}\n${
        new TextDecoder().decode(output.stderr).slice(-2000)
      }`,
    );
  }
  const kib = Number((await Deno.readTextFile(timeFile)).trim().split("\n").at(-1));
  return { stdout, seconds, rssMiB: kib / 1024 };
}

/** Waits until the file's data is on disk (fdatasync). */
async function flushToDisk(path: string): Promise<void> {
  const file = await Deno.open(path, { read: true });
  try {
    await file.syncData();
  } finally {
    file.close();
  }
}

/** Lays out a SageMaker tree under `dir` whose channels are hard links to the files. */
async function jobTree(dir: string, data: string, holdOut: string): Promise<void> {
  for (const sub of ["input/data/training", "input/data/validation", "input/config", "model"]) {
    await Deno.mkdir(`${dir}/${sub}`, { recursive: true });
  }
  await Deno.writeTextFile(
    `${dir}/input/config/hyperparameters.json`,
    JSON.stringify({ max_leaf_nodes: "1000", random_state: "0" }),
  );
  await Deno.link(data, `${dir}/input/data/training/data.csv`);
  await Deno.link(holdOut, `${dir}/input/data/validation/data.csv`);
}

/** `pandas.read_csv` of `data`, timed inside Python (the interpreter's start is not counted). */
async function pandasRead(data: string, timeFile: string): Promise<Timed> {
  const run = await timed(
    [
      PYTHON,
      "-c",
      "import sys, time, pandas; t = time.perf_counter(); " +
      "pandas.read_csv(sys.argv[1], header=None); print(time.perf_counter() - t)",
      data,
    ],
    {},
    timeFile,
  );
  return { ...run, seconds: Number(run.stdout.trim()) };
}

async function trainJob(main: string, dir: string): Promise<Timed> {
  return await timed(
    [Deno.execPath(), "run", ...PERMISSION_FLAGS, main, "train"],
    { SAGEMAKER_BASE_DIR: dir },
    `${dir}/time.txt`,
  );
}

function metric(stdout: string, name: string): number {
  return Number(new RegExp(`^${name}=([0-9.]+);$`, "m").exec(stdout)?.[1]);
}

/** Measures one row count; the data lives in `base` only while it runs. */
async function measure(
  base: string,
  rows: number,
  options: { baseline?: string; runs: number; log: (line: string) => void },
): Promise<ScalingRow> {
  const loadAverage = Deno.loadavg()[0];
  options.log(`load average before ${rows} rows: ${loadAverage.toFixed(2)}`);
  const data = `${base}/data.csv`;
  const holdOut = `${base}/hold_out.csv`;
  const bytes = await writeDataset(data, { rows, features: FEATURES, seed: 42 });
  await writeDataset(holdOut, { rows: HOLD_OUT_ROWS, features: FEATURES, seed: 7 });
  // On disk before anything is timed: the kernel writing a fresh GB back would slow every run.
  for (const path of [data, holdOut]) await flushToDisk(path);
  options.log(`generated ${rows} rows (${(bytes / 1e6).toFixed(0)} MB)`);
  try {
    await jobTree(`${base}/ours`, data, holdOut);
    if (options.baseline !== undefined) await jobTree(`${base}/baseline`, data, holdOut);
    // Run by run, pandas then our job (then the baseline's) back to back: the machine's speed
    // drifts over minutes, so each pair is compared within itself.
    const pandasRuns: Timed[] = [];
    const ourRuns: Timed[] = [];
    const baselineRuns: Timed[] = [];
    for (let run = 0; run < options.runs; run++) {
      pandasRuns.push(await pandasRead(data, `${base}/pandas_time.txt`));
      ourRuns.push(await trainJob(MAIN, `${base}/ours`));
      if (options.baseline !== undefined) {
        baselineRuns.push(await trainJob(options.baseline, `${base}/baseline`));
      }
      options.log(
        `${rows} rows, run ${run + 1}: pandas.read_csv ${pandasRuns[run].seconds.toFixed(2)} s, ` +
          `train job ${ourRuns[run].seconds.toFixed(2)} s, ${ourRuns[run].rssMiB.toFixed(0)} MiB` +
          (options.baseline === undefined
            ? ""
            : `, baseline ${baselineRuns[run].seconds.toFixed(2)} s`),
      );
    }
    const pandas = medianRun(pandasRuns);
    const ours = medianRun(ourRuns);
    let baseline: ScalingRow["baseline"];
    if (options.baseline !== undefined) {
      const run = medianRun(baselineRuns);
      baseline = {
        seconds: run.seconds,
        rssMiB: run.rssMiB,
        holdOutAccuracy: metric(run.stdout, "validation:accuracy"),
      };
    }
    const ratios = ourRuns.map((run, i) => run.seconds / pandasRuns[i].seconds);
    return {
      rows,
      bytes,
      pandasSeconds: pandas.seconds,
      pandasRssMiB: pandas.rssMiB,
      trainSeconds: ours.seconds,
      trainRssMiB: Math.max(...ourRuns.map((run) => run.rssMiB)),
      ratio: medianRun(ratios.map((seconds) => ({ seconds }))).seconds,
      pandasRange: [
        Math.min(...pandasRuns.map((run) => run.seconds)),
        Math.max(...pandasRuns.map((run) => run.seconds)),
      ],
      readSeconds: Number(
        /channel read channel=training .*seconds=([0-9.]+)/.exec(ours.stdout)?.[1],
      ),
      fitSeconds: metric(ours.stdout, "train:fit_seconds"),
      holdOutAccuracy: metric(ours.stdout, "validation:accuracy"),
      baseline,
      loadAverage,
    };
  } finally {
    for (const path of [data, holdOut, `${base}/ours`, `${base}/baseline`]) {
      await Deno.remove(path, { recursive: true }).catch(() => {});
    }
  }
}

/** The figures as a Markdown table. */
export function scalingTable(rows: readonly ScalingRow[]): string {
  const lines = [
    "| rows x 20 | CSV MB | pandas.read_csv s | pandas range s | pandas peak RSS MiB | train job s | job / pandas | read s | fit s | job peak RSS MiB | hold-out accuracy |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.rows.toLocaleString("en")} | ${(row.bytes / 1e6).toFixed(0)} | ` +
        `${row.pandasSeconds.toFixed(2)} | ${row.pandasRange[0].toFixed(1)}-${
          row.pandasRange[1].toFixed(1)
        } | ${row.pandasRssMiB.toFixed(0)} | ` +
        `${row.trainSeconds.toFixed(2)} | ${row.ratio.toFixed(2)}x | ` +
        `${row.readSeconds.toFixed(2)} | ${row.fitSeconds.toFixed(2)} | ` +
        `${row.trainRssMiB.toFixed(0)} | ${row.holdOutAccuracy.toFixed(4)} |`,
    );
  }
  const baselines = rows.filter((row) => row.baseline !== undefined);
  if (baselines.length > 0) {
    lines.push(
      "",
      "| rows x 20 | baseline job s | baseline peak RSS MiB | baseline hold-out accuracy |",
    );
    lines.push("| --- | --- | --- | --- |");
    for (const row of baselines) {
      const b = row.baseline!;
      lines.push(
        `| ${row.rows.toLocaleString("en")} | ${b.seconds.toFixed(2)} | ${b.rssMiB.toFixed(0)} | ` +
          `${b.holdOutAccuracy.toFixed(4)} |`,
      );
    }
  }
  const loads = rows.filter((row) => row.loadAverage !== undefined);
  if (loads.length > 0) {
    lines.push(
      "",
      `Load average (1 min) before each size: ${
        loads.map((row) => `${row.rows.toLocaleString("en")}: ${row.loadAverage!.toFixed(2)}`)
          .join(", ")
      }.`,
    );
  }
  lines.push(
    "",
    "Medians of the runs. pandas.read_csv is timed inside Python (its start and import are not " +
      "counted); each run times pandas and then our whole job (process start to exit) back to " +
      "back, and job / pandas is the median of those pairs' ratios. The job's peak RSS is the " +
      "highest of its runs.",
  );
  return lines.join("\n") + "\n";
}

/**
 * A hand-written SVG chart: seconds (left) and peak RSS (right) against rows, for our train job
 * and `pandas.read_csv`, as polylines.
 */
export function scalingSvg(rows: readonly ScalingRow[]): string {
  const width = 640, height = 320, left = 60, right = 60, top = 30, bottom = 40;
  const plotW = width - left - right, plotH = height - top - bottom;
  const maxRows = Math.max(...rows.map((r) => r.rows));
  const maxSeconds = Math.max(...rows.flatMap((r) => [r.pandasSeconds, r.trainSeconds])) * 1.1;
  const maxRss = Math.max(...rows.flatMap((r) => [r.pandasRssMiB, r.trainRssMiB])) * 1.1;
  const x = (n: number) => (left + (n / maxRows) * plotW).toFixed(1);
  const ySeconds = (s: number) => (top + plotH - (s / maxSeconds) * plotH).toFixed(1);
  const yRss = (m: number) => (top + plotH - (m / maxRss) * plotH).toFixed(1);
  const line = (points: string, color: string, dash = "") =>
    `<polyline fill="none" stroke="${color}" stroke-width="2"${
      dash ? ` stroke-dasharray="${dash}"` : ""
    } points="${points}"/>`;
  const series = (pick: (r: ScalingRow) => number, y: (v: number) => string) =>
    rows.map((r) => `${x(r.rows)},${y(pick(r))}`).join(" ");
  const ticks = rows.map((r) =>
    `<text x="${x(r.rows)}" y="${height - bottom + 16}" text-anchor="middle">${
      r.rows / 1e6
    }M</text>`
  );
  const legend = [
    ["#1f77b4", "", "train job, seconds"],
    ["#ff7f0e", "", "pandas.read_csv, seconds"],
    ["#1f77b4", "6 4", "train job, peak RSS MiB"],
    ["#ff7f0e", "6 4", "pandas.read_csv, peak RSS MiB"],
  ].map(([color, dash, label], i) =>
    `${line(`${left + 10},${top + 10 + i * 16} ${left + 40},${top + 10 + i * 16}`, color, dash)}` +
    `<text x="${left + 46}" y="${top + 14 + i * 16}">${label}</text>`
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">` +
    `Training job vs pandas.read_csv, 20 features</text>`,
    `<line x1="${left}" y1="${top + plotH}" x2="${left + plotW}" y2="${
      top + plotH
    }" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + plotH}" stroke="black"/>`,
    `<line x1="${left + plotW}" y1="${top}" x2="${left + plotW}" y2="${
      top + plotH
    }" stroke="black"/>`,
    `<text x="${left - 8}" y="${top}" text-anchor="end">${maxSeconds.toFixed(0)} s</text>`,
    `<text x="${left - 8}" y="${top + plotH}" text-anchor="end">0</text>`,
    `<text x="${left + plotW + 8}" y="${top}">${maxRss.toFixed(0)} MiB</text>`,
    `<text x="${left + plotW + 8}" y="${top + plotH}">0</text>`,
    `<text x="${left + plotW / 2}" y="${height - 6}" text-anchor="middle">rows</text>`,
    ...ticks,
    line(series((r) => r.trainSeconds, ySeconds), "#1f77b4"),
    line(series((r) => r.pandasSeconds, ySeconds), "#ff7f0e"),
    line(series((r) => r.trainRssMiB, yRss), "#1f77b4", "6 4"),
    line(series((r) => r.pandasRssMiB, yRss), "#ff7f0e", "6 4"),
    ...legend,
    "</svg>",
    "",
  ].join("\n");
}

function sizesOf(args: string[]): number[] {
  const index = args.indexOf("--sizes");
  if (index === -1) return [1_000_000, 2_000_000, 4_000_000, 8_000_000];
  return args[index + 1].split(",").map(Number);
}

if (import.meta.main) {
  const args = Deno.args;
  const baselineIndex = args.indexOf("--baseline");
  const baseline = baselineIndex === -1 ? undefined : args[baselineIndex + 1];
  const runsIndex = args.indexOf("--runs");
  const runs = runsIndex === -1 ? 1 : Number(args[runsIndex + 1]);
  const base = await Deno.makeTempDir({ prefix: "bench-train-scaling-" });
  const rows: ScalingRow[] = [];
  try {
    for (const count of sizesOf(args)) {
      rows.push(
        await measure(base, count, { baseline, runs, log: (line) => console.error(line) }),
      );
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
  const table = scalingTable(rows);
  console.log(table);
  if (!args.includes("--no-write")) {
    const results = new URL("./results/", import.meta.url).pathname;
    await Deno.writeTextFile(`${results}train-scaling.svg`, scalingSvg(rows));
    await Deno.writeTextFile(`${results}train-scaling.md`, table);
    console.error(`wrote ${results}train-scaling.svg and train-scaling.md`);
  }
}
