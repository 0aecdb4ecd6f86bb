/**
 * The Web Worker that runs the row passes (`row_kernels.ts`) on its share of a large node's
 * rows, so that a fit uses every core. The rows live in shared memory (codes and labels); each
 * worker counts into its own shared histogram, which the main thread adds up.
 *
 * The program does not load this file by its path: `deno bundle` and `deno compile` only carry
 * modules the program imports, so `row_worker_bundle.ts` holds this module bundled as one string,
 * and the worker starts from a Blob of it (`row_workers.ts`). After editing this file or
 * `row_kernels.ts`, regenerate it with `deno run -A scripts/bundle_workers.ts`; a test
 * fails while it is stale.
 *
 * @module
 */

import { type RowTask, type RowView, runRowTask } from "./row_kernels.ts";

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
}

/** What a worker answers to a task: rows that went left (partition), or why it failed. */
export type RowReply = { readonly ok: true; readonly left: number } | {
  readonly ok: false;
  readonly message: string;
};

/** The shared rows of a setup message as typed arrays. */
function rowViewOf(setup: RowWorkerSetup): RowView {
  const { codes, codesOffset, codesLength, wide } = setup;
  const typed = wide
    ? new Uint16Array(codes, codesOffset, codesLength)
    : new Uint8Array(codes, codesOffset, codesLength);
  return {
    codes: typed,
    words: new Uint32Array(codes, codesOffset, typed.byteLength / 4),
    wordsPerRow: setup.rows === 0 ? 0 : typed.byteLength / 4 / setup.rows,
    stride: setup.stride,
    columns: setup.columns,
    binOffsets: setup.binOffsets,
    labels: new Int32Array(setup.labels, setup.labelsOffset, setup.rows),
  };
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<RowWorkerSetup | RowTask>) => void) | null;
  postMessage(reply: RowReply): void;
};

let view: RowView | null = null;
let histogram: Int32Array = new Int32Array(0);

scope.onmessage = (event) => {
  const message = event.data;
  if (message.kind === "setup") {
    view = rowViewOf(message);
    histogram = new Int32Array(message.histogram);
    return;
  }
  let reply: RowReply;
  try {
    if (view === null) throw new Error("Got a task before the rows");
    reply = { ok: true, left: runRowTask(view, { task: message, histogram }) };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  scope.postMessage(reply);
};
