/**
 * The multi-model benchmark: load time per model, invocation latency for a hot (cached) and a
 * cold (evicted) model, and memory per loaded model, with 1,000 models of 1,000 leaves each by
 * default. Models are synthetic cart trees (`bench/synthetic_models.ts`) written
 * into a temporary SageMaker tree; the server is the real `main.ts serve` behind nginx.
 *
 * - load: `POST /models` one after the other, timed at the client (nginx round trip included);
 * - memory: the one worker's resident set (VmRSS) before and after loading every model, with a
 *   budget large enough to keep all of them, divided by the number of models;
 * - hot: `POST /models/{name}/invoke` with one CSV record on models the worker holds;
 * - cold: a second server whose budget holds a few dozen models; invoking the models in a cycle
 *   makes every invocation evict one model and read another from disk;
 * - retained: the memory a decoded model keeps after garbage collection, in process (only when
 *   run with `--v8-flags=--expose-gc`), against the model file size the cache uses as estimate;
 * - registry read: the per-invocation check of the shared registry, in process.
 *
 * ```sh
 * deno run -A --v8-flags=--expose-gc bench/multi_model.ts          # 1,000 x 1,000, saves the report
 * deno run -A --v8-flags=--expose-gc bench/multi_model.ts --quick  # 100 models, prints only
 * ```
 *
 * @module
 */

import { decodeModel } from "../model_store.ts";
import { ModelRegistry, type RegistryEntry } from "../serving/multi_model/registry.ts";
import { makeBaseDir, type ServerHandle, startServer } from "./serve_process.ts";
import { syntheticModelText } from "./synthetic_models.ts";

/** How a run is configured. */
interface MultiModelBenchOptions {
  /** Number of models. */
  readonly models: number;
  /** Leaves per model. */
  readonly leaves: number;
  /** Invocations of cached models. */
  readonly hotInvokes: number;
  /** Invocations of evicted models. */
  readonly coldInvokes: number;
  /** `MODEL_CACHE_MAX_MB` of the cold run: small, so that the cycle always misses. */
  readonly coldBudgetMB: number;
  /** Save the report as `bench/results/multi-model-<date>.md`. */
  readonly save: boolean;
}

/** Latency figures in milliseconds. */
interface Latency {
  /** Number of samples. */
  readonly count: number;
  /** Mean. */
  readonly mean: number;
  /** Median. */
  readonly p50: number;
  /** 99th percentile. */
  readonly p99: number;
}

/** What a run measured. */
interface MultiModelBenchResult {
  /** The options of the run. */
  readonly options: MultiModelBenchOptions;
  /** Size of one model file in bytes (the cache's memory estimate). */
  readonly modelFileBytes: number;
  /** `POST /models` round trips. */
  readonly load: Latency;
  /** Invocations of cached models. */
  readonly hot: Latency;
  /** Invocations that evicted a model and reloaded another. */
  readonly cold: Latency;
  /** Evictions the cold run logged. */
  readonly evictions: number;
  /** Resident set growth of the worker per loaded model, in bytes. */
  readonly rssPerModelBytes: number;
  /** Resident set of the worker before and after loading every model, in MiB. */
  readonly rssMiB: { readonly before: number; readonly after: number };
  /** Memory a decoded model keeps after garbage collection, in bytes; undefined without gc. */
  readonly retainedPerModelBytes: number | undefined;
  /** One read of a registry entry, in microseconds. */
  readonly registryReadMicros: number;
  /** `GET /models` of every model, 1,000 a page, in ms. */
  readonly listAllMs: number;
}

/** The command line help. */
const USAGE = `Usage: deno run -A bench/multi_model.ts [options]

  --models <n>      number of models (default 1000)
  --leaves <n>      leaves per model (default 1000)
  --quick           100 models, fewer invocations, nothing saved
  --no-save         print only
  --help            this text`;

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const RECORD = "0.5,0.5,0.5,0.5\n";

/** Summarises latency samples in milliseconds. */
function summarize(samples: readonly number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
  return { count: sorted.length, mean, p50: at(0.5), p99: at(0.99) };
}

function modelName(index: number): string {
  return `model-${String(index).padStart(5, "0")}`;
}

async function writeModels(root: string, options: MultiModelBenchOptions): Promise<number> {
  let bytes = 0;
  for (let i = 0; i < options.models; i++) {
    const dir = `${root}/${modelName(i)}/model`;
    await Deno.mkdir(dir, { recursive: true });
    const text = syntheticModelText({ leaves: options.leaves, tag: modelName(i), seed: i + 1 });
    await Deno.writeTextFile(`${dir}/model.json`, text);
    bytes = text.length;
  }
  return bytes;
}

async function timed(run: () => Promise<Response>, expect: number): Promise<number> {
  const started = performance.now();
  const response = await run();
  await response.arrayBuffer();
  const ms = performance.now() - started;
  if (response.status !== expect) {
    throw new Error(`Expected status ${expect}, got ${response.status} from ${response.url}`);
  }
  return ms;
}

