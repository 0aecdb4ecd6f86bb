/**
 * The serving benchmark: our server, the classic Python sample (`bench/reference/`) and a
 * trivial Deno handler (`bench/ceiling.ts`) side by side in one sitting, loaded with wrk on
 * loopback, plus the training rows of the learner benchmark. Prints a Markdown report and saves
 * it as `bench/results/serving-<date>.md`.
 *
 * ```sh
 * deno task bench            # the full run, about 5 minutes
 * deno task bench --quick    # a 1-second smoke run, nothing saved
 * deno task bench --help
 * ```
 *
 * @module
 */

import { CLASSES, irisLikeRecords, toCsv, toJsonInstances, writeTrainingTree } from "./data.ts";
import { measureTreeMemory, readProc } from "./process_tree.ts";
import {
  type BenchReport,
  evaluateTargets,
  median,
  renderReport,
  type StackFigures,
} from "./report.ts";
import { type RunningStack, type StackSpec, startStack, stopStack } from "./stack.ts";
import { compareTrainJobs } from "./train_job.ts";
import { measureTraining } from "./training.ts";
import { type LoadResult, runWrk } from "./wrk.ts";
import { PERMISSION_FLAGS } from "../serving/self_command.ts";

/** How a run is configured; see {@linkcode USAGE}. */
export interface BenchOptions {
  /** Seconds of each wrk run. */
  seconds: number;
  /** wrk runs per stack and scenario, interleaved across stacks; the median is reported. */
  rounds: number;
  /** Cold starts per stack; the median is reported. */
  coldStarts: number;
  /** 5 MB requests per stack; the median is reported. */
  batchRepeats: number;
  /** Workers of every stack (`MODEL_SERVER_WORKERS`). */
  workers: number;
  /** Row counts of the training comparison; empty for none. */
  trainingRows: number[];
  /** Records of the train-job comparison (ours vs the sample's train.py); 0 for none. */
  trainJobRows: number;
  /** Runs of each train job; the median is reported. */
  trainJobRuns: number;
  /** Save the report under `bench/results/`. */
  save: boolean;
  /** Install missing Debian packages with apt-get (as root). */
  install: boolean;
  /** Run ours from this executable (`deno task compile`) instead of `deno run main.ts`. */
  oursExecutable?: string;
}

/** The command line help. */
export const USAGE = `Usage: deno task bench [options]

  --quick             1-second runs, one round, one cold start, one 5 MB request,
                      10k-row training only; prints but does not save (add --save)
  --duration <s>      seconds of each wrk run (default 3)
  --rounds <n>        interleaved wrk runs per stack and scenario (default 3)
  --cold-starts <n>   cold starts per stack (default 3)
  --batch-repeats <n> 5 MB requests per stack (default 5)
  --workers <n>       workers of every stack (default: the number of cores)
  --training-rows <a,b,...>  training sizes (default 10000,100000,1000000)
  --train-job-rows <n>  records of the whole-train-job comparison (default 200000, 0: none)
  --no-training       skip the training comparisons
  --save / --no-save  write bench/results/serving-<date>.md (default: save unless --quick)
  --no-install        do not apt-get missing packages; say what to install and stop
  --ours <path>       run ours from a compiled executable (deno task compile) instead of
                      deno run main.ts
  --help              this text`;

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const PYTHON = "/usr/bin/python3";
const WRK = "/usr/bin/wrk";
const CURL = "/usr/bin/curl";

