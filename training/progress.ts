/**
 * Progress lines for a long read: every few seconds, how many records and bytes have been read,
 * how fast, and how much of the input that is when its size is known.
 *
 * @module
 */

import type { LogFields } from "../log.ts";

/** Milliseconds between two progress lines by default. */
export const PROGRESS_INTERVAL_MS = 5_000;

/** Options of {@linkcode ProgressReporter}. */
export interface ProgressOptions {
  /** Milliseconds between two lines; {@linkcode PROGRESS_INTERVAL_MS} by default. */
  readonly intervalMs?: number;
  /** The size of the input in bytes, when known: lines then say how far along it is. */
  readonly totalBytes?: number;
  /** The clock, in milliseconds (`performance.now` by default); tests pass their own. */
  readonly now?: () => number;
}

/**
 * Reports progress through `report` at most once per interval, and only once the first interval
 * has passed: a read shorter than that prints nothing.
 *
 * @example
 * ```ts
 * const progress = new ProgressReporter((fields) => log.info("reading", fields), { totalBytes });
 * progress.update(rows, bytes); // after every chunk
 * ```
 */
export class ProgressReporter {
  readonly #report: (fields: LogFields) => void;
  readonly #intervalMs: number;
  readonly #totalBytes: number | undefined;
  readonly #now: () => number;
  readonly #started: number;
  #last: number;

  /** Starts the clock. */
  constructor(report: (fields: LogFields) => void, options: ProgressOptions = {}) {
    this.#report = report;
    this.#intervalMs = options.intervalMs ?? PROGRESS_INTERVAL_MS;
    this.#totalBytes = options.totalBytes;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
    this.#last = this.#started;
  }

  /** Says how far the read is; writes a line when an interval has passed since the last. */
  update(rows: number, bytes: number): void {
    const now = this.#now();
    if (now - this.#last < this.#intervalMs) return;
    this.#last = now;
    const seconds = (now - this.#started) / 1000;
    const fields: LogFields = {
      rows,
      mb: round(bytes / 1e6, 1),
      mbPerSecond: seconds > 0 ? round(bytes / 1e6 / seconds, 1) : undefined,
      seconds: round(seconds, 1),
    };
    const total = this.#totalBytes;
    if (total !== undefined && total > 0) {
      fields.percent = round(Math.min(100, (bytes / total) * 100), 1);
    }
    this.#report(fields);
  }
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
