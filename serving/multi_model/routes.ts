/**
 * The `/models` routes of one worker in multi-model mode. How every worker answers for every
 * model is told in `mod.ts`.
 *
 * @module
 */

import { log } from "../../log.ts";
import { describeModel, ModelFileError, type StoredModel } from "../../model_store.ts";
import { readBody } from "../body.ts";
import { HttpError } from "../errors.ts";
import type { RouteParams, RouteTable } from "../routes.ts";
import { ModelCache } from "./cache.ts";
import { quote, readModelFile, resolveModelFile } from "./model_files.ts";
import { isValidModelName, type ModelRegistry, type RegistryEntry } from "./registry.ts";

/** Predicts with `stored` for `request`: the worker's `/invocations` code, model given. */
export type InvokeModel = (request: Request, stored: StoredModel) => Promise<Response>;

/** Options of {@linkcode createMultiModelHandler}. */
export interface MultiModelOptions {
  /** The registry shared by all workers. */
  readonly registry: ModelRegistry;
  /** The folder every model must lie in, after resolving symlinks. */
  readonly modelRoot: string;
  /** The byte budget of this worker's cache. */
  readonly cacheMaxBytes: number;
  /** How often to drop cached copies of unloaded models, in ms; default 10 s; 0 never. */
  readonly sweepIntervalMs?: number;
  /** `MODEL_SERVER_TIMEOUT`: a `POST /models` body that has not arrived by then gets a 408. */
  readonly timeoutSeconds?: number;
}

/** The `/models` routes of one worker. */
export interface MultiModelHandler {
  /**
   * The routes `/models`, `/models/{name}` and `/models/{name}/invoke`, the last predicting
   * through `invoke`. Their handlers throw {@linkcode HttpError} for a bad request.
   */
  routes(invoke: InvokeModel): RouteTable;
  /** The models this worker holds in memory (for tests and logs). */
  readonly cache: ModelCache<StoredModel>;
  /** Stops the sweep timer. */
  close(): void;
}

/** Largest accepted body of `POST /models`. */
const LOAD_BODY_LIMIT = 64 * 1024;

/** Page size of `GET /models` without `max_results`, and the largest accepted one. */
const DEFAULT_PAGE_SIZE = 100;
const MAX_PAGE_SIZE = 1000;

/** The 400 of a `POST /models` field that is missing or not what is `expected`. */
function fieldError(field: string, value: unknown, expected: string): HttpError {
  if (value === undefined) return new HttpError(400, `Missing ${field}: expected ${expected}`);
  // A value parsed from JSON: written back as JSON (so escaped), cut like quote() cuts.
  const text = JSON.stringify(value);
  const shown = text.length > 100 ? `${text.slice(0, 100)}...` : text;
  return new HttpError(400, `Invalid ${field} ${shown}: expected ${expected}`);
}

function checkName(name: unknown): string {
  if (typeof name !== "string") throw fieldError("model_name", name, "a string");
  if (!isValidModelName(name)) {
    throw new HttpError(
      400,
      `Invalid model name ${quote(name)}: expected 1 to 200 letters, digits, ".", "_" or "-", ` +
        "starting with a letter or digit",
    );
  }
  return name;
}

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value) + "\n", {
    status,
    headers: { "content-type": "application/json" },
  });
}

function pageSize(text: string | null): number {
  if (text === null) return DEFAULT_PAGE_SIZE;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > MAX_PAGE_SIZE) {
    throw new HttpError(
      400,
      `Invalid max_results=${quote(text)}: expected an integer from 1 to ${MAX_PAGE_SIZE}`,
    );
  }
  return value;
}

function encodeToken(name: string): string {
  return new TextEncoder().encode(name).toBase64({ alphabet: "base64url", omitPadding: true });
}

