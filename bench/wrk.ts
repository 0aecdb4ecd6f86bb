/**
 * Runs wrk against a loopback URL and reads the summary line that `wrk_report.lua` prints.
 *
 * @module
 */

/** What one wrk run measured. */
export interface LoadResult {
  /** Completed requests. */
  readonly requests: number;
  /** Length of the run in seconds. */
  readonly seconds: number;
  /** Completed requests per second. */
  readonly requestsPerSecond: number;
  /** Median latency in milliseconds. */
  readonly p50Ms: number;
  /** 99th percentile latency in milliseconds. */
  readonly p99Ms: number;
  /** Socket errors, timeouts and answers with a status other than 2xx or 3xx. */
  readonly errors: number;
  /** Requests per second of each round, in order, when this is the median of several rounds. */
  readonly roundsPerSecond?: readonly number[];
}

/** Options of {@linkcode runWrk}. */
export interface WrkOptions {
  /** Open connections. */
  connections: number;
  /** Seconds of load. */
  seconds: number;
  /** wrk threads; by default 1 for one connection and 2 otherwise. */
  threads?: number;
  /** A file sent as the POST body; without it wrk sends GET requests. */
  bodyPath?: string;
  /** The body's content type, `text/csv` by default. */
  contentType?: string;
  /** The wrk executable, `/usr/bin/wrk` by default. */
  wrk?: string;
}

const REPORT_SCRIPT = new URL("./wrk_report.lua", import.meta.url).pathname;

/**
 * Parses the `BENCH_RESULT` line of `wrk_report.lua`.
 *
 * @example
 * ```ts
 * const line = "BENCH_RESULT requests=100 duration_us=1000000 p50_us=900 p99_us=2000 " +
 *   "max_us=3000 connect=0 read=0 write=0 status=1 timeout=0";
 * parseWrkReport(line).requestsPerSecond; // 100
 * ```
 */
export function parseWrkReport(output: string): LoadResult {
  const line = output.split("\n").find((text) => text.startsWith("BENCH_RESULT "));
  if (line === undefined) throw new Error(`Cannot find the BENCH_RESULT line in wrk output`);
  const fields = new Map<string, number>();
  for (const pair of line.slice("BENCH_RESULT ".length).trim().split(" ")) {
    const [key, value] = pair.split("=");
    fields.set(key, Number(value));
  }
  function field(name: string): number {
    const value = fields.get(name);
    if (value === undefined || Number.isNaN(value)) {
      throw new Error(`Cannot read ${name} from wrk report: ${line}`);
    }
    return value;
  }
  const seconds = field("duration_us") / 1e6;
  const requests = field("requests");
  const errors = field("connect") + field("read") + field("write") + field("status") +
    field("timeout");
  return {
    requests,
    seconds,
    requestsPerSecond: seconds > 0 ? requests / seconds : 0,
    p50Ms: field("p50_us") / 1000,
    p99Ms: field("p99_us") / 1000,
    errors,
  };
}

/** Runs wrk for `options.seconds` against `url` (which must be a loopback address). */
export async function runWrk(url: string, options: WrkOptions): Promise<LoadResult> {
  const host = new URL(url).hostname;
  if (!(host.startsWith("127.") || host === "localhost" || host === "[::1]")) {
    throw new Error(`Refusing to load ${url}: the benchmark only targets loopback addresses`);
  }
  const threads = options.threads ?? Math.min(options.connections, 2);
  const env: Record<string, string> = {
    BENCH_BODY: options.bodyPath ?? "",
    BENCH_CONTENT_TYPE: options.contentType ?? "text/csv",
  };
  const args = [
    `-t${threads}`,
    `-c${options.connections}`,
    `-d${Math.max(1, Math.round(options.seconds))}s`,
    "--timeout",
    "10s",
    "-s",
    REPORT_SCRIPT,
    url,
  ];
  const output = await new Deno.Command(options.wrk ?? "/usr/bin/wrk", {
    args,
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    const stderr = new TextDecoder().decode(output.stderr);
    throw new Error(`wrk failed with code ${output.code}: ${stderr.trim() || stdout.trim()}`);
  }
  return parseWrkReport(stdout);
}
