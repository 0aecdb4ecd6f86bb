/**
 * The supervisor: starts the worker processes, forwards their logs, restarts one that dies
 * (and gives up on a crash loop), replaces one that stops answering, and stops them all
 * gracefully.
 *
 * A worker tells the supervisor it is ready by writing `@ready <port>` on its stdout, and that it
 * is alive by writing a heartbeat byte there every 500 ms (`--heartbeat`). Its stdin is a pipe
 * the supervisor writes announcements to and never closes: when the supervisor dies, even by
 * SIGKILL, the pipe closes and a worker started with `--watch-stdin` stops instead of living on as
 * an orphan, and cleans up what the announcements named (nginx, temporary folders).
 *
 * A silent worker is one of two things. Stopped (SIGSTOP, a frozen cgroup): its process state
 * says so after {@linkcode STOPPED_CHECK_MS} of silence, and it is replaced at once. Or busy: one
 * long model call blocks its event loop, which may legitimately last until the request's timeout;
 * past `stuckAfterMs` it is stuck (in a loop) and replaced.
 *
 * @module
 */

import { log } from "../log.ts";
import {
  type CommandLine,
  HEARTBEAT_BYTE,
  HEARTBEAT_INTERVAL_MS,
  READY_PREFIX,
} from "./self_command.ts";

/** Options of {@linkcode Supervisor}. */
export interface SupervisorOptions {
  /** Number of workers. */
  readonly count: number;
  /** The whole environment of every worker: nothing else is inherited. */
  readonly env: Readonly<Record<string, string>>;
  /** The command line of worker `index` asked to listen on `port` (0: any free port). */
  readonly command: (index: number, port: number) => CommandLine;
  /** The port each worker asks for at first. */
  readonly initialPort: (index: number) => number;
  /** Called when a restarted worker listens on a different port than before. */
  readonly onPortsChanged?: (ports: readonly number[]) => void | Promise<void>;
  /** Called when a worker keeps dying and the supervisor gives up. */
  readonly onGiveUp?: (reason: string) => void;
  /** Restarts allowed per worker within {@linkcode restartWindowMs}; default 5. */
  readonly maxRestarts?: number;
  /** The window for counting restarts; default 60 s. */
  readonly restartWindowMs?: number;
  /** How long a worker may take to become ready; default 30 s. */
  readonly readyTimeoutMs?: number;
  /**
   * Replace a worker whose heartbeat has been silent this long (its workers run with
   * `--heartbeat`); without it, heartbeats are not watched.
   */
  readonly stuckAfterMs?: number;
}

/** After this much silence the supervisor looks whether a worker's process is stopped. */
export const STOPPED_CHECK_MS = 2_000;

interface WorkerSlot {
  index: number;
  port: number;
  child: Deno.ChildProcess | undefined;
  stderrTail: string[];
  restarts: number[];
  /** Resolved the first time this slot has a worker that listens. */
  firstReady: PromiseWithResolvers<void>;
  /** `performance.now()` of the worker's last heartbeat; undefined until it is ready. */
  lastBeat: number | undefined;
  /** True while the state of a silent worker is being looked up. */
  checking: boolean;
  /** Writes announcements to the worker's stdin. */
  stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
}

const TAIL_LINES = 10;
const encoder = new TextEncoder();

/** Passes a worker's stdout on without its heartbeat bytes, calling `onBeat` for each. */
function withoutHeartbeats(onBeat: () => void): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      if (!chunk.includes(HEARTBEAT_BYTE)) return controller.enqueue(chunk);
      onBeat();
      const rest = chunk.filter((byte) => byte !== HEARTBEAT_BYTE);
      if (rest.length > 0) controller.enqueue(rest);
    },
  });
}

/**
 * The state letter of a process from `/proc/<pid>/stat` (`R`, `S`, `T` for stopped, ...), or
 * undefined where there is no `/proc`. Read with `cat`, as Deno reads `/proc` only with
 * `--allow-all`; by its full path, as serve may run with a `PATH` that has no `cat`.
 */
