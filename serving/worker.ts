/**
 * A serving worker: one `Deno.serve` answering the HTTP contract below with the model. It never
 * knows about nginx or the supervisor; a bad request never ends it.
 *
 * | Route                        | Methods          | Mode         | Answer                         |
 * | ---------------------------- | ---------------- | ------------ | ------------------------------ |
 * | `/ping`                      | GET, HEAD        | always       | 200, empty                     |
 * | `/invocations`               | POST             | always       | predictions (404 multi-model)  |
 * | `/execution-parameters`      | GET              | always       | batch transform limits, JSON   |
 * | `/models`                    | GET, POST        | multi-model  | list, load                     |
 * | `/models/{name}`             | GET, DELETE      | multi-model  | describe, unload               |
 * | `/models/{name}/invoke`      | POST             | multi-model  | predictions, as `/invocations` |
 *
 * Every answer to an invocation carries the request id in `X-Request-Id` (by the rule of
 * `request_id.ts`); every error answer names it in its body and is logged with it.
 *
 * @module
 */

import { log } from "../log.ts";
import type { StoredModel } from "../model_store.ts";
import type { ServingConfig } from "../sagemaker/serving_config.ts";
import { CUSTOM_ATTRIBUTES_MAX_LENGTH } from "../sagemaker/platform_limits.ts";
import { AlgorithmError } from "../algorithm/mod.ts";
import { type PathHandler, targetModelOf, withAccessLog } from "./access_log.ts";
import { CUSTOM_ATTRIBUTES_HEADER, parseCustomAttributes } from "./custom_attributes.ts";
import { errorResponse, HttpError, wantsJsonErrors } from "./errors.ts";
import { executionParameters } from "./execution_parameters.ts";
import { EXPLAINED_TYPES } from "./explained_answer.ts";
import { handleInvocation } from "./invocations.ts";
import { type RequestMetrics, withMetrics } from "./metrics.ts";
import type { MultiModelHandler } from "./multi_model/mod.ts";
import { REQUEST_ID_HEADER, requestIdOf } from "./request_id.ts";
import { Router, type RouteTable } from "./routes.ts";

/** The part of the serving configuration a worker's handler uses. */
export type WorkerConfig = Pick<
  ServingConfig,
  | "bodyLimitBytes"
  | "responseLimitBytes"
  | "timeoutSeconds"
  | "defaultAccept"
  | "badRecords"
  | "batchLimits"
  | "defaultProbabilities"
>;

/** Options of {@linkcode createHandler}. */
export interface HandlerOptions {
  /** The serving configuration (body limit, timeout, default Accept, bad-record mode). */
  readonly config: WorkerConfig;
  /** The loaded model; absent in multi-model mode. */
  readonly stored?: StoredModel;
  /** The `/models` routes in multi-model mode (`SAGEMAKER_MULTI_MODEL=true`). */
  readonly multiModel?: MultiModelHandler;
  /**
   * True behind nginx, which puts `X-Request-Id` on every answer itself (cheaper than the
   * worker); the worker then sets it only on its error answers.
   */
  readonly proxied?: boolean;
  /**
   * Write one access line per request (method, path, status, bytes, duration, request id);
   * meant for serving without nginx, which otherwise writes them. Off by default.
   */
  readonly accessLog?: boolean;
  /** With `accessLog`, also write access lines for `/ping`. */
  readonly pingAccessLog?: boolean;
  /** Counts every answered request but `/ping` (status and latency) when given. */
  readonly metrics?: RequestMetrics;
}

/** Options of {@linkcode startWorker}. */
export interface WorkerOptions {
  /** Address to listen on: `127.0.0.1` behind nginx, `0.0.0.0` without it. */
  readonly hostname: string;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Share the port with the other workers (Linux SO_REUSEPORT), for serving without nginx. */
  readonly reusePort: boolean;
  /** Called once the server listens, with the port it got. */
  readonly onListen?: (port: number) => void;
}

/**
 * The path of a request URL. `/invocations`, the hot path, is recognised without `new URL()`
 * (about 0.15 µs a request, see `bench/one_record.ts`); any other URL is parsed in full.
 */
export function pathOf(url: string): string {
  const path = url.indexOf("/", url.indexOf("//") + 2);
  if (path === url.length - 12 && url.endsWith("/invocations")) return "/invocations";
  return new URL(url).pathname;
}

/** The headers every invocation answer echoes: the custom attributes, when readable. */
function echoedHeaders(attributes: string | null): Record<string, string> | undefined {
  return attributes !== null && attributes.length <= CUSTOM_ATTRIBUTES_MAX_LENGTH
    ? { [CUSTOM_ATTRIBUTES_HEADER]: attributes }
    : undefined;
}

/**
 * Whether an invocation's custom attributes ask for explanations, whose answers are JSON only:
 * its errors are then JSON too unless its `Accept` rules JSON out. Unreadable attributes ask for
 * nothing (their own error takes the usual type).
 */
