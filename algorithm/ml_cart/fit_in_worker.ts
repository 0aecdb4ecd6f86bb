/**
 * Runs ml-cart's fit in a Web Worker, so that a stop request (`signal`) can end it at once with
 * `terminate()`: ml-cart's own fit is synchronous and would hold the thread for minutes.
 *
 * The worker starts from a Blob of `FIT_WORKER_SOURCE` (`fit_worker.ts` bundled with ml-cart),
 * which works alike under `deno run`, in a `deno bundle` file and in a `deno compile` executable;
 * a worker started from a module path would need that file beside the program.
 *
 * @module
 */

import type { FitReply, FitRequest } from "./fit_worker.ts";
import { FIT_WORKER_SOURCE } from "./fit_worker_bundle.ts";

export type { FitRequest } from "./fit_worker.ts";

/**
 * Fits ml-cart in a worker and resolves to the tree's JSON text. Rejects with the signal's
 * reason as soon as `signal` aborts (the worker is terminated), and with ml-cart's message
 * when its fit throws.
 */
export function fitInWorker(request: FitRequest, signal?: AbortSignal): Promise<string> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const url = URL.createObjectURL(new Blob([FIT_WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  return new Promise<string>((resolve, reject) => {
    const finish = () => {
      signal?.removeEventListener("abort", onAbort);
      worker.terminate();
      URL.revokeObjectURL(url);
    };
    const onAbort = () => {
      finish();
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    worker.onmessage = (event: MessageEvent<FitReply>) => {
      finish();
      const reply = event.data;
      if (reply.ok) resolve(reply.json);
      else reject(new Error(`ml-cart cannot fit: ${reply.message}`));
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      finish();
      reject(new Error(`ml-cart cannot fit: ${event.message}`));
    };
    worker.postMessage(request);
  });
}
