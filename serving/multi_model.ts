/**
 * Multi-model endpoints: the `/models` routes SageMaker calls when `SAGEMAKER_MULTI_MODEL=true`.
 *
 * | Route                          | Answer                                                       |
 * | ------------------------------ | ------------------------------------------------------------ |
 * | `POST /models`                 | load `{"model_name", "url"}`: 200; 409 loaded; 400/404 no valid model; 507 over budget |
 * | `GET /models`                  | `{"models": [{"modelName", "modelUrl"}], "nextPageToken"?}`, sorted by name |
 * | `GET /models/{name}`           | `{"modelName", "modelUrl", ...}`; 404 unknown                |
 * | `DELETE /models/{name}`        | unload: 200; 404 unknown                                     |
 * | `POST /models/{name}/invoke`   | predict, exactly as `POST /invocations` does                 |
 *
 * How every worker answers for every model: the worker that gets `POST /models` validates and
 * loads the model, then registers it in the shared {@linkcode ModelRegistry} folder (atomic and
 * exclusive, so concurrent loads of a name give one 200 and 409s). On an invocation, any worker
 * reads the registry entry (one small file read) and answers from its own
 * {@linkcode ModelCache}, loading the model file on first use. An entry that is gone means the
 * model was unloaded; a new generation means it was reloaded. A timer drops cached copies of
 * unloaded models that are not invoked again.
 *
 * @module
 */

import { log } from "../log.ts";
import type { Environment } from "../sagemaker/paths.ts";
import {
  containerMemoryBytes,
  readMultiModelConfig,
  REGISTRY_VARIABLE,
} from "../sagemaker/multi_model_config.ts";
import { ConfigError } from "../sagemaker/serving_config.ts";
import { decodeModel, describeModel, MODEL_FILE_NAME, ModelFileError } from "../model_store.ts";
import type { StoredModel } from "../model_store.ts";
import { readBody } from "./body.ts";
import { HttpError } from "./errors.ts";
import { ModelCache } from "./model_cache.ts";
import { isValidModelName, ModelRegistry, type RegistryEntry } from "./model_registry.ts";

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
}

/** The `/models` routes of one worker. */
export interface MultiModelHandler {
  /** Answers a request whose path is `/models` or under it; throws {@linkcode HttpError}. */
  handle(request: Request, invoke: InvokeModel): Promise<Response>;
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

/** True for `/models` and every path under `/models/`. */
export function isMultiModelPath(path: string): boolean {
  return path === "/models" || path.startsWith("/models/");
}

/** A value for messages and logs: JSON-quoted (so escaped) and cut to 100 characters. */
function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);
}