function decodeToken(token: string): string {
  let name: string;
  try {
    name = new TextDecoder().decode(Uint8Array.fromBase64(token, { alphabet: "base64url" }));
  } catch {
    name = "";
  }
  if (!isValidModelName(name)) {
    throw new HttpError(400, `Invalid next_page_token ${quote(token)}`);
  }
  return name;
}

function describeEntry(entry: RegistryEntry): Record<string, unknown> {
  return {
    modelName: entry.name,
    modelUrl: entry.url,
    loadedAt: entry.loadedAt,
    sizeBytes: entry.bytes,
    summary: entry.summary,
  };
}

/** Builds the `/models` routes of one worker. */
export function createMultiModelHandler(options: MultiModelOptions): MultiModelHandler {
  const { registry, modelRoot } = options;
  const cache = new ModelCache<StoredModel>({
    maxBytes: options.cacheMaxBytes,
    onEvict: (name, bytes) =>
      log.info("model evicted", {
        model: name,
        bytes,
        cached_models: cache.size,
        cached_bytes: cache.bytes,
        budget_bytes: cache.maxBytes,
      }),
  });
  const pending = new Map<string, Promise<StoredModel>>();

  async function load(request: Request): Promise<Response> {
    const started = performance.now();
    const timeoutSeconds = options.timeoutSeconds;
    const deadline = timeoutSeconds === undefined ? undefined : Date.now() + timeoutSeconds * 1000;
    const bytes = await readBody(request, LOAD_BODY_LIMIT, { deadline, timeoutSeconds });
    const text = new TextDecoder().decode(bytes);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text);
    } catch (error) {
      throw new HttpError(
        400,
        `Cannot parse the request body as JSON: ${(error as Error).message}`,
      );
    }
    if (typeof body !== "object" || body === null || Array.isArray(body)) {
      throw new HttpError(400, 'Expected a JSON object {"model_name": ..., "url": ...}');
    }
    const name = checkName(body.model_name);
    if (typeof body.url !== "string" || body.url === "") {
      throw fieldError(
        "url",
        body.url === "" ? undefined : body.url,
        "the path of the model folder",
      );
    }
    const url = body.url;
    if (registry.read(name) !== undefined) {
      throw new HttpError(409, `Model ${quote(name)} is already loaded`);
    }
    const file = await resolveModelFile(url, modelRoot);
    const size = (await Deno.stat(file)).size;
    if (size > cache.maxBytes) throw overBudget(name, size);
    let loaded;
    try {
      loaded = await readModelFile(file);
    } catch (error) {
      if (error instanceof ModelFileError) throw new HttpError(400, error.message);
      throw error;
    }
    if (loaded.bytes > cache.maxBytes) throw overBudget(name, loaded.bytes);
    // Every worker loads the snapshot of the validated bytes, never the user's file again.
    const generation = crypto.randomUUID();
    const snapshot = registry.snapshotFile(generation);
    await Deno.writeFile(snapshot, loaded.data, { mode: 0o600 });
    const entry: RegistryEntry = {
      name,
      url,
      modelFile: snapshot,
      generation,
      loadedAt: new Date().toISOString(),
      bytes: loaded.bytes,
      summary: describeModel(loaded.stored),
    };
    if (!await registry.add(entry)) {
      await Deno.remove(snapshot).catch(() => {});
      throw new HttpError(409, `Model ${quote(name)} is already loaded`);
    }
    cache.set(name, entry.generation, loaded.stored, loaded.bytes);
    const ms = Math.round((performance.now() - started) * 100) / 100;
    log.info("model loaded", { model: name, bytes: loaded.bytes, ms });
    return json({ status: `Model ${name} loaded`, ...describeEntry(entry) });
  }

  function overBudget(name: string, bytes: number): HttpError {
    return new HttpError(
      507,
      `Model ${quote(name)} needs about ${bytes} bytes, more than the model cache budget of ` +
        `${cache.maxBytes} bytes per worker (MODEL_CACHE_MAX_MB)`,
    );
  }

  async function list(url: URL): Promise<Response> {
    const limit = pageSize(url.searchParams.get("max_results"));
    const token = url.searchParams.get("next_page_token");
    const after = token === null || token === "" ? undefined : decodeToken(token);
    const page = await registry.list({ after, limit });
    const body: Record<string, unknown> = {
      models: page.entries.map((entry) => ({ modelName: entry.name, modelUrl: entry.url })),
    };
    if (page.nextAfter !== undefined) body.nextPageToken = encodeToken(page.nextAfter);
    return json(body);
  }

  function entryOf(name: string): RegistryEntry {
    const entry = registry.read(name);
    if (entry === undefined) {
      cache.delete(name);
      throw new HttpError(404, `Model ${quote(name)} is not loaded`);
    }
    return entry;
  }

  async function unload(name: string): Promise<Response> {
    const entry = await registry.remove(name);
    cache.delete(name);
    if (entry === undefined) throw new HttpError(404, `Model ${quote(name)} is not loaded`);
    log.info("model unloaded", { model: name });
    return json({ status: `Model ${name} unloaded`, modelName: name });
  }

  /** The model of a registry entry: from the cache, or read from its file and cached. */
  function modelOf(entry: RegistryEntry): Promise<StoredModel> | StoredModel {
    const cached = cache.get(entry.name, entry.generation);
    if (cached !== undefined) return cached;
    const key = `${entry.name}/${entry.generation}`;
    let loading = pending.get(key);
    if (loading === undefined) {
      loading = reload(entry).finally(() => pending.delete(key));
      pending.set(key, loading);
    }
    return loading;
  }

  async function reload(entry: RegistryEntry): Promise<StoredModel> {
    const started = performance.now();
    let loaded;
    try {
      loaded = await readModelFile(entry.modelFile);
    } catch (error) {
      // Unloaded while its snapshot was being read: the snapshot is gone with the entry.
      if (registry.read(entry.name)?.generation !== entry.generation) {
        throw new HttpError(404, `Model ${quote(entry.name)} is not loaded`);
      }
      throw new HttpError(
        500,
        `Cannot load model ${quote(entry.name)} from ${quote(entry.url)}: ${
          (error as Error).message
        }`,
      );
    }
    // Unloaded (or reloaded) while the file was read: answer this request, cache nothing.
    if (registry.read(entry.name)?.generation === entry.generation) {
      cache.set(entry.name, entry.generation, loaded.stored, loaded.bytes);
    }
    log.debug("model cached", {
      model: entry.name,
      bytes: loaded.bytes,
      ms: Math.round((performance.now() - started) * 100) / 100,
    });
    return loaded.stored;
  }

  /** The registry entry of the `{name}` a route matched; 400 for an invalid name. */
  function entryOfParam(params: RouteParams): RegistryEntry {
    return entryOf(checkName(params.name));
  }

  function routes(invoke: InvokeModel): RouteTable {
    return {
      "/models": {
        GET: (request) => list(new URL(request.url)),
        POST: (request) => load(request),
      },
      "/models/{name}": {
        GET: (_request, params) => Promise.resolve(json(describeEntry(entryOfParam(params)))),
        DELETE: (_request, params) => unload(checkName(params.name)),
      },
      "/models/{name}/invoke": {
        POST: async (request, params) => invoke(request, await modelOf(entryOfParam(params))),
      },
    };
  }

  async function sweep(): Promise<void> {
    try {
      const dropped = cache.retainOnly(await registry.names());
      if (dropped.length > 0) log.debug("dropped unloaded models", { models: dropped.length });
    } catch (error) {
      log.warn("cannot read the model registry", { error: (error as Error).message });
    }
  }

  const interval = options.sweepIntervalMs ?? 10_000;
  const timer = interval > 0 ? setInterval(sweep, interval) : undefined;
  if (timer !== undefined) Deno.unrefTimer(timer);

  return {
    routes,
    cache,
    close() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}
