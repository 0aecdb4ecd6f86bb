/**
 * Request metrics of one worker over an interval: counts by status class and latency
 * percentiles, logged periodically so CloudWatch Logs Insights can chart them.
 *
 * @module
 */

/** A summary of the requests seen since the last {@linkcode RequestMetrics.take}. */
export interface MetricsSnapshot {
  /** Requests answered. */
  readonly requests: number;
  /** Answers with a 4xx status. */
  readonly errors_4xx: number;
  /** Answers with a 5xx status. */
  readonly errors_5xx: number;
  /** Median latency in milliseconds (0 without requests). */
  readonly p50_ms: number;
  /** 99th percentile latency in milliseconds (0 without requests). */
  readonly p99_ms: number;
}

/** Latencies kept per interval; past this, reservoir sampling keeps a fair sample. */
const SAMPLE_SIZE = 8192;

/** Counts requests and samples their latencies. */
export class RequestMetrics {
  #requests = 0;
  #errors4xx = 0;
  #errors5xx = 0;
  #latencies = new Float64Array(SAMPLE_SIZE);
  #random: () => number;

  /** Creates empty metrics; `random` is for tests that need a fixed sample. */
  constructor(random: () => number = Math.random) {
    this.#random = random;
  }

  /** Records one answered request. */
  record(status: number, milliseconds: number): void {
    const seen = this.#requests++;
    if (status >= 500) this.#errors5xx++;
    else if (status >= 400) this.#errors4xx++;
    if (seen < SAMPLE_SIZE) {
      this.#latencies[seen] = milliseconds;
    } else {
      const slot = Math.floor(this.#random() * (seen + 1));
      if (slot < SAMPLE_SIZE) this.#latencies[slot] = milliseconds;
    }
  }

  /** Returns the summary since the last call and starts a new interval. */
  take(): MetricsSnapshot {
    const kept = Math.min(this.#requests, SAMPLE_SIZE);
    const sorted = this.#latencies.slice(0, kept).sort();
    const at = (quantile: number) =>
      kept === 0
        ? 0
        : Math.round(sorted[Math.min(kept - 1, Math.floor(quantile * kept))] * 1000) / 1000;
    const snapshot = {
      requests: this.#requests,
      errors_4xx: this.#errors4xx,
      errors_5xx: this.#errors5xx,
      p50_ms: at(0.5),
      p99_ms: at(0.99),
    };
    this.#requests = 0;
    this.#errors4xx = 0;
    this.#errors5xx = 0;
    return snapshot;
  }
}

/** Resident memory of this process in megabytes. */
export function residentMegabytes(): number {
  return Math.round(Deno.memoryUsage().rss / 1024 / 1024 * 10) / 10;
}

/** `handler` with every answer but `/ping`'s counted in `metrics` (status and latency). */
export function withMetrics(
  handler: (request: Request, path: string) => Promise<Response>,
  metrics: RequestMetrics,
): (request: Request, path: string) => Promise<Response> {
  return async function counted(request: Request, path: string): Promise<Response> {
    const begin = performance.now();
    const response = await handler(request, path);
    if (path !== "/ping") metrics.record(response.status, performance.now() - begin);
    return response;
  };
}
