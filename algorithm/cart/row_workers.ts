/**
 * The Web Workers that share a large node's row passes (`row_kernels.ts`) with the main thread:
 * each thread takes an equal slice of the node's rows, counts its classes per bin into its own
 * histogram, or moves its left rows first; the main thread then adds the histograms up and joins
 * the slices' left rows. The main thread takes the first slice itself rather than wait idle, so
 * `n` threads need `n - 1` workers. The same workers also take whole node jobs (`node_job.ts`),
 * one at a time each, while the main thread does other nodes; a pass waits until no job runs.
 *
 * Counts are integers, so the sum of the slices' histograms is exactly the histogram one thread
 * counts, and the tree is the same byte for byte. The rows must be in shared memory
 * (`shared_rows.ts`). The workers start from a Blob of `ROW_WORKER_SOURCE` (`row_worker.ts`
 * bundled), which works alike under `deno run`, in a `deno bundle` file and in a `deno compile`
 * executable.
 *
 * @module
 */

import { type CountedSide, type RowTask, type RowView, runRowTask } from "./row_kernels.ts";
import {
  JOBS_PER_WORKER,
  type NodeJob,
  type NodeJobResult,
  readResult,
  RESULT_LENGTH,
} from "./node_job.ts";
import type { NodeJobMessage, RowReply, RowWorkerSetup, WorkerSearchSetup } from "./row_worker.ts";
import { ROW_WORKER_SOURCE } from "./row_worker_bundle.ts";

/** Rows swapped at a time when the slices' left rows are joined (bounds the scratch memory). */
const SWAP_ROWS = 65_536;

/** A half-open range of rows. */
interface RowRange {
  start: number;
  end: number;
}

/**
 * Workers that run row passes on shared rows with the main thread; {@linkcode RowWorkers.close}
 * ends them.
 */
export class RowWorkers {
  readonly #view: RowView;
  readonly #workers: Worker[];
  readonly #histograms: Int32Array[];
  readonly #url: string;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = () => this.#fail(this.#signal!.reason);
  #failure: { reason: unknown } | null = null;
  readonly #pending = new Map<
    number,
    { resolve: (left: number) => void; reject: (reason: unknown) => void }
  >();
  readonly #jobWaiters = new Map<
    number,
    { resolve: () => void; reject: (reason: unknown) => void }
  >();
  readonly #results: Float64Array[] = [];
  readonly #status: Int32Array[] = [];
  /** Per worker, the numbers of the jobs it was given and whose results were not taken. */
  readonly #jobs: number[][] = [];
  /** Per worker, the number of the last job it was given. */
  readonly #lastJob: number[] = [];
  #scratchWords = new Uint32Array(0);
  #scratchLabels = new Int32Array(0);

