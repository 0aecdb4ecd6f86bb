/**
 * Explanations through the real HTTP path: records per second that one worker answers with
 * `explain=path` and `explain=shap` (JSON Lines answers), and with SageMaker Clarify's synthetic
 * batches (1,000 `{"features": [...]}` lines a request, `SAGEMAKER_DEFAULT_PROBABILITIES=true`,
 * no custom attributes), next to plain labels.
 *
 * The model is the tree of `bench/explain.ts` (about 1,000 leaves, depth up to 20, 20 features,
 * 3 classes), written as a model file; the server is `main.ts serve` with nginx and ONE worker,
 * so the figures are per worker. Requests go one after another on one connection, each scenario
 * for a few seconds. On a shared machine the wall-clock rate counts the waits for a core (and
 * the client's own work); the worker CPU rate (records over the worker's user + system CPU
 * time, from `/proc`) does not. The CPU milliseconds per request of the worker, of nginx and of
 * this client show where a request's time goes besides the waits.
 *
 * ```sh
 * deno run -A bench/explain_http.ts [--seconds 5] [--batch 1000]
 * ```
 *
 * It prints a markdown table and saves it as `bench/results/explain-http-<date>.md`.
 *
 * @module
 */

import { cart } from "../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../algorithm/hyperparameters.ts";
import { saveModel } from "../model_store.ts";
import { COLUMNS, syntheticData } from "./explain.ts";
import { makeBaseDir, type ServerHandle, startServer } from "./serve_process.ts";

/** Options of {@linkcode runExplainHttpBench}. */
export interface ExplainHttpBenchOptions {
  /** Seconds per scenario. Default 5. */
  seconds?: number;
  /** Records per request. Default 1,000 (Clarify's `max_record_count` of docs/deployment.md). */
  batch?: number;
}

/** One measured scenario. */
interface Scenario {
  readonly name: string;
  readonly attributes?: string;
  readonly target?: number;
}

/** What a scenario measured. */
interface Measured {
  readonly requests: number;
  readonly records: number;
  readonly wallRate: number;
  readonly cpuRate: number;
  readonly answerBytes: number;
  readonly medianMs: number;
  /** CPU milliseconds per request of the worker, of nginx (all its processes), of the client. */
  readonly cpuMs: { worker: number; nginx: number; client: number };
}

const SCENARIOS: readonly Scenario[] = [
  { name: "labels + probabilities (Clarify synthetic batch)" },
  { name: "explain=path", attributes: "explain=path", target: 200_000 },
  { name: "explain=shap", attributes: "explain=shap", target: 5_000 },
];

/** CPU seconds (user + system) of processes, from `/proc/<pid>/stat`. */
function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
  }
  return ticks / 100; // USER_HZ
}

/** This process's own CPU seconds. */
function ownCpuSeconds(): number {
  return cpuSeconds([Deno.pid]);
}

/** The processes under a serve process: its workers (`main.ts worker`) and nginx's. */
function serverPids(server: ServerHandle): { workers: number[]; nginx: number[] } {
  const output = new Deno.Command("ps", { args: ["-e", "-o", "pid=,ppid=,args="] }).outputSync();
  const rows = new TextDecoder().decode(output.stdout).split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const [pid, ppid, ...args] = line.trim().split(/\s+/);
      return { pid: Number(pid), ppid: Number(ppid), args: args.join(" ") };
    });
  const children = rows.filter((row) => row.ppid === server.process.pid);
  const masters = children.filter((row) => row.args.startsWith("nginx")).map((row) => row.pid);
  return {
    workers: children.filter((row) => row.args.includes(" worker ")).map((row) => row.pid),
    nginx: [...masters, ...rows.filter((row) => masters.includes(row.ppid)).map((row) => row.pid)],
  };
}

/** A JSON Lines body of `rows` records as Clarify's `ContentTemplate '{"features":$features}'`. */
function clarifyBody(rows: number, seed: number): string {
  const { data } = syntheticData(rows, seed).features;
  let body = "";
  for (let r = 0; r < rows; r++) {
    body += `{"features":[${
      Array.from(data.subarray(r * COLUMNS, (r + 1) * COLUMNS)).join(",")
    }]}\n`;
  }
  return body;
}

