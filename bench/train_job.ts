/**
 * Benchmark of a whole training job at scale: generates a labelled CSV (default 1,000,000 rows
 * x 20 features, about 150 MB) in a temporary folder, runs `main.ts train` on it as SageMaker
 * would, and reports wall time, the job's own read/fit/total seconds and peak RSS (from
 * `/usr/bin/time`, or by polling `/proc/<pid>/status` when it is missing).
 *
 * ```sh
 * deno run -A bench/train_job.ts                      # File mode, plain CSV
 * deno run -A bench/train_job.ts --gzip               # File mode, gzip'd CSV
 * deno run -A bench/train_job.ts --pipe               # Pipe mode: a FIFO fed by `cat`
 * deno run -A bench/train_job.ts --rows 100000 --features 20 --keep
 * ```
 *
 * The data is never committed: it lives under the system temporary folder and is removed at the
 * end (unless `--keep`). Numbers go to stdout as one Markdown table row per run.
 *
 * @module
 */

import { createRandom } from "../algorithm/random.ts";
import type { TrainJobComparison } from "./report.ts";
import { PERMISSION_FLAGS } from "../serving/self_command.ts";

/** What the benchmark measured. */
interface TrainJobFigures {
  /** `File`, `File+gzip` or `Pipe`. */
  readonly mode: string;
  /** Records and features of the data. */
  readonly rows: number;
  /** Features per record. */
  readonly features: number;
  /** Size of the data as handed to the job (compressed when gzip'd). */
  readonly bytes: number;
  /** Wall-clock seconds of the `main.ts train` process. */
  readonly wallSeconds: number;
  /** The job's own figures: reading the channel, fitting, the whole job. */
  readonly readSeconds: number;
  /** Seconds in `algorithm.fit`. */
  readonly fitSeconds: number;
  /** Seconds for the whole job as the job measured it. */
  readonly totalSeconds: number;
  /** Peak resident memory of the process in MiB. */
  readonly peakRssMiB: number;
  /** Training accuracy the job printed. */
  readonly trainAccuracy: number;
}

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const REFERENCE_TRAIN = new URL("./reference/train.py", import.meta.url).pathname;

/**
 * Writes `rows` records of `features` numbers with 4 decimals and a label first (`c0`..`c3`),
 * learnable from the first three features, in blocks so that no more than a few MB are in
 * memory at once.
 */
export async function writeDataset(
  path: string,
  options: { rows: number; features: number; gzip?: boolean; seed?: number },
): Promise<number> {
  const random = createRandom(options.seed ?? 42);
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const encoder = new TextEncoder();
  const block = 10_000;
  const source = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (written >= options.rows) {
        controller.close();
        return;
      }
      const lines: string[] = [];
      for (let i = 0; i < block && written < options.rows; i++, written++) {
        const values: number[] = [];
        for (let c = 0; c < options.features; c++) values.push(random() * 10);
        const score = values[0] + values[1] - values[2] + random() * 2;
        const label = score < 1 ? "c0" : score < 5 ? "c1" : score < 9 ? "c2" : "c3";
        lines.push(label + "," + values.map((v) => v.toFixed(4)).join(","));
      }
      controller.enqueue(encoder.encode(lines.join("\n") + "\n"));
    },
  });
  let written = 0;
  const stream = options.gzip
    ? source.pipeThrough(
      new CompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    )
    : source;
  await stream.pipeTo(file.writable);
  return (await Deno.stat(path)).size;
}

