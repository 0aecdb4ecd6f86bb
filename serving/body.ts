/**
 * Reading a request body with a size limit, without buffering past the limit: whole
 * ({@linkcode readBody}) for small bodies, or chunk by chunk ({@linkcode bodyChunks}) so that a
 * large batch is parsed while it arrives and never held twice.
 *
 * @module
 */

import { HttpError } from "./errors.ts";

function tooLarge(limit: number): HttpError {
  return new HttpError(413, `Request body is larger than the limit of ${limit} bytes`);
}

/** The status of a request whose client left before sending its body (nginx's convention). */
export const CLIENT_CLOSED_STATUS = 499;

/**
 * Rethrows the error of a body read; one that says the client closed the connection becomes a
 * 499 {@linkcode HttpError}: the client's doing, logged as a warning, not a 500 with a stack.
 */
function rethrowRead(error: unknown): never {
  if (
    error instanceof Deno.errors.BadResource || error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.UnexpectedEof
  ) {
    throw new HttpError(
      CLIENT_CLOSED_STATUS,
      "The client closed the connection before the whole request body arrived",
    );
  }
  throw error;
}

/** Options of {@linkcode readBody} and {@linkcode bodyChunks}. */
export interface BodyOptions {
  /**
   * `Date.now()` value past which waiting for more of the body is given up with a 408
   * {@linkcode HttpError}: a client that stalls after its headers never holds a request open
   * longer than the timeout.
   */
  readonly deadline?: number;
  /** The timeout the deadline comes from, in seconds, for the message. */
  readonly timeoutSeconds?: number;
}

/** A wait for part of a body, failed by the watchdog once its deadline passes. */
interface Waiter {
  readonly deadline: number;
  readonly fail: () => void;
}

/** How often the watchdog looks at the waits, in ms: the 408 comes at most this late. */
const WATCHDOG_INTERVAL_MS = 100;

/**
 * Every wait for body bytes with a deadline. One interval timer checks them all, which costs a
 * request two set operations instead of a timer of its own.
 */
const waiters = new Set<Waiter>();
let watchdog: ReturnType<typeof setInterval> | undefined;
/** `Date.now()` at the watchdog's last look: a clock that is free to read, an interval behind. */
let lastLook = 0;

function watch(waiter: Waiter): void {
  waiters.add(waiter);
  if (watchdog !== undefined) return;
  lastLook = Date.now();
  watchdog = setInterval(() => {
    const now = Date.now();
    lastLook = now;
    for (const each of waiters) {
      if (each.deadline <= now) {
        waiters.delete(each);
        each.fail();
      }
    }
  }, WATCHDOG_INTERVAL_MS);
  Deno.unrefTimer(watchdog);
}

/** Resolves as `promise` does, or rejects with a 408 once `options.deadline` has passed. */
function beforeDeadline<T>(promise: Promise<T>, options: BodyOptions): Promise<T> {
  const deadline = options.deadline;
  if (deadline === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const waiter: Waiter = {
      deadline,
      fail: () =>
        reject(
          new HttpError(
            408,
            options.timeoutSeconds === undefined
              ? "The request body did not arrive in time"
              : `The request body did not arrive within MODEL_SERVER_TIMEOUT=${options.timeoutSeconds} s`,
          ),
        ),
    };
    watch(waiter);
    const lookAtStart = lastLook;
    promise.then((value) => {
      waiters.delete(waiter);
      // Bytes that come after the deadline but before the watchdog's next look are late too: a
      // 408, not the 504 the request would meet next. The clock is read only near the deadline
      // (two intervals, for a late tick, by the last look), so a read far from it costs one
      // comparison. Bytes asked for only after the deadline, or after the event loop was
      // blocked for longer, may have come in time, the delay being ours: they are taken, and
      // the 504 that follows is the right answer.
      if (
        deadline - 2 * WATCHDOG_INTERVAL_MS <= lastLook && lookAtStart < deadline &&
        deadline <= Date.now()
      ) {
        waiter.fail();
      } else resolve(value);
    }, (error) => {
      waiters.delete(waiter);
      reject(error);
    });
  });
}

/**
 * Reads the whole body; throws a 413 {@linkcode HttpError} past `limit` bytes, a 408 when it
 * has not arrived by `options.deadline`, and a 499 when the client closed the connection first.
 */
export async function readBody(
  request: Request,
  limit: number,
  options: BodyOptions = {},
): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null) {
    const length = Number(declared);
    if (length > limit) throw tooLarge(limit);
    if (Number.isSafeInteger(length)) {
      try {
        return await beforeDeadline(request.bytes(), options);
      } catch (error) {
        rethrowRead(error);
      }
    }
  }
  if (request.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of defaultChunks(request.body, limit, options)) {
    size += chunk.length;
    chunks.push(chunk);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.length;
  }
  return body;
}

/** Bytes of the buffer {@linkcode bodyChunks} reads a streamed body into. */
const CHUNK_BUFFER_BYTES = 256 * 1024;

/**
 * Yields the body chunk by chunk; throws a 413 {@linkcode HttpError} once more than `limit`
 * bytes arrived (or at once when `Content-Length` says so), and a 408 when the next chunk has
 * not arrived by `options.deadline`.
 *
 * Each chunk is a view of one buffer that the next read reuses (a BYOB read): use a chunk before
 * asking for the next, and copy what must outlive it. A new buffer per chunk, as the default
 * reader hands out, is memory V8 does not see: with a parser that allocates little, much of a
 * 100 MB body would stay in memory until the next collection (worker peak RSS about 35 MiB
 * higher on a 100 MB batch, `test/hosting/conformance_test.ts`). A body stream that is not a
 * byte stream is read as is.
 *
 * @example
 * ```ts
 * for await (const chunk of bodyChunks(request, 6 * 1024 * 1024)) reader.push(chunk);
 * ```
 */
export async function* bodyChunks(
  request: Request,
  limit: number,
  options: BodyOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  const body = request.body;
  if (body === null) return;
  let reader: ReadableStreamBYOBReader;
  try {
    reader = body.getReader({ mode: "byob" });
  } catch {
    yield* defaultChunks(body, limit, options);
    return;
  }
  let buffer = new ArrayBuffer(CHUNK_BUFFER_BYTES);
  let size = 0;
  try {
    while (true) {
      let result: ReadableStreamReadResult<Uint8Array<ArrayBuffer>>;
      try {
        result = await beforeDeadline(reader.read(new Uint8Array(buffer)), options);
      } catch (error) {
        rethrowRead(error);
      }
      const { value, done } = result;
      if (done || value === undefined) return;
      size += value.length;
      if (size > limit) throw tooLarge(limit);
      buffer = value.buffer;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function* defaultChunks(
  body: ReadableStream<Uint8Array>,
  limit: number,
  options: BodyOptions,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = body.getReader();
  let size = 0;
  try {
    while (true) {
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await beforeDeadline(reader.read(), options);
      } catch (error) {
        rethrowRead(error);
      }
      const { value, done } = result;
      if (done || value === undefined) return;
      size += value.length;
      if (size > limit) throw tooLarge(limit);
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
