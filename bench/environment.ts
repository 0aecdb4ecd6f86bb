/**
 * The lines at the top of the serving report that say where and with what it ran: the machine,
 * its load, the commit, and the versions of every stack's software.
 *
 * @module
 */

import { firstLine, NGINX, runCommand, WRK } from "./command.ts";
import { readProc } from "./process_tree.ts";
import { describeReference } from "./reference.ts";

/** The 1-, 5- and 15-minute load averages, as `/proc/loadavg` shows them. */
export async function loadAverage(): Promise<string> {
  return (await readProc("cat /proc/loadavg")).split(" ").slice(0, 3).join(" ");
}

async function describeCommit(): Promise<string> {
  const commit = await firstLine("git", ["rev-parse", "--short", "HEAD"]);
  const clean = (await runCommand("git", ["diff", "--quiet", "HEAD", "--"])).success;
  return clean ? commit : `${commit} (with uncommitted changes)`;
}

/** Describes the machine and the software of a run with `workers` workers per stack. */
export async function describeEnvironment(
  workers: number,
  oursExecutable: string | undefined,
): Promise<string[]> {
  const cpuinfo = await readProc("cat /proc/cpuinfo");
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown CPU";
  const reference = await describeReference();
  const commit = await describeCommit();
  return [
    `machine: ${navigator.hardwareConcurrency} cores (${model}), ${workers} workers per stack`,
    `load average at start: ${await loadAverage()}` +
    " (the machine may be shared: compare ratios, not absolute figures, across runs)",
    `ours: Deno ${Deno.version.deno}, commit ${commit}` +
    (oursExecutable === undefined ? ", deno run main.ts" : `, executable ${oursExecutable}`),
    reference,
    `nginx: ${(await firstLine(NGINX, ["-v"])).replace("nginx version: ", "")}; ` +
    `load generator: ${await firstLine(WRK, ["--version"])}`,
  ];
}