function asksForExplanations(attributes: string | null): boolean {
  try {
    return parseCustomAttributes(attributes).explain !== undefined;
  } catch {
    return false;
  }
}

function ping(): Promise<Response> {
  return Promise.resolve(new Response(null, { status: 200 }));
}

function noDefaultModel(): never {
  throw new HttpError(404, "No default model in multi-model mode: use POST /models/{name}/invoke");
}

function jsonAnswer(text: string): Response {
  return new Response(text, { headers: { "content-type": "application/json" } });
}

/** Builds the request handler: the route table, then metrics and access lines around it. */
export function createHandler(options: HandlerOptions): (request: Request) => Promise<Response> {
  const { config, stored, multiModel } = options;
  const proxied = options.proxied === true;
  const parameters = JSON.stringify(executionParameters(config.batchLimits));
  // The single-model context is built once: /invocations is the hot path.
  const storedContext = stored === undefined ? undefined : contextOf(stored);

  function contextOf(model: StoredModel) {
    return { ...config, model: model.model, algorithm: model.algorithm.name };
  }

  /** Predicts with `model`: `/invocations`, and `/models/{name}/invoke` with the model it names. */
  function invoke(request: Request, model: StoredModel): Promise<Response> {
    const customAttributes = request.headers.get(CUSTOM_ATTRIBUTES_HEADER);
    const echo = echoedHeaders(customAttributes);
    const attributes = parseCustomAttributes(customAttributes);
    // Behind nginx the id header is added by nginx: a success answer with only a content-type
    // header takes Deno's fastest response path.
    const headers = proxied ? echo : { [REQUEST_ID_HEADER]: requestIdOf(request), ...echo };
    const context = model === stored ? storedContext! : contextOf(model);
    return handleInvocation(request, context, {
      attributes,
      startedAt: Date.now(),
      headers,
    });
  }

  const routes: RouteTable = {
    "/ping": { GET: ping, HEAD: ping },
    "/invocations": { POST: stored === undefined ? noDefaultModel : (r) => invoke(r, stored) },
    "/execution-parameters": { GET: () => Promise.resolve(jsonAnswer(parameters)) },
    // Multi-model mode: /models, /models/{name} and /models/{name}/invoke (multi_model/).
    ...multiModel?.routes(invoke),
  };
  const router = new Router(routes);

  function fail(request: Request, path: string, error: unknown): Response {
    const requestId = requestIdOf(request);
    const known = error instanceof HttpError || error instanceof AlgorithmError;
    const status = known ? error.status : 500;
    log.write(known && status < 500 ? "warn" : "error", "request failed", {
      request_id: requestId,
      path,
      target_model: targetModelOf(request.headers),
      status,
      // The stack of an unexpected error goes to the log, never to the client.
      error: known ? error.message : (error as Error).stack ?? String(error),
    });
    const invocation = path === "/invocations" || path.endsWith("/invoke");
    const attributes = invocation ? request.headers.get(CUSTOM_ATTRIBUTES_HEADER) : null;
    const echoed = invocation ? echoedHeaders(attributes) : undefined;
    const explained = invocation && asksForExplanations(attributes);
    const own = error instanceof HttpError ? error.headers : undefined;
    return errorResponse(status, known ? error.message : "Internal error: see the log", {
      json: wantsJsonErrors(request, {
        defaultAccept: config.defaultAccept,
        types: explained ? EXPLAINED_TYPES : undefined,
      }),
      requestId,
      headers: own === undefined ? echoed : { ...echoed, ...own },
    });
  }

  async function dispatch(request: Request, path: string): Promise<Response> {
    try {
      return await router.route(request, path);
    } catch (error) {
      return fail(request, path, error);
    }
  }

  let handler: PathHandler = dispatch;
  if (options.metrics !== undefined) handler = withMetrics(handler, options.metrics);
  if (options.accessLog === true) {
    handler = withAccessLog(handler, { ping: options.pingAccessLog === true });
  }
  return (request) => handler(request, pathOf(request.url));
}

/**
 * Starts a worker's HTTP server answering with `handler` (see {@linkcode createHandler});
 * `shutdown()` on the result lets in-flight requests finish.
 */
export function startWorker(
  options: WorkerOptions,
  handler: (request: Request) => Promise<Response>,
): Deno.HttpServer {
  return Deno.serve({
    hostname: options.hostname,
    port: options.port,
    reusePort: options.reusePort,
    onListen: ({ port }) => options.onListen?.(port),
    onError: (error) => {
      const requestId = crypto.randomUUID();
      log.error("unhandled error", {
        request_id: requestId,
        error: (error as Error).stack ?? String(error),
      });
      return errorResponse(500, "Internal error: see the log", { requestId });
    },
  }, handler);
}