/** Parses the command line; throws with a message naming the argument it cannot use. */
export function parseOptions(args: readonly string[], cores: number): BenchOptions {
  const options: BenchOptions = {
    seconds: 3,
    rounds: 3,
    coldStarts: 3,
    batchRepeats: 5,
    workers: Math.max(1, cores),
    trainingRows: [10_000, 100_000, 1_000_000],
    trainJobRows: 200_000,
    trainJobRuns: 3,
    save: true,
    install: true,
  };
  let save: boolean | undefined;
  const rest = [...args];
  function value(name: string, inline: string | undefined): string {
    const text = inline ?? rest.shift();
    if (text === undefined) throw new Error(`Missing a value after ${name}`);
    return text;
  }
  function positive(name: string, text: string): number {
    const number = Number(text);
    if (!Number.isInteger(number) || number < 1) {
      throw new Error(`Invalid ${name} ${JSON.stringify(text)}: expected a positive integer`);
    }
    return number;
  }
  while (rest.length > 0) {
    const argument = rest.shift()!;
    const [name, inline] = argument.includes("=")
      ? [argument.slice(0, argument.indexOf("=")), argument.slice(argument.indexOf("=") + 1)]
      : [argument, undefined];
    switch (name) {
      case "--quick":
        options.seconds = 1;
        options.rounds = 1;
        options.coldStarts = 1;
        options.batchRepeats = 1;
        options.trainingRows = [10_000];
        options.trainJobRows = 20_000;
        options.trainJobRuns = 1;
        save ??= false;
        break;
      case "--duration":
        options.seconds = positive(name, value(name, inline));
        break;
      case "--rounds":
        options.rounds = positive(name, value(name, inline));
        break;
      case "--cold-starts":
        options.coldStarts = positive(name, value(name, inline));
        break;
      case "--batch-repeats":
        options.batchRepeats = positive(name, value(name, inline));
        break;
      case "--workers":
        options.workers = positive(name, value(name, inline));
        break;
      case "--training-rows":
        options.trainingRows = value(name, inline).split(",").map((text) => positive(name, text));
        break;
      case "--train-job-rows": {
        const text = value(name, inline);
        options.trainJobRows = text === "0" ? 0 : positive(name, text);
        break;
      }
      case "--no-training":
        options.trainingRows = [];
        options.trainJobRows = 0;
        break;
      case "--save":
        save = true;
        break;
      case "--no-save":
        save = false;
        break;
      case "--no-install":
        options.install = false;
        break;
      case "--ours": {
        const path = value(name, inline);
        options.oursExecutable = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
        break;
      }
      case "--help":
        break;
      default:
        throw new Error(`Unknown argument ${JSON.stringify(argument)}`);
    }
  }
  options.save = save ?? true;
  return options;
}

function say(line: string): void {
  console.error(`[bench] ${line}`);
}

