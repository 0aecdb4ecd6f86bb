/**
 * The supervisor: starts the worker processes, forwards their logs, restarts one that dies
 * (and gives up on a crash loop), and stops them all gracefully.
 *
 * A worker tells the supervisor it is ready by writing `@ready <port>` on its stdout. Its stdin is
 * a pipe the supervisor never writes to and never closes: when the supervisor dies, even by
 * SIGKILL, the pipe closes and a worker started with `--watch-stdin` stops instead of living on as
 * an orphan.
 *
 * @module
 */

import { log } from "../log.ts";
import { type CommandLine, READY_PREFIX } from "./self_command.ts";

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
}

interface WorkerSlot {
  index: number;
  port: number;
  child: Deno.ChildProcess | undefined;
  stderrTail: string[];
  restarts: number[];
  /** Resolved the first time this slot has a worker that listens. */
  firstReady: PromiseWithResolvers<void>;
}

const TAIL_LINES = 10;
const encoder = new TextEncoder();

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
      });
    }
    // A failed first start is handled by #onExit (restart or give up), like any other exit.
    for (const slot of this.#slots) this.#spawn(slot).catch(() => {});
    await Promise.all(this.#slots.map((slot) => slot.firstReady.promise));
    return this.ports;
  }

  /** Stops every worker with SIGTERM (they finish in-flight requests), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
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
    const ready = Promise.withResolvers<number>();
    forwardLines(child.stdout, (line) => {
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
