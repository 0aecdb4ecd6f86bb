/**
 * How this program starts another copy of itself (a worker), the same way whether it runs as
 * `deno run main.ts`, as a bundled `.js` file or as a `deno compile` executable.
 *
 * @module
 */

/** The Deno permissions the program runs with; `deno.json` tasks and the compile use these too. */
export const PERMISSION_FLAGS: readonly string[] = [
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--allow-run",
  "--allow-net",
  "--allow-sys",
  "--unstable-net",
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
