/**
 * How this program starts another copy of itself (a worker), the same way whether it runs as
 * `deno run main.ts`, as a bundled `.js` file or as a `deno compile` executable.
 *
 * @module
 */

import denoConfig from "../deno.json" with { type: "json" };

/**
 * The Deno permissions the program runs with, as flags: the `program` permission set of
 * `deno.json` (which its tasks and the compile use as `-P=program`) and its unstable features.
 * Workers get them spelled out because a bundle has no `deno.json` beside it.
 */
export const PERMISSION_FLAGS: readonly string[] = [
  ...Object.entries(denoConfig.permissions.program).map(([name, granted]) => {
    if (granted !== true) throw new Error(`Cannot use deno.json permission ${name}: expected true`);
    return `--allow-${name}`;
  }),
  ...denoConfig.unstable.map((feature) => `--unstable-${feature}`),
];

/**
 * The line prefix a worker writes on its stdout once it listens (`@ready <port>`): the whole
 * handshake between a worker and the supervisor, kept here so that neither imports the other.
 */
export const READY_PREFIX = "@ready ";

/**
 * The byte a worker started with `--heartbeat` writes on its stdout every
 * {@linkcode HEARTBEAT_INTERVAL_MS} from a thread of its own (ASCII ACK): it keeps coming while the
 * main thread is busy, and stops only when the whole process is stopped (SIGSTOP, a frozen cgroup)
 * or dead. One byte is written atomically, so it may land anywhere in the stream, even inside a
 * long line; the supervisor takes every such byte out before it reads the lines.
 */
export const THREAD_BEAT_BYTE = 0x06;

/**
 * The byte a worker started with `--heartbeat` writes on its stdout every
 * {@linkcode HEARTBEAT_INTERVAL_MS} from its main event loop (ASCII SYN): it stops while one long
 * model call blocks the loop, and for good when the worker is stuck. Taken out of the stream like
 * {@linkcode THREAD_BEAT_BYTE}; no log line holds either (values are quoted as JSON strings).
 */
export const LOOP_BEAT_BYTE = 0x16;

/** How often a worker writes each heartbeat byte. */
export const HEARTBEAT_INTERVAL_MS = 500;

/**
 * The line prefix of what `serve` tells its workers on their stdin (`@leftovers {"pids": [..],
 * "dirs": [..]}`): the processes to stop and the folders to remove should `serve` die without
 * cleaning up (SIGKILL), which its workers notice when their stdin ends.
 */
export const LEFTOVERS_PREFIX = "@leftovers ";

/** What the workers clean up when `serve` is gone: see {@linkcode LEFTOVERS_PREFIX}. */
export interface Leftovers {
  /** Processes to stop (nginx's master). */
  readonly pids: readonly number[];
  /** Folders to remove (nginx's runtime folder, the multi-model registry). */
  readonly dirs: readonly string[];
}

/** A program and its arguments. */
export interface CommandLine {
  /** The executable. */
  readonly command: string;
  /** Its arguments. */
  readonly args: string[];
}

/**
 * The command line that runs this program with `args`: the executable itself when compiled,
 * otherwise `deno run <permissions> <main module> args...`.
 */
export function selfCommand(args: readonly string[]): CommandLine {
  if (Deno.build.standalone) return { command: Deno.execPath(), args: [...args] };
  return {
    command: Deno.execPath(),
    args: ["run", ...PERMISSION_FLAGS, Deno.mainModule, ...args],
  };
}
