/**
 * nginx in front of the workers: render the `nginx.conf` template and run nginx as a child.
 *
 * @module
 */

import template from "../nginx.conf" with { type: "text" };
import { log, type LogLevel } from "../log.ts";
import { forwardLines } from "./child_lines.ts";

/** The values the `nginx.conf` template needs. */
export interface NginxValues {
  /** The public port. */
  readonly port: number;
  /** The workers' loopback ports. */
  readonly upstreamPorts: readonly number[];
  /** Request timeout in seconds. */
  readonly timeoutSeconds: number;
  /** Largest accepted request body in bytes. */
  readonly bodyLimitBytes: number;
  /** A private folder for nginx's pid file and temporary files. */
  readonly runtimeDir: string;
  /** Log every request (nginx access log to stdout); `/ping` only with `pingAccessLog`. */
  readonly accessLog: boolean;
  /** Also log `/ping` requests. */
  readonly pingAccessLog: boolean;
  /** Write the access lines as JSON objects (`LOG_FORMAT=json`); text by default. */
  readonly jsonLog?: boolean;
  /**
   * `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`: the type of nginx's own error answers when the
   * request's `Accept` is absent or a wildcard.
   */
  readonly defaultAccept?: string;
}

/**
 * Request bodies up to this size stay in nginx's memory; larger ones (batch transform) go to a
 * temporary file in the runtime folder, so a 100 MB batch does not cost 100 MB of nginx memory.
 */
const NGINX_MEMORY_BODY_BYTES = 8 * 1024 * 1024;

/**
 * The file in nginx's runtime folder that lets `/ping` through to the workers: until it exists,
 * nginx answers `/ping` with 503 itself. `serve` writes it once every worker listens.
 */
export const WORKERS_READY_FILE = "workers_ready";

/** The template shipped with the program (the top-level `nginx.conf`). */
export const NGINX_TEMPLATE: string = template;

/** Fills the template's `{{name}}` placeholders; an unknown placeholder is an error. */
export function renderNginxConfig(values: NginxValues, source = NGINX_TEMPLATE): string {
  const format = values.jsonLog === true ? "sagemaker_json" : "sagemaker";
  // Access lines are written 64 KB at a time (at least once a second) instead of one write a
  // request: 1-record throughput through nginx +30% (docs/performance.md).
  const access = values.accessLog ? `/dev/stdout ${format} buffer=64k flush=1s` : "off";
  const defaultAccept = values.defaultAccept ?? "";
  const fields: Record<string, string> = {
    port: String(values.port),
    nginx_workers: "auto",
    runtime_dir: values.runtimeDir,
    workers_ready_file: `${values.runtimeDir}/${WORKERS_READY_FILE}`,
    access_log: values.accessLog ? `${access} if=$access_loggable` : "off",
    ping_access_log: values.pingAccessLog ? access : "off",
    ping_logged: values.pingAccessLog ? "1" : "0",
    // max_fails=0: nginx never sets a worker aside after a failure. Otherwise the connections
    // refused while a worker restarts would keep it out for fail_timeout once it is back, and
    // all of them out means 503 to /ping; a worker that stops answering is the supervisor's to
    // replace.
    upstream_servers: values.upstreamPorts
      .map((port) => `    server 127.0.0.1:${port} max_fails=0;`)
      .join("\n"),
    body_limit: String(values.bodyLimitBytes),
    timeout: String(values.timeoutSeconds),
    proxy_read_timeout: String(values.timeoutSeconds + 1),
    body_buffer: String(Math.min(values.bodyLimitBytes, NGINX_MEMORY_BODY_BYTES)),
    default_error_format: defaultAccept === ""
      ? ""
      : defaultAccept.includes("json")
      ? "json"
      : "text",
  };
  return source.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const value = fields[name];
    if (value === undefined) throw new Error(`Unknown placeholder {{${name}}} in nginx.conf`);
    return value;
  });
}

