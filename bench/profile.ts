/**
 * Profiles one of our serving workers under load: trains the benchmark's model, starts
 * `main.ts worker` with `--cpu-prof`, loads it directly (no nginx, so every sample is the
 * worker's) with wrk or with 5 MB requests, stops it, and prints the functions with the most
 * self time. The `.cpuprofile` is kept for Chrome DevTools or speedscope.
 *
 * ```sh
 * deno run -P=program bench/profile.ts one --seconds 5      # 1-record CSV, 16 connections
 * deno run -P=program bench/profile.ts batch --repeats 10   # 5 MB CSV requests, one at a time
 * deno run -P=program bench/profile.ts one --ceiling        # the same load on a ceiling worker
 * deno run -P=program bench/profile.ts thirty-numpy       # 30 records in numpy's %.18e (or thirty)
 * ```
 *
 * Besides the top functions it prints the busy time (samples that are not idle) per request,
 * which compared with `--ceiling` tells how much our handler adds to a bare `Deno.serve`.
 *
 * @module
 */

import {
  type IrisLikeRecord,
  irisLikeRecords,
  toCsv,
  toNumpyCsv,
  writeTrainingTree,
} from "./data.ts";
import { runWrk } from "./wrk.ts";
import { PERMISSION_FLAGS } from "../serving/self_command.ts";

/** One function's share of a profile. */
interface HotSpot {
  /** `name (file:line)`. */
  readonly where: string;
  /** Self time in milliseconds. */
  readonly selfMs: number;
  /** Self time as a share of the busy (not idle) samples, 0..1. */
  readonly share: number;
}

/** Milliseconds of samples that are not `(idle)`. */
function busyMs(profile: CpuProfile): number {
  const idle = new Set(
    profile.nodes.filter((node) => node.callFrame.functionName === "(idle)").map((node) => node.id),
  );
  let us = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (!idle.has(profile.samples[i])) us += profile.timeDeltas[i] ?? 0;
  }
  return us / 1000;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** A V8 `.cpuprofile` as Deno writes it. */
interface CpuProfile {
  /** The call tree. */
  nodes: ProfileNode[];
  /** The node of each sample. */
  samples: number[];
  /** Microseconds between samples. */
  timeDeltas: number[];
}

const ROOT = new URL("../", import.meta.url).pathname;

/** The areas {@linkcode areaOf} sorts functions into. */
const AREAS: readonly string[] = [
  "our code",
  "Deno HTTP server and Request/Response",
  "garbage collector",
  "start-up (module loading, Node compatibility)",
  "other",
];

/** Sorts a profiled function into one of {@linkcode AREAS} by its name and file. */
function areaOf(functionName: string, url: string): string {
  if (url.startsWith(`file://${ROOT}`) && !url.includes("/node_modules/")) return AREAS[0];
  if (functionName === "(garbage collector)") return AREAS[2];
  if (
    url.startsWith("node:") || url.includes("ext:deno_node") || url.includes("/npm/") ||
    /^(loadExtScript|lazyLoad|op_load_ext_script|op_lazy_load_esm|op_require_)/.test(functionName)
  ) {
    return AREAS[3];
  }
  if (
    url.includes("ext:deno_http") || url.includes("ext:deno_fetch") ||
    url.includes("ext:deno_web") || functionName.startsWith("op_http_")
  ) {
    return AREAS[1];
  }
  return AREAS[4];
}