  /**
   * Starts `workers` workers on the rows of `view` (labels `0` to `classCount - 1`), whose codes
   * and labels must be in shared memory; `signal` aborting ends them and rejects the pass or job
   * under way with its reason. With `search`, node jobs search their children's splits.
   */
  constructor(
    view: RowView,
    options: {
      workers: number;
      classCount: number;
      signal?: AbortSignal;
      search?: WorkerSearchSetup | null;
    },
  ) {
    const { codes, labels, binOffsets, columns } = view;
    if (
      !(codes.buffer instanceof SharedArrayBuffer && labels.buffer instanceof SharedArrayBuffer)
    ) {
      throw new TypeError("Cannot start row workers: the codes and labels must be shared");
    }
    this.#view = view;
    this.#signal = options.signal;
    const histogramLength = binOffsets[columns] * options.classCount;
    this.#url = URL.createObjectURL(new Blob([ROW_WORKER_SOURCE], { type: "text/javascript" }));
    this.#workers = [];
    // The main thread's histogram first, then one per worker. All are shared: the passes then
    // see one kind of array, as they do in node jobs, whose histograms must be shared.
    this.#histograms = [new Int32Array(new SharedArrayBuffer(histogramLength * 4))];
    for (let w = 0; w < options.workers; w++) {
      const histogram = new SharedArrayBuffer(histogramLength * 4);
      this.#histograms.push(new Int32Array(histogram));
      const result = new SharedArrayBuffer(RESULT_LENGTH * JOBS_PER_WORKER * 8);
      const status = new SharedArrayBuffer(4);
      this.#results.push(new Float64Array(result));
      this.#status.push(new Int32Array(status));
      this.#jobs.push([]);
      this.#lastJob.push(0);
      const worker = new Worker(this.#url, { type: "module" });
      worker.onmessage = (event: MessageEvent<RowReply>) => this.#answer(w, event.data);
      worker.onerror = (event: ErrorEvent) => {
        event.preventDefault();
        this.#fail(new Error(`Cannot fit a tree: row worker ${w} failed: ${event.message}`));
      };
      const setup: RowWorkerSetup = {
        kind: "setup",
        codes: codes.buffer,
        codesOffset: codes.byteOffset,
        codesLength: codes.length,
        wide: codes.BYTES_PER_ELEMENT === 2,
        labels: labels.buffer,
        labelsOffset: labels.byteOffset,
        rows: labels.length,
        stride: view.stride,
        columns,
        binOffsets,
        histogram,
        result,
        status,
        search: options.search ?? null,
      };
      worker.postMessage(setup);
      this.#workers.push(worker);
    }
    this.#signal?.addEventListener("abort", this.#onAbort, { once: true });
    if (this.#signal?.aborted) this.#fail(this.#signal.reason);
  }

  /** Number of threads that share a pass: the workers and the main thread. */
  get threads(): number {
    return this.#workers.length + 1;
  }

  /** Node jobs worker `w` (from 0) was given whose results were not taken. */
  queued(w: number): number {
    return this.#jobs[w].length;
  }

  /**
   * Hands `job` to worker `w`, which must have fewer than {@linkcode JOBS_PER_WORKER} queued;
   * it runs its jobs in the order given. {@linkcode RowWorkers.finished} tells their ends.
   */
  startJob(w: number, job: NodeJob): void {
    this.#throwIfFailed();
    if (this.#jobs[w].length >= JOBS_PER_WORKER) {
      throw new Error(`Cannot start a node job: row worker ${w} has ${JOBS_PER_WORKER} already`);
    }
    const seq = ++this.#lastJob[w];
    this.#jobs[w].push(seq);
    const message: NodeJobMessage = { kind: "job", seq, job };
    this.#workers[w].postMessage(message);
  }

  /** Whether worker `w` finished the oldest of its jobs whose result was not taken. */
  #done(w: number): boolean {
    const jobs = this.#jobs[w];
    return jobs.length > 0 && Atomics.load(this.#status[w], 0) >= jobs[0];
  }

  /**
   * The result of the oldest job of worker `w` whose result was not taken, if it is done, else
   * null; reads shared memory, so it needs no turn of the event loop.
   */
  finished(w: number): NodeJobResult | null {
    this.#throwIfFailed();
    if (!this.#done(w)) return null;
    const seq = this.#jobs[w].shift()!;
    const slot = (seq % JOBS_PER_WORKER) * RESULT_LENGTH;
    return readResult(this.#results[w].subarray(slot, slot + RESULT_LENGTH));
  }

  /** Resolves once the oldest job of worker `w` is done (see {@linkcode RowWorkers.finished}). */
  async waitJob(w: number): Promise<void> {
    while (this.#jobs[w].length > 0 && !this.#done(w)) {
      this.#throwIfFailed();
      await new Promise<void>((resolve, reject) => this.#jobWaiters.set(w, { resolve, reject }));
    }
    this.#throwIfFailed();
  }

  /** Counts the classes per bin of rows `[start, end)` into `histogram`. */
  async histogram(range: { start: number; end: number }, histogram: Int32Array): Promise<void> {
    const slices = this.#slices(range.start, range.end);
    await this.#run(slices.map((s) => ({ kind: "histogram", start: s.start, end: s.end })));
    this.#sum(histogram, slices.length);
  }

  /**
   * Moves the rows of `[start, end)` whose code of `feature` is <= `bin` before the others (in
   * no particular order) and returns where the right rows start. The rows of `counted` are
   * counted into `histogram` on the way.
   */
  async partition(
    range: { start: number; end: number; feature: number; bin: number },
    counting: { histogram: Int32Array | null; counted: CountedSide },
  ): Promise<number> {
    const { histogram, counted } = counting;
    const slices = this.#slices(range.start, range.end);
    const side = histogram === null ? "none" : counted;
    const lefts = await this.#run(slices.map((s) => ({
      kind: "partition",
      start: s.start,
      end: s.end,
      feature: range.feature,
      bin: range.bin,
      counted: side,
    })));
    if (histogram !== null) this.#sum(histogram, slices.length);
    return this.#join(range, slices, lefts);
  }

  /** Ends the workers; a pass under way rejects. Safe to call more than once. */
  close(): void {
    this.#fail(new Error("Cannot run a row pass: the row workers were closed"));
  }

  /** Cuts `[start, end)` into one slice per thread (fewer for very few rows). */
  #slices(start: number, end: number): RowRange[] {
    const count = Math.max(1, Math.min(this.threads, end - start));
    const slices: RowRange[] = [];
    for (let w = 0; w < count; w++) {
      slices.push({
        start: start + Math.floor(((end - start) * w) / count),
        end: start + Math.floor(((end - start) * (w + 1)) / count),
      });
    }
    return slices;
  }

