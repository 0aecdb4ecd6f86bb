/**
 * The supervisor: starts the worker processes, forwards their logs, restarts one that dies
 * (and gives up on a crash loop), replaces one that stops answering, and stops them all
 * gracefully.
 *
 * A worker that exits and a start whose spawn throws (missing executable, `EMFILE`, `EAGAIN`) are
 * both deaths of the worker's slot: logged once, restarted after a backoff (0.1 s, doubling, at
 * most 2 s), and counted towards the crash loop. A death is one line: the exit code or signal
 * with the stderr lines the log has not shown yet (a starting worker's lines are held until it
 * listens, so that a worker dying at start shows them once, with its exit), or the spawn's error.
 * The death that makes a crash loop is told by the give-up message alone.
 *
 * A worker tells the supervisor it is ready by writing `@ready <port>` on its stdout, and that it
 * is alive by writing two heartbeat bytes there every 500 ms (`--heartbeat`, see `heartbeat.ts`):
 * one from a thread of its own, one from its main event loop. Its stdin is a pipe
 * the supervisor writes announcements to and never closes: when the supervisor dies, even by
 * SIGKILL, the pipe closes and a worker started with `--watch-stdin` stops instead of living on as
 * an orphan, and cleans up what the announcements named (nginx, temporary folders).
 *
 * A silent worker is one of two things. Stopped (SIGSTOP, a frozen cgroup): every thread is
 * silent, so once its thread beat has been missing for {@linkcode STOPPED_AFTER_MS} it is replaced
 * at once. Or busy: one long model call blocks its event loop but not its beat thread, which may
 * legitimately last until the request's timeout; once its loop beat has been missing for
 * `stuckAfterMs` it is stuck (in a loop) and replaced.
 *
 * @module
 */

import { log } from "../log.ts";
import { forwardLines } from "./child_lines.ts";
import {
  type CommandLine,
  HEARTBEAT_INTERVAL_MS,
  LOOP_BEAT_BYTE,
  READY_PREFIX,
  THREAD_BEAT_BYTE,
} from "./self_command.ts";
import { testSpawnCommand } from "./spawn_test_hook.ts";

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
   * Replace a worker whose loop beat has been silent this long (its workers run with
   * `--heartbeat`); without it, heartbeats are not watched.
   */
  readonly stuckAfterMs?: number;
}

/** A worker whose thread beat has been silent this long is stopped, and replaced. */
export const STOPPED_AFTER_MS = 2_000;

interface WorkerSlot {
  index: number;
  port: number;
  child: Deno.ChildProcess | undefined;
  /** How many times this slot has been started (the first start is 1). */
  starts: number;
  /** When each of the slot's recent deaths (exits and failed spawns) was restarted. */
  restarts: number[];
  /** Resolved the first time this slot has a worker that listens. */
  firstReady: PromiseWithResolvers<void>;
  /**
   * `performance.now()` of the worker's last loop beat; undefined until it is ready, and once it
   * is being replaced. Beats are watched only while it is set.
   */
  lastBeat: number | undefined;
  /**
   * `performance.now()` of the worker's last thread beat; undefined until the first one (the
   * thread starts soon after the worker is ready, see `BEAT_THREAD_DELAY_MS` in `heartbeat.ts`),
   * or if its thread never runs.
   */
  lastThreadBeat: number | undefined;
  /** Writes announcements to the worker's stdin. */
  stdin: WritableStreamDefaultWriter<Uint8Array> | undefined;
}

/** How many of a starting worker's last stderr lines are held for its exit line. */
const TAIL_LINES = 10;
const encoder = new TextEncoder();

/** A death of a worker slot, as {@linkcode Supervisor.#onDeath} logs it. */
interface Death {
  /** The message of its log line. */
  message: string;
  /** The fields of its log line besides the worker's index. */
  fields: Record<string, unknown>;
  /** One sentence for the crash-loop message, should this death end serving. */
  summary: string;
}

/** Writes a line a worker wrote on its stderr to the supervisor's. */
function writeStderrLine(line: string): void {
  Deno.stderr.writeSync(encoder.encode(line + "\n"));
}

/** Callbacks of {@linkcode withoutHeartbeats}: which beats a chunk of stdout held. */
interface BeatListener {
  onThreadBeat(): void;
  onLoopBeat(): void;
}

