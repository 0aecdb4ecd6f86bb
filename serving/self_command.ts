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
