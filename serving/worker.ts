/**
 * A serving worker: one `Deno.serve` answering `/ping`, `/invocations` and
 * `/execution-parameters` with the model. It never knows about nginx or the supervisor; a bad
 * request never ends it.
 *
 * Every `/invocations` answer carries the request id in `X-Request-Id`: the
 * `X-Amzn-SageMaker-Inference-Id` SageMaker sends, else the `X-Request-Id` nginx (or the caller)
 * sends, else a new UUID. Every error answer is logged with it.
 *
 * @module
 */

import { chooseResponseType, requestMediaType } from "../codecs/negotiate.ts";
import { log } from "../log.ts";
import { AlgorithmError, type Model } from "../algorithm/mod.ts";
import type { StoredModel } from "../model_store.ts";
import type { ServingConfig } from "../sagemaker/serving_config.ts";
import {
  CUSTOM_ATTRIBUTES_HEADER,
  MAX_CUSTOM_ATTRIBUTES_LENGTH,
  parseCustomAttributes,
} from "./custom_attributes.ts";
import { errorResponse, HttpError, REQUEST_ID_HEADER } from "./errors.ts";
import { executionParameters } from "./execution_parameters.ts";
import { handleInvocation, type InvocationContext } from "./invocations.ts";
import type { RequestMetrics } from "./metrics.ts";
import { isMultiModelPath, type MultiModelHandler } from "./multi_model.ts";
import { modelForTestHooks } from "./test_hooks.ts";

/** The header SageMaker sets with its own id for an invocation. */
export const INFERENCE_ID_HEADER = "x-amzn-sagemaker-inference-id";

/** Options of {@linkcode startWorker}. */
export interface WorkerOptions {
  /** Address to listen on: `127.0.0.1` behind nginx, `0.0.0.0` without it. */
  readonly hostname: string;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Share the port with the other workers (Linux SO_REUSEPORT), for serving without nginx. */
  readonly reusePort: boolean;
  /** The loaded model; absent in multi-model mode. */
  readonly stored?: StoredModel;
  /** The `/models` routes in multi-model mode (`SAGEMAKER_MULTI_MODEL=true`). */
  readonly multiModel?: MultiModelHandler;
  /** Largest accepted body in bytes. */
  readonly bodyLimitBytes: number;
  /**
   * The rest of the serving configuration (timeout, default Accept, bad-record mode,
   * `/execution-parameters`); without it the defaults apply.
   */
  readonly config?: ServingConfig;
  /**
   * True behind nginx, which puts `X-Request-Id` on every answer itself (cheaper than the
   * worker); the worker then sets it only on its error answers. By default `!reusePort`.
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
  /** Called once the server listens, with the port it got. */
  readonly onListen?: (port: number) => void;
}

/**
 * The request id of a request: the `X-Request-Id` nginx sets (SageMaker's inference id when
 * there is one, else nginx's own), else SageMaker's inference id (no nginx), else a new UUID.
 */
