/**
 * Reads a process tree from `/proc`: which processes a server started and how much memory
 * (resident set, `VmRSS`) each one holds.
 *
 * Deno lets only `--allow-all` programs read `/proc`, and `deno task bench` runs with the
 * project's explicit permissions, so the files are read by `cat` and `grep` (`--allow-run`).
 *
 * @module
 */

/** Reads `/proc` files through a shell, printing nothing for the ones that vanished. */
export async function readProc(script: string): Promise<string> {
  const output = await new Deno.Command("/bin/sh", {
    args: ["-c", script],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(output.stdout);
}

/** One process as `/proc` shows it. */
export interface ProcessInfo {
  /** The process id. */
  readonly pid: number;
  /** The parent's process id. */
  readonly ppid: number;
  /** The short command name (`comm`), for example `nginx` or `deno`. */
  readonly name: string;
  /** The state letter, for example `S` (sleeping) or `Z` (zombie). */
  readonly state: string;
}

/** The memory of a process tree, split into serving workers and the rest. */
export interface TreeMemory {
  /** Resident memory of every process in the tree, in KiB. */
  readonly totalKiB: number;
  /** Resident memory of each worker, in KiB. */
  readonly workerKiB: readonly number[];
  /** Mean resident memory of a worker, in KiB (NaN when there is no worker). */
  readonly perWorkerKiB: number;
  /** Number of processes in the tree. */
  readonly processes: number;
  /**
   * Mean proportional set size of a worker in KiB (`Pss` of `/proc/<pid>/smaps_rollup`): pages
   * shared with other processes (the Deno or Python executable, libraries, gunicorn's forked
   * pages) count divided by the number of processes sharing them. NaN when unreadable.
   */
  readonly pssPerWorkerKiB?: number;
  /** Proportional set size of the whole tree in KiB: what the tree costs the machine. */
  readonly pssTotalKiB?: number;
}

/**
 * Parses the text of `/proc/<pid>/stat`. The command name sits in parentheses and may itself
 * hold spaces or parentheses, so the fields after it are found from the last `)`.
 *
 * @example
 * ```ts
 * parseStat("42 (my proc) S 1 42 42 0"); // { pid: 42, ppid: 1, name: "my proc", state: "S" }
 * ```
 */
export function parseStat(text: string): ProcessInfo {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`Cannot parse /proc stat line: ${text}`);
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 2).split(" ");
  return { pid, ppid: Number(rest[1]), name: text.slice(open + 1, close), state: rest[0] };
}

/** Parses the `VmRSS` line of `/proc/<pid>/status` into KiB; 0 when absent (a zombie). */
export function parseVmRss(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match === null ? 0 : Number(match[1]);
}

/** Lists every process of the machine that can still be read. */
export async function listProcesses(): Promise<ProcessInfo[]> {
  const text = await readProc("cat /proc/[0-9]*/stat 2>/dev/null");
  const found: ProcessInfo[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() !== "") found.push(parseStat(line));
  }
  return found;
}

/** Returns the process `root` and all its descendants, `root` first. */
export function processTree(root: number, processes: readonly ProcessInfo[]): ProcessInfo[] {
  const children = new Map<number, ProcessInfo[]>();
  let rootInfo: ProcessInfo | undefined;
  for (const process of processes) {
    if (process.pid === root) rootInfo = process;
    const siblings = children.get(process.ppid) ?? [];
    siblings.push(process);
    children.set(process.ppid, siblings);
  }
  if (rootInfo === undefined) return [];
  const tree = [rootInfo];
  for (let i = 0; i < tree.length; i++) {
    for (const child of children.get(tree[i].pid) ?? []) tree.push(child);
  }
  return tree;
}

/**
 * Tells whether a process of a tree is a serving worker: a leaf (it started no process) that
 * is not nginx. That picks Deno workers under our supervisor and gunicorn's sync workers under
 * the gunicorn master alike, and leaves out supervisors, nginx and gunicorn's master.
 */
export function isWorker(process: ProcessInfo, tree: readonly ProcessInfo[]): boolean {
  if (process.name === "nginx" || tree.length < 2) return false;
  return !tree.some((other) => other.ppid === process.pid);
}

/** Reads the resident memory of some processes in KiB; a process that is gone is left out. */
async function readRssKiB(pids: readonly number[]): Promise<Map<number, number>> {
  const rss = new Map<number, number>();
  if (pids.length === 0) return rss;
  const files = pids.map((pid) => `/proc/${pid}/status`).join(" ");
  const text = await readProc(`grep -H '^VmRSS:' ${files} 2>/dev/null`);
  for (const line of text.split("\n")) {
    const match = /^\/proc\/(\d+)\/status:(.*)$/.exec(line);
    if (match !== null) rss.set(Number(match[1]), parseVmRss(match[2]));
  }
  return rss;
}

/** Parses the `Pss` line of `/proc/<pid>/smaps_rollup` into KiB; 0 when absent. */
export function parsePss(smapsRollup: string): number {
  const match = /^Pss:\s+(\d+)\s+kB$/m.exec(smapsRollup);
  return match === null ? 0 : Number(match[1]);
}

/** Reads the proportional set size of some processes in KiB; a process that is gone is left out. */
async function readPssKiB(pids: readonly number[]): Promise<Map<number, number>> {
  const pss = new Map<number, number>();
  if (pids.length === 0) return pss;
  const files = pids.map((pid) => `/proc/${pid}/smaps_rollup`).join(" ");
  const text = await readProc(`grep -H '^Pss:' ${files} 2>/dev/null`);
  for (const line of text.split("\n")) {
    const match = /^\/proc\/(\d+)\/smaps_rollup:(.*)$/.exec(line);
    if (match !== null) pss.set(Number(match[1]), parsePss(match[2]));
  }
  return pss;
}

/** Measures the resident memory of the tree under `root`, workers apart. */
export async function measureTreeMemory(root: number): Promise<TreeMemory> {
  const tree = processTree(root, await listProcesses());
  const pids = tree.map((process) => process.pid);
  const [rss, pss] = await Promise.all([readRssKiB(pids), readPssKiB(pids)]);
  let totalKiB = 0;
  let pssTotalKiB = 0;
  const workerKiB: number[] = [];
  const workerPssKiB: number[] = [];
  for (const process of tree) {
    const kib = rss.get(process.pid) ?? 0;
    totalKiB += kib;
    pssTotalKiB += pss.get(process.pid) ?? 0;
    if (isWorker(process, tree)) {
      workerKiB.push(kib);
      workerPssKiB.push(pss.get(process.pid) ?? NaN);
    }
  }
  function mean(values: number[]): number {
    return values.length === 0
      ? NaN
      : values.reduce((sum, value) => sum + value, 0) / values.length;
  }
  return {
    totalKiB,
    workerKiB,
    perWorkerKiB: mean(workerKiB),
    processes: tree.length,
    pssPerWorkerKiB: mean(workerPssKiB),
    pssTotalKiB: pss.size === 0 ? NaN : pssTotalKiB,
  };
}
