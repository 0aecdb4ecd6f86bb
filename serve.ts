/**
 * The serving contract: check that the port is free and the model is good, start the workers,
 * render and run nginx in front, and stop everything gracefully on SIGTERM, SIGINT, SIGHUP or
 * SIGQUIT. Nothing of it outlives it: on a clean stop it stops nginx and the workers and removes
 * nginx's folder itself; killed with SIGKILL, its workers notice (their stdin ends) and do it,
 * and where the machine has util-linux's `setpriv` the kernel stops nginx too (parent-death
 * signal), even when no worker is alive to notice.
 *
 * Without nginx on the machine the workers share the public port themselves (`reusePort`).
 *
 * @module
 */

import { log } from "./log.ts";
import { describeModel, loadModel, ModelFileError, type StoredModel } from "./model_store.ts";
import type { Environment } from "./sagemaker/paths.ts";
import { type LogConfig, readLogConfig } from "./sagemaker/log_config.ts";
import { platformLimitWarnings } from "./sagemaker/platform_limits.ts";
import { containerMemoryBytes } from "./sagemaker/machine.ts";
import { STOP_SIGNALS } from "./sagemaker/stop_signals.ts";
import {
  type MultiModelConfig,
  readMultiModelConfig,
  REGISTRY_VARIABLE,
} from "./sagemaker/multi_model_config.ts";
import { ConfigError, readServingConfig, type ServingConfig } from "./sagemaker/serving_config.ts";
import { ModelRegistry } from "./serving/multi_model/mod.ts";
import {
  findExecutable,
  findNginx,
  NginxProcess,
  renderNginxConfig,
  WORKERS_READY_FILE,
} from "./serving/nginx.ts";
import { assertPortFree, PortInUseError, reservePorts } from "./serving/ports.ts";
import { LEFTOVERS_PREFIX, selfCommand } from "./serving/self_command.ts";
import { Supervisor } from "./serving/supervisor.ts";
import { VERSION } from "./version.ts";

