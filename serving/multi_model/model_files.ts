/**
 * Where a multi-model endpoint may read models from: the model file of a `url` given to
 * `POST /models`, only inside the model root (after resolving symlinks), and reading it.
 *
 * @module
 */

import { decodeModel, MODEL_FILE_NAME, type StoredModel } from "../../model_store.ts";
import { HttpError } from "../errors.ts";

/** A value for messages and logs: JSON-quoted (so escaped) and cut to 100 characters. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);
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
export async function resolveModelFile(url: string, root: string): Promise<string> {
  // A NUL cannot be passed to the file system at all; other control characters name no file
  // anyone meant to load.
  const control = url.match(/\p{Cc}/u)?.[0];
  if (control !== undefined) {
    const what = control === "\u0000" ? "a NUL character" : "a control character";
    throw new HttpError(400, `Invalid model url ${quote(url)}: it contains ${what}`);
  }
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
  if (!info.isDirectory) return regularFile(real, info, url);
  const file = await realPathOrUndefined(`${real}/${MODEL_FILE_NAME}`);
  if (file === undefined) {
    throw new HttpError(404, `No model at ${quote(url)}: the folder holds no ${MODEL_FILE_NAME}`);
  }
  if (!isInside(file, realRoot)) throw outsideRoot(`${url}/${MODEL_FILE_NAME}`, root);
  return regularFile(file, await Deno.stat(file), `${url}/${MODEL_FILE_NAME}`);
}

/**
 * `file` when it is a regular file; else a 400 naming `shown`. A folder cannot be read as a
 * model, and a FIFO or device could block the worker forever.
 */
function regularFile(file: string, info: Deno.FileInfo, shown: string): string {
  if (info.isFile) return file;
  const what = info.isDirectory ? "is a folder" : "is not a regular file";
  throw new HttpError(400, `Invalid model file ${quote(shown)}: it ${what}, not a model file`);
}

/**
 * Reads and validates a model file; the size of the file stands for its memory use. `data` is
 * the bytes that were validated, for a snapshot of exactly what was checked.
 */
export async function readModelFile(
  file: string,
): Promise<{ stored: StoredModel; bytes: number; data: Uint8Array }> {
  const data = await Deno.readFile(file);
  const stored = await decodeModel(new TextDecoder().decode(data), file);
  return { stored, bytes: data.byteLength, data };
}
