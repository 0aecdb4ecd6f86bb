/**
 * Starts a serving stack (ours, the Python reference or the ceiling) as a child process, times
 * its cold start, and stops it together with everything it started.
 *
 * @module
 */

import { listProcesses, type ProcessInfo, processTree } from "./process_tree.ts";
import { freePort } from "./serve_process.ts";

/** How to start one stack. */
export interface StackSpec {
  /** A short name for tables and logs: `ours`, `reference` or `ceiling`. */
  readonly name: string;
  /** The executable. */
  readonly command: string;
  /** Its arguments. */
  readonly args: readonly string[];
  /** Extra environment variables (the port is added by {@linkcode startStack}). */
  readonly env: Readonly<Record<string, string>>;
  /** Working directory. */
  readonly cwd?: string;
}

/** A stack that answered its first `/ping` with 200. */
export interface RunningStack {
  /** Which stack this is. */
  readonly spec: StackSpec;
  /** The root process id (the `serve` command itself). */
  readonly pid: number;
  /** The base URL, `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** Milliseconds from spawning the process to the first 200 on `/ping`. */
  readonly coldStartMs: number;
  /** The file receiving the stack's stdout and stderr. */
  readonly logPath: string;
  /** The child process. */
  readonly child: Deno.ChildProcess;
}

/** Options of {@linkcode startStack}. */
export interface StartOptions {
  /** Give up after this many milliseconds without a 200 on `/ping` (60 s by default). */
  timeoutMs?: number;
  /** Where to write the stack's output. */
  logPath: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function pingStatus(url: string): Promise<number> {
  try {
    const response = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(2000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}

/**
 * Spawns the stack on a free port, its output appended to `options.logPath` by the shell (so
 * that this process does no work for it during a load run), and polls `/ping` every 5 ms until
 * it answers 200; the cold start is the time from just before the spawn to that answer.
 */
export async function startStack(spec: StackSpec, options: StartOptions): Promise<RunningStack> {
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = new Deno.Command("/bin/sh", {
    args: ["-c", 'exec "$0" "$@" >>"$BENCH_STACK_LOG" 2>&1', spec.command, ...spec.args],
    env: { ...spec.env, SAGEMAKER_BIND_TO_PORT: String(port), BENCH_STACK_LOG: options.logPath },
    cwd: spec.cwd,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let exited = false;
  child.status.then(() => exited = true);
  const timeoutMs = options.timeoutMs ?? 60_000;
  while (true) {
    const status = await pingStatus(url);
    if (status === 200) break;
    const waited = performance.now() - started;
    if (exited || waited > timeoutMs) {
      if (!exited) await stopProcessTree(child.pid, child.status);
      throw new Error(
        `Cannot start ${spec.name}: ${
          exited ? "it exited" : `no 200 on /ping after ${Math.round(waited)} ms`
        }; see ${options.logPath}`,
      );
    }
    await sleep(5);
  }
  return {
    spec,
    pid: child.pid,
    url,
    coldStartMs: performance.now() - started,
    logPath: options.logPath,
    child,
  };
}

function signalAll(pids: readonly number[], signal: Deno.Signal): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

async function survivors(pids: readonly number[]): Promise<number[]> {
  const processes = new Map<number, ProcessInfo>();
  for (const process of await listProcesses()) processes.set(process.pid, process);
  return pids.filter((pid) => {
    const process = processes.get(pid);
    return process !== undefined && process.state !== "Z";
  });
}

/**
 * Sends SIGTERM to the root process, waits up to 10 s for it and its descendants to end, then
 * SIGKILLs whatever of that tree is left. Only the processes of this tree are signalled.
 */
async function stopProcessTree(root: number, status: Promise<unknown>): Promise<void> {
  const pids = processTree(root, await listProcesses()).map((process) => process.pid);
  signalAll([root], "SIGTERM");
  const deadline = performance.now() + 10_000;
  await Promise.race([status, sleep(10_000)]);
  let left = await survivors(pids);
  while (performance.now() < deadline && left.length > 0) {
    await sleep(100);
    left = await survivors(pids);
  }
  if (left.length > 0) {
    signalAll(left, "SIGKILL");
    await sleep(100);
  }
}

/** Stops a running stack and everything it started. */
export async function stopStack(stack: RunningStack): Promise<void> {
  await stopProcessTree(stack.pid, stack.child.status);
}
