/**
 * Test support for the process lifecycle of `serve`: which of its processes are alive, where its
 * nginx keeps its runtime folder, and waiting for a condition with a deadline instead of a sleep.
 *
 * @module
 */

import { childProcesses } from "./process.ts";

/** True while a process with this id exists (asks `ps`: Deno reads `/proc` only with -A). */
export function isAlive(pid: number): boolean {
  const output = new Deno.Command("ps", { args: ["-o", "stat=", "-p", String(pid)] }).outputSync();
  const state = new TextDecoder().decode(output.stdout).trim();
  // A zombie has exited; it only waits for its parent to collect its status.
  return output.success && state !== "" && !state.startsWith("Z");
}

/**
 * True for the command line of nginx's master (`nginx: master process ...`, or `.../nginx ...`
 * before it renamed itself), not for a worker whose program path holds the word.
 */
export function isNginxCommand(command: string): boolean {
  return /(?:^|[\s/])nginx(?::|\s|$)/.test(command);
}

/** The processes `serve` started: its workers and nginx's master, by kind. */
export function serveChildren(servePid: number): { workers: number[]; nginx: number[] } {
  const children = childProcesses(servePid);
  return {
    workers: children.filter((child) => child.command.includes(" worker ")).map((c) => c.pid),
    nginx: children.filter((child) => isNginxCommand(child.command)).map((c) => c.pid),
  };
}

/** nginx's runtime folder (`-p <folder>` on its command line), from `serve`'s children. */
export function nginxRuntimeDir(servePid: number): string {
  const nginx = childProcesses(servePid).find((child) => isNginxCommand(child.command));
  const folder = nginx?.command.match(/ -p (\S+)/)?.[1];
  if (folder === undefined) throw new Error(`serve ${servePid} runs no nginx`);
  return folder;
}

/** True when `path` exists. */
export function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export async function accepts(port: number): Promise<boolean> {
  try {
    const connection = await Deno.connect({ hostname: "127.0.0.1", port });
    connection.close();
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls `condition` every `intervalMs` until it holds and returns the milliseconds it took;
 * throws with `what` when it still does not hold after `timeoutMs`.
 */
export async function waitUntil(
  what: string,
  condition: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<number> {
  const started = performance.now();
  const deadline = started + (options.timeoutMs ?? 10_000);
  while (!(await condition())) {
    if (performance.now() > deadline) {
      throw new Error(`Timed out after ${options.timeoutMs ?? 10_000} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
  return performance.now() - started;
}

/** Status of `GET` (or `method`) `url`; 0 when the connection fails. */
export async function statusOf(url: string, method = "GET"): Promise<number> {
  try {
    const response = await fetch(url, { method });
    await response.body?.cancel();
    return response.status;
  } catch {
    return 0;
  }
}
