/**
 * CPU time per request of our serving stack, split by process (nginx, the Deno workers, wrk),
 * for the 1-record CSV body against the 30-record ones (short decimals and numpy's `%.18e`),
 * interleaved round by round. Requests per second swing with whatever else the machine runs;
 * CPU microseconds per request, read from `/proc` around each wrk run, swing far less, so this
 * is the figure to compare two versions of the request path by.
 *
 * ```sh
 * deno run -P=program bench/request_cpu.ts                 # 5 rounds of 3 s, 2 workers
 * deno run -P=program bench/request_cpu.ts --rounds 3 --seconds 2
 * ```
 *
 * The ratio it prints per body is what the benchmark's 30-record target would be on a machine
 * with nothing else running: the 1-record request's CPU per request over this body's.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ROOT, runCommand, say, WRK } from "./command.ts";
import { irisLikeRecords, toCsv, toNumpyCsv, writeTrainingTree } from "./data.ts";
import { listProcesses, processTree, readProc } from "./process_tree.ts";
import { oursCommand, stackSpecs } from "./scenarios.ts";
import { startStack, stopStack } from "./stack.ts";
import { parseWrkReport } from "./wrk.ts";

const REPORT_SCRIPT = new URL("./wrk_report.lua", import.meta.url).pathname;

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** CPU seconds of one wrk run, by part. */
interface RunCpu {
  readonly requests: number;
  readonly nginx: number;
  readonly workers: number;
  readonly wrk: number;
  /** Share of the machine's CPU time that was not idle during the run, 0 to 1. */
  readonly busy: number;
}

/** The machine's idle and total CPU ticks so far, from the first line of `/proc/stat`. */
async function machineTicks(): Promise<{ idle: number; total: number }> {
  const line = (await readProc("head -1 /proc/stat")).split("\n")[0];
  const ticks = line.trim().split(/\s+/).slice(1).map(Number);
  return { idle: ticks[3] + ticks[4], total: ticks.reduce((sum, value) => sum + value, 0) };
}

/** utime + stime of each process of `pids`, in seconds, by pid. */
async function cpuSeconds(pids: readonly number[]): Promise<Map<number, number>> {
  const text = await readProc(pids.map((pid) => `cat /proc/${pid}/stat 2>/dev/null`).join(";"));
  const found = new Map<number, number>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const pid = Number(line.slice(0, line.indexOf(" ")));
    const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
    found.set(pid, (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND);
  }
  return found;
}

/** Runs wrk under bash, whose `times` gives wrk's own CPU seconds. */
async function loadOnce(
  url: string,
  bodyPath: string,
  seconds: number,
): Promise<{ requests: number; wrkSeconds: number }> {
  const script =
    `BENCH_BODY="$1" "${WRK}" -t2 -c16 -d${seconds}s -s "${REPORT_SCRIPT}" "$2"; times`;
  const result = await runCommand("/bin/bash", ["-c", script, "bash", bodyPath, url]);
  const { requests, errors } = parseWrkReport(result.stdout);
  if (errors > 0) throw new Error(`wrk saw ${errors} errors loading ${bodyPath}`);
  // `times`: the shell's user and system time, then its children's (wrk's).
  const childLine = result.stdout.trim().split("\n").at(-1)!;
  const wrkSeconds = childLine.split(/\s+/).map((part) => {
    const match = /^(\d+)m([\d.]+)s$/.exec(part);
    return match === null ? 0 : Number(match[1]) * 60 + Number(match[2]);
  }).reduce((sum, value) => sum + value, 0);
  return { requests, wrkSeconds };
}