function load(server: ServerHandle, root: string, index: number): Promise<Response> {
  const name = modelName(index);
  return fetch(`${server.url}/models`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model_name: name, url: `${root}/${name}/model` }),
  });
}

function invoke(server: ServerHandle, index: number): Promise<Response> {
  return fetch(`${server.url}/models/${modelName(index)}/invoke`, {
    method: "POST",
    headers: { "content-type": "text/csv" },
    body: RECORD,
  });
}

/** The resident set in KiB of the serve process's one worker (read with `ps`). */
async function workerRssKiB(servePid: number): Promise<number> {
  const output = await new Deno.Command("ps", {
    args: ["-o", "rss=,args=", "--ppid", String(servePid)],
    stdout: "piped",
  }).output();
  const lines = new TextDecoder().decode(output.stdout).split("\n")
    .filter((line) => line.includes(" worker "));
  if (lines.length !== 1) throw new Error(`Expected one worker, found ${lines.length}`);
  return Number(lines[0].trim().split(/\s+/)[0]);
}

/** Memory kept per decoded model after a full collection; needs `--v8-flags=--expose-gc`. */
async function retainedPerModelBytes(
  options: MultiModelBenchOptions,
): Promise<number | undefined> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return undefined;
  const count = Math.min(options.models, 500);
  const texts = Array.from(
    { length: count },
    (_, i) => syntheticModelText({ leaves: options.leaves, tag: modelName(i), seed: i + 1 }),
  );
  gc();
  const before = Deno.memoryUsage();
  const kept = await Promise.all(texts.map((text, i) => decodeModel(text, modelName(i))));
  gc();
  const after = Deno.memoryUsage();
  const bytes = after.heapUsed + after.external - before.heapUsed - before.external;
  return kept.length > 0 ? bytes / kept.length : undefined;
}

function registryReadMicros(): number {
  const registry = new ModelRegistry(Deno.makeTempDirSync({ prefix: "bench-registry-" }));
  const entry: RegistryEntry = {
    name: "model-00001",
    url: "/opt/ml/models/model-00001/model",
    modelFile: "/opt/ml/models/model-00001/model/model.json",
    generation: crypto.randomUUID(),
    loadedAt: new Date().toISOString(),
    bytes: 96_312,
    summary: { algorithm: "cart", features: 4, classes: 2, leaves: 1000, depth: 10 },
  };
  Deno.writeTextFileSync(`${registry.dir}/${entry.name}.json`, JSON.stringify(entry));
  const rounds = 20_000;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) registry.read(entry.name);
  const micros = ((performance.now() - started) * 1000) / rounds;
  Deno.removeSync(registry.dir, { recursive: true });
  return micros;
}

