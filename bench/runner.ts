/**
 * Runs the serving benchmark: trains ours and the reference on the same data, starts the three
 * stacks (the cold starts), checks their answers, loads them with wrk round by round, times the
 * 5 MB request with curl, reads their memory, and adds the training comparisons. Stacks take
 * turns in every step, in a rotating order, so that a change in the machine's load hits all
 * of them alike.
 *
 * @module
 */

import { CURL, runCommand, say, WRK } from "./command.ts";
import { CLASSES, irisLikeRecords, toCsv, writeTrainingTree } from "./data.ts";
import { describeEnvironment, loadAverage } from "./environment.ts";
import type { BenchOptions } from "./options.ts";
import { measureTreeMemory } from "./process_tree.ts";
import { ensurePackages, PYTHON, REFERENCE_TRAIN_SCRIPT } from "./reference.ts";
import { type BenchReport, type StackFigures, type TrainJobComparison } from "./report.ts";
import { median } from "./stats.ts";
import {
  BATCH_RECORDS,
  type LoadScenario,
  loadScenarios,
  METHOD_NOTES,
  NUMPY_BATCH_RECORDS,
  type OursCommand,
  oursCommand,
  type Payloads,
  type StackName,
  stackSpecs,
  writePayloads,
} from "./scenarios.ts";
import { type RunningStack, type StackSpec, startStack, stopStack } from "./stack.ts";
import { compareTrainJobs } from "./train_job.ts";
import { measureTraining } from "./training.ts";
import { type LoadResult, runWrk } from "./wrk.ts";

/** A stack under test and the figures it collects. */
interface Contender {
  readonly spec: StackSpec;
  readonly figures: StackFigures;
}

/** The stacks of a run that are up, by name. */
type Stacks = ReadonlyMap<string, RunningStack>;

/** Every stack started and not stopped yet, for {@linkcode stopAllStacks}. */
const running = new Set<RunningStack>();

/** Stops every stack the run started and has not stopped (also on Ctrl-C or a failure). */
export async function stopAllStacks(): Promise<void> {
  await Promise.all([...running].map((stack) => stopStack(stack)));
  running.clear();
}