async function measure(
  pid: number,
  url: string,
  bodyPath: string,
  seconds: number,
): Promise<RunCpu> {
  const tree = processTree(pid, await listProcesses());
  const nginx = tree.filter((process) => process.name === "nginx").map((process) => process.pid);
  const workers = tree.filter((process) => process.name !== "nginx" && process.pid !== pid)
    .map((process) => process.pid);
  const before = await cpuSeconds([...nginx, ...workers]);
  const ticksBefore = await machineTicks();
  const { requests, wrkSeconds } = await loadOnce(url, bodyPath, seconds);
  const ticksAfter = await machineTicks();
  const after = await cpuSeconds([...nginx, ...workers]);
  const busy = 1 -
    (ticksAfter.idle - ticksBefore.idle) / (ticksAfter.total - ticksBefore.total);
  const sum = (pids: number[]) =>
    pids.reduce((total, each) => total + (after.get(each) ?? 0) - (before.get(each) ?? 0), 0);
  return { requests, nginx: sum(nginx), workers: sum(workers), wrk: wrkSeconds, busy };
}

function perRequest(runs: readonly RunCpu[]): { nginx: number; workers: number; wrk: number } {
  const requests = runs.reduce((sum, run) => sum + run.requests, 0);
  const us = (part: "nginx" | "workers" | "wrk") =>
    runs.reduce((sum, run) => sum + run[part], 0) / requests * 1e6;
  return { nginx: us("nginx"), workers: us("workers"), wrk: us("wrk") };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rounds: { type: "string", default: "5" },
      seconds: { type: "string", default: "3" },
      workers: { type: "string", default: "2" },
    },
  });
  const rounds = Number(values.rounds);
  const seconds = Number(values.seconds);
  const work = await Deno.makeTempDir({ prefix: "sagemaker-request-cpu-" });
  const records = irisLikeRecords(1_000, 1);
  await writeTrainingTree(`${work}/ours`, toCsv(records, true), { max_leaf_nodes: "5" });
  const bodies = irisLikeRecords(30, 2);
  const paths: Record<string, string> = {
    "1 record": `${work}/one.csv`,
    "30 records": `${work}/thirty.csv`,
    "30 records %.18e": `${work}/thirty-numpy.csv`,
  };
  await Deno.writeTextFile(paths["1 record"], toCsv(bodies.slice(0, 1), false));
  await Deno.writeTextFile(paths["30 records"], toCsv(bodies, false));
  await Deno.writeTextFile(paths["30 records %.18e"], toNumpyCsv(bodies));
  const ours = oursCommand(undefined);
  const trained = await runCommand(ours.command, [...ours.args, "train"], {
    env: { SAGEMAKER_BASE_DIR: `${work}/ours` },
  });
  if (!trained.success) throw new Error(`Cannot train: ${trained.stderr.slice(-400)}`);
  const spec = stackSpecs(work, Number(values.workers), ours).find((each) => each.name === "ours")!;
  const stack = await startStack(spec, { logPath: `${work}/ours.log` });
  const url = `${stack.url}/invocations`;
  const runs = new Map<string, RunCpu[]>(Object.keys(paths).map((name) => [name, []]));
  try {
    for (const path of Object.values(paths)) await loadOnce(url, path, 1);
    for (let round = 0; round < rounds; round++) {
      const names = Object.keys(paths);
      for (const name of [...names.slice(round % 3), ...names.slice(0, round % 3)]) {
        const run = await measure(stack.pid, url, paths[name], seconds);
        runs.get(name)!.push(run);
        say(
          `${name}: ${(run.requests / seconds).toFixed(0)} req/s, ` +
            `machine ${(run.busy * 100).toFixed(0)}% busy`,
        );
      }
    }
  } finally {
    await stopStack(stack);
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
  const one = perRequest(runs.get("1 record")!);
  const oneTotal = one.nginx + one.workers + one.wrk;
  console.log("| body | nginx µs | workers µs | wrk µs | total µs | 1-record/this |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const [name, list] of runs) {
    const cpu = perRequest(list);
    const total = cpu.nginx + cpu.workers + cpu.wrk;
    console.log(
      `| ${name} | ${cpu.nginx.toFixed(1)} | ${cpu.workers.toFixed(1)} | ${cpu.wrk.toFixed(1)} | ` +
        `${total.toFixed(1)} | ${(oneTotal / total).toFixed(3)} |`,
    );
  }
  console.log(`(${ROOT}; ${rounds} rounds of ${seconds} s; kernel time of loopback included)`);
}
