/**
 * TEST ONLY: makes the supervisor's spawn of a worker fail, as a missing executable, `EMFILE` or
 * `EAGAIN` would, to test that a failed spawn counts as a death of its slot. With
 * `SERVING_TEST_HOOKS=true` (never in production) and `SERVING_TEST_SPAWN_FAILS=<worker>:<start>`,
 * start number `<start>` of worker `<worker>` (1 is its first start) runs an executable that does
 * not exist, so that `Deno.Command(...).spawn()` really throws; `<start>+` fails that start and
 * every later one. The supervisor asks {@linkcode testSpawnCommand} before each start: the only
 * trace in product code.
 *
 * @module
 */

import type { Environment } from "../sagemaker/paths.ts";
import type { CommandLine } from "./self_command.ts";

/** The executable a failing start runs: it does not exist, so spawning it throws `NotFound`. */
export const MISSING_EXECUTABLE = "/nonexistent/spawn-test-hook";

const SPEC = /^(\d+):(\d+)(\+?)$/;

/**
 * The command line of start number `start` (from 1) of worker `index`: `command` itself, or one
 * whose spawn throws when `SERVING_TEST_HOOKS=true` and `SERVING_TEST_SPAWN_FAILS` names this
 * start.
 */
export function testSpawnCommand(
  env: Environment,
  command: CommandLine,
  options: { index: number; start: number },
): CommandLine {
  if (env.SERVING_TEST_HOOKS !== "true") return command;
  const match = (env.SERVING_TEST_SPAWN_FAILS ?? "").match(SPEC);
  if (match === null || Number(match[1]) !== options.index) return command;
  const first = Number(match[2]);
  const fails = match[3] === "+" ? options.start >= first : options.start === first;
  return fails ? { command: MISSING_EXECUTABLE, args: [] } : command;
}
