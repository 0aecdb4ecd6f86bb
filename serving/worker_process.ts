/**
 * The entry of a worker process (`main.ts worker`): load the model, serve, report the port to
 * the supervisor, and stop gracefully on SIGTERM.
 *
 * @module
 */

import { log } from "../log.ts";
import { loadModel, type StoredModel } from "../model_store.ts";
import type { Environment } from "../sagemaker/paths.ts";
import { readServingConfig } from "../sagemaker/serving_config.ts";
import { multiModelFromEnv } from "./multi_model.ts";
import { READY_PREFIX } from "./supervisor.ts";
import { startWorker } from "./worker.ts";

/** How the supervisor asks a worker to listen. */
export interface WorkerProcessOptions {
  /** The worker's number, for logs. */
  readonly index: number;
  /** The port to ask for; 0 for any free one. */
  readonly port: number;
  /** Share the public port with the other workers (no nginx). */
  readonly public: boolean;
}

/** Runs one worker until SIGTERM; returns the exit code. */
export async function runWorkerProcess(
  env: Environment,
  options: WorkerProcessOptions,
): Promise<number> {
  log.configure({ fields: { worker: options.index } });
  let config, multiModel;
  let stored: StoredModel | undefined;
  try {
    config = readServingConfig(env, navigator.hardwareConcurrency);
    multiModel = multiModelFromEnv(env, config.workers);
    if (multiModel === undefined) stored = await loadModel(config.modelDir);
  } catch (error) {
    log.error(`worker cannot start: ${(error as Error).message}`);
    return 1;
  }
  const listen = (hostname: string, port: number) =>
    startWorker({
      hostname,
      port,
      reusePort: options.public,
      stored,
      multiModel,
      bodyLimitBytes: config.bodyLimitBytes,
      config,
      onListen: (actual) => console.log(`${READY_PREFIX}${actual}`),
    });
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
  const stop = () => server.shutdown();
  Deno.addSignalListener("SIGTERM", stop);
  // Ctrl-C reaches every process of the terminal; the supervisor decides when workers stop.
  Deno.addSignalListener("SIGINT", () => {});
  await server.finished;
  return 0;
}
