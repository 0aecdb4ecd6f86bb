/**
 * The program of a reading thread (a Web Worker) of a parallel read: it gets the setup once,
 * then byte ranges, and answers each with its binned records (codes and labels transferred, not
 * copied) or the error's message. It is bundled into `range_worker_bundle.ts`
 * (`scripts/bundle_workers.ts`), which the program starts it from.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import {
  type ByteRange,
  createRangeScratch,
  type RangeBuffers,
  type RangeResult,
  type RangeScratch,
  type RangeSetup,
  readRange,
} from "./range_reader.ts";

/**
 * What the main thread sends: the setup first, then ranges, and the memory of records it has
 * copied, to reuse.
 */
export type RangeRequest =
  | { readonly type: "setup"; readonly setup: RangeSetup }
  | { readonly type: "range"; readonly index: number; readonly range: ByteRange }
  | { readonly type: "release"; readonly buffers: RangeBuffers };

/** What the thread answers for range `index`. */
export type RangeReply =
  | { readonly index: number; readonly ok: true; readonly result: RangeResult }
  | { readonly index: number; readonly ok: false; readonly message: string };

let setup: RangeSetup | undefined;
/** Buffers and the kernel for the setup's bin edges, made when the setup arrives. */
let scratch: RangeScratch | undefined;
/** Memory of earlier ranges' records, back from the main thread. */
const spare: RangeBuffers[] = [];

self.onmessage = (event: MessageEvent<RangeRequest>) => {
  const request = event.data;
  if (request.type === "setup") {
    setup = request.setup;
    scratch = createRangeScratch(setup);
    return;
  }
  if (request.type === "release") {
    spare.push(request.buffers);
    return;
  }
  let reply: RangeReply;
  try {
    const result = readRange(request.range, setup!, { scratch, reuse: spare.pop() });
    reply = { index: request.index, ok: true, result };
    // Transferred, not copied; codes in a SharedArrayBuffer (as `parseThenBin` gives them) are
    // shared as they are.
    const transfer = [result.labelIds.buffer as ArrayBuffer];
    if (result.codes.buffer instanceof ArrayBuffer) transfer.push(result.codes.buffer);
    self.postMessage(reply, { transfer });
  } catch (error) {
    reply = { index: request.index, ok: false, message: (error as Error).message };
    self.postMessage(reply);
  }
};