function checkName(name: unknown): string {
  if (typeof name !== "string") {
    throw new HttpError(400, "Missing model_name: expected a string");
  }
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

/** `path` with `.` and `..` resolved lexically; undefined when it is not absolute. */
function normalizeAbsolute(path: string): string | undefined {
  if (!path.startsWith("/")) return undefined;
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return "/" + parts.join("/");
}

function isInside(path: string, root: string): boolean {
  return root === "/" || path === root || path.startsWith(root + "/");
}

function outsideRoot(url: string, root: string): HttpError {
  return new HttpError(400, `Model url ${quote(url)} is outside the model root ${quote(root)}`);
}

async function realPathOrUndefined(path: string): Promise<string | undefined> {
  try {
    return await Deno.realPath(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) {
      return undefined;
    }
    throw error;
  }
}

/**
 * The model file of `url` (a model folder or the model file itself), symlinks resolved; 400
 * when it lies outside `root`, checked before anything under `url` is read; 404 when missing.
 */
async function resolveModelFile(url: string, root: string): Promise<string> {
  const lexical = normalizeAbsolute(url);
  if (lexical === undefined) {
    throw new HttpError(400, `Invalid model url ${quote(url)}: expected an absolute path`);
  }
  const lexicalRoot = normalizeAbsolute(root) ?? root;
  if (!isInside(lexical, lexicalRoot)) throw outsideRoot(url, root);
  const realRoot = await realPathOrUndefined(lexicalRoot);
  if (realRoot === undefined) {
    throw new HttpError(404, `No model at ${quote(url)}: the model root ${quote(root)} is missing`);
  }
  const real = await realPathOrUndefined(lexical);
  if (real === undefined) throw new HttpError(404, `No model at ${quote(url)}: no such file`);
  if (!isInside(real, realRoot)) throw outsideRoot(url, root);
  const info = await Deno.stat(real);
  if (!info.isDirectory) return real;
  const file = await realPathOrUndefined(`${real}/${MODEL_FILE_NAME}`);
  if (file === undefined) {
    throw new HttpError(404, `No model at ${quote(url)}: the folder holds no ${MODEL_FILE_NAME}`);
  }
  if (!isInside(file, realRoot)) throw outsideRoot(`${url}/${MODEL_FILE_NAME}`, root);
  return file;
}

/** Reads and validates a model file; the size of the file stands for its memory use. */
async function readModelFile(file: string): Promise<{ stored: StoredModel; bytes: number }> {
  const data = await Deno.readFile(file);
  const stored = await decodeModel(new TextDecoder().decode(data), file);
  return { stored, bytes: data.byteLength };
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
    const text = new TextDecoder().decode(await readBody(request, LOAD_BODY_LIMIT));
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
      throw new HttpError(400, "Missing url: expected the path of the model folder");
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
    const entry: RegistryEntry = {
      name,
      url,
      modelFile: file,
      generation: crypto.randomUUID(),
      loadedAt: new Date().toISOString(),
      bytes: loaded.bytes,
      summary: describeModel(loaded.stored),
    };
    if (!await registry.add(entry)) {
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

  async function handle(request: Request, invoke: InvokeModel): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    const method = request.method;
    if (path === "/models") {
      if (method === "POST") return await load(request);
      if (method === "GET") return await list(url);
      throw new HttpError(405, `Use GET or POST for /models, not ${method}`);
    }
    const parts = path.slice("/models/".length).split("/");
    let name: string;
    try {
      name = decodeURIComponent(parts[0]);
    } catch {
      name = parts[0];
    }
    if (parts.length > 2 || (parts.length === 2 && parts[1] !== "invoke")) {
      throw new HttpError(404, `No route for ${method} ${quote(path)}`);
    }
    checkName(name);
    if (parts.length === 2) {
      if (method !== "POST") throw new HttpError(405, "Use POST for /models/{name}/invoke");
      const stored = await modelOf(entryOf(name));
      return await invoke(request, stored);
    }
    if (method === "GET") return json(describeEntry(entryOf(name)));
    if (method === "DELETE") return await unload(name);
    throw new HttpError(405, `Use GET or DELETE for /models/{name}, not ${method}`);
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
    handle,
    cache,
    close() {
      if (timer !== undefined) clearInterval(timer);
    },
  };
}

/**
 * The `/models` routes of a worker process when `SAGEMAKER_MULTI_MODEL=true`, else undefined.
 * `serve` creates the registry folder and names it in `SAGEMAKER_MULTI_MODEL_REGISTRY`.
 */
export function multiModelFromEnv(
  env: Environment,
  workers: number,
): MultiModelHandler | undefined {
  const config = readMultiModelConfig(env, { workers, memoryBytes: containerMemoryBytes() });
  if (!config.enabled) return undefined;
  if (config.registryDir === undefined) {
    throw new ConfigError(
      `SAGEMAKER_MULTI_MODEL=true but ${REGISTRY_VARIABLE} is not set: workers are started by serve`,
    );
  }
  return createMultiModelHandler({
    registry: new ModelRegistry(config.registryDir),
    modelRoot: config.modelRoot,
    cacheMaxBytes: config.cacheMaxBytes,
  });
}