/** Waits until something accepts TCP connections on `port` of 127.0.0.1. */
async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port });
      connection.close();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`Nothing listens on port ${port}: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** How long past `MODEL_SERVER_TIMEOUT` a worker may stay silent before it counts as stuck. */
const STUCK_GRACE_MS = 5_000;

function workerArgs(index: number, port: number, publicPort: boolean): string[] {
  const args = [
    "worker",
    "--index",
    String(index),
    "--port",
    String(port),
    "--watch-stdin",
    "--heartbeat",
  ];
  return publicPort ? [...args, "--public"] : args;
}

async function startNginx(
  executable: string,
  config: ServingConfig,
  ports: readonly number[],
  options: { logging: LogConfig; runtimeDir: string; setpriv?: string },
): Promise<{ nginx: NginxProcess; render: (ports: readonly number[]) => Promise<void> }> {
  const { logging, runtimeDir, setpriv } = options;
  const configPath = `${runtimeDir}/nginx.conf`;
  const render = async (upstreamPorts: readonly number[]) => {
    await Deno.writeTextFile(
      configPath,
      renderNginxConfig({
        port: config.port,
        upstreamPorts,
        timeoutSeconds: config.timeoutSeconds,
        bodyLimitBytes: config.bodyLimitBytes,
        runtimeDir,
        accessLog: logging.accessLog,
        pingAccessLog: logging.pingAccessLog,
        jsonLog: logging.format === "json",
        defaultAccept: config.defaultAccept,
      }),
    );
  };
  await render(ports);
  return { nginx: new NginxProcess(executable, configPath, { runtimeDir, setpriv }), render };
}

/**
 * The whole environment of the workers: serve's own, plus the registry folder in multi-model
 * mode. Workers inherit nothing else, so `serve(env)` alone decides what they see.
 */
function workerEnvironment(env: Environment, registry?: ModelRegistry): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined) result[name] = value;
  }
  if (registry !== undefined) result[REGISTRY_VARIABLE] = registry.dir;
  return result;
}

/** Where each value of the `serving` line came from: `default` or the variable's name. */
function summarySources(config: ServingConfig, logging: LogConfig): Record<string, string> {
  const name = (source: string) => source.replace(/^env /, "");
  return {
    port: name(config.sources.port),
    workers: name(config.sources.workers),
    timeout_s: name(config.sources.timeoutSeconds),
    body_limit: name(config.sources.bodyLimitBytes),
    response_limit: name(config.sources.responseLimitBytes),
    batch: name(config.sources.batch),
    log_level: name(logging.sources.level),
    log_format: name(logging.sources.format),
    access_log: name(logging.sources.accessLog),
    metrics_interval_s: name(logging.sources.metricsIntervalSeconds),
  };
}

/** Runs `serve` until one of {@linkcode STOP_SIGNALS}; returns the exit code (0 after a clean stop). */
export async function serve(env: Environment): Promise<number> {
  let config: ServingConfig;
  let multiModel: MultiModelConfig;
  let stored: StoredModel | undefined;
  const logging = readLogConfig(env);
  try {
    const memoryBytes = containerMemoryBytes();
    config = readServingConfig(env, navigator.hardwareConcurrency, { memoryBytes });
    const machine = { workers: config.workers, memoryBytes };
    multiModel = readMultiModelConfig(env, machine);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.error(`cannot serve: ${error.message}`);
    return 1;
  }
  for (const warning of platformLimitWarnings(config)) log.warn(warning);
  try {
    assertPortFree(config.port);
  } catch (error) {
    if (!(error instanceof PortInUseError)) throw error;
    log.error(`cannot serve: ${error.message}`);
    return 1;
  }
  const nginxPath = findNginx(env.PATH);
  const usesNginx = nginxPath !== undefined;
  if (!usesNginx) {
    log.warn("nginx not found: the workers share the public port themselves (reusePort)", {
      port: config.port,
    });
  }

  // Multi-model mode: the workers share a registry folder, named in their environment.
  const registry = multiModel.enabled ? await ModelRegistry.create() : undefined;
  const workerEnv = workerEnvironment(env, registry);

  const fatal = Promise.withResolvers<string>();
  let nginx: NginxProcess | undefined;
  let runtimeDir: string | undefined;
  let render: ((ports: readonly number[]) => Promise<void>) | undefined;
  const updateNginx = async (ports: readonly number[]) => {
    if (render === undefined || nginx === undefined) return;
    await render(ports);
    nginx.reload();
    log.info("nginx reloaded with new worker ports", { ports: ports.join(",") });
  };
  // Behind nginx the worker ports are chosen first, so nginx starts while the workers boot.
  const reserved = usesNginx ? reservePorts(config.workers, config.safePortRange) : [];
  const supervisor = new Supervisor({
    count: config.workers,
    env: workerEnv,
    initialPort: (index) => (usesNginx ? reserved[index] : config.port),
    command: (index, port) => selfCommand(workerArgs(index, port, !usesNginx)),
    onPortsChanged: updateNginx,
    onGiveUp: (reason) => fatal.resolve(reason),
    stuckAfterMs: config.timeoutSeconds * 1000 + STUCK_GRACE_MS,
  });

  const stopRequested = Promise.withResolvers<string>();
  let stopSignal: string | undefined;
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = () => {
      stopSignal ??= signal;
      stopRequested.resolve(signal);
    };
    Deno.addSignalListener(signal, listener);
    return { signal, listener };
  });

  // The workers start first, as they take longest; the model is checked and nginx starts while
  // they boot. A bad model stops them again before they are ready. nginx answers /ping with 503
  // itself until every worker listens (WORKERS_READY_FILE): SageMaker pings as soon as the port
  // accepts, and nginx would otherwise try workers that refuse the connection, an error line.
  // Starting nginx only then would put its own start-up (tens of ms) before the first 200.
  const workersReady = supervisor.start();
  workersReady.catch(() => {}); // awaited below; a rejection after a failed check is expected
  let exitCode = 0;
  try {
    // Multi-model mode starts without a model: POST /models loads them (serving/multi_model/).
    if (!multiModel.enabled) stored = await loadModel(config.modelDir);
    if (usesNginx) {
      runtimeDir = await Deno.makeTempDir({ prefix: "sagemaker-nginx-" });
      await Deno.chmod(runtimeDir, 0o755);
      ({ nginx, render } = await startNginx(nginxPath!, config, reserved, {
        logging,
        runtimeDir,
        setpriv: findExecutable("setpriv", env.PATH),
      }));
      nginx.status.then((status) => {
        // A terminal's Ctrl-C reaches nginx too, which then stops on its own: no failure.
        if (!nginx!.stopping && stopSignal === undefined) {
          const how = status.signal ? `signal ${status.signal}` : `code ${status.code}`;
          const why = nginx!.lastError === undefined ? "" : `: ${nginx!.lastError}`;
          fatal.resolve(`nginx exited unexpectedly with ${how}${why}`);
        }
      });
    }
    // Should serve die without cleaning up (SIGKILL), its workers stop nginx and remove these.
    const leftovers = {
      pids: nginx === undefined ? [] : [nginx.pid],
      dirs: [runtimeDir, registry?.dir].filter((dir): dir is string => dir !== undefined),
    };
    if (leftovers.pids.length + leftovers.dirs.length > 0) {
      await supervisor.announce(LEFTOVERS_PREFIX + JSON.stringify(leftovers));
    }
    const ports = await Promise.race([
      workersReady,
      fatal.promise.then((message) => Promise.reject(new Error(message))),
    ]);
    if (usesNginx) {
      if (ports.some((port, index) => port !== reserved[index])) await updateNginx(ports);
      await Deno.writeTextFile(`${runtimeDir}/${WORKERS_READY_FILE}`, "");
      await waitForPort(config.port, 10_000);
    }
    log.info("serving", {
      version: VERSION,
      port: config.port,
      workers: config.workers,
      mode: usesNginx ? "nginx" : "embedded",
      timeout_s: config.timeoutSeconds,
      body_limit: config.bodyLimitBytes,
      response_limit: config.responseLimitBytes,
      batch: config.batch,
      ...(stored !== undefined ? describeModel(stored) : {
        multi_model: true,
        model_root: multiModel.modelRoot,
        model_cache_mb: multiModel.cacheMaxBytes / 1024 / 1024,
      }),
      log_level: logging.level,
      log_format: logging.format,
      access_log: logging.accessLog,
      metrics_interval_s: logging.metricsIntervalSeconds,
      sources: summarySources(config, logging),
    });
    const reason = await Promise.race([
      stopRequested.promise.then((signal) => ({ stop: signal })),
      fatal.promise.then((message) => ({ fatal: message })),
    ]);
    if ("fatal" in reason) {
      log.error(`serve is stopping: ${reason.fatal}`);
      exitCode = 1;
    } else {
      log.info("stopping", { signal: reason.stop });
    }
  } catch (error) {
    const problem = error instanceof ModelFileError ? "cannot serve" : "serve failed";
    log.error(`${problem}: ${(error as Error).message}`);
    exitCode = 1;
  } finally {
    await nginx?.stop();
    await supervisor.stop();
    await registry?.destroy();
    if (runtimeDir !== undefined) await Deno.remove(runtimeDir, { recursive: true });
    for (const { signal, listener } of listeners) Deno.removeSignalListener(signal, listener);
  }
  if (exitCode === 0) log.info("stopped");
  return exitCode;
}
