/**
 * Test support: run the real program (`main.ts`) as a subprocess, in a throwaway SageMaker
 * tree, and talk to it over real HTTP. Starting a server is shared with the benchmarks
 * (`bench/serve_process.ts`), which must not depend on the tests.
 *
 * @module
 */

import { MAIN, makeBaseDir, type ServerHandle } from "../../bench/serve_process.ts";
import { PERMISSION_FLAGS } from "../../serving/self_command.ts";

export {
  freePort,
  MAIN,
  makeBaseDir,
  type ServerHandle,
  startServer,
} from "../../bench/serve_process.ts";

/** The repository root. */
export const ROOT: string = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** The output of a finished run of the program. */
export interface RunResult {
  /** Exit code. */
  readonly code: number;
  /** Everything written to stdout. */
  readonly stdout: string;
  /** Everything written to stderr. */
  readonly stderr: string;
}

/**
 * Runs `deno run <runArgs...>` to completion with only `env` as its environment; `runArgs` name
 * the permissions and the program (`main.ts`, or a bundled `main.js`) and its arguments.
 */
export async function runDeno(
  runArgs: string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...runArgs],
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** Runs `main.ts args...` to completion with extra environment variables. */
export async function runMain(
  args: string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  return await runDeno([...PERMISSION_FLAGS, MAIN, ...args], env);
}

/** Starts `main.ts train` on the SageMaker tree `base`, stdout and stderr piped. */
export function spawnTrain(base: string): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSION_FLAGS, MAIN, "train"],
    env: { SAGEMAKER_BASE_DIR: base },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Writes hyperparameters (string values, as SageMaker does) into a base dir. */
export async function writeHyperparameters(
  base: string,
  hyperparameters: Record<string, string>,
): Promise<void> {
  await Deno.writeTextFile(
    `${base}/input/config/hyperparameters.json`,
    JSON.stringify(hyperparameters),
  );
}

/** Creates a base dir with `csv` as the training data and trains on it; throws if it fails. */
export async function trainedBaseDir(
  csv: string,
  hyperparameters: Record<string, string> = {},
): Promise<string> {
  const base = await makeBaseDir();
  await writeHyperparameters(base, hyperparameters);
  await Deno.writeTextFile(`${base}/input/data/training/train.csv`, csv);
  const result = await runMain(["train"], { SAGEMAKER_BASE_DIR: base });
  if (result.code !== 0) throw new Error(`train failed: ${result.stderr}`);
  return base;
}

/** Posts a body to `/invocations` and returns status and text. */
export async function invoke(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string> = { "content-type": "text/csv" },
): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(`${url}/invocations`, {
    method: "POST",
    body: body as BodyInit,
    headers,
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/**
 * The processes whose parent is `pid`, with their command lines. It asks `ps`, because Deno
 * reads `/proc` only with `--allow-all`.
 */
export function childProcesses(pid: number): { pid: number; command: string }[] {
  const output = new Deno.Command("ps", { args: ["-o", "pid=,args=", "--ppid", String(pid)] })
    .outputSync();
  return new TextDecoder().decode(output.stdout).split("\n").filter((line) => line.trim())
    .map((line) => {
      const [, child, command] = line.match(/^\s*(\d+)\s+(.*)$/)!;
      return { pid: Number(child), command };
    });
}

/** The process ids of the worker processes (`main.ts worker`) a `serve` process started. */
export function workerPids(server: ServerHandle | number): number[] {
  const pid = typeof server === "number" ? server : server.process.pid;
  return childProcesses(pid)
    .filter((child) => child.command.includes(" worker "))
    .map((child) => child.pid);
}

/** A process's peak resident memory (`VmHWM`) in bytes (Linux only; read with `cat`). */
export function peakRssBytes(pid: number): number {
  const output = new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).outputSync();
  const match = new TextDecoder().decode(output.stdout).match(/^VmHWM:\s+(\d+) kB$/m);
  if (match === null) throw new Error(`No VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