  /**
   * Posts task `w` (from 1) to worker `w - 1`, runs task 0 on this thread, and resolves to the
   * answers in task order.
   */
  async #run(tasks: RowTask[]): Promise<number[]> {
    this.#throwIfFailed();
    if (this.#pending.size > 0) throw new Error("Cannot run a row pass while another is under way");
    if (this.#jobs.some((jobs) => jobs.length > 0)) {
      throw new Error("Cannot run a row pass while a node job is under way");
    }
    const answers = tasks.slice(1).map((task, w) =>
      new Promise<number>((resolve, reject) => {
        this.#pending.set(w, { resolve, reject });
        this.#workers[w].postMessage(task);
      })
    );
    // Every answer is awaited (a failure rejects them all) before this thread's part may throw.
    const settled = Promise.allSettled(answers);
    const own = runRowTask(this.#view, { task: tasks[0], histogram: this.#histograms[0] });
    const results = await settled;
    this.#throwIfFailed();
    return [own, ...results.map((result) => (result as PromiseFulfilledResult<number>).value)];
  }

  #throwIfFailed(): void {
    if (this.#failure !== null) throw this.#failure.reason;
  }

  #answer(w: number, reply: RowReply): void {
    if (reply.ok && reply.job) {
      const waiter = this.#jobWaiters.get(w);
      this.#jobWaiters.delete(w);
      waiter?.resolve();
      return;
    }
    if (!reply.ok) {
      this.#fail(new Error(`Cannot fit a tree: row worker ${w} failed: ${reply.message}`));
      return;
    }
    const pending = this.#pending.get(w);
    if (pending === undefined) return;
    this.#pending.delete(w);
    pending.resolve(reply.left);
  }

  /** Ends every worker and rejects the passes under way with `reason`. */
  #fail(reason: unknown): void {
    if (this.#failure !== null) return;
    this.#failure = { reason };
    this.#signal?.removeEventListener("abort", this.#onAbort);
    for (const worker of this.#workers) worker.terminate();
    URL.revokeObjectURL(this.#url);
    const pending = [...this.#pending.values(), ...this.#jobWaiters.values()];
    this.#pending.clear();
    this.#jobWaiters.clear();
    for (const waiting of pending) waiting.reject(reason);
  }

  /** Adds the first `count` workers' histograms into `histogram`. */
  #sum(histogram: Int32Array, count: number): void {
    histogram.set(this.#histograms[0]);
    for (let w = 1; w < count; w++) {
      const part = this.#histograms[w];
      for (let i = 0; i < histogram.length; i++) histogram[i] += part[i];
    }
  }

  /**
   * After each slice moved its own left rows first, swaps the right rows that lie before the
   * node's boundary with the left rows that lie after it; returns the boundary.
   */
  #join(range: RowRange, slices: RowRange[], lefts: number[]): number {
    let middle = range.start;
    for (const left of lefts) middle += left;
    const early: RowRange[] = [];
    const late: RowRange[] = [];
    slices.forEach((slice, w) => {
      const split = slice.start + lefts[w];
      if (split < middle) early.push({ start: split, end: Math.min(slice.end, middle) });
      if (split > middle) late.push({ start: Math.max(slice.start, middle), end: split });
    });
    let a = 0;
    let b = 0;
    while (a < early.length && b < late.length) {
      const rightRows = early[a];
      const leftRows = late[b];
      const n = Math.min(rightRows.end - rightRows.start, leftRows.end - leftRows.start);
      this.#swap(rightRows.start, leftRows.start, n);
      rightRows.start += n;
      leftRows.start += n;
      if (rightRows.start === rightRows.end) a++;
      if (leftRows.start === leftRows.end) b++;
    }
    return middle;
  }

  /** Swaps the `n` rows from `a` with the `n` rows from `b` (the two blocks do not overlap). */
  #swap(a: number, b: number, n: number): void {
    const { words, wordsPerRow: p, labels } = this.#view;
    const piece = Math.min(n, SWAP_ROWS);
    if (this.#scratchLabels.length < piece) {
      this.#scratchWords = new Uint32Array(piece * p);
      this.#scratchLabels = new Int32Array(piece);
    }
    for (let done = 0; done < n; done += piece) {
      const k = Math.min(piece, n - done);
      const from = a + done;
      const to = b + done;
      this.#scratchWords.set(words.subarray(from * p, (from + k) * p));
      words.copyWithin(from * p, to * p, (to + k) * p);
      words.set(this.#scratchWords.subarray(0, k * p), to * p);
      this.#scratchLabels.set(labels.subarray(from, from + k));
      labels.copyWithin(from, to, to + k);
      labels.set(this.#scratchLabels.subarray(0, k), to);
    }
  }
}
