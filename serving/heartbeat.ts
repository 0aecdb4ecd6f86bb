/**
 * The two heartbeats of a worker process started with `--heartbeat`, both one byte on its stdout
 * every {@linkcode HEARTBEAT_INTERVAL_MS}: {@linkcode THREAD_BEAT_BYTE} from a thread of its own
 * (a Web Worker), which says the process runs, and {@linkcode LOOP_BEAT_BYTE} from the main event
 * loop, which says the worker is not stuck. The supervisor tells a stopped worker from a busy one
 * by them, without looking at the process from outside (`/proc` needs `--allow-all`, and the
 * image has no tools to read it with).
 *
 * @module
 */

import { log } from "../log.ts";
import { HEARTBEAT_INTERVAL_MS, LOOP_BEAT_BYTE, THREAD_BEAT_BYTE } from "./self_command.ts";

/**
 * The beat thread's whole program. It is inline because the program also runs as one bundled
 * `.js` file and as a `deno compile` executable, where a module file beside this one is not
 * there. It needs no permission: writing to stdout is not one. Once stdout is broken (the
 * supervisor is gone) the thread ends. Its first beat comes at once.
 */
const BEAT_THREAD_SOURCE = `const beat = new Uint8Array([${THREAD_BEAT_BYTE}]);
Deno.stdout.writeSync(beat);
const timer = setInterval(() => {
  try {
    Deno.stdout.writeSync(beat);
  } catch {
    clearInterval(timer);
    self.close();
  }
}, ${HEARTBEAT_INTERVAL_MS});
`;

/**
 * The beat thread's module as a `data:` URL: a compiled executable loads `data:` modules in a
 * Web Worker, but not (in every Deno version) `blob:` ones.
 */
export const BEAT_THREAD_URL = `data:text/javascript;base64,${btoa(BEAT_THREAD_SOURCE)}`;

/** The running heartbeats of {@linkcode startHeartbeats}. */
export interface Heartbeats {
  /** Stops both heartbeats. */
  stop(): void;
}

/**
 * How long after the worker starts its heartbeats (once it listens) the beat thread starts.
 * Creating a thread holds the main thread until the thread's JavaScript engine exists (20 ms at
 * best on the 2-core test machine, 100 ms and more when it is busy): started later, it stays off
 * the path of a cold start (about 80 ms to the first `/ping`) and of the first requests. Until its
 * first beat the supervisor cannot tell a stopped worker from a busy one.
 */
export const BEAT_THREAD_DELAY_MS = 500;

/**
 * Starts both heartbeats: the loop beat at once, the thread after
 * {@linkcode BEAT_THREAD_DELAY_MS}. Should the thread fail to start, the worker serves on with
 * the loop beat alone, which the warning says.
 */
export function startHeartbeats(): Heartbeats {
  let thread: Worker | undefined;
  const delay = setTimeout(() => {
    thread = new Worker(BEAT_THREAD_URL, { type: "module", name: "heartbeat" });
    thread.onerror = (event) => {
      // Handled here, an error in the thread does not end the worker process.
      event.preventDefault();
      log.warn("heartbeat thread failed: the worker is watched through its event loop alone", {
        error: event.message,
      });
    };
  }, BEAT_THREAD_DELAY_MS);
  Deno.unrefTimer(delay);
  const beat = new Uint8Array([LOOP_BEAT_BYTE]);
  const timer = setInterval(() => {
    try {
      Deno.stdout.writeSync(beat);
    } catch {
      clearInterval(timer); // the supervisor is gone; stdin tells the rest
    }
  }, HEARTBEAT_INTERVAL_MS);
  Deno.unrefTimer(timer);
  return {
    stop() {
      clearTimeout(delay);
      clearInterval(timer);
      thread?.terminate();
    },
  };
}
