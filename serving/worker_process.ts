/**
 * The entry of a worker process (`main.ts worker`): load the model, serve, report the port to
 * the supervisor, log its metrics now and then, and stop gracefully on SIGTERM, or when its
 * stdin ends (`--watch-stdin`: the supervisor is gone, even killed with SIGKILL).
 *
 * @module
 */

import { log } from "../log.ts";
import { loadModel, type StoredModel } from "../model_store.ts";
import { readLogConfig } from "../sagemaker/log_config.ts";
import { containerMemoryBytes, readMultiModelConfig } from "../sagemaker/multi_model_config.ts";
import type { Environment } from "../sagemaker/paths.ts";
import { readServingConfig } from "../sagemaker/serving_config.ts";
import { RequestMetrics, residentMegabytes } from "./metrics.ts";
import { multiModelHandlerFor } from "./multi_model/mod.ts";
import { READY_PREFIX } from "./self_command.ts";
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
}

/** How long in-flight requests may take to finish once the supervisor is gone. */
const ORPHAN_GRACE_MS = 5_000;

/** Resolves when stdin ends (or cannot be read). */
async function stdinEnded(): Promise<void> {
  const buffer = new Uint8Array(256);
  try {
    while ((await Deno.stdin.read(buffer)) !== null) {
      // The supervisor writes nothing; anything read is ignored.
    }
  } catch {
    // A closed or broken stdin means the same.
  }
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
    config = readServingConfig(env, navigator.hardwareConcurrency);
    const machine = { workers: config.workers, memoryBytes: containerMemoryBytes() };
    multiModel = multiModelHandlerFor(readMultiModelConfig(env, machine));
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
  // Ctrl-C reaches every process of the terminal; the supervisor decides when workers stop.
  Deno.addSignalListener("SIGINT", () => {});
  if (options.watchStdin === true) {
    stdinEnded().then(() => {
      log.warn("supervisor is gone (stdin closed): worker is stopping");
      const force = setTimeout(() => {
        log.flush();
        Deno.exit(1);
      }, ORPHAN_GRACE_MS);
      Deno.unrefTimer(force);
      server.shutdown();
    });
  }
  await server.finished;
  clearInterval(timer);
  log.flush();
  return 0;
}
