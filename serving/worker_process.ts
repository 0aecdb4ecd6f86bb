/**
 * The entry of a worker process (`main.ts worker`): load the model, serve, report the port to
 * the supervisor, write heartbeats (`--heartbeat`), log its metrics now and then, and stop
 * gracefully on SIGTERM, or when its stdin ends (`--watch-stdin`: the supervisor is gone, even
 * killed with SIGKILL). In that last case the worker also stops the processes and removes the
 * folders `serve` named on its stdin (`@leftovers`): nginx cannot notice that `serve` is gone.
 *
 * @module
 */

import { log } from "../log.ts";
import { loadModel, type StoredModel } from "../model_store.ts";
import { readLogConfig } from "../sagemaker/log_config.ts";
import { containerMemoryBytes } from "../sagemaker/machine.ts";
import { readMultiModelConfig } from "../sagemaker/multi_model_config.ts";
import type { Environment } from "../sagemaker/paths.ts";
import { readServingConfig } from "../sagemaker/serving_config.ts";
import { RequestMetrics, residentMegabytes } from "./metrics.ts";
import { multiModelHandlerFor } from "./multi_model/mod.ts";
import { startHeartbeats } from "./heartbeat.ts";
import { type Leftovers, LEFTOVERS_PREFIX, READY_PREFIX } from "./self_command.ts";
import { createTestHookHandler, testHooksEnabled } from "./test_hooks.ts";
import { createHandler, type HandlerOptions, startWorker } from "./worker.ts";

/** How the supervisor asks a worker to listen. */
export interface WorkerProcessOptions {
  /** The worker's number, for logs. */
  readonly index: number;
  /** The port to ask for; 0 for any free one. */
  readonly port: number;
  /** Share the public port with the other workers (no nginx). */
  readonly public: boolean;
  /** Exit when stdin reaches its end: the supervisor keeps it open as long as it lives. */
  readonly watchStdin?: boolean;
  /** Write the heartbeat bytes on stdout (see `heartbeat.ts`). */
  readonly heartbeat?: boolean;
}

/** How long in-flight requests may take to finish once the supervisor is gone. */
const ORPHAN_GRACE_MS = 5_000;

/** Reads the supervisor's lines on stdin until it ends (or cannot be read). */
async function readStdinLines(onLine: (line: string) => void): Promise<void> {
  let pending = "";
  try {
    for await (const text of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop()!;
      for (const line of lines) onLine(line);
    }
  } catch {
    // A closed or broken stdin means the same.
  }
}

/** The leftovers named by a `@leftovers` line, or undefined for any other line. */
export function parseLeftovers(line: string): Leftovers | undefined {
  if (!line.startsWith(LEFTOVERS_PREFIX)) return undefined;
  let value;
  try {
    value = JSON.parse(line.slice(LEFTOVERS_PREFIX.length));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const numbers = (list: unknown) =>
    Array.isArray(list) ? list.filter((pid) => Number.isInteger(pid) && pid > 1) : [];
  const strings = (list: unknown) =>
    Array.isArray(list) ? list.filter((dir) => typeof dir === "string" && dir !== "/") : [];
  return { pids: numbers(value.pids), dirs: strings(value.dirs) };
}

/** Sends `signal` to each process; one already gone is skipped. */
function signalAll(pids: readonly number[], signal: Deno.Signal): void {
  for (const pid of pids) {
    try {
      Deno.kill(pid, signal);
    } catch { /* gone */ }
  }
}

/** Removes each folder; another worker may have been quicker. */
function removeAll(dirs: readonly string[]): void {
  for (const dir of dirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* gone */ }
  }
}

/** Logs without failing: once the supervisor is gone, stdout and stderr are broken pipes. */
function tryLog(write: () => void): void {
  try {
    write();
  } catch { /* nobody reads the log any more */ }
}

/** Runs one worker until SIGTERM; returns the exit code. */
export async function runWorkerProcess(
  env: Environment,
  options: WorkerProcessOptions,
): Promise<number> {
  log.configure({ fields: { worker: options.index } });
  const logging = readLogConfig(env);
  let config, multiModel;
  let stored: StoredModel | undefined;
  try {
    const memoryBytes = containerMemoryBytes();
    config = readServingConfig(env, navigator.hardwareConcurrency, { memoryBytes });
    const machine = { workers: config.workers, memoryBytes };
    multiModel = multiModelHandlerFor(readMultiModelConfig(env, machine), {
      timeoutSeconds: config.timeoutSeconds,
    });
    if (multiModel === undefined) stored = await loadModel(config.modelDir);
  } catch (error) {
    log.error(`worker cannot start: ${(error as Error).message}`);
    return 1;
  }
  const metrics = logging.metricsIntervalSeconds > 0 ? new RequestMetrics() : undefined;
  const handlerOptions: HandlerOptions = {
    config,
    stored,
    multiModel,
    proxied: !options.public,
    // Behind nginx, nginx writes the access lines; without it, the worker does.
    accessLog: options.public && logging.accessLog,
    pingAccessLog: logging.pingAccessLog,
    metrics,
  };
  const handler = testHooksEnabled(env)
    ? createTestHookHandler(handlerOptions)
    : createHandler(handlerOptions);
  const listen = (hostname: string, port: number) =>
    startWorker({
      hostname,
      port,
      reusePort: options.public,
      onListen: (actual) => console.log(`${READY_PREFIX}${actual}`),
    }, handler);
  let server: Deno.HttpServer;
  if (options.public) {
    server = listen("0.0.0.0", options.port);
  } else {
    try {
      server = listen("127.0.0.1", options.port);
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse) || options.port === 0) throw error;
      server = listen("127.0.0.1", 0);
    }
  }
  const timer = metrics === undefined ? undefined : setInterval(() => {
    log.info("metrics", { ...metrics.take(), rss_mb: residentMegabytes() });
  }, logging.metricsIntervalSeconds * 1000);
  if (timer !== undefined) Deno.unrefTimer(timer);
  const stop = () => server.shutdown();
  Deno.addSignalListener("SIGTERM", stop);
  // Ctrl-C, Ctrl-\ and a closed terminal reach every process of the terminal: the supervisor
  // decides when workers stop.
  for (const signal of ["SIGINT", "SIGQUIT", "SIGHUP"] as const) {
    Deno.addSignalListener(signal, () => {});
  }
  const heartbeats = options.heartbeat === true ? startHeartbeats() : undefined;
  let leftovers: Leftovers = { pids: [], dirs: [] };
  let orphaned = false;
  if (options.watchStdin === true) {
    readStdinLines((line) => {
      leftovers = parseLeftovers(line) ?? leftovers;
    }).then(() => {
      orphaned = true;
      // nginx stops taking connections at once and finishes what it has (SIGQUIT).
      signalAll(leftovers.pids, "SIGQUIT");
      tryLog(() => log.warn("supervisor is gone (stdin closed): worker is stopping"));
      const force = setTimeout(() => {
        cleanUpAfterSupervisor(leftovers);
        Deno.exit(1);
      }, ORPHAN_GRACE_MS);
      Deno.unrefTimer(force);
      server.shutdown();
    });
  }
  await server.finished;
  clearInterval(timer);
  heartbeats?.stop();
  if (orphaned) cleanUpAfterSupervisor(leftovers);
  else log.flush();
  return 0;
}

/** What `serve` would have done on its way out: nginx stopped now (SIGTERM), folders removed. */
function cleanUpAfterSupervisor(leftovers: Leftovers): void {
  signalAll(leftovers.pids, "SIGTERM");
  removeAll(leftovers.dirs);
  tryLog(() => log.flush());
}