function rotate<T>(items: readonly T[], by: number): T[] {
  const shift = by % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function lines(text: string): string[] {
  return text.split("\n").filter((line) => line.trim() !== "");
}

function urlOf(stacks: Stacks, name: string): string {
  return `${stacks.get(name)!.url}/invocations`;
}

async function train(label: string, command: string, args: string[], baseDir: string) {
  const started = performance.now();
  const result = await runCommand(command, args, { env: { SAGEMAKER_BASE_DIR: baseDir } });
  if (!result.success) {
    throw new Error(
      `Cannot train ${label}: ${(result.stderr || result.stdout).trim().slice(-600)}`,
    );
  }
  say(`trained ${label} in ${((performance.now() - started) / 1000).toFixed(2)} s`);
}

async function post(url: string, body: Uint8Array<ArrayBuffer>, type: string) {
  const response = await fetch(url, {
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
  const result = await runCommand(CURL, [
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

/**
 * Trains ours and (unless `withReference` is false) the reference on the same 1,000 records
 * and writes the request bodies.
 */
async function prepare(work: string, ours: OursCommand, withReference = true): Promise<Payloads> {
  const trainingCsv = toCsv(irisLikeRecords(1_000, 1), true);
  const hyperparameters = { max_leaf_nodes: "5" };
  await writeTrainingTree(`${work}/ours`, trainingCsv, hyperparameters);
  await writeTrainingTree(`${work}/reference`, trainingCsv, hyperparameters);
  const payloads = await writePayloads(work);
  await train("ours", ours.command, [...ours.args, "train"], `${work}/ours`);
  if (withReference) {
    await train("reference", PYTHON, [REFERENCE_TRAIN_SCRIPT], `${work}/reference`);
  }
  await runCommand(Deno.execPath(), ["cache", "main.ts", "bench/ceiling.ts"]);
  return payloads;
}

/** Starts every stack `rounds` times, interleaved; the last start of each stays up. */
async function coldStarts(
  contenders: readonly Contender[],
  rounds: number,
  work: string,
): Promise<Stacks> {
  const stacks = new Map<string, RunningStack>();
  for (let round = 0; round < rounds; round++) {
    for (const { spec, figures } of rotate(contenders, round)) {
      const stack = await startStack(spec, { logPath: `${work}/${spec.name}.log` });
      running.add(stack);
      (figures.coldStartMs ??= []).push(stack.coldStartMs);
      say(`${spec.name}: cold start ${stack.coldStartMs.toFixed(0)} ms`);
      if (round < rounds - 1) {
        await stopStack(stack);
        running.delete(stack);
      } else {
        stacks.set(spec.name, stack);
      }
    }
  }
  return stacks;
}

/** Checks that ours and the reference answer the 100-record request with 100 known labels. */
async function checkAnswers(stacks: Stacks, payloads: Payloads): Promise<void> {
  const body = await Deno.readFile(payloads.hundred);
  for (const name of ["ours", "reference"]) {
    const answer = await post(urlOf(stacks, name), body, "text/csv");
    const labels = lines(answer.text);
    if (answer.status !== 200 || labels.length !== 100) {
      throw new Error(
        `${name} answered the 100-record request with ${answer.status} and ` +
          `${labels.length} lines: ${answer.text.slice(0, 200)}`,
      );
    }
    const unknown = labels.find((label) => !CLASSES.includes(label));
    if (unknown !== undefined) throw new Error(`${name} answered an unknown label ${unknown}`);
  }
}

/** Finds which stacks take JSON; the reference, like the sample, does not. */
async function jsonStacksOf(
  contenders: readonly Contender[],
  stacks: Stacks,
  payloads: Payloads,
): Promise<StackName[]> {
  const body = await Deno.readFile(payloads.hundredJson);
  const found: StackName[] = [];
  for (const { spec, figures } of contenders) {
    const answer = await post(urlOf(stacks, spec.name), body, "application/json");
    if (answer.status === 200) found.push(spec.name as StackName);
    else figures.jsonHundredC16 = `HTTP ${answer.status}`;
  }
  return found;
}

function medianLoad(results: readonly LoadResult[]): LoadResult {
  return {
    requests: results.reduce((sum, result) => sum + result.requests, 0),
    seconds: results.reduce((sum, result) => sum + result.seconds, 0),
    requestsPerSecond: median(results.map((result) => result.requestsPerSecond)),
    p50Ms: median(results.map((result) => result.p50Ms)),
    p99Ms: median(results.map((result) => result.p99Ms)),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    roundsPerSecond: results.map((result) => result.requestsPerSecond),
  };
}

/**
 * Runs the scenarios of `group` `rounds` times on each of their stacks, interleaved round by
 * round (so that figures compared with each other are taken minutes apart at most), and stores
 * the medians; returns a note per scenario with every round's figures when there is more than
 * one round.
 */
async function runScenarioGroup(
  group: readonly LoadScenario[],
  stacks: Stacks,
  figuresOf: ReadonlyMap<string, StackFigures>,
  options: BenchOptions,
): Promise<string[]> {
  const results = new Map<LoadScenario, Map<string, LoadResult[]>>(
    group.map((scenario) => [scenario, new Map()]),
  );
  for (let round = 0; round < options.rounds; round++) {
    for (const scenario of rotate(group, round)) {
      for (const name of rotate(scenario.stacks, round)) {
        const result = await runWrk(urlOf(stacks, name), {
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
        const byStack = results.get(scenario)!;
        byStack.set(name, [...(byStack.get(name) ?? []), result]);
      }
    }
  }
  for (const [scenario, byStack] of results) {
    for (const [name, list] of byStack) scenario.store(figuresOf.get(name)!, medianLoad(list));
  }
  if (options.rounds === 1) return [];
  return [...results].map(([scenario, byStack]) => {
    const perRound = [...byStack].map(([name, list]) =>
      `${name} ${list.map((result) => Math.round(result.requestsPerSecond)).join("/")} req/s, ` +
      `p99 ${list.map((result) => result.p99Ms.toFixed(1)).join("/")} ms`
    );
    return `${scenario.name}, each round: ${perRound.join("; ")}.`;
  });
}

function agreement(a: string[], b: string[]): string {
  const same = a.filter((label, i) => label === b[i]).length;
  return `${same.toLocaleString("en-US")} of ${b.length.toLocaleString("en-US")} (${
    (100 * same / Math.max(1, b.length)).toFixed(2)
  }%)`;
}

/** One large request timed with curl: its file, its records, where its seconds go. */
interface BatchRequest {
  readonly name: string;
  readonly bodyPath: string;
  readonly records: number;
  readonly seconds: (figures: StackFigures) => number[];
}

/**
 * Times a large request with curl (a neutral client that writes the answer to a file), after
 * one untimed request per worker, alternating between the stacks; returns each stack's labels.
 */
async function timeBatch(
  contenders: readonly Contender[],
  stacks: Stacks,
  batch: BatchRequest,
  options: { repeats: number; workers: number; work: string },
): Promise<Map<string, string[]>> {
  const answers = new Map<string, string[]>();
  for (let round = -options.workers; round < options.repeats; round++) {
    for (const { spec, figures } of rotate(contenders, Math.max(0, round))) {
      const answerPath = `${options.work}/answer-${spec.name}.csv`;
      const { status, seconds } = await curlPost(
        urlOf(stacks, spec.name),
        batch.bodyPath,
        answerPath,
      );
      const labels = lines(await Deno.readTextFile(answerPath));
      if (status !== 200 || labels.length !== batch.records) {
        throw new Error(
          `${spec.name} answered the ${batch.name} with ${status} and ${labels.length} ` +
            `lines: ${labels.slice(0, 3).join(" / ")}`,
        );
      }
      answers.set(spec.name, labels);
      if (round < 0) continue;
      batch.seconds(figures).push(seconds);
      say(`${batch.name} ${spec.name}: ${seconds.toFixed(3)} s`);
    }
  }
  return answers;
}

/**
 * Times the 5 MB request and the 4.6 MB one in `%.18e`, then reads the memory; returns how far
 * the stacks' answers to the 5 MB request agree.
 */
async function measureBatch(
  contenders: readonly Contender[],
  stacks: Stacks,
  payloads: Payloads,
  options: BenchOptions,
  work: string,
): Promise<string> {
  const timing = { repeats: options.batchRepeats, workers: options.workers, work };
  const answers = await timeBatch(contenders, stacks, {
    name: "5 MB request",
    bodyPath: payloads.batch,
    records: BATCH_RECORDS,
    seconds: (figures) => figures.batchSeconds ??= [],
  }, timing);
  await timeBatch(contenders, stacks, {
    name: "4.6 MB %.18e request",
    bodyPath: payloads.numpyBatch,
    records: NUMPY_BATCH_RECORDS,
    seconds: (figures) => figures.numpyBatchSeconds ??= [],
  }, timing);
  for (const { spec, figures } of contenders) {
    figures.memoryAfterBatch = await measureTreeMemory(stacks.get(spec.name)!.pid);
  }
  return `Predictions of ours agree with scikit-learn's (same data, max_leaf_nodes=5) on ` +
    `${agreement(answers.get("ours")!, answers.get("reference")!)} records of the 5 MB request.`;
}

/**
 * Runs only the 30-record group on ours (`--only-thirty`), after a warm-up of each of its
 * bodies; adds the per-round notes to `notes`.
 */
async function measureThirtyOnly(
  options: BenchOptions,
  work: string,
  notes: string[],
): Promise<StackFigures> {
  const ours = oursCommand(options.oursExecutable);
  const payloads = await prepare(work, ours, false);
  const spec = stackSpecs(work, options.workers, ours).find((each) => each.name === "ours")!;
  const figures: StackFigures = {};
  try {
    const stack = await startStack(spec, { logPath: `${work}/${spec.name}.log` });
    running.add(stack);
    const stacks = new Map([[spec.name, stack]]);
    const group = loadScenarios(payloads, ["ours"]).at(-1)!;
    for (const scenario of group) {
      await runWrk(urlOf(stacks, spec.name), {
        connections: scenario.connections,
        seconds: 1,
        bodyPath: scenario.bodyPath,
        wrk: WRK,
      });
    }
    notes.push(...await runScenarioGroup(group, stacks, new Map([["ours", figures]]), options));
  } finally {
    await stopAllStacks();
  }
  return figures;
}

/** Measures the three stacks; adds notes to `notes`; stops every stack, also on failure. */
async function measureServing(
  options: BenchOptions,
  work: string,
  notes: string[],
): Promise<Record<StackName, StackFigures>> {
  const ours = oursCommand(options.oursExecutable);
  const payloads = await prepare(work, ours);
  const contenders = stackSpecs(work, options.workers, ours).map((spec): Contender => ({
    spec,
    figures: {},
  }));
  const figuresOf = new Map(contenders.map(({ spec, figures }) => [spec.name, figures]));
  const models = contenders.slice(0, 2); // the reference and ours; the ceiling has no model
  try {
    const stacks = await coldStarts(contenders, options.coldStarts, work);
    await checkAnswers(stacks, payloads);
    const jsonStacks = await jsonStacksOf(models, stacks, payloads);
    for (const { spec } of contenders) {
      await runWrk(urlOf(stacks, spec.name), {
        connections: 16,
        seconds: 1,
        bodyPath: payloads.one,
        wrk: WRK,
      });
    }
    for (const group of loadScenarios(payloads, jsonStacks)) {
      notes.push(...await runScenarioGroup(group, stacks, figuresOf, options));
    }
    for (const { spec, figures } of contenders) {
      figures.memory = await measureTreeMemory(stacks.get(spec.name)!.pid);
    }
    notes.push(await measureBatch(models, stacks, payloads, options, work));
  } finally {
    await stopAllStacks();
  }
  return {
    ours: figuresOf.get("ours")!,
    reference: figuresOf.get("reference")!,
    ceiling: figuresOf.get("ceiling")!,
  };
}

function compareTrainJob(options: BenchOptions): Promise<TrainJobComparison | string> {
  if (options.trainJobRows === 0) {
    return Promise.resolve("The train job was not compared (--no-training or --train-job-rows 0).");
  }
  return compareTrainJobs({
    rows: options.trainJobRows,
    features: 20,
    runs: options.trainJobRuns,
    python: PYTHON,
    log: say,
  });
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
  const serving = options.onlyThirty
    ? { ours: await measureThirtyOnly(options, work, notes), reference: {}, ceiling: {} }
    : await measureServing(options, work, notes);
  const trainJob = await compareTrainJob(options);
  const training = await measureTraining(options.trainingRows, { log: say });
  notes.push(`Load average at the end: ${await loadAverage()}.`, ...METHOD_NOTES);
  await Deno.remove(work, { recursive: true }).catch(() => {});
  return {
    startedAt: startedAt.toISOString().replace(/\.\d+Z$/, "Z"),
    environment,
    settings: [
      `settings: ${options.seconds} s per wrk run, ${options.rounds} interleaved rounds, ` +
      `${options.coldStarts} cold starts, ${options.batchRepeats} 5 MB requests per stack, ` +
      `${options.trainJobRuns} runs of each train job`,
    ],
    ...serving,
    training: typeof training === "string" ? training : training.rows,
    trainJob,
    trainingDetail: typeof training === "string" ? undefined : training.markdown.trim(),
    notes,
  };
}