/** Busy milliseconds by area (see {@linkcode areaOf}). */
function busyByArea(profile: CpuProfile): Map<string, number> {
  const byNode = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byNode.set(node.id, node);
  const areas = new Map<string, number>(AREAS.map((area) => [area, 0]));
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byNode.get(profile.samples[i]);
    if (node === undefined || node.callFrame.functionName === "(idle)") continue;
    const area = areaOf(node.callFrame.functionName, node.callFrame.url);
    areas.set(area, areas.get(area)! + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  return areas;
}

/** Sums self time per function (by name, file and line) and returns the top `count` busy ones. */
function hotSpots(profile: CpuProfile, count: number): HotSpot[] {
  const byNode = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byNode.set(node.id, node);
  const selfUs = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const node = byNode.get(profile.samples[i]);
    const delta = profile.timeDeltas[i] ?? 0;
    if (node === undefined) continue;
    const frame = node.callFrame;
    const file = frame.url.replace(`file://${ROOT}`, "").replace(/^.*\/node_modules\//, "");
    const where = file === ""
      ? frame.functionName || "(anonymous)"
      : `${frame.functionName || "(anonymous)"} (${file}:${frame.lineNumber + 1})`;
    if (where === "(idle)") continue;
    selfUs.set(where, (selfUs.get(where) ?? 0) + delta);
    total += delta;
  }
  return [...selfUs.entries()]
    .map(([where, us]) => ({ where, selfMs: us / 1000, share: total > 0 ? us / total : 0 }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, count);
}

async function readyPort(child: Deno.ChildProcess): Promise<number> {
  let text = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The worker exited before it listened: ${text}`);
    text += value;
    const match = /@ready (\d+)/.exec(text);
    if (match !== null) {
      reader.releaseLock();
      return Number(match[1]);
    }
  }
}

/** What the worker is loaded with: wrk bodies of 1 or 30 records, or 5 MB requests. */
type Scenario = "one" | "thirty" | "thirty-numpy" | "batch";

/** The wrk body of each wrk scenario. */
const WRK_BODIES: Record<Exclude<Scenario, "batch">, (records: IrisLikeRecord[]) => string> = {
  one: (records) => toCsv(records.slice(0, 1), false),
  thirty: (records) => toCsv(records.slice(0, 30), false),
  "thirty-numpy": (records) => toNumpyCsv(records.slice(0, 30)),
};

/** Runs one profile; returns the path of the `.cpuprofile` and the requests answered. */
async function profileWorker(
  scenario: Scenario,
  options: { seconds: number; repeats: number; ceiling: boolean },
): Promise<{ path: string; requests: number }> {
  const work = await Deno.makeTempDir({ prefix: "sagemaker-profile-" });
  await writeTrainingTree(`${work}/ml`, toCsv(irisLikeRecords(1_000, 1), true), {
    max_leaf_nodes: "5",
  });
  const permissions = PERMISSION_FLAGS;
  const env = { SAGEMAKER_BASE_DIR: `${work}/ml` };
  const trained = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, "main.ts", "train"],
    cwd: ROOT,
    env,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!trained.success) throw new Error(new TextDecoder().decode(trained.stderr));
  const profileDir = `${work}/profile`;
  const program = options.ceiling
    ? ["bench/ceiling.ts", "worker", "0"]
    : ["main.ts", "worker", "--index", "0", "--port", "0"];
  const worker = new Deno.Command(Deno.execPath(), {
    args: ["run", ...permissions, "--cpu-prof", `--cpu-prof-dir=${profileDir}`, ...program],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const port = await readyPort(worker);
  const url = `http://127.0.0.1:${port}/invocations`;
  const records = irisLikeRecords(200_000, 2);
  let requests = options.repeats;
  if (scenario !== "batch") {
    const body = `${work}/${scenario}.csv`;
    await Deno.writeTextFile(body, WRK_BODIES[scenario](records));
    const result = await runWrk(url, { connections: 16, seconds: options.seconds, bodyPath: body });
    requests = result.requests;
    console.error(
      `[profile] ${result.requestsPerSecond.toFixed(0)} req/s direct to one worker, ` +
        `p99 ${result.p99Ms.toFixed(2)} ms`,
    );
  } else {
    const body = new TextEncoder().encode(toCsv(records, false));
    for (let i = 0; i < options.repeats; i++) {
      const started = performance.now();
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "text/csv" },
        body,
      });
      await response.arrayBuffer();
      console.error(
        `[profile] 5 MB request: ${response.status} in ${
          (performance.now() - started).toFixed(1)
        } ms`,
      );
    }
  }
  worker.kill("SIGTERM");
  await worker.status;
  const files = [...Deno.readDirSync(profileDir)].filter((entry) =>
    entry.name.endsWith(".cpuprofile")
  );
  if (files.length === 0) throw new Error(`No .cpuprofile was written to ${profileDir}`);
  return { path: `${profileDir}/${files[0].name}`, requests };
}

if (import.meta.main) {
  const scenario: Scenario = (["thirty", "thirty-numpy", "batch"] as const).find((name) =>
    name === Deno.args[0]
  ) ?? "one";
  const seconds = Number(Deno.args[Deno.args.indexOf("--seconds") + 1]) || 3;
  const repeats = Number(Deno.args[Deno.args.indexOf("--repeats") + 1]) || 5;
  const ceiling = Deno.args.includes("--ceiling");
  const { path, requests } = await profileWorker(scenario, { seconds, repeats, ceiling });
  const profile: CpuProfile = JSON.parse(await Deno.readTextFile(path));
  const busy = busyMs(profile);
  console.log(
    `${ceiling ? "Ceiling" : "Our"} worker, ${scenario}: ${requests} requests, ` +
      `${busy.toFixed(0)} ms busy (start-up included), ` +
      `${(busy * 1000 / Math.max(1, requests)).toFixed(1)} µs busy a request; profile: ${path}\n`,
  );
  console.log("| area | busy ms | µs a request | share of busy |\n| --- | ---: | ---: | ---: |");
  for (const [area, ms] of busyByArea(profile)) {
    console.log(
      `| ${area} | ${ms.toFixed(0)} | ${(ms * 1000 / Math.max(1, requests)).toFixed(2)} | ${
        (100 * ms / busy).toFixed(1)
      }% |`,
    );
  }
  console.log("\n| self ms | share of busy | function |\n| ---: | ---: | --- |");
  for (const spot of hotSpots(profile, 30)) {
    console.log(
      `| ${spot.selfMs.toFixed(1)} | ${(spot.share * 100).toFixed(1)}% | ${spot.where} |`,
    );
  }
}