/** Finds the executable `name` on `PATH`; undefined when it is not there. */
export function findExecutable(name: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? "").split(":")) {
    if (dir === "") continue;
    try {
      const info = Deno.statSync(`${dir}/${name}`);
      if (info.isFile && (info.mode ?? 0o111) & 0o111) return `${dir}/${name}`;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Finds the nginx executable on `PATH`; undefined when it is not installed. */
export function findNginx(path: string | undefined): string | undefined {
  return findExecutable("nginx", path);
}

/** Options of {@linkcode NginxProcess}. */
export interface NginxProcessOptions {
  /** nginx's prefix folder (`-p`): its temp folders and pid file. */
  readonly runtimeDir: string;
  /**
   * util-linux's `setpriv`, when the machine has it: nginx is started through it with
   * `--pdeathsig TERM`, so that the kernel stops nginx when `serve` dies, however it dies (even
   * SIGKILL while no worker is alive to clean up). In the image, tini and the container's end
   * do that instead.
   */
  readonly setpriv?: string;
}

/** nginx's error-log levels as ours. */
const NGINX_LEVELS: Readonly<Record<string, LogLevel>> = {
  debug: "debug",
  info: "info",
  notice: "info",
  warn: "warn",
  error: "error",
  crit: "error",
  alert: "error",
  emerg: "error",
};

/** nginx's messages about a request the client got wrong, after the connection number. */
const CLIENT_FAULT = /^(?:\*\d+ )?client (?:intended to send too large|sent )/;

/** A line of nginx's error log as {@linkcode logNginxLine} logged it. */
export interface NginxLogLine {
  /** Our level for nginx's. */
  readonly level: LogLevel;
  /** nginx's message, without its time stamp, level and process ids. */
  readonly message: string;
  /** nginx's level was `crit`, `alert` or `emerg`: nginx cannot go on (or start). */
  readonly fatal: boolean;
}

/**
 * Writes one line of nginx's error log through our logger, so that it follows `LOG_FORMAT` (nginx
 * itself can only write its fixed text format): `2026/11/25 12:00:00 [error] 12#12: *1 connect()
 * failed ...` becomes an `error` line with the message `nginx: *1 connect() failed ...` and the
 * field `source=nginx`. Returns what it logged; undefined for a blank line.
 */
export function logNginxLine(line: string): NginxLogLine | undefined {
  if (line.trim() === "") return undefined;
  // Before it has read its config, nginx writes `nginx: [emerg] ...` instead of a time stamp.
  const match = line.match(
    /^(?:\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d |nginx: )\[(\w+)\] (?:\d+#\d+: )?(.*)$/,
  );
  const message = match?.[2] ?? line;
  let level = NGINX_LEVELS[match?.[1] ?? ""] ?? "error";
  // A request nginx refuses (a body over the limit) is the client's fault, which nginx logs as
  // an error: a warning, like the workers' own 4xx answers, so that it raises no alarm.
  if (level === "error" && CLIENT_FAULT.test(message)) level = "warn";
  log.write(level, `nginx: ${message}`, { source: "nginx" });
  return { level, message, fatal: ["crit", "alert", "emerg"].includes(match?.[1] ?? "") };
}

/** How long after nginx's exit its last error lines may take to arrive. */
const LOG_AFTER_EXIT_MS = 200;

/** A running nginx master process. */
export class NginxProcess {
  #child: Deno.ChildProcess;
  #stopping = false;
  #lastError: string | undefined;
  #status: Promise<Deno.CommandStatus>;

  /**
   * Starts `nginx` with the rendered config at `configPath`: its access lines go to our stdout as
   * they are, its error log through {@linkcode logNginxLine}.
   */
  constructor(executable: string, configPath: string, options: NginxProcessOptions) {
    const nginxArgs = ["-e", "stderr", "-p", options.runtimeDir, "-c", configPath];
    // setpriv execs nginx in its own process: the pid stays nginx's master's.
    const [program, args] = options.setpriv === undefined
      ? [executable, nginxArgs]
      : [options.setpriv, ["--pdeathsig", "TERM", "--", executable, ...nginxArgs]];
    this.#child = new Deno.Command(program, {
      args,
      // Its own process group, so that {@linkcode NginxProcess.stop} reaches nginx's workers
      // too: they outlive a master killed with SIGKILL, and hold the port.
      detached: true,
      stdin: "null",
      // nginx reopens /dev/stdout for access_log: a pipe we own opens for any user, while an
      // inherited root-owned pipe (docker run --user ...) fails with EACCES.
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child.stdout.pipeTo(Deno.stdout.writable, { preventClose: true }).catch(() => {});
    const logged = forwardLines(this.#child.stderr, (line) => {
      const written = logNginxLine(line);
      // nginx's "still could not bind()" only sums up the bind() errors before it.
      if (written?.fatal === true && !written.message.startsWith("still could not")) {
        this.#lastError = written.message;
      }
    });
    // A master killed with SIGKILL leaves workers that hold its stderr open: wait for the rest
    // of the log only briefly.
    this.#status = this.#child.status.then(async (status) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise((resolve) => timer = setTimeout(resolve, LOG_AFTER_EXIT_MS));
      await Promise.race([logged, late]);
      clearTimeout(timer);
      return status;
    });
  }

  /** The process id of nginx's master. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Resolves when nginx has exited and all it wrote to its error log is logged. */
  get status(): Promise<Deno.CommandStatus> {
    return this.#status;
  }

  /**
   * The last fatal error nginx logged (`emerg`, `alert`, `crit`: `bind() to 0.0.0.0:8080 failed
   * (98: Address already in use)`), to say why it exited; undefined when it logged none.
   */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** True once {@linkcode NginxProcess.stop} was called. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /** Makes nginx re-read its config (SIGHUP), for example after a worker changed port. */
  reload(): void {
    this.#child.kill("SIGHUP");
  }

  /**
   * Stops nginx gracefully (SIGQUIT: in-flight requests finish), SIGKILL after `graceMs`. Its
   * workers are stopped too when its master is already gone (killed with SIGKILL).
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.#stopping = true;
    this.#signalGroup("SIGQUIT");
    const timer = setTimeout(() => this.#signalGroup("SIGKILL"), graceMs);
    await this.#child.status;
    clearTimeout(timer);
    // After a graceful stop the master has waited for its workers: nothing is left to reach.
    this.#signalGroup("SIGKILL");
  }

  /** Sends `signal` to nginx's master and workers (its process group). */
  #signalGroup(signal: Deno.Signal): void {
    try {
      Deno.kill(-this.#child.pid, signal);
    } catch { /* all gone */ }
  }
}

/** Checks the rendered config with `nginx -t`; throws with nginx's message if it is invalid. */
export async function testNginxConfig(
  executable: string,
  configPath: string,
  runtimeDir: string,
): Promise<void> {
  const output = await new Deno.Command(executable, {
    args: ["-t", "-q", "-e", "stderr", "-p", runtimeDir, "-c", configPath],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`nginx rejects its config: ${new TextDecoder().decode(output.stderr).trim()}`);
  }
}