async function measure(
  server: ServerHandle,
  scenario: Scenario,
  options: {
    body: string;
    records: number;
    seconds: number;
    pids: { workers: readonly number[]; nginx: readonly number[] };
  },
): Promise<Measured> {
  const headers: Record<string, string> = {
    "content-type": "application/jsonlines",
    accept: "application/jsonlines",
  };
  if (scenario.attributes !== undefined) {
    headers["x-amzn-sagemaker-custom-attributes"] = scenario.attributes;
  }
  const send = async () => {
    const response = await fetch(`${server.url}/invocations`, {
      method: "POST",
      headers,
      body: options.body,
    });
    const text = await response.text();
    if (response.status !== 200) {
      throw new Error(`${scenario.name}: ${response.status} ${text.slice(0, 200)}`);
    }
    return text.length;
  };
  await send(); // warm-up
  const durations: number[] = [];
  let answerBytes = 0;
  const { workers, nginx } = options.pids;
  const cpuStarted = cpuSeconds(workers);
  const nginxStarted = cpuSeconds(nginx);
  const clientStarted = ownCpuSeconds();
  const started = performance.now();
  while (performance.now() - started < options.seconds * 1000) {
    const sent = performance.now();
    answerBytes = await send();
    durations.push(performance.now() - sent);
  }
  const wall = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(workers) - cpuStarted;
  const perRequest = (seconds: number) => seconds * 1000 / durations.length;
  const cpuMs = {
    worker: perRequest(cpu),
    nginx: perRequest(cpuSeconds(nginx) - nginxStarted),
    client: perRequest(ownCpuSeconds() - clientStarted),
  };
  const records = durations.length * options.records;
  durations.sort((a, b) => a - b);
  return {
    requests: durations.length,
    records,
    wallRate: records / wall,
    cpuRate: records / Math.max(cpu, 0.01),
    answerBytes,
    medianMs: durations[Math.floor(durations.length / 2)],
    cpuMs,
  };
}

/** Trains the tree, serves it with one worker, measures every scenario; returns the report. */
export async function runExplainHttpBench(options: ExplainHttpBenchOptions = {}): Promise<string> {
  const seconds = options.seconds ?? 5;
  const batch = options.batch ?? 1_000;
  const hyperparameters = parseHyperparameters(
    { max_leaf_nodes: "1000", max_depth: "20", random_state: "0" },
    cart.hyperparameters,
  );
  const model = await cart.fit(syntheticData(50_000, 1), hyperparameters);
  const described = model.describe();
  const base = await makeBaseDir();
  await saveModel(`${base}/model`, { algorithm: cart, model, hyperparameters, training: {} });
  const server = await startServer(base, {
    MODEL_SERVER_WORKERS: "1",
    SAGEMAKER_DEFAULT_PROBABILITIES: "true",
    MODEL_SERVER_TIMEOUT: "600",
    LOG_LEVEL: "warn",
  });
  const rows: string[] = [];
  try {
    const pids = serverPids(server);
    const body = clarifyBody(batch, 2);
    for (const scenario of SCENARIOS) {
      const m = await measure(server, scenario, { body, records: batch, seconds, pids });
      const format = (value: number) => Math.round(value).toLocaleString("en-US");
      rows.push(
        `| ${scenario.name} | ${m.requests} | ${format(m.wallRate)} | ${format(m.cpuRate)} | ` +
          `${m.medianMs.toFixed(1)} | ${m.cpuMs.worker.toFixed(1)} / ${
            m.cpuMs.nginx.toFixed(1)
          } / ` +
          `${m.cpuMs.client.toFixed(1)} | ${format(m.answerBytes / batch)} | ${
            scenario.target === undefined ? "-" : format(scenario.target)
          } |`,
      );
    }
  } finally {
    await server.stop();
    await Deno.remove(base, { recursive: true });
  }
  return [
    `Tree: ${described.leaves} leaves, depth ${described.depth}, ${COLUMNS} features, 3 classes ` +
    `(the tree of bench/explain.ts). \`main.ts serve\` with nginx and 1 worker, ` +
    `SAGEMAKER_DEFAULT_PROBABILITIES=true; JSON Lines requests of ${batch} ` +
    `\`{"features": [...]}\` lines, JSON Lines answers, one request at a time, ${seconds} s a ` +
    "scenario.",
    "",
    "| scenario | requests | records/s (wall) | records/s (worker CPU time) | median ms/request " +
    "| CPU ms/request: worker / nginx / client | answer bytes/record " +
    "| target records/s per worker |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
    "",
    `Load average after the run: ${Deno.loadavg().map((v) => v.toFixed(1)).join(", ")} ` +
    `(${navigator.hardwareConcurrency} cores, shared).`,
    "",
  ].join("\n");
}

function readArgs(args: string[]): ExplainHttpBenchOptions {
  const options: ExplainHttpBenchOptions = {};
  for (let i = 0; i < args.length; i += 2) {
    const value = Number(args[i + 1]);
    if (args[i] === "--seconds") options.seconds = value;
    else if (args[i] === "--batch") options.batch = value;
    else throw new Error(`Unknown argument ${args[i]}`);
  }
  return options;
}

if (import.meta.main) {
  const report = await runExplainHttpBench(readArgs(Deno.args));
  console.log(report);
  const date = new Date().toISOString().slice(0, 10);
  const results = new URL("./results/", import.meta.url);
  await Deno.mkdir(results, { recursive: true });
  const header = `# Explanations over HTTP, ${date}\n\n` +
    `\`deno run -A bench/explain_http.ts ${Deno.args.join(" ")}\` on ${Deno.build.os}/` +
    `${Deno.build.arch}, ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}.\n\n`;
  await Deno.writeTextFile(new URL(`explain-http-${date}.md`, results), header + report);
}
