/**
 * The Web Worker that runs ml-cart's fit. ml-cart trains synchronously, for minutes on large
 * data; in a worker the main thread stays free to hear a SIGTERM and `terminate()` it.
 *
 * The program does not load this file by its path: `deno bundle` and `deno compile` only carry
 * modules the program imports, so `fit_worker_bundle.ts` holds this module bundled with ml-cart
 * as one string, and the worker starts from a Blob of it (`fit_in_worker.ts`). After editing this
 * file, regenerate it with `deno run -A scripts/bundle_workers.ts`; a test fails while it is
 * stale.
 *
 * @module
 */

import { DecisionTreeClassifier } from "ml-cart";

/** What the main thread sends: ml-cart's options and the training data as typed arrays. */
export interface FitRequest {
  /** ml-cart's `DecisionTreeClassifier` options. */
  readonly options: { gainFunction: string; maxDepth: number; minNumSamples: number };
  /** Row-major feature values. */
  readonly data: Float64Array;
  /** Features per row. */
  readonly columns: number;
  /** The class index of each row. */
  readonly labels: Int32Array;
}

/** What the worker answers: the fitted tree as the JSON text of `toJSON()`, or why it failed. */
export type FitReply = { readonly ok: true; readonly json: string } | {
  readonly ok: false;
  readonly message: string;
};

/** Fits ml-cart's tree and returns its JSON text (what the model file stores). */
function fit(request: FitRequest): string {
  const { data, columns, labels } = request;
  const rows: number[][] = new Array(labels.length);
  for (let r = 0; r < labels.length; r++) {
    rows[r] = Array.from(data.subarray(r * columns, (r + 1) * columns));
  }
  const tree = new DecisionTreeClassifier(request.options);
  tree.train(rows, Array.from(labels));
  return JSON.stringify(tree.toJSON());
}

const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<FitRequest>) => void) | null;
  postMessage(reply: FitReply): void;
};

scope.onmessage = (event) => {
  let reply: FitReply;
  try {
    reply = { ok: true, json: fit(event.data) };
  } catch (error) {
    reply = { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  scope.postMessage(reply);
};