async function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<{ success: boolean; stdout: string; stderr: string }> {
  try {
    const output = await new Deno.Command(command, {
      args,
      env: options.env,
      cwd: options.cwd ?? ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      success: output.success,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } catch (error) {
    return { success: false, stdout: "", stderr: String(error) };
  }
}

async function fileExists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Lists the Debian packages the benchmark needs and does not find. */
async function missingPackages(training: boolean): Promise<string[]> {
  const missing: string[] = [];
  if (!(await fileExists(WRK))) missing.push("wrk");
  if (!(await fileExists(CURL))) missing.push("curl");
  if (!(await fileExists("/usr/sbin/nginx"))) missing.push("nginx");
  const modules: [string, string][] = [
    ["flask", "python3-flask"],
    ["sklearn", "python3-sklearn"],
    ["pandas", "python3-pandas"],
    ["gunicorn", "gunicorn"],
  ];
  if (training) modules.push(["xgboost", "python3-xgboost"]);
  for (const [module, pkg] of modules) {
    const probe = await run(PYTHON, ["-c", `import ${module}`]);
    if (!probe.success) missing.push(pkg);
  }
  return missing;
}

async function ensurePackages(install: boolean, training: boolean): Promise<void> {
  const missing = await missingPackages(training);
  if (missing.length === 0) return;
  const command = `apt-get install -y ${missing.join(" ")}`;
  if (!install || Deno.uid() !== 0) {
    throw new Error(
      `Missing Debian packages: ${missing.join(", ")}; install them with: ${command}`,
    );
  }
  say(`installing ${missing.join(" ")} with apt-get`);
  let result = await run("apt-get", ["install", "-y", ...missing]);
  if (!result.success) {
    await run("apt-get", ["update"]);
    result = await run("apt-get", ["install", "-y", ...missing]);
  }
  if (!result.success) {
    throw new Error(`Cannot install ${missing.join(" ")}: ${result.stderr.trim().slice(-400)}`);
  }
}

async function firstLine(command: string, args: string[]): Promise<string> {
  const result = await run(command, args);
  return (result.stdout + result.stderr).trim().split("\n")[0] ?? "";
}

async function describeEnvironment(
  workers: number,
  oursExecutable: string | undefined,
): Promise<string[]> {
  const cpuinfo = await readProc("cat /proc/cpuinfo");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown CPU";
  const python = await run(PYTHON, [
    "-c",
    "import sys, sklearn, pandas, flask, gunicorn; print(sys.version.split()[0], " +
    "sklearn.__version__, pandas.__version__, flask.__version__, gunicorn.__version__)",
  ]);
  const [py, sklearn, pandas, flask, gunicorn] = python.stdout.trim().split(" ");
  const commit = (await firstLine("git", ["rev-parse", "--short", "HEAD"])) +
    ((await run("git", ["diff", "--quiet", "HEAD", "--"])).success
      ? ""
      : " (with uncommitted changes)");
  return [
    `machine: ${navigator.hardwareConcurrency} cores (${model}), ${workers} workers per stack`,
    `load average at start: ${
      (await readProc("cat /proc/loadavg")).split(" ").slice(0, 3).join(" ")
    }` +
    " (the machine may be shared: compare ratios, not absolute figures, across runs)",
    `ours: Deno ${Deno.version.deno}, commit ${commit}` +
    (oursExecutable === undefined ? ", deno run main.ts" : `, executable ${oursExecutable}`),
    `reference: Python ${py}, scikit-learn ${sklearn}, pandas ${pandas}, flask ${flask}, ` +
    `gunicorn ${gunicorn} (sync workers)`,
    `nginx: ${(await firstLine("/usr/sbin/nginx", ["-v"])).replace("nginx version: ", "")}; ` +
    `load generator: ${await firstLine(WRK, ["--version"])}`,
  ];
}

interface Payloads {
  one: string;
  hundred: string;
  hundredJson: string;
  batch: string;
}

async function writePayloads(dir: string): Promise<Payloads> {
  const records = irisLikeRecords(200_000, 2);
  const batchCsv = toCsv(records, false);
  const paths: Payloads = {
    one: `${dir}/one.csv`,
    hundred: `${dir}/hundred.csv`,
    hundredJson: `${dir}/hundred.json`,
    batch: `${dir}/batch.csv`,
  };
  await Deno.writeTextFile(paths.one, toCsv(records.slice(0, 1), false));
  await Deno.writeTextFile(paths.hundred, toCsv(records.slice(0, 100), false));
  await Deno.writeTextFile(paths.hundredJson, toJsonInstances(records.slice(0, 100)));
  await Deno.writeTextFile(paths.batch, batchCsv);
  return paths;
}

async function train(label: string, command: string, args: string[], baseDir: string) {
  const started = performance.now();
  const result = await run(command, args, { env: { SAGEMAKER_BASE_DIR: baseDir } });
  if (!result.success) {
    throw new Error(
      `Cannot train ${label}: ${(result.stderr || result.stdout).trim().slice(-600)}`,
    );
  }
  say(`trained ${label} in ${((performance.now() - started) / 1000).toFixed(2)} s`);
}

async function post(url: string, body: Uint8Array<ArrayBuffer>, type: string) {
  const response = await fetch(`${url}/invocations`, {
    method: "POST",
    headers: { "content-type": type },
    body,
    signal: AbortSignal.timeout(120_000),
  });
  return { status: response.status, text: await response.text() };
}

/** POSTs a CSV file with curl; returns the status and curl's total time in seconds. */
async function curlPost(
  url: string,
  bodyPath: string,
  answerPath: string,
): Promise<{ status: number; seconds: number }> {
  const result = await run(CURL, [
    "-s",
    "--max-time",
    "120",
    "-H",
    "Content-Type: text/csv",
    "--data-binary",
    `@${bodyPath}`,
    "-o",
    answerPath,
    "-w",
    "%{http_code} %{time_total}",
    url,
  ]);
  const [status, seconds] = result.stdout.trim().split(" ").map(Number);
  if (!result.success) throw new Error(`curl ${url} failed: ${result.stderr.trim()}`);
  return { status, seconds };
}

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}

function agreement(a: string[], b: string[]): string {
  const same = a.filter((label, i) => label === b[i]).length;
  return `${same.toLocaleString("en-US")} of ${b.length.toLocaleString("en-US")} (${
    (100 * same / Math.max(1, b.length)).toFixed(2)
  }%)`;
}

function medianLoad(results: readonly LoadResult[]): LoadResult {
  return {
    requests: results.reduce((sum, result) => sum + result.requests, 0),
    seconds: results.reduce((sum, result) => sum + result.seconds, 0),
    requestsPerSecond: median(results.map((result) => result.requestsPerSecond)),
    p50Ms: median(results.map((result) => result.p50Ms)),
    p99Ms: median(results.map((result) => result.p99Ms)),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
  };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}

const running = new Set<RunningStack>();

async function stopAll(): Promise<void> {
  await Promise.all([...running].map((stack) => stopStack(stack)));
  running.clear();
}

/** Runs the whole benchmark and returns the report. */
export async function runBenchmark(options: BenchOptions): Promise<BenchReport> {
  const startedAt = new Date();
  await ensurePackages(options.install, options.trainingRows.length > 0);
  const environment = await describeEnvironment(options.workers, options.oursExecutable);
  const work = await Deno.makeTempDir({ prefix: "sagemaker-bench-" });
  await Deno.chmod(work, 0o755);
  say(`working in ${work} (kept, with the stacks' logs, if the run fails)`);
  const notes: string[] = [];
  const ours: StackFigures = {};
  const reference: StackFigures = {};
  const ceiling: StackFigures = {};
  try {
    const trainingCsv = toCsv(irisLikeRecords(1_000, 1), true);
    const hyperparameters = { max_leaf_nodes: "5" };
    await writeTrainingTree(`${work}/ours`, trainingCsv, hyperparameters);
    await writeTrainingTree(`${work}/reference`, trainingCsv, hyperparameters);
    const payloads = await writePayloads(work);
    const oursCommand = options.oursExecutable === undefined
      ? { command: Deno.execPath(), args: ["run", ...PERMISSION_FLAGS, "main.ts"] }
      : { command: options.oursExecutable, args: [] };
    await train(
      "ours",
      oursCommand.command,
      [...oursCommand.args, "train"],
      `${work}/ours`,
    );
    await train("reference", PYTHON, ["bench/reference/train.py"], `${work}/reference`);
    await run(Deno.execPath(), ["cache", "main.ts", "bench/ceiling.ts"]);

    const workers = String(options.workers);
    const specs: { spec: StackSpec; figures: StackFigures }[] = [
      {
        spec: {
          name: "reference",
          command: PYTHON,
          args: ["bench/reference/serve.py"],
          env: {
            SAGEMAKER_BASE_DIR: `${work}/reference`,
            MODEL_SERVER_WORKERS: workers,
            REFERENCE_RUN_DIR: `${work}/reference-run`,
          },
          cwd: ROOT,
        },
        figures: reference,
      },
      {
        spec: {
          name: "ours",
          command: oursCommand.command,
          args: [...oursCommand.args, "serve"],
          env: { SAGEMAKER_BASE_DIR: `${work}/ours`, MODEL_SERVER_WORKERS: workers },
          cwd: ROOT,
        },
        figures: ours,
      },
      {
        spec: {
          name: "ceiling",
          command: Deno.execPath(),
          args: ["run", ...PERMISSION_FLAGS, "bench/ceiling.ts", "serve"],
          env: { MODEL_SERVER_WORKERS: workers },
          cwd: ROOT,
        },
        figures: ceiling,
      },
    ];

    // Cold starts, interleaved; the last start of each stack stays up for the load runs.
    const stacks = new Map<string, RunningStack>();
    for (let round = 0; round < options.coldStarts; round++) {
      for (const { spec, figures } of rotate(specs, round)) {
        const stack = await startStack(spec, { logPath: `${work}/${spec.name}.log` });
        running.add(stack);
        (figures.coldStartMs ??= []).push(stack.coldStartMs);
        say(`${spec.name}: cold start ${stack.coldStartMs.toFixed(0)} ms`);
        if (round < options.coldStarts - 1) {
          await stopStack(stack);
          running.delete(stack);
        } else {
          stacks.set(spec.name, stack);
        }
      }
    }
    const oursStack = stacks.get("ours")!;
    const referenceStack = stacks.get("reference")!;

    // Correctness first: every stack answers one label per record, and ours agrees with sklearn.
    const hundredBody = await Deno.readFile(payloads.hundred);
    const oursHundred = await post(oursStack.url, hundredBody, "text/csv");
    const referenceHundred = await post(referenceStack.url, hundredBody, "text/csv");
    for (
      const [name, answer] of [["ours", oursHundred], ["reference", referenceHundred]] as const
    ) {
      if (answer.status !== 200 || lines(answer.text).length !== 100) {
        throw new Error(
          `${name} answered the 100-record request with ${answer.status} and ` +
            `${lines(answer.text).length} lines: ${answer.text.slice(0, 200)}`,
        );
      }
      const unknown = lines(answer.text).find((label) => !CLASSES.includes(label));
      if (unknown !== undefined) throw new Error(`${name} answered an unknown label ${unknown}`);
    }

    // Which stacks take JSON (the reference, like the sample, does not).
    const jsonBody = await Deno.readFile(payloads.hundredJson);
    const jsonStacks: string[] = [];
    for (const { spec, figures } of specs.slice(0, 2)) {
      const answer = await post(stacks.get(spec.name)!.url, jsonBody, "application/json");
      if (answer.status === 200) {
        jsonStacks.push(spec.name);
      } else {
        figures.jsonHundredC16 = `HTTP ${answer.status}`;
      }
    }

    // Warm-up, then the load scenarios with the stacks interleaved round by round.
    for (const { spec } of specs) {
      await runWrk(`${stacks.get(spec.name)!.url}/invocations`, {
        connections: 16,
        seconds: 1,
        bodyPath: payloads.one,
        wrk: WRK,
      });
    }
    const scenarios: {
      name: string;
      stacks: string[];
      connections: number;
      bodyPath: string;
      contentType: string;
      store: (figures: StackFigures, result: LoadResult) => void;
    }[] = [
      {
        name: "1-record CSV, 1 conn",
        stacks: ["ours", "reference", "ceiling"],
        connections: 1,
        bodyPath: payloads.one,
        contentType: "text/csv",
        store: (figures, result) => figures.oneRecordC1 = result,
      },
      {
        name: "1-record CSV, 16 conns",
        stacks: ["ours", "reference", "ceiling"],
        connections: 16,
        bodyPath: payloads.one,
        contentType: "text/csv",
        store: (figures, result) => figures.oneRecordC16 = result,
      },
      {
        name: "100-record CSV, 16 conns",
        stacks: ["ours", "reference"],
        connections: 16,
        bodyPath: payloads.hundred,
        contentType: "text/csv",
        store: (figures, result) => figures.hundredRecordsC16 = result,
      },
      {
        name: "100-record JSON, 16 conns",
        stacks: jsonStacks,
        connections: 16,
        bodyPath: payloads.hundredJson,
        contentType: "application/json",
        store: (figures, result) => figures.jsonHundredC16 = result,
      },
    ];
    const figuresOf = new Map(specs.map(({ spec, figures }) => [spec.name, figures]));
    for (const scenario of scenarios) {
      const results = new Map<string, LoadResult[]>();
      for (let round = 0; round < options.rounds; round++) {
        for (const name of rotate(scenario.stacks, round)) {
          const result = await runWrk(`${stacks.get(name)!.url}/invocations`, {
            connections: scenario.connections,
            seconds: options.seconds,
            bodyPath: scenario.bodyPath,
            contentType: scenario.contentType,
            wrk: WRK,
          });
          say(
            `${scenario.name} ${name}: ${result.requestsPerSecond.toFixed(0)} req/s, ` +
              `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, ` +
              `${result.errors} errors`,
          );
          results.set(name, [...(results.get(name) ?? []), result]);
        }
      }
      for (const [name, list] of results) scenario.store(figuresOf.get(name)!, medianLoad(list));
      if (options.rounds > 1) {
        const perRound = [...results].map(([name, list]) =>
          `${name} ${
            list.map((result) => Math.round(result.requestsPerSecond)).join("/")
          } req/s, p99 ${list.map((result) => result.p99Ms.toFixed(1)).join("/")} ms`
        );
        notes.push(`${scenario.name}, each round: ${perRound.join("; ")}.`);
      }
    }
    for (const { spec, figures } of specs) {
      figures.memory = await measureTreeMemory(stacks.get(spec.name)!.pid);
    }

    // The 5 MB request with curl (a neutral client that writes the answer to a file), after one
    // untimed request per worker, alternating between ours and the reference.
    const batchAnswers = new Map<string, string[]>();
    for (let round = -options.workers; round < options.batchRepeats; round++) {
      for (const { spec, figures } of rotate(specs.slice(0, 2), Math.max(0, round))) {
        const answerPath = `${work}/answer-${spec.name}.csv`;
        const { status, seconds } = await curlPost(
          `${stacks.get(spec.name)!.url}/invocations`,
          payloads.batch,
          answerPath,
        );
        const labels = lines(await Deno.readTextFile(answerPath));
        if (status !== 200 || labels.length !== 200_000) {
          throw new Error(
            `${spec.name} answered the 5 MB request with ${status} and ${labels.length} ` +
              `lines: ${labels.slice(0, 3).join(" / ")}`,
          );
        }
        batchAnswers.set(spec.name, labels);
        if (round < 0) continue;
        (figures.batchSeconds ??= []).push(seconds);
        say(`5 MB request ${spec.name}: ${seconds.toFixed(3)} s`);
      }
    }
    for (const { spec, figures } of specs.slice(0, 2)) {
      figures.memoryAfterBatch = await measureTreeMemory(stacks.get(spec.name)!.pid);
    }
    notes.push(
      `Predictions of ours agree with scikit-learn's (same data, max_leaf_nodes=5) on ` +
        `${
          agreement(batchAnswers.get("ours")!, batchAnswers.get("reference")!)
        } records of the 5 MB request.`,
    );
    await stopAll();
  } finally {
    await stopAll();
  }

  const trainJob = options.trainJobRows === 0
    ? "The train job was not compared (--no-training or --train-job-rows 0)."
    : await compareTrainJobs({
      rows: options.trainJobRows,
      features: 20,
      runs: options.trainJobRuns,
      python: PYTHON,
      log: say,
    });
  const training = await measureTraining(options.trainingRows, { log: say });
  const trainingDetail = typeof training === "string" ? undefined : training.markdown.trim();
  notes.push(
    `Load average at the end: ${
      (await readProc("cat /proc/loadavg")).split(" ").slice(0, 3).join(" ")
    }.`,
    "Payloads: synthetic iris-like records, 4 features with 3 decimals (24 bytes a record); " +
      "the 5 MB request is 200,000 records, 4.8 MB, under the sample's 5 MiB nginx limit.",
    "Each load figure is the median of the interleaved rounds; errors are summed over rounds " +
      "(socket errors, timeouts and non-2xx answers).",
    "The 5 MB requests are timed by curl (total time, answer written to a file), after one " +
      "untimed 5 MB request per worker so that every worker has seen one.",
    "RSS per worker: the mean VmRSS of the tree's leaf processes that are not nginx (Deno " +
      "workers; gunicorn's sync workers); total: every process the stack started, nginx included.",
    "Ours and the ceiling log every request to stdout through nginx (the product default), the " +
      "reference to a file, as the sample does; each stack's output goes to a file by the shell.",
  );
  await Deno.remove(work, { recursive: true }).catch(() => {});
  return {
    startedAt: startedAt.toISOString().replace(/\.\d+Z$/, "Z"),
    environment,
    settings: [
      `settings: ${options.seconds} s per wrk run, ${options.rounds} interleaved rounds, ` +
      `${options.coldStarts} cold starts, ${options.batchRepeats} 5 MB requests per stack, ` +
      `${options.trainJobRuns} runs of each train job`,
    ],
    ours,
    reference,
    ceiling,
    training: typeof training === "string" ? training : training.rows,
    trainJob,
    trainingDetail,
    notes,
  };
}

if (import.meta.main) {
  let options: BenchOptions;
  try {
    options = parseOptions(Deno.args, navigator.hardwareConcurrency);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    Deno.exit(2);
  }
  if (Deno.args.includes("--help")) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const interrupt = () => {
    say("interrupted: stopping the stacks");
    stopAll().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", interrupt);
  Deno.addSignalListener("SIGTERM", interrupt);
  const watchdog = setTimeout(() => {
    say("the run took more than 20 minutes: stopping");
    stopAll().finally(() => Deno.exit(1));
  }, 20 * 60_000);
  try {
    const report = await runBenchmark(options);
    const markdown = renderReport(report);
    console.log(markdown);
    const misses = evaluateTargets(report).filter((target) => target.verdict === "MISS");
    say(`${misses.length} target(s) missed`);
    if (options.save) {
      const path = `${ROOT}/bench/results/serving-${report.startedAt.slice(0, 10)}.md`;
      await Deno.mkdir(`${ROOT}/bench/results`, { recursive: true });
      await Deno.writeTextFile(path, markdown);
      say(`saved ${path}`);
    }
  } catch (error) {
    console.error(`bench failed: ${(error as Error).message}`);
    Deno.exitCode = 1;
  } finally {
    clearTimeout(watchdog);
    await stopAll();
  }
}
