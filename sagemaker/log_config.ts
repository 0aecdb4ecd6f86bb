/**
 * The logging settings, read once from the environment: level, format, access lines and the
 * period of the metrics line. `main.ts` applies them to the process-wide logger; `serve` hands
 * the access-line settings to nginx and the workers.
 *
 * | Variable                        | Default | Meaning                                            |
 * | ------------------------------- | ------- | -------------------------------------------------- |
 * | `LOG_LEVEL`                     | `info`  | `debug`, `info`, `warn` or `error`                 |
 * | `SAGEMAKER_CONTAINER_LOG_LEVEL` |         | used when `LOG_LEVEL` is unset: `20`, `INFO`, ...  |
 * | `LOG_FORMAT`                    | `text`  | `text` or `json` (one JSON object a line)          |
 * | `ACCESS_LOG`                    | `true`  | one access line per request (`NGINX_ACCESS_LOG`)   |
 * | `LOG_PING`                      | `false` | also write access lines for `/ping`                |
 * | `METRICS_INTERVAL_SECONDS`      | `60`    | seconds between metrics lines per worker; 0 = off  |
 *
 * @module
 */

import type { LogFormat, LogLevel } from "../log.ts";
import type { Environment } from "./paths.ts";
import type { ValueSource } from "./serving_config.ts";

/** The logging settings of `train`, `serve` and the workers. */
export interface LogConfig {
  /** Lines below this level are dropped. */
  readonly level: LogLevel;
  /** `text` for people, `json` for CloudWatch Logs Insights. */
  readonly format: LogFormat;
  /** One access line per request (nginx, or the workers without nginx); off past `info`. */
  readonly accessLog: boolean;
  /** Access lines for `/ping` too (off by default: the health check runs every few seconds). */
  readonly pingAccessLog: boolean;
  /** Seconds between the metrics lines of each worker; 0 turns them off. */
  readonly metricsIntervalSeconds: number;
  /** Where each value came from, by field name. */
  readonly sources: Readonly<Record<keyof Omit<LogConfig, "sources" | "warnings">, ValueSource>>;
  /** Values that were present but unusable and were replaced by the default, in words. */
  readonly warnings: readonly string[];
}

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Python `logging` names and numbers (`SAGEMAKER_CONTAINER_LOG_LEVEL=20`) as our levels. */
function pythonLevel(text: string): LogLevel | undefined {
  const upper = text.toUpperCase();
  if (/^\d+$/.test(upper)) {
    const value = Number(upper);
    if (value <= 10) return "debug";
    if (value <= 20) return "info";
    if (value <= 30) return "warn";
    return "error";
  }
  const names: Record<string, LogLevel> = {
    DEBUG: "debug",
    INFO: "info",
    WARN: "warn",
    WARNING: "warn",
    ERROR: "error",
    CRITICAL: "error",
    FATAL: "error",
  };
  return names[upper];
}

function readFlag(
  env: Environment,
  names: readonly string[],
  fallback: boolean,
  warnings: string[],
): { value: boolean; source: ValueSource } {
  for (const name of names) {
    const text = env[name]?.trim().toLowerCase();
    if (text === undefined || text === "") continue;
    if (text === "true" || text === "1") return { value: true, source: `env ${name}` };
    if (text === "false" || text === "0") return { value: false, source: `env ${name}` };
    warnings.push(`Ignoring ${name}=${JSON.stringify(env[name])}: expected true or false`);
  }
  return { value: fallback, source: "default" };
}

/**
 * Reads the logging settings. It never throws: an unusable value is replaced by its default and
 * named in `warnings`, so that a typo in a log setting cannot stop a job.
 *
 * Level precedence: `LOG_LEVEL`, else `SAGEMAKER_CONTAINER_LOG_LEVEL` (Python numbers such as
 * `20` or names such as `WARNING`), else `info`. Access lines: `ACCESS_LOG`, else the older
 * `NGINX_ACCESS_LOG`, else on.
 *
 * @example
 * ```ts
 * readLogConfig({ LOG_FORMAT: "json", SAGEMAKER_CONTAINER_LOG_LEVEL: "30" });
 * // { level: "warn", format: "json", accessLog: true, pingAccessLog: false, ... }
 * ```
 */
export function readLogConfig(env: Environment): LogConfig {
  const warnings: string[] = [];
  let level: LogLevel = "info";
  let levelSource: ValueSource = "default";
  const levelText = env.LOG_LEVEL?.trim().toLowerCase();
  const containerText = env.SAGEMAKER_CONTAINER_LOG_LEVEL?.trim();
  if (levelText !== undefined && levelText !== "") {
    const named = levelText === "warning" ? "warn" : levelText;
    if (LEVELS.includes(named as LogLevel)) {
      level = named as LogLevel;
      levelSource = "env LOG_LEVEL";
    } else {
      warnings.push(
        `Ignoring LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)}: expected one of ${LEVELS.join(", ")}`,
      );
    }
  }
  if (levelSource === "default" && containerText !== undefined && containerText !== "") {
    const mapped = pythonLevel(containerText);
    if (mapped !== undefined) {
      level = mapped;
      levelSource = "env SAGEMAKER_CONTAINER_LOG_LEVEL";
    } else {
      warnings.push(
        `Ignoring SAGEMAKER_CONTAINER_LOG_LEVEL=${
          JSON.stringify(containerText)
        }: expected a Python logging level such as 20 or INFO`,
      );
    }
  }

  let format: LogFormat = "text";
  let formatSource: ValueSource = "default";
  const formatText = env.LOG_FORMAT?.trim().toLowerCase();
  if (formatText === "json" || formatText === "text") {
    format = formatText;
    formatSource = "env LOG_FORMAT";
  } else if (formatText !== undefined && formatText !== "") {
    warnings.push(`Ignoring LOG_FORMAT=${JSON.stringify(env.LOG_FORMAT)}: expected text or json`);
  }

  const access = readFlag(env, ["ACCESS_LOG", "NGINX_ACCESS_LOG"], true, warnings);
  const ping = readFlag(env, ["LOG_PING"], false, warnings);

  let metricsIntervalSeconds = 60;
  let metricsSource: ValueSource = "default";
  const metricsText = env.METRICS_INTERVAL_SECONDS?.trim();
  if (metricsText !== undefined && metricsText !== "") {
    if (/^\d{1,6}$/.test(metricsText)) {
      metricsIntervalSeconds = Number(metricsText);
      metricsSource = "env METRICS_INTERVAL_SECONDS";
    } else {
      warnings.push(
        `Ignoring METRICS_INTERVAL_SECONDS=${
          JSON.stringify(metricsText)
        }: expected a whole number of seconds (0 turns the metrics off)`,
      );
    }
  }

  return {
    level,
    format,
    // Access lines are info lines: LOG_LEVEL=warn or error turns them off, in nginx too.
    accessLog: access.value && (level === "debug" || level === "info"),
    pingAccessLog: ping.value,
    metricsIntervalSeconds,
    sources: {
      level: levelSource,
      format: formatSource,
      accessLog: access.source,
      pingAccessLog: ping.source,
      metricsIntervalSeconds: metricsSource,
    },
    warnings,
  };
}
