/**
 * Test support: run the real program (`main.ts`) as a subprocess, in a throwaway SageMaker
 * tree, and talk to it over real HTTP.
 *
 * @module
 */

import { PERMISSION_FLAGS } from "../../serving/self_command.ts";

/** The repository root. */
export const ROOT: string = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** `main.ts`, run exactly as the image runs it (but with `deno run`). */
export const MAIN: string = `${ROOT}/main.ts`;

/** The output of a finished run of the program. */
export interface RunResult {
  /** Exit code. */
  readonly code: number;
  /** Everything written to stdout. */
  readonly stdout: string;
  /** Everything written to stderr. */
  readonly stderr: string;
}

/** Runs `main.ts args...` to completion with extra environment variables. */
export async function runMain(
  args: string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSION_FLAGS, MAIN, ...args],
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

/** Creates an empty `/opt/ml`-like tree and returns its root. */
export async function makeBaseDir(): Promise<string> {
  const base = await Deno.makeTempDir({ prefix: "sagemaker-test-" });
  for (const dir of ["input/config", "input/data/training", "model", "output"]) {
    await Deno.mkdir(`${base}/${dir}`, { recursive: true });
  }
  return base;
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

/** Returns a TCP port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A running `main.ts serve`. */
export interface ServerHandle {
  /** The public port. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The serve process. */
  readonly process: Deno.ChildProcess;
  /** Everything the server has logged so far (stdout and stderr). */
  logs(): string;
  /** Waits until the log contains `text` (or throws after `timeoutMs`). */
  waitForLog(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Sends SIGTERM and returns the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

/** Starts `main.ts serve` on a free port and waits until `/ping` answers 200. */
export async function startServer(
  base: string,
  env: Record<string, string> = {},
  options: { waitForPing?: boolean; timeoutMs?: number } = {},
): Promise<ServerHandle> {
  const port = freePort();
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSION_FLAGS, MAIN, "serve"],
    env: {
      SAGEMAKER_BASE_DIR: base,
      SAGEMAKER_BIND_TO_PORT: String(port),
      MODEL_SERVER_WORKERS: "2",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let logs = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) logs += text;
  };
  const collected = Promise.all([collect(process.stdout), collect(process.stderr)]);
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  process.status.then(() => (exited = true));
  const handle: ServerHandle = {
    port,
    url,
    process,
    logs: () => logs,
    async waitForLog(text, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      const found = () => typeof text === "string" ? logs.includes(text) : text.test(logs);
      while (!found()) {
        if (Date.now() > deadline) {
          throw new Error(`Log never showed ${text}; log so far:\n${logs}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop(signal: Deno.Signal = "SIGTERM") {
      if (!exited) process.kill(signal);
      const status = await process.status;
      await collected;
      return status.code;
    },
  };
  if (options.waitForPing === false) return handle;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (true) {
    if (exited) throw new Error(`serve exited before it answered /ping:\n${logs}`);
    try {
      const response = await fetch(`${url}/ping`);
      await response.body?.cancel();
      if (response.status === 200) return handle;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await handle.stop("SIGKILL");
      throw new Error(`serve did not answer /ping in time:\n${logs}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
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