/**
 * Passes a worker's stdout on without its heartbeat bytes, wherever they are (even inside a
 * line), and reports each chunk's beats. Bytes, not text: a beat between the bytes of one UTF-8
 * character must not break it.
 */
function withoutHeartbeats(listener: BeatListener): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      const thread = chunk.includes(THREAD_BEAT_BYTE);
      const loop = chunk.includes(LOOP_BEAT_BYTE);
      if (!thread && !loop) return controller.enqueue(chunk);
      if (thread) listener.onThreadBeat();
      if (loop) listener.onLoopBeat();
      const rest = chunk.filter((byte) => byte !== THREAD_BEAT_BYTE && byte !== LOOP_BEAT_BYTE);
      if (rest.length > 0) controller.enqueue(rest);
    },
  });
}

/** Runs and watches the worker processes. */
export class Supervisor {
  #options: SupervisorOptions;
  #slots: WorkerSlot[] = [];
  #stopping = false;
  #announcements: string[] = [];
  #liveness: ReturnType<typeof setInterval> | undefined;
  /** `performance.now()` of the last liveness check. */
  #lastCheck = 0;

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
        starts: 0,
        restarts: [],
        firstReady: Promise.withResolvers<void>(),
        lastBeat: undefined,
        lastThreadBeat: undefined,
        stdin: undefined,
      });
    }
    if (this.#options.stuckAfterMs !== undefined) {
      this.#lastCheck = performance.now();
      this.#liveness = setInterval(() => this.#checkLiveness(), HEARTBEAT_INTERVAL_MS);
    }
    // A failed first start is a death like any other: restarted, or a crash loop.
    for (const slot of this.#slots) this.#launch(slot, false);
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
    const late = now - this.#lastCheck > 2 * HEARTBEAT_INTERVAL_MS;
    this.#lastCheck = now;
    // After a pause of the supervisor's own (its event loop blocked, the machine overloaded),
    // beats may wait unread in the pipes: the next check, once they are read, judges.
    if (late) return;
    for (const slot of this.#slots) {
      const child = slot.child;
      if (this.#stopping || child === undefined || slot.lastBeat === undefined) continue;
      const silentMs = now - slot.lastBeat;
      // Before the thread's first beat, silence may be a busy worker: only the stuck rule holds.
      const threadSilentMs = slot.lastThreadBeat === undefined ? 0 : now - slot.lastThreadBeat;
      if (threadSilentMs > STOPPED_AFTER_MS) {
        const seconds = (threadSilentMs / 1000).toFixed(1);
        this.#replace(slot, child, `stopped (no heartbeat from any thread for ${seconds} s)`);
      } else if (silentMs > stuckAfterMs) {
        this.#replace(slot, child, `no heartbeat for ${Math.round(silentMs / 1000)} s: stuck`);
      }
    }
  }

  /** Kills a worker that stopped answering; its exit restarts it like any other. */
  #replace(slot: WorkerSlot, child: Deno.ChildProcess, reason: string): void {
    slot.lastBeat = undefined; // once
    slot.lastThreadBeat = undefined;
    log.error("worker is not answering: replacing it", {
      worker: slot.index,
      pid: child.pid,
      reason,
    });
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }

  /**
   * Starts a worker in `slot` (`restarted`: after a death) and resolves once it listens, or once
   * it is known not to: a spawn that throws, and a worker that exits, are deaths of the slot,
   * logged and handled by {@linkcode Supervisor.#onDeath}.
   */
  async #launch(slot: WorkerSlot, restarted: boolean): Promise<void> {
    if (this.#stopping) return;
    const before = slot.port;
    slot.starts++;
    const command = testSpawnCommand(
      this.#options.env,
      this.#options.command(slot.index, slot.port),
      { index: slot.index, start: slot.starts },
    );
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(command.command, {
        args: command.args,
        env: this.#options.env,
        clearEnv: true,
        // Held open for the worker's life: its end tells the worker that the supervisor is gone.
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
    } catch (error) {
      const cause = (error as Error).message;
      this.#onDeath(slot, {
        message: "worker could not be started",
        fields: { error: cause },
        summary: `Worker ${slot.index} could not be started: ${cause}`,
      });
      return;
    }
    slot.child = child;
    slot.lastBeat = undefined;
    slot.lastThreadBeat = undefined;
    slot.stdin = child.stdin.getWriter();
    for (const line of this.#announcements) this.#tell(slot, line);
    const ready = Promise.withResolvers<number>();
    const beats = withoutHeartbeats({
      onThreadBeat: () => {
        if (slot.child !== child) return;
        if (slot.lastThreadBeat === undefined && slot.lastBeat !== undefined) {
          log.debug("worker heartbeat thread beats", { worker: slot.index, pid: child.pid });
        }
        slot.lastThreadBeat = performance.now();
      },
      onLoopBeat: () => {
        if (slot.child === child && slot.lastBeat !== undefined) slot.lastBeat = performance.now();
      },
    });
    forwardLines(child.stdout.pipeThrough(beats), (line) => {
      if (line.startsWith(READY_PREFIX)) ready.resolve(Number(line.slice(READY_PREFIX.length)));
      else Deno.stdout.writeSync(encoder.encode(line + "\n"));
    });
    // Until the worker listens, its stderr lines are held: should it die first, they appear once,
    // in its exit line, with its exit code. Once it listens they are passed on as they come.
    let held: string[] | undefined = [];
    const showHeld = () => {
      for (const line of held ?? []) writeStderrLine(line);
      held = undefined;
    };
    const stderrDone = forwardLines(child.stderr, (line) => {
      if (held === undefined) return writeStderrLine(line);
      held.push(line);
      if (held.length > TAIL_LINES) writeStderrLine(held.shift()!);
    });
    child.status.then(async (status) => {
      await stderrDone;
      ready.reject(new Error(`Worker ${slot.index} exited`));
      if (slot.child === child && !this.#stopping) return this.#onExit(slot, status, held ?? []);
      showHeld();
    });
    const timeoutMs = this.#options.readyTimeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      log.error("worker was not ready in time: replacing it", {
        worker: slot.index,
        pid: child.pid,
        timeout_ms: timeoutMs,
      });
      try {
        child.kill("SIGKILL"); // its exit is a death like any other
      } catch { /* gone */ }
    }, timeoutMs);
    try {
      slot.port = await ready.promise;
    } catch {
      return; // it exited first: #onExit logged it and restarts it or gives up
    } finally {
      clearTimeout(timer);
    }
    showHeld();
    slot.lastBeat = performance.now();
    if (slot.lastThreadBeat !== undefined) slot.lastThreadBeat = slot.lastBeat;
    slot.firstReady.resolve();
    if (!restarted) {
      log.debug("worker ready", { worker: slot.index, pid: child.pid, port: slot.port });
      return;
    }
    log.info("worker restarted", { worker: slot.index, pid: child.pid, port: slot.port });
    if (slot.port !== before) await this.#options.onPortsChanged?.(this.ports);
  }

  /** A worker exited; `unseen` are the last stderr lines it wrote that the log has not shown. */
  #onExit(slot: WorkerSlot, status: Deno.CommandStatus, unseen: readonly string[]): void {
    const how = status.signal ? `signal ${status.signal}` : `code ${status.code}`;
    const tail = unseen.length ? `; last stderr: ${unseen.join(" | ")}` : "";
    this.#onDeath(slot, {
      message: "worker exited unexpectedly",
      fields: {
        code: status.code,
        signal: status.signal ?? undefined,
        stderr: unseen.join(" | ") || undefined,
      },
      summary: `Worker ${slot.index} exited with ${how}${tail}`,
    });
  }

  /**
   * A worker died, or could not be started: logs it once and starts another after a backoff, or,
   * on the death that makes a crash loop, gives up with `death.summary` instead of logging it.
   */
  #onDeath(slot: WorkerSlot, death: Death): void {
    if (this.#stopping) return;
    slot.child = undefined;
    slot.stdin = undefined;
    const now = Date.now();
    const windowMs = this.#options.restartWindowMs ?? 60_000;
    slot.restarts = slot.restarts.filter((time) => now - time < windowMs);
    if (slot.restarts.length >= (this.#options.maxRestarts ?? 5)) {
      const reason = `Worker ${slot.index} died ${slot.restarts.length + 1} times within ${
        windowMs / 1000
      } s; giving up. ${death.summary}`;
      if (this.#options.onGiveUp === undefined) log.error(reason);
      else this.#options.onGiveUp(reason);
      return;
    }
    log.error(death.message, { worker: slot.index, ...death.fields });
    slot.restarts.push(now);
    const delay = Math.min(2_000, 100 * 2 ** (slot.restarts.length - 1));
    setTimeout(() => this.#launch(slot, true), delay);
  }
}
