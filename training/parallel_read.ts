/**
 * Reading byte ranges of a channel's files on several threads (Web Workers), handing the
 * results back in the ranges' order. A range that fails is read again on the main thread, with
 * the lines before it counted, so that the error is the one a sequential read gives: the same
 * file, line and field.
 *
 * The threads start from a `data:` URL of `range_worker_bundle.ts`, which works alike under
 * `deno run`, in a bundled `.js` file and in a `deno compile` executable (a worker started from
 * a module path would need that file beside the program).
 *
 * @module
 */

import { CsvError } from "../codecs/csv_reader.ts";
import { ChannelError } from "../sagemaker/channels.ts";
import { countLineEnds } from "./range_plan.ts";
import { type ByteRange, type RangeResult, type RangeSetup, readRange } from "./range_reader.ts";
import type { RangeReply, RangeRequest } from "./range_worker.ts";
import { RANGE_WORKER_SOURCE } from "./range_worker_bundle.ts";

/** The reading threads' module, as a `data:` URL. */
const RANGE_WORKER_URL = `data:text/javascript;base64,${btoa(RANGE_WORKER_SOURCE)}`;

/** Ranges each thread is given ahead, so that it never waits for the next. */
const RANGES_AHEAD = 2;

/**
 * Reading threads started ahead of their ranges, so that they load their program while this
 * thread still reads the records the bin edges come from. Each thread is used by one read;
 * {@linkcode ReadingThreads.close} ends those still running.
 */
export class ReadingThreads {
  /** The threads. */
  readonly workers: readonly Worker[];
  #failure: string | undefined;
  #onFailure: ((message: string) => void) | undefined;

  /** Starts `count` reading threads. */
  constructor(count: number) {
    const workers: Worker[] = [];
    for (let i = 0; i < count; i++) {
      const worker = new Worker(RANGE_WORKER_URL, { type: "module", name: `read-${i}` });
      // A thread that fails before its ranges come is reported by the read that uses it.
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        this.#failure ??= event.message;
        this.#onFailure?.(event.message);
      };
      workers.push(worker);
    }
    this.workers = workers;
  }

  /** Calls `onFailure` with the message of a thread's failure, now if one already failed. */
  watch(onFailure: (message: string) => void): void {
    this.#onFailure = onFailure;
    if (this.#failure !== undefined) onFailure(this.#failure);
  }

  /** Ends every thread; a read still using them fails. */
  close(): void {
    for (const worker of this.workers) worker.terminate();
    this.#onFailure?.("the reading threads were ended");
  }
}

/** Options of {@linkcode readRangesInParallel}. */
export interface ParallelReadOptions {
  /** Reading threads to start (when `threads` is not given). */
  readonly workers: number;
  /** Threads already started: the read uses them and ends them. */
  readonly threads?: ReadingThreads;
  /** The channel, named in errors. */
  readonly channel: string;
  /** Stops the read: the threads are terminated at once and the read rejects with its reason. */
  readonly signal?: AbortSignal;
}

/**
 * Reads `ranges` on `options.workers` threads and yields their results in order. Stops (and
 * ends the threads) at the first range that fails, throwing its error; also when the caller
 * stops iterating. A result's codes and labels are valid until the caller asks for the next
 * one: then they go back to their thread for reuse (copy what must be kept).
 */
export async function* readRangesInParallel(
  ranges: readonly ByteRange[],
  setup: RangeSetup,
  options: ParallelReadOptions,
): AsyncGenerator<RangeResult> {
  const { signal } = options;
  signal?.throwIfAborted();
  // A reply is dropped once yielded: a settled promise holds its range's codes and labels.
  const replies: (PromiseWithResolvers<RangeReply> | undefined)[] = ranges.map(() =>
    Promise.withResolvers<RangeReply>()
  );
  // A failure of a thread itself (not of a range): every range still waiting gets it.
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const reply of replies) reply?.reject(failure);
  };
  for (const reply of replies) reply!.promise.catch(() => {});
  const threads = options.threads ?? new ReadingThreads(
    Math.max(1, Math.min(options.workers, ranges.length)),
  );
  const workers: { worker: Worker; busy: number }[] = [];
  // The thread each range went to.
  const owners: (Worker | undefined)[] = ranges.map(() => undefined);
  const count = threads.workers.length;
  let next = 0;
  let yielded = 0;
  // Results wait in order; a thread far ahead of the slowest would pile them up.
  const window = count * (RANGES_AHEAD + 1);
  const dispatch = () => {
    for (const slot of workers) {
      while (slot.busy < RANGES_AHEAD && next < ranges.length && next < yielded + window) {
        const request: RangeRequest = { type: "range", index: next, range: ranges[next] };
        slot.worker.postMessage(request);
        owners[next] = slot.worker;
        slot.busy++;
        next++;
      }
    }
  };
  const stop = () => {
    fail(signal?.reason ?? new Error("The parallel read was stopped"));
    threads.close();
  };
  signal?.addEventListener("abort", stop, { once: true });
  try {
    threads.watch((message) =>
      fail(
        new ChannelError(
          `Cannot read channel ${options.channel}: a reading thread failed: ${message}`,
        ),
      )
    );
    for (const worker of threads.workers) {
      const slot = { worker, busy: 0 };
      worker.onmessage = (event: MessageEvent<RangeReply>) => {
        slot.busy--;
        replies[event.data.index]?.resolve(event.data);
        dispatch();
      };
      const request: RangeRequest = { type: "setup", setup };
      worker.postMessage(request);
      workers.push(slot);
    }
    dispatch();
    for (let index = 0; index < ranges.length; index++) {
      const reply = await replies[index]!.promise;
      replies[index] = undefined;
      if (!reply.ok) {
        threads.close();
        throw rereadForError(ranges[index], setup, options.channel, reply.message);
      }
      yielded = index + 1;
      dispatch();
      yield reply.result;
      // Asked for the next result, the caller is done with this one: its memory goes back to
      // the thread that filled it, which reuses it instead of touching fresh pages.
      release(owners[index], reply.result);
      owners[index] = undefined;
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    threads.close();
  }
}

/** Hands the codes and labels of `result` back to `worker` (moved, not copied). */
function release(worker: Worker | undefined, result: RangeResult): void {
  const codes = result.codes.buffer;
  const labels = result.labelIds.buffer;
  if (worker === undefined || !(codes instanceof ArrayBuffer)) return;
  if (!(labels instanceof ArrayBuffer) || codes === labels) return;
  const request: RangeRequest = { type: "release", buffers: { codes, labels } };
  worker.postMessage(request, { transfer: [codes, labels] });
}

/**
 * Reads a failed range again on this thread, its line numbers counted from the start of the
 * file, and returns the error that gives: the sequential read's.
 */
function rereadForError(
  range: ByteRange,
  setup: RangeSetup,
  channel: string,
  message: string,
): Error {
  try {
    const linesBefore = range.start > 0 ? countLineEnds(range.path, range.start) : 0;
    readRange(range, setup, { linesBefore });
  } catch (error) {
    if (error instanceof CsvError) return error;
    return new ChannelError(
      `Cannot read ${range.path} of channel ${channel}: ${(error as Error).message}`,
    );
  }
  return new ChannelError(`Cannot read ${range.path} of channel ${channel}: ${message}`);
}
