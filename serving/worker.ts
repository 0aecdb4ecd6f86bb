/**
 * A serving worker: one `Deno.serve` answering `/ping` and `/invocations` with the model.
 * It never knows about nginx or the supervisor; a bad request never ends it.
 *
 * @module
 */

import { log } from "../log.ts";
import type { StoredModel } from "../model_store.ts";
import { errorResponse, HttpError } from "./errors.ts";
import { handleInvocation } from "./invocations.ts";

/** Options of {@linkcode startWorker}. */
export interface WorkerOptions {
  /** Address to listen on: `127.0.0.1` behind nginx, `0.0.0.0` without it. */
  readonly hostname: string;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Share the port with the other workers (Linux SO_REUSEPORT), for serving without nginx. */
  readonly reusePort: boolean;
  /** The loaded model. */
  readonly stored: StoredModel;
  /** Largest accepted body in bytes. */
  readonly bodyLimitBytes: number;
  /** Called once the server listens, with the port it got. */
  readonly onListen?: (port: number) => void;
}

/** Builds the request handler for a model. */
export function createHandler(
  options: Pick<WorkerOptions, "stored" | "bodyLimitBytes">,
): (request: Request) => Promise<Response> {
  const context = { model: options.stored.model, bodyLimitBytes: options.bodyLimitBytes };
  return async function handle(request: Request): Promise<Response> {
    const path = new URL(request.url).pathname;
    try {
      if (path === "/invocations") {
        if (request.method !== "POST") throw new HttpError(405, "Use POST for /invocations");
        return await handleInvocation(request, context);
      }
      if (path === "/ping") {
        if (request.method !== "GET") throw new HttpError(405, "Use GET for /ping");
        return new Response(null, { status: 200 });
      }
      throw new HttpError(404, `No route for ${request.method} ${path}`);
    } catch (error) {
      if (error instanceof HttpError) return errorResponse(error.status, error.message);
      log.error("request failed", { path, error: (error as Error).stack ?? String(error) });
      return errorResponse(500, "Internal error while handling the request");
    }
  };
}

/** Starts a worker's HTTP server; `shutdown()` on the result lets in-flight requests finish. */
export function startWorker(options: WorkerOptions): Deno.HttpServer {
  return Deno.serve({
    hostname: options.hostname,
    port: options.port,
    reusePort: options.reusePort,
    onListen: ({ port }) => options.onListen?.(port),
    onError: (error) => {
      log.error("unhandled error", { error: (error as Error).stack ?? String(error) });
      return errorResponse(500, "Internal error while handling the request");
    },
  }, createHandler(options));
}
