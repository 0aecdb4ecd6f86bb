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

/** Values attached to a log line. */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The accepted level names, for validation messages. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

const encoder = new TextEncoder();

function formatValue(value: string | number | boolean | null): string {
  const text = String(value);
  return /^[\w.:/@+-]+$/.test(text) ? text : JSON.stringify(text);
}

/** A logger writing to stdout (debug, info) and stderr (warn, error). */
export class Logger {
  #level: LogLevel = "info";
  #format: LogFormat = "text";
  #fields: LogFields = {};

  /** Sets the level, the format and fields added to every line (for example `worker: 2`). */
  configure(options: { level?: LogLevel; format?: LogFormat; fields?: LogFields }): void {
    this.#level = options.level ?? this.#level;
    this.#format = options.format ?? this.#format;
    this.#fields = options.fields ?? this.#fields;
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

  /** Writes one line at `level` if the level is enabled. */
  write(level: LogLevel, message: string, fields?: LogFields): void {
    if (!this.enabled(level)) return;
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