async function processState(pid: number): Promise<string | undefined> {
  try {
    const output = await new Deno.Command("/bin/cat", {
      args: [`/proc/${pid}/stat`],
      stdout: "piped",
      stderr: "null",
    }).output();
    const stat = new TextDecoder().decode(output.stdout);
    // The command name in parentheses may itself hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0] || undefined;
  } catch {
    return undefined;
  }
}

async function forwardLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let pending = "";
  try {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      pending += text;
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        onLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    }
  } catch {
    // The child went away; whatever it wrote last is below.
  }
  if (pending !== "") onLine(pending);
}

/** Runs and watches the worker processes. */
export class Supervisor {
  #options: SupervisorOptions;
  #slots: WorkerSlot[] = [];
  #stopping = false;
  #announcements: string[] = [];
  #liveness: ReturnType<typeof setInterval> | undefined;

  /** Creates a supervisor; nothing starts before {@linkcode Supervisor.start}. */
  constructor(options: SupervisorOptions) {
    this.#options = options;
  }

  /** The port of every worker, by index. */
  get ports(): number[] {
    return this.#slots.map((slot) => slot.port);
  }

  /**
   * Starts every worker and resolves with their ports once each has listened. A worker that dies
   * on the way is restarted like any other; a crash loop ends in `onGiveUp` instead.
   */
  async start(): Promise<number[]> {
    for (let index = 0; index < this.#options.count; index++) {
      this.#slots.push({
        index,
        port: this.#options.initialPort(index),
        child: undefined,
        stderrTail: [],
        restarts: [],
        firstReady: Promise.withResolvers<void>(),
        lastBeat: undefined,
        checking: false,
        stdin: undefined,
      });
    }
    if (this.#options.stuckAfterMs !== undefined) {
      this.#liveness = setInterval(() => this.#checkLiveness(), HEARTBEAT_INTERVAL_MS);
    }
    // A failed first start is handled by #onExit (restart or give up), like any other exit.
    for (const slot of this.#slots) this.#spawn(slot).catch(() => {});
    await Promise.all(this.#slots.map((slot) => slot.firstReady.promise));
    return this.ports;
  }

  /** Stops every worker with SIGTERM (they finish in-flight requests), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#liveness);
    await Promise.all(this.#slots.map(async (slot) => {
      const child = slot.child;
      if (child === undefined) return;
      try {
        child.kill("SIGTERM");
      } catch {
        return; // already gone
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, graceMs);
      await child.status;
      clearTimeout(timer);
    }));
  }

  /**
   * Writes `line` to the stdin of every worker, now and of every worker started later (see
   * `LEFTOVERS_PREFIX` in `self_command.ts`).
   */
  async announce(line: string): Promise<void> {
    this.#announcements.push(line);
    await Promise.all(this.#slots.map((slot) => this.#tell(slot, line)));
  }

  async #tell(slot: WorkerSlot, line: string): Promise<void> {
    try {
      await slot.stdin?.write(encoder.encode(line + "\n"));
    } catch {
      // The worker is gone; its successor is told when it starts.
    }
  }

  #checkLiveness(): void {
    const stuckAfterMs = this.#options.stuckAfterMs!;
    const now = performance.now();
    for (const slot of this.#slots) {
      const child = slot.child;
      if (this.#stopping || child === undefined || slot.lastBeat === undefined) continue;
      const silentMs = now - slot.lastBeat;
      if (silentMs > stuckAfterMs) {
        this.#replace(slot, child, `no heartbeat for ${Math.round(silentMs / 1000)} s: stuck`);
      } else if (silentMs > STOPPED_CHECK_MS && !slot.checking) {
        slot.checking = true;
        processState(child.pid).then((state) => {
          slot.checking = false;
          if (slot.child !== child || slot.lastBeat === undefined) return;
          if (state === "T" || state === "t") {
            this.#replace(slot, child, `stopped (process state ${state})`);
          }
        });
      }
    }
  }

  /** Kills a worker that stopped answering; its exit restarts it like any other. */
  #replace(slot: WorkerSlot, child: Deno.ChildProcess, reason: string): void {
    slot.lastBeat = undefined; // once
    log.error("worker is not answering: replacing it", {
      worker: slot.index,
      pid: child.pid,
      reason,
    });
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }

  async #spawn(slot: WorkerSlot): Promise<void> {
    const { command, args } = this.#options.command(slot.index, slot.port);
    const child = new Deno.Command(command, {
      args,
      env: this.#options.env,
      clearEnv: true,
      // Held open for the worker's life: its end tells the worker that the supervisor is gone.
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    slot.child = child;
    slot.stderrTail = [];
    slot.lastBeat = undefined;
    slot.stdin = child.stdin.getWriter();
    for (const line of this.#announcements) this.#tell(slot, line);
    const ready = Promise.withResolvers<number>();
    const beats = withoutHeartbeats(() => {
      if (slot.child === child && slot.lastBeat !== undefined) slot.lastBeat = performance.now();
    });
    forwardLines(child.stdout.pipeThrough(beats), (line) => {
      if (line.startsWith(READY_PREFIX)) ready.resolve(Number(line.slice(READY_PREFIX.length)));
      else Deno.stdout.writeSync(encoder.encode(line + "\n"));
    });
    const stderrDone = forwardLines(child.stderr, (line) => {
      slot.stderrTail.push(line);
      if (slot.stderrTail.length > TAIL_LINES) slot.stderrTail.shift();
      Deno.stderr.writeSync(encoder.encode(line + "\n"));
    });
    child.status.then(async (status) => {
      await stderrDone;
      ready.reject(new Error(this.#exitMessage(slot, status)));
      if (slot.child === child) this.#onExit(slot, status);
    });
    const timeoutMs = this.#options.readyTimeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      ready.reject(new Error(`Worker ${slot.index} was not ready within ${timeoutMs} ms`));
      try {
        child.kill("SIGKILL"); // its exit goes through #onExit: restart or give up
      } catch { /* gone */ }
    }, timeoutMs);
    try {
      slot.port = await ready.promise;
    } finally {
      clearTimeout(timer);
    }
    slot.lastBeat = performance.now();
    slot.firstReady.resolve();
    log.debug("worker ready", { worker: slot.index, pid: child.pid, port: slot.port });
  }

  #exitMessage(slot: WorkerSlot, status: Deno.CommandStatus): string {
    const how = status.signal ? `signal ${status.signal}` : `code ${status.code}`;
    const tail = slot.stderrTail.length ? `; last stderr: ${slot.stderrTail.join(" | ")}` : "";
    return `Worker ${slot.index} exited with ${how}${tail}`;
  }

  #onExit(slot: WorkerSlot, status: Deno.CommandStatus): void {
    if (this.#stopping) return;
    slot.child = undefined;
    slot.stdin = undefined;
    log.error("worker exited unexpectedly", {
      worker: slot.index,
      code: status.code,
      signal: status.signal ?? undefined,
      stderr: slot.stderrTail.join(" | ") || undefined,
    });
    const now = Date.now();
    const windowMs = this.#options.restartWindowMs ?? 60_000;
    slot.restarts = slot.restarts.filter((time) => now - time < windowMs);
    if (slot.restarts.length >= (this.#options.maxRestarts ?? 5)) {
      this.#options.onGiveUp?.(
        `Worker ${slot.index} died ${slot.restarts.length + 1} times within ${
          windowMs / 1000
        } s; ` +
          `giving up. ${this.#exitMessage(slot, status)}`,
      );
      return;
    }
    slot.restarts.push(now);
    const delay = Math.min(2_000, 100 * 2 ** (slot.restarts.length - 1));
    setTimeout(() => this.#restart(slot), delay);
  }

  async #restart(slot: WorkerSlot): Promise<void> {
    if (this.#stopping) return;
    const before = slot.port;
    try {
      await this.#spawn(slot);
    } catch (error) {
      log.error("worker restart failed", { worker: slot.index, error: (error as Error).message });
      return;
    }
    log.info("worker restarted", { worker: slot.index, pid: slot.child?.pid, port: slot.port });
    if (slot.port !== before) await this.#options.onPortsChanged?.(this.ports);
  }
}