async function peakRssByPolling(pid: number, done: Promise<unknown>): Promise<number> {
  let peak = 0;
  let finished = false;
  done.then(() => (finished = true));
  while (!finished) {
    try {
      const status = await Deno.readTextFile(`/proc/${pid}/status`);
      const match = /VmHWM:\s+(\d+) kB/.exec(status);
      if (match) peak = Math.max(peak, Number(match[1]));
    } catch {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return peak / 1024;
}

function hasTimeCommand(): boolean {
  try {
    Deno.statSync("/usr/bin/time");
    return true;
  } catch {
    return false;
  }
}

/** How {@linkcode benchmarkTrainJob} runs. */
interface TrainJobOptions {
  readonly rows: number;
  readonly features: number;
  readonly mode: "file" | "gzip" | "pipe";
  readonly keep?: boolean;
}

/**
 * Lays out the SageMaker tree under `base` with generated data: a file of the training channel,
 * or for Pipe mode a source file and the channel's FIFO. Returns the data file and its size.
 */
async function writeJobTree(
  base: string,
  options: TrainJobOptions,
): Promise<{ dataFile: string; bytes: number }> {
  await Deno.mkdir(`${base}/input/data/training`, { recursive: true });
  await Deno.mkdir(`${base}/input/config`, { recursive: true });
  await Deno.writeTextFile(
    `${base}/input/config/hyperparameters.json`,
    JSON.stringify({ max_leaf_nodes: "1000", random_state: "0" }),
  );
  const gzip = options.mode === "gzip";
  const dataFile = options.mode === "pipe"
    ? `${base}/source.csv`
    : `${base}/input/data/training/data.csv${gzip ? ".gz" : ""}`;
  const generated = performance.now();
  const bytes = await writeDataset(dataFile, { ...options, gzip });
  console.error(
    `generated ${options.rows} x ${options.features} (${(bytes / 1e6).toFixed(1)} MB) in ` +
      `${((performance.now() - generated) / 1000).toFixed(1)} s`,
  );
  if (options.mode === "pipe") {
    await Deno.remove(`${base}/input/data/training`);
    await Deno.writeTextFile(
      `${base}/input/config/inputdataconfig.json`,
      JSON.stringify({ training: { ContentType: "text/csv", TrainingInputMode: "Pipe" } }),
    );
    const made = await new Deno.Command("mkfifo", { args: [`${base}/input/data/training_0`] })
      .output();
    if (made.code !== 0) throw new Error("mkfifo failed");
  }
  return { dataFile, bytes };
}

/**
 * Runs `main.ts train` on the tree under `base` (feeding the FIFO from `dataFile` in Pipe mode);
 * returns its stdout, wall seconds and peak RSS, from `/usr/bin/time` or else by polling.
 */
async function runJob(
  base: string,
  dataFile: string,
  pipe: boolean,
): Promise<{ stdout: string; wallSeconds: number; peakRssMiB: number }> {
  const useTime = hasTimeCommand();
  const deno = [Deno.execPath(), "run", "-A", MAIN, "train"];
  const [command, ...args] = useTime
    ? ["/usr/bin/time", "-f", "%M", "-o", `${base}/time.txt`, ...deno]
    : deno;
  const started = performance.now();
  const child = new Deno.Command(command, {
    args,
    env: { SAGEMAKER_BASE_DIR: base },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = pipe
    ? new Deno.Command("sh", {
      args: ["-c", `cat "${dataFile}" > "${base}/input/data/training_0"`],
    }).output()
    : Promise.resolve(undefined);
  const polled = useTime ? Promise.resolve(0) : peakRssByPolling(child.pid, child.status);
  const [output] = await Promise.all([child.output(), writer]);
  const wallSeconds = (performance.now() - started) / 1000;
  const stdout = new TextDecoder().decode(output.stdout);
  if (output.code !== 0) {
    throw new Error(`train failed:\n${stdout}\n${new TextDecoder().decode(output.stderr)}`);
  }
  const peakRssMiB = useTime
    ? Number((await Deno.readTextFile(`${base}/time.txt`)).trim().split("\n").at(-1)) / 1024
    : await polled;
  return { stdout, wallSeconds, peakRssMiB };
}

/** Runs one training job on generated data and returns its figures. */
async function benchmarkTrainJob(options: TrainJobOptions): Promise<TrainJobFigures> {
  const base = await Deno.makeTempDir({ prefix: "bench-train-job-" });
  try {
    const { dataFile, bytes } = await writeJobTree(base, options);
    const { stdout, wallSeconds, peakRssMiB } = await runJob(
      base,
      dataFile,
      options.mode === "pipe",
    );
    const metric = (name: string) =>
      Number(new RegExp(`^${name}=([0-9.]+);$`, "m").exec(stdout)?.[1]);
    return {
      mode: options.mode === "file" ? "File" : options.mode === "gzip" ? "File+gzip" : "Pipe",
      rows: options.rows,
      features: options.features,
      bytes,
      wallSeconds,
      readSeconds: Number(/channel read channel=training .*seconds=([0-9.]+)/.exec(stdout)?.[1]),
      fitSeconds: metric("train:fit_seconds"),
      totalSeconds: metric("train:total_seconds"),
      peakRssMiB,
      trainAccuracy: metric("train:accuracy"),
    };
  } finally {
    if (options.keep) console.error(`kept ${base}`);
    else await Deno.remove(base, { recursive: true });
  }
}

/** Options of {@linkcode compareTrainJobs}. */
export interface TrainJobComparisonOptions {
  /** Records of the training file. */
  readonly rows: number;
  /** Features per record. */
  readonly features: number;
  /** Runs of each job, interleaved; the report takes the median. */
  readonly runs: number;
  /** The Python with pandas and scikit-learn (Debian's `/usr/bin/python3` by default). */
  readonly python?: string;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

/**
 * Times the whole training job, ours (`main.ts train`) against the classic sample's
 * (`bench/reference/train.py`: pandas `read_csv`, scikit-learn's tree, pickle), on the same
 * headerless CSV file (label first) with `max_leaf_nodes=1000`: wall seconds from spawning the
 * process to its exit, runs interleaved.
 */
export async function compareTrainJobs(
  options: TrainJobComparisonOptions,
): Promise<TrainJobComparison> {
  const base = await Deno.makeTempDir({ prefix: "bench-train-jobs-" });
  const log = options.log ?? (() => {});
  try {
    const data = `${base}/data.csv`;
    const bytes = await writeDataset(data, { rows: options.rows, features: options.features });
    const jobs = [
      {
        name: "ours",
        command: Deno.execPath(),
        args: ["run", ...PERMISSION_FLAGS, MAIN, "train"],
        seconds: [] as number[],
      },
      {
        name: "reference",
        command: options.python ?? "/usr/bin/python3",
        args: [REFERENCE_TRAIN],
        seconds: [] as number[],
      },
    ];
    for (const job of jobs) {
      const dir = `${base}/${job.name}`;
      await Deno.mkdir(`${dir}/input/data/training`, { recursive: true });
      await Deno.mkdir(`${dir}/input/config`, { recursive: true });
      await Deno.mkdir(`${dir}/model`, { recursive: true });
      await Deno.mkdir(`${dir}/output`, { recursive: true });
      await Deno.writeTextFile(
        `${dir}/input/config/hyperparameters.json`,
        JSON.stringify({ max_leaf_nodes: "1000" }),
      );
      await Deno.link(data, `${dir}/input/data/training/data.csv`);
    }
    for (let run = 0; run < options.runs; run++) {
      for (const job of run % 2 === 0 ? jobs : [...jobs].reverse()) {
        const started = performance.now();
        const output = await new Deno.Command(job.command, {
          args: job.args,
          env: { SAGEMAKER_BASE_DIR: `${base}/${job.name}` },
          stdin: "null",
          stdout: "null",
          stderr: "piped",
        }).output();
        const seconds = (performance.now() - started) / 1000;
        if (!output.success) {
          throw new Error(
            `The ${job.name} train job failed: ${
              new TextDecoder().decode(output.stderr).trim().slice(-600)
            }`,
          );
        }
        job.seconds.push(seconds);
        log(`train job ${job.name}, ${options.rows} rows: ${seconds.toFixed(2)} s`);
      }
    }
    return {
      rows: options.rows,
      features: options.features,
      bytes,
      oursSeconds: jobs[0].seconds,
      referenceSeconds: jobs[1].seconds,
    };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

function argument(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(name);
  return index === -1 ? fallback : Number(args[index + 1]);
}

if (import.meta.main) {
  const args = Deno.args;
  const mode = args.includes("--gzip") ? "gzip" : args.includes("--pipe") ? "pipe" : "file";
  const figures = await benchmarkTrainJob({
    rows: argument(args, "--rows", 1_000_000),
    features: argument(args, "--features", 20),
    mode,
    keep: args.includes("--keep"),
  });
  console.log(
    "| mode | rows x features | input MB | wall s | read s | fit s | job total s | peak RSS MiB | train accuracy |",
  );
  console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  console.log(
    `| ${figures.mode} | ${figures.rows} x ${figures.features} | ${
      (figures.bytes / 1e6).toFixed(1)
    } | ` +
      `${figures.wallSeconds.toFixed(2)} | ${figures.readSeconds.toFixed(2)} | ${
        figures.fitSeconds.toFixed(2)
      } | ` +
      `${figures.totalSeconds.toFixed(2)} | ${figures.peakRssMiB.toFixed(0)} | ${
        figures.trainAccuracy.toFixed(4)
      } |`,
  );
}
