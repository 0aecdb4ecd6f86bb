/**
 * Structured logging: one line per event, plain text or JSON, with a level filter.
 *
 * @example
 * ```ts
 * import { log } from "./log.ts";
 * log.info("worker started", { worker: 1, port: 8081 });
 * // 2026-11-25T12:00:00.000Z INFO worker started worker=1 port=8081
 * ```
 *
 * @module
 */

/** Log levels, from most to least verbose. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Output formats: `text` for people, `json` for CloudWatch Logs Insights. */
export type LogFormat = "text" | "json";

/** A value of a log field: a scalar, or a small flat object (written as `key:value,...` in text). */
export type LogValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | Readonly<Record<string, string | number | boolean>>;

/** Values attached to a log line. */
export type LogFields = Record<string, LogValue>;

/** One access line: what nginx's `sagemaker` log format writes, written by a worker without nginx. */
export interface AccessEntry {
  /** The HTTP method. */
  readonly method: string;
  /** The path, without the query. */
  readonly path: string;
  /** The answer's status. */
  readonly status: number;
  /** Request body bytes (`Content-Length`, 0 when absent). */
  readonly bytesIn: number;
  /** Response body bytes sent. */
  readonly bytesOut: number;
  /** Seconds from the request's arrival to its last byte. */
  readonly durationSeconds: number;
  /** The request id (`X-Request-Id`). */
  readonly requestId: string;
  /** `X-Amzn-SageMaker-Target-Model` of a multi-model invocation, when sent. */
  readonly targetModel?: string;
}

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

const encoder = new TextEncoder();

/** Access lines wait at most this long before they are written. */
const ACCESS_FLUSH_MS = 50;

/** Access lines are written once this many characters have gathered. */
const ACCESS_FLUSH_BYTES = 16 * 1024;

function formatValue(value: Exclude<LogValue, undefined>): string {
  const text = value !== null && typeof value === "object"
    ? Object.entries(value).map(([key, item]) => `${key}:${item}`).join(",")
    : String(value);
  return /^[\w.:/@+-]+$/.test(text) ? text : JSON.stringify(text);
}

/** A logger writing to stdout (debug, info) and stderr (warn, error). */
export class Logger {
  #level: LogLevel = "info";
  #format: LogFormat = "text";
  #fields: LogFields = {};
  #fieldsJson = "";
  #fieldsText = "";
  #pending = "";
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Sets the level, the format and fields added to every line (for example `worker: 2`). */
  configure(options: { level?: LogLevel; format?: LogFormat; fields?: LogFields }): void {
    this.#level = options.level ?? this.#level;
    this.#format = options.format ?? this.#format;
    this.#fields = options.fields ?? this.#fields;
    // The common fields, pre-rendered for access lines.
    const json = JSON.stringify(this.#fields);
    this.#fieldsJson = json === "{}" ? "" : "," + json.slice(1, -1);
    this.#fieldsText = "";
    for (const [key, value] of Object.entries(this.#fields)) {
      if (value !== undefined) this.#fieldsText += ` ${key}=${formatValue(value)}`;
    }
  }

  /** The current format. */
  get format(): LogFormat {
    return this.#format;
  }

  /** True when lines of `level` are written. */
  enabled(level: LogLevel): boolean {
    return LEVEL_RANK[level] >= LEVEL_RANK[this.#level];
  }

  /** Writes a debug line. */
  debug(message: string, fields?: LogFields): void {
    this.write("debug", message, fields);
  }

  /** Writes an info line. */
  info(message: string, fields?: LogFields): void {
    this.write("info", message, fields);
  }

  /** Writes a warning line. */
  warn(message: string, fields?: LogFields): void {
    this.write("warn", message, fields);
  }

  /** Writes an error line. */
  error(message: string, fields?: LogFields): void {
    this.write("error", message, fields);
  }

  /**
   * Writes one access line at `info` (message `access`), built without intermediate objects:
   * workers call it once per request when they serve without nginx.
   */
  access(entry: AccessEntry): void {
    if (LEVEL_RANK.info < LEVEL_RANK[this.#level]) return;
    const time = new Date().toISOString();
    const duration = entry.durationSeconds.toFixed(3);
    let line: string;
    if (this.#format === "json") {
      line =
        `{"time":"${time}","level":"info","message":"access","method":${
          JSON.stringify(entry.method)
        },"path":${
          JSON.stringify(entry.path)
        },"status":${entry.status},"bytes_in":${entry.bytesIn},` +
        `"bytes_out":${entry.bytesOut},"duration_s":${duration},"request_id":${
          JSON.stringify(entry.requestId)
        },"target_model":${JSON.stringify(entry.targetModel ?? "")}${this.#fieldsJson}}\n`;
    } else {
      line =
        `${time} INFO access method=${entry.method} path=${
          formatValue(entry.path)
        } status=${entry.status} bytes_in=${entry.bytesIn} bytes_out=${entry.bytesOut} duration_s=${duration} ` +
        `request_id=${formatValue(entry.requestId)} target_model=${
          formatValue(entry.targetModel ?? "-")
        }${this.#fieldsText}\n`;
    }
    // Access lines are gathered and written at most every ACCESS_FLUSH_MS (or past
    // ACCESS_FLUSH_BYTES): one write for many requests instead of one each.
    this.#pending += line;
    if (this.#pending.length >= ACCESS_FLUSH_BYTES) this.flush();
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), ACCESS_FLUSH_MS);
      Deno.unrefTimer(this.#timer);
    }
  }

  /** Writes the access lines gathered so far; call it before the process exits. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#pending === "") return;
    const text = this.#pending;
    this.#pending = "";
    Deno.stdout.writeSync(encoder.encode(text));
  }

  /** Writes one line at `level` if the level is enabled. */
  write(level: LogLevel, message: string, fields?: LogFields): void {
    if (!this.enabled(level)) return;
    if (this.#pending !== "") this.flush();
    const all = { ...this.#fields, ...fields };
    let line: string;
    if (this.#format === "json") {
      line = JSON.stringify({ time: new Date().toISOString(), level, message, ...all });
    } else {
      line = `${new Date().toISOString()} ${level.toUpperCase()} ${message}`;
      for (const [key, value] of Object.entries(all)) {
        if (value !== undefined) line += ` ${key}=${formatValue(value)}`;
      }
    }
    const stream = LEVEL_RANK[level] >= LEVEL_RANK.warn ? Deno.stderr : Deno.stdout;
    stream.writeSync(encoder.encode(line + "\n"));
  }
}

/** The process-wide logger. */
export const log: Logger = new Logger();