/** Runs the benchmark and returns its figures. */
async function runMultiModelBench(
  options: MultiModelBenchOptions,
): Promise<MultiModelBenchResult> {
  const base = await makeBaseDir();
  const root = `${base}/models`;
  const quiet = { NGINX_ACCESS_LOG: "false", LOG_LEVEL: "warn", MODEL_SERVER_WORKERS: "1" };
  try {
    const modelFileBytes = await writeModels(root, options);

    // Run 1: a budget that holds every model; load all, measure memory and hot invocations.
    const warm = await startServer(base, { SAGEMAKER_MULTI_MODEL: "true", ...quiet });
    let loadTimes: number[];
    let hotTimes: number[] = [];
    let rssBefore: number;
    let rssAfter: number;
    let listAllMs: number;
    try {
      rssBefore = await workerRssKiB(warm.process.pid);
      loadTimes = [];
      for (let i = 0; i < options.models; i++) {
        loadTimes.push(await timed(() => load(warm, root, i), 200));
      }
      rssAfter = await workerRssKiB(warm.process.pid);
      for (let i = 0; i < options.hotInvokes; i++) {
        hotTimes.push(await timed(() => invoke(warm, i % Math.min(50, options.models)), 200));
      }
      hotTimes = hotTimes.slice(Math.min(50, options.models)); // the first round warms up
      const listed = performance.now();
      let token: string | undefined;
      do {
        const query = token === undefined ? "" : `&next_page_token=${token}`;
        const page = await (await fetch(`${warm.url}/models?max_results=1000${query}`)).json();
        token = page.nextPageToken;
      } while (token !== undefined);
      listAllMs = performance.now() - listed;
    } finally {
      await warm.stop();
    }

    // Run 2: a small budget; cycling through every model makes each invocation a reload.
    const cold = await startServer(base, {
      SAGEMAKER_MULTI_MODEL: "true",
      MODEL_CACHE_MAX_MB: String(options.coldBudgetMB),
      ...quiet,
      LOG_LEVEL: "info",
    });
    const coldTimes: number[] = [];
    let evictions: number;
    try {
      for (let i = 0; i < options.models; i++) await timed(() => load(cold, root, i), 200);
      const before = (cold.logs().match(/model evicted/g) ?? []).length;
      for (let i = 0; i < options.coldInvokes; i++) {
        coldTimes.push(await timed(() => invoke(cold, i % options.models), 200));
      }
      evictions = (cold.logs().match(/model evicted/g) ?? []).length - before;
    } finally {
      await cold.stop();
    }

    return {
      options,
      modelFileBytes,
      load: summarize(loadTimes),
      hot: summarize(hotTimes),
      cold: summarize(coldTimes),
      evictions,
      rssPerModelBytes: ((rssAfter - rssBefore) * 1024) / options.models,
      rssMiB: { before: rssBefore / 1024, after: rssAfter / 1024 },
      retainedPerModelBytes: await retainedPerModelBytes(options),
      registryReadMicros: registryReadMicros(),
      listAllMs,
    };
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

function ms(value: number): string {
  return value.toFixed(2);
}

/** The report as Markdown: a table of the figures and how they were taken. */
function renderMultiModelReport(result: MultiModelBenchResult, date: string): string {
  const { options } = result;
  const row = (name: string, latency: Latency) =>
    `| ${name} | ${latency.count} | ${ms(latency.mean)} | ${ms(latency.p50)} | ${
      ms(latency.p99)
    } |`;
  return [
    `# Multi-model endpoint benchmark, ${date}`,
    "",
    `${options.models} synthetic cart models of ${options.leaves} leaves ` +
    `(${(result.modelFileBytes / 1024).toFixed(1)} KiB model file each), ` +
    "`main.ts serve` with nginx and 1 worker, requests one at a time over loopback; " +
    `${navigator.hardwareConcurrency} cores shared with other work, Deno ${Deno.version.deno}.`,
    "",
    "| Operation | Requests | Mean ms | p50 ms | p99 ms |",
    "| --- | ---: | ---: | ---: | ---: |",
    row("Load (`POST /models`)", result.load),
    row("Invoke, hot (model cached)", result.hot),
    row(`Invoke, cold (evict + reload, ${options.coldBudgetMB} MiB budget)`, result.cold),
    "",
    "| Memory and bookkeeping | Value |",
    "| --- | ---: |",
    `| Worker RSS before / after loading all models | ${result.rssMiB.before.toFixed(1)} / ${
      result.rssMiB.after.toFixed(1)
    } MiB |`,
    `| RSS growth per loaded model | ${(result.rssPerModelBytes / 1024).toFixed(1)} KiB |`,
    `| Memory kept per decoded model after GC (in process) | ${
      result.retainedPerModelBytes === undefined
        ? "n/a (run with --v8-flags=--expose-gc)"
        : `${(result.retainedPerModelBytes / 1024).toFixed(1)} KiB`
    } |`,
    `| Cache estimate per model (model file size) | ${
      (result.modelFileBytes / 1024).toFixed(1)
    } KiB |`,
    `| Evictions during the cold run | ${result.evictions} of ${result.cold.count} invocations |`,
    `| Registry entry read per invocation (in process) | ${
      result.registryReadMicros.toFixed(1)
    } µs |`,
    `| \`GET /models\`, every model, 1,000 a page | ${ms(result.listAllMs)} ms |`,
    "",
    "RSS growth includes garbage V8 has not collected yet (the model file's text and JSON),",
    "so it is an upper bound of the memory a model holds; the in-process figure after a full",
    "collection is what a cached model really keeps.",
    "",
  ].join("\n");
}

/** Parses the command line; throws with a message naming the argument it cannot use. */
function parseOptions(args: readonly string[]): MultiModelBenchOptions | undefined {
  let models = 1000;
  let leaves = 1000;
  let save = true;
  let quick = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--help") return undefined;
    else if (arg === "--quick") quick = true;
    else if (arg === "--no-save") save = false;
    else if (arg === "--models" || arg === "--leaves") {
      const value = Number(args[++i]);
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(`Invalid ${arg} ${JSON.stringify(args[i])}: expected a positive integer`);
      }
      if (arg === "--models") models = value;
      else leaves = value;
    } else {
      throw new Error(`Unknown argument ${JSON.stringify(arg)}\n${USAGE}`);
    }
  }
  if (quick) {
    models = Math.min(models, 100);
    save = false;
  }
  return {
    models,
    leaves,
    hotInvokes: quick ? 250 : 2050,
    coldInvokes: quick ? 200 : 1000,
    coldBudgetMB: 4,
    save,
  };
}

if (import.meta.main) {
  const options = parseOptions(Deno.args);
  if (options === undefined) {
    console.log(USAGE);
  } else {
    const result = await runMultiModelBench(options);
    const date = new Date().toISOString().slice(0, 10);
    const report = renderMultiModelReport(result, date);
    console.log(report);
    if (options.save) {
      const path = `${ROOT}/bench/results/multi-model-${date}.md`;
      await Deno.mkdir(`${ROOT}/bench/results`, { recursive: true });
      await Deno.writeTextFile(path, report);
      console.log(`Saved ${path}`);
    }
  }
}
