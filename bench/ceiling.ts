/**
 * The ceiling: a trivial Deno handler that reads the body and answers a fixed one-label body,
 * behind the same nginx config (rendered by `serving/nginx.ts` from the top-level `nginx.conf`)
 * and the same number of workers as `main.ts serve`. Whatever our server does per request on
 * top of this is what separates it from the limit of nginx + Deno on this machine.
 *
 * ```sh
 * SAGEMAKER_BIND_TO_PORT=8090 MODEL_SERVER_WORKERS=2 deno run -P=program bench/ceiling.ts serve
 * ```
 *
 * To try an nginx change before making it in `nginx.conf`, point `BENCH_NGINX_TEMPLATE` at an
 * edited copy of the template; with `BENCH_CEILING_WORKERS=ours` the same nginx runs in front of
 * our real workers (`main.ts worker`, model from `SAGEMAKER_BASE_DIR`) instead of the trivial
 * handler, so the change can be measured on the real request path.
 *
 * @module
 */

import { findNginx, NginxProcess, renderNginxConfig, testNginxConfig } from "../serving/nginx.ts";
import { readServingConfig } from "../sagemaker/serving_config.ts";
import { PERMISSION_FLAGS } from "../serving/self_command.ts";

/** The fixed answer: one label, as our server answers a one-record request. */
const CEILING_BODY = "setosa\n";

/**
 * The trivial handler: reads the request body, then answers {@linkcode CEILING_BODY}.
 * It calls `bytes()` without touching `request.body` first: the getter builds a
 * ReadableStream, and reading through it costs about twice the whole handler.
 */
async function handleCeiling(request: Request): Promise<Response> {
  await request.bytes();
  return new Response(CEILING_BODY, { headers: { "content-type": "text/csv" } });
}

/** Runs one worker on `port` of 127.0.0.1 (0: any) and prints `@ready <port>` once it listens. */
async function runCeilingWorker(port: number): Promise<void> {
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port,
    onListen: ({ port }) => console.log(`@ready ${port}`),
  }, handleCeiling);
  Deno.addSignalListener("SIGTERM", () => server.shutdown());
  await server.finished;
}

async function forwardRest(reader: ReadableStreamDefaultReader<string>): Promise<void> {
  const encoder = new TextEncoder();
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      await Deno.stderr.write(encoder.encode(value));
    }
  } catch {
    // The worker ended.
  }
}

/** Waits for a worker's `@ready <port>` line, then keeps forwarding its output to stderr. */
async function readyPort(child: Deno.ChildProcess): Promise<number> {
  let text = "";
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error("A ceiling worker exited before it listened");
    text += value;
    const match = /@ready (\d+)/.exec(text);
    if (match !== null) {
      forwardRest(reader);
      return Number(match[1]);
    }
  }
}

/**
 * Starts `MODEL_SERVER_WORKERS` ceiling workers and nginx in front of them on
 * `SAGEMAKER_BIND_TO_PORT`, with the values `main.ts serve` uses; runs until SIGTERM or SIGINT.
 */
async function runCeilingServer(env: Record<string, string | undefined>): Promise<void> {
  const config = readServingConfig(env, navigator.hardwareConcurrency);
  const nginxPath = findNginx(env.PATH);
  if (nginxPath === undefined) throw new Error("Cannot run the ceiling: nginx is not installed");
  const workers: Deno.ChildProcess[] = [];
  const root = new URL("../", import.meta.url).pathname;
  for (let i = 0; i < config.workers; i++) {
    const program = env.BENCH_CEILING_WORKERS === "ours"
      ? ["main.ts", "worker", "--index", String(i), "--port", "0"]
      : [new URL(import.meta.url).pathname, "worker", "0"];
    workers.push(
      new Deno.Command(Deno.execPath(), {
        args: ["run", ...PERMISSION_FLAGS, ...program],
        cwd: root,
        stdout: "piped",
        stderr: "inherit",
      }).spawn(),
    );
  }
  const ports = await Promise.all(workers.map(readyPort));
  const runtimeDir = await Deno.makeTempDir({ prefix: "ceiling-nginx-" });
  await Deno.chmod(runtimeDir, 0o755);
  const configPath = `${runtimeDir}/nginx.conf`;
  const template = env.BENCH_NGINX_TEMPLATE
    ? await Deno.readTextFile(env.BENCH_NGINX_TEMPLATE)
    : undefined;
  await Deno.writeTextFile(
    configPath,
    renderNginxConfig({
      port: config.port,
      upstreamPorts: ports,
      timeoutSeconds: config.timeoutSeconds,
      bodyLimitBytes: config.bodyLimitBytes,
      runtimeDir,
      accessLog: env.NGINX_ACCESS_LOG !== "false",
      pingAccessLog: env.LOG_PING === "true",
      defaultAccept: config.defaultAccept,
    }, template),
  );
  await testNginxConfig(nginxPath, configPath, runtimeDir);
  const nginx = new NginxProcess(nginxPath, configPath, { runtimeDir });
  const stop = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGTERM", () => stop.resolve());
  Deno.addSignalListener("SIGINT", () => stop.resolve());
  await Promise.race([stop.promise, nginx.status]);
  await nginx.stop();
  for (const worker of workers) {
    try {
      worker.kill("SIGTERM");
    } catch {
      // Already gone.
    }
  }
  await Promise.all(workers.map((worker) => worker.status));
  await Deno.remove(runtimeDir, { recursive: true });
}

if (import.meta.main) {
  const [command, port] = Deno.args;
  if (command === "worker") {
    await runCeilingWorker(Number(port ?? "0"));
  } else if (command === "serve") {
    await runCeilingServer(Deno.env.toObject());
  } else {
    console.error("Usage: bench/ceiling.ts serve | worker <port>");
    Deno.exit(2);
  }
}
