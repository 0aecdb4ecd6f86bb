/**
 * The real program as a subprocess: a throwaway SageMaker tree, and `main.ts serve` started on a
 * free port and talked to over HTTP. The benchmarks use it, and the tests through
 * `test/support/process.ts`.
 *
 * @module
 */

import { PERMISSION_FLAGS } from "../serving/self_command.ts";

/** `main.ts`, run exactly as the image runs it (but with `deno run`). */
export const MAIN: string = new URL("../main.ts", import.meta.url).pathname;

/** Creates an empty `/opt/ml`-like tree and returns its root. */
export async function makeBaseDir(): Promise<string> {
  const base = await Deno.makeTempDir({ prefix: "sagemaker-test-" });
  for (const dir of ["input/config", "input/data/training", "model", "output"]) {
    await Deno.mkdir(`${base}/${dir}`, { recursive: true });
  }
  return base;
}

/** Returns a loopback TCP port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A running `main.ts serve`. */
export interface ServerHandle {
  /** The public port. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  /** The serve process. */
  readonly process: Deno.ChildProcess;
  /** Everything the server has logged so far (stdout and stderr). */
  logs(): string;
  /** Waits until the log contains `text` (or throws after `timeoutMs`). */
  waitForLog(text: string | RegExp, timeoutMs?: number): Promise<void>;
  /** Sends SIGTERM and returns the exit code. */
  stop(signal?: Deno.Signal): Promise<number>;
}

/** Options of {@linkcode startServer}. */
export interface StartServerOptions {
  /** Wait until `/ping` answers 200 (the default) or return as soon as the process runs. */
  readonly waitForPing?: boolean;
  /** Give up waiting for `/ping` after this many milliseconds (30 s by default). */
  readonly timeoutMs?: number;
  /**
   * The arguments of `deno run` before `serve` (by default the program's permission flags and
   * `main.ts`), e.g. a bundled `main.js` with fewer permissions.
   */
  readonly runArgs?: readonly string[];
  /** The folder `serve` runs in; by default this process's. */
  readonly cwd?: string;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function spawnServe(
  base: string,
  port: number,
  env: Record<string, string>,
  options: StartServerOptions,
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", ...(options.runArgs ?? [...PERMISSION_FLAGS, MAIN]), "serve"],
    cwd: options.cwd,
    env: {
      SAGEMAKER_BASE_DIR: base,
      SAGEMAKER_BIND_TO_PORT: String(port),
      MODEL_SERVER_WORKERS: "2",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function waitForPing(
  handle: ServerHandle,
  exited: () => boolean,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (exited()) throw new Error(`serve exited before it answered /ping:\n${handle.logs()}`);
    try {
      const response = await fetch(`${handle.url}/ping`);
      await response.body?.cancel();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await handle.stop("SIGKILL");
      throw new Error(`serve did not answer /ping in time:\n${handle.logs()}`);
    }
    await sleep(25);
  }
}

/**
 * Starts `main.ts serve` on a free port with two workers (unless `env` says otherwise), its
 * output collected, and waits until `/ping` answers 200.
 */
export async function startServer(
  base: string,
  env: Record<string, string> = {},
  options: StartServerOptions = {},
): Promise<ServerHandle> {
  const port = freePort();
  const process = spawnServe(base, port, env, options);
  let logs = "";
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) logs += text;
  };
  const collected = Promise.all([collect(process.stdout), collect(process.stderr)]);
  let exited = false;
  process.status.then(() => (exited = true));
  const handle: ServerHandle = {
    port,
    url: `http://127.0.0.1:${port}`,
    process,
    logs: () => logs,
    async waitForLog(text, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      const found = () => typeof text === "string" ? logs.includes(text) : text.test(logs);
      while (!found()) {
        if (Date.now() > deadline) {
          throw new Error(`Log never showed ${text}; log so far:\n${logs}`);
        }
        await sleep(25);
      }
    },
    async stop(signal: Deno.Signal = "SIGTERM") {
      if (!exited) process.kill(signal);
      const status = await process.status;
      await collected;
      return status.code;
    },
  };
  if (options.waitForPing !== false) {
    await waitForPing(handle, () => exited, options.timeoutMs ?? 30_000);
  }
  return handle;
}