export function requestIdOf(request: Request): string {
  return request.headers.get(REQUEST_ID_HEADER) ?? request.headers.get(INFERENCE_ID_HEADER) ??
    crypto.randomUUID();
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

/** Builds the request handler for a model. */
export function createHandler(
  options: Pick<
    WorkerOptions,
    | "stored"
    | "bodyLimitBytes"
    | "config"
    | "multiModel"
    | "proxied"
    | "accessLog"
    | "pingAccessLog"
    | "metrics"
  >,
): (request: Request) => Promise<Response> {
  const config = options.config;
  const context: Omit<InvocationContext, "model"> = {
    bodyLimitBytes: options.bodyLimitBytes,
    timeoutSeconds: config?.timeoutSeconds,
    defaultAccept: config?.defaultAccept,
    badRecords: config?.badRecords,
    testHooks: config?.testHooks,
  };
  // The single-model context is built once: /invocations is the hot path.
  const defaultContext: InvocationContext | undefined = options.stored === undefined
    ? undefined
    : { ...context, model: options.stored.model };
  const testHooks = config?.testHooks === true;
  const parameters = JSON.stringify(executionParameters({
    maxConcurrentTransforms: config?.maxConcurrentTransforms ?? 1,
    maxPayloadMB: config?.maxPayloadMB ?? Math.floor(options.bodyLimitBytes / 1024 / 1024),
  }));

  function wantsJson(request: Request): boolean {
    const choice = chooseResponseType(request.headers.get("accept"), {
      requestType: requestMediaType(request.headers.get("content-type")) ?? "text/csv",
      defaultAccept: config?.defaultAccept,
    });
    return choice !== undefined && choice.type !== "text/csv";
  }

  function fail(
    request: Request,
    error: unknown,
    details: { path: string; requestId: string; headers?: HeadersInit },
  ): Response {
    const { path, requestId } = details;
    let status = 500;
    // The body names the request id even as a text line, so that the log line can be found.
    let message = `Internal error while handling request ${requestId}: see the log`;
    if (error instanceof HttpError || error instanceof AlgorithmError) {
      status = error.status;
      message = error.message;
      log.write(status >= 500 ? "error" : "warn", "request failed", {
        request_id: requestId,
        path,
        status,
        error: message,
      });
    } else {
      log.error("request failed", {
        request_id: requestId,
        path,
        status,
        error: (error as Error).stack ?? String(error),
      });
    }
    return errorResponse(status, message, {
      json: wantsJson(request),
      requestId,
      headers: details.headers,
    });
  }

  async function invoke(
    request: Request,
    startedAt: number,
    model: Model | undefined,
  ): Promise<Response> {
    // Behind nginx a success needs no request id (nginx adds the header): read it lazily.
    const proxied = options.proxied === true;
    const requestId = proxied ? undefined : requestIdOf(request);
    const customAttributes = request.headers.get(CUSTOM_ATTRIBUTES_HEADER);
    // The custom attributes are echoed when they were readable (at most 1024 characters).
    const echo =
      customAttributes !== null && customAttributes.length <= MAX_CUSTOM_ATTRIBUTES_LENGTH
        ? { [CUSTOM_ATTRIBUTES_HEADER]: customAttributes }
        : undefined;
    try {
      if (request.method !== "POST") throw new HttpError(405, "Use POST for /invocations");
      if (model === undefined) {
        throw new HttpError(
          404,
          "No default model in multi-model mode: use POST /models/{name}/invoke",
        );
      }
      const attributes = parseCustomAttributes(customAttributes);
      // Behind nginx the id header is added by nginx: a success answer with only a
      // content-type header takes Deno's fastest response path.
      const headers = requestId === undefined
        ? echo
        : echo === undefined
        ? { [REQUEST_ID_HEADER]: requestId }
        : { [REQUEST_ID_HEADER]: requestId, ...echo };
      let modelContext = model === defaultContext?.model ? defaultContext : { ...context, model };
      if (testHooks && customAttributes !== null) {
        modelContext = { ...modelContext, model: modelForTestHooks(model, customAttributes) };
      }
      return await handleInvocation(request, modelContext, {
        attributes,
        startedAt,
        headers,
      });
    } catch (error) {
      return fail(request, error, {
        path: "/invocations",
        requestId: requestId ?? requestIdOf(request),
        headers: echo,
      });
    }
  }

  /** Every route but `/invocations`. */
  async function route(request: Request, path: string, startedAt: number): Promise<Response> {
    try {
      // Multi-model endpoints: the /models routes, invoking with the model they pick.
      if (options.multiModel !== undefined && isMultiModelPath(path)) {
        return await options.multiModel.handle(
          request,
          (forwarded, stored) => invoke(forwarded, startedAt, stored.model),
        );
      }
      if (path === "/ping") {
        if (request.method !== "GET") throw new HttpError(405, "Use GET for /ping");
        return new Response(null, { status: 200 });
      }
      if (path === "/execution-parameters") {
        if (request.method !== "GET") {
          throw new HttpError(405, "Use GET for /execution-parameters");
        }
        return new Response(parameters, { headers: { "content-type": "application/json" } });
      }
      throw new HttpError(404, `No route for ${request.method} ${path}`);
    } catch (error) {
      return fail(request, error, { path, requestId: requestIdOf(request) });
    }
  }

  const metrics = options.metrics;
  const accessLog = options.accessLog === true;
  const pingAccessLog = options.pingAccessLog === true;

  // Without metrics and access lines nothing is measured: the plain handler.
  if (metrics === undefined && !accessLog) {
    return async function handle(request: Request): Promise<Response> {
      const startedAt = Date.now();
      const path = pathOf(request.url);
      if (path === "/invocations") return await invoke(request, startedAt, options.stored?.model);
      return await route(request, path, startedAt);
    };
  }

  // With metrics only (the default behind nginx): one clock read and a few counters a request.
  if (!accessLog) {
    return async function handleCounted(request: Request): Promise<Response> {
      const startedAt = Date.now();
      const begin = performance.now();
      const path = pathOf(request.url);
      if (path === "/invocations") {
        const response = await invoke(request, startedAt, options.stored?.model);
        metrics!.record(response.status, performance.now() - begin);
        return response;
      }
      const response = await route(request, path, startedAt);
      if (path !== "/ping") metrics!.record(response.status, performance.now() - begin);
      return response;
    };
  }

  // Without nginx: the worker writes the access lines itself, once the last byte is sent.
  return async function handleLogged(request: Request): Promise<Response> {
    const startedAt = Date.now();
    const begin = performance.now();
    const path = pathOf(request.url);
    const response = path === "/invocations"
      ? await invoke(request, startedAt, options.stored?.model)
      : await route(request, path, startedAt);
    const ping = path === "/ping";
    if (!ping) metrics?.record(response.status, performance.now() - begin);
    if (ping && !pingAccessLog) return response;
    return countBody(response, (bytesOut) => {
      log.access({
        method: request.method,
        path,
        status: response.status,
        bytesIn: Number(request.headers.get("content-length") ?? 0) || 0,
        bytesOut,
        durationSeconds: (performance.now() - begin) / 1000,
        requestId: response.headers.get(REQUEST_ID_HEADER) ??
          request.headers.get(REQUEST_ID_HEADER) ?? request.headers.get(INFERENCE_ID_HEADER) ??
          "-",
      });
    });
  };
}

/**
 * `response` with its body counted: `onDone` gets the number of body bytes once the last one
 * is handed to the connection (or the client went away).
 */
function countBody(response: Response, onDone: (bytes: number) => void): Response {
  const body = response.body;
  if (body === null) {
    onDone(0);
    return response;
  }
  const reader = body.getReader();
  let bytes = 0;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    onDone(bytes);
  };
  const counted = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await reader.read();
      if (chunk.done) {
        controller.close();
        finish();
        return;
      }
      bytes += chunk.value.byteLength;
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      finish();
      return reader.cancel(reason);
    },
  });
  return new Response(counted, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
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
  }, createHandler({ ...options, proxied: options.proxied ?? !options.reusePort }));
}
