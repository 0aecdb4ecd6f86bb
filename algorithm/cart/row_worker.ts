/**
 * The Web Worker that runs the row passes (`row_kernels.ts`) on its share of a large node's
 * rows, and whole node jobs (`node_job.ts`) of smaller nodes, so that a fit uses every core. The
 * rows live in shared memory (codes and labels); for a pass each worker counts into its own
 * shared histogram, which the main thread adds up; a job's histograms are shared ones of the
 * tree builder, and its result goes to the worker's shared result array, its sequence number to
 * a shared status word last, so that the main thread sees a job done without waiting for the
 * reply message.
 *
 * The program does not load this file by its path: `deno bundle` and `deno compile` only carry
 * modules the program imports, so `row_worker_bundle.ts` holds this module bundled as one string,
 * and the worker starts from a Blob of it (`row_workers.ts`). After editing this file or a
 * module it imports, regenerate it with `deno run -A scripts/bundle_workers.ts`; a test fails
 * while it is stale.
 *
 * @module
 */

import type { ResolvedParams } from "./hyperparameters.ts";
import {
  JOBS_PER_WORKER,
  type NodeJob,
  RESULT_LENGTH,
  runNodeJob,
  writeResult,
} from "./node_job.ts";
import { type RowTask, type RowView, rowViewOf, runRowTask } from "./row_kernels.ts";
import { type SearchBins, SplitSearch } from "./split_search.ts";

/** What a worker needs to search splits itself (only when the search draws no features). */
export interface WorkerSearchSetup {
  /** The bins searched. */
  readonly bins: SearchBins;
  /** The fit's hyperparameters. */
  readonly params: ResolvedParams;
  /** The summed class weight of all rows. */
  readonly totalWeight: number;
}

/** A node job as posted to a worker, numbered so that its end shows in the status word. */
export interface NodeJobMessage {
  /** Always `job`. */
  readonly kind: "job";
  /** The job's number on its worker (from 1), stored into the status word when it is done. */
  readonly seq: number;
  /** The job. */
  readonly job: NodeJob;
}

/** What a worker gets first: the shared rows, and its own shared histogram. */
export interface RowWorkerSetup {
  /** Always `setup`. */
  readonly kind: "setup";
  /** The bin codes of every row. */
  readonly codes: SharedArrayBuffer;
  /** Where the codes start in `codes`, in bytes. */
  readonly codesOffset: number;
  /** Number of codes. */
  readonly codesLength: number;
  /** Whether a code takes two bytes (more than 256 bins a feature). */
  readonly wide: boolean;
  /** The labels of every row, in the same order as the codes. */
  readonly labels: SharedArrayBuffer;
  /** Where the labels start in `labels`, in bytes. */
  readonly labelsOffset: number;
  /** Number of rows. */
  readonly rows: number;
  /** Codes a row, including padding. */
  readonly stride: number;
  /** Number of features. */
  readonly columns: number;
  /** Where each feature's bins start in the global bin numbering. */
  readonly binOffsets: Int32Array;
  /** This worker's histogram: classes x global bins, 32-bit counts. */
  readonly histogram: SharedArrayBuffer;
  /** Where this worker writes its node jobs' results (64-bit floats, a slot per queued job). */
  readonly result: SharedArrayBuffer;
  /** The 32-bit word where this worker stores the number of the last job it finished. */
  readonly status: SharedArrayBuffer;
  /** What node jobs need to search their children; null when the search draws features. */
  readonly search: WorkerSearchSetup | null;
}

/**
 * What a worker answers to a pass or a job: rows that went left (partition) and whether it was a
 * job (whose result is in shared memory), or why it failed.
 */
export type RowReply = { readonly ok: true; readonly left: number; readonly job: boolean } | {
  readonly ok: false;
  readonly message: string;
};

/** The shared rows of a setup message as typed arrays. */
function setupRowView(setup: RowWorkerSetup): RowView {
  const { codes, codesOffset, codesLength, wide } = setup;
  const typed = wide
    ? new Uint16Array(codes, codesOffset, codesLength)
    : new Uint8Array(codes, codesOffset, codesLength);
  const labels = new Int32Array(setup.labels, setup.labelsOffset, setup.rows);
  return rowViewOf({ ...setup, codes: typed }, labels);
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<RowWorkerSetup | RowTask | NodeJobMessage>) => void) | null;
  postMessage(reply: RowReply): void;
};

let view: RowView | null = null;
let histogram: Int32Array = new Int32Array(0);
let result: Float64Array = new Float64Array(0);
let status: Int32Array = new Int32Array(1);
let search: SplitSearch | null = null;

scope.onmessage = (event) => {
  const message = event.data;
  if (message.kind === "setup") {
    view = setupRowView(message);
    histogram = new Int32Array(message.histogram);
    result = new Float64Array(message.result);
    status = new Int32Array(message.status);
    const setup = message.search;
    search = setup === null
      ? null
      : new SplitSearch(setup.bins, setup.params, { totalWeight: setup.totalWeight });
    return;
  }
  let reply: RowReply;
  try {
    if (view === null) throw new Error("Got a task before the rows");
    if (message.kind === "job") {
      const slot = (message.seq % JOBS_PER_WORKER) * RESULT_LENGTH;
      const out = result.subarray(slot, slot + RESULT_LENGTH);
      writeResult(out, runNodeJob(view, { job: message.job, search }));
      Atomics.store(status, 0, message.seq);
      reply = { ok: true, left: 0, job: true };
    } else reply = { ok: true, left: runRowTask(view, { task: message, histogram }), job: false };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  scope.postMessage(reply);
};
