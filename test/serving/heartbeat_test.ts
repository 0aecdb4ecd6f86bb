/**
 * The two heartbeats of a worker process: the thread beat goes on while the main thread is
 * blocked, the loop beat does not, and neither needs a permission or keeps the process alive once
 * stopped.
 */
import assert from "node:assert/strict";
import {
  HEARTBEAT_INTERVAL_MS,
  LOOP_BEAT_BYTE,
  THREAD_BEAT_BYTE,
} from "../../serving/self_command.ts";

const HEARTBEAT_MODULE = new URL("../../serving/heartbeat.ts", import.meta.url).href;
/** Written by the script around the time its main thread is blocked. */
const MARK = "|";

/** A program that starts the heartbeats, blocks its main thread for `blockMs`, and stops them. */
function script(blockMs: number): string {
  return `
import { BEAT_THREAD_DELAY_MS, startHeartbeats } from ${JSON.stringify(HEARTBEAT_MODULE)};
const heartbeats = startHeartbeats();
await new Promise((resolve) => setTimeout(resolve, BEAT_THREAD_DELAY_MS + 600));
Deno.stdout.writeSync(new TextEncoder().encode(${JSON.stringify(MARK)}));
const until = Date.now() + ${blockMs};
while (Date.now() < until) { /* busy, as in a long model call */ }
Deno.stdout.writeSync(new TextEncoder().encode(${JSON.stringify(MARK)}));
heartbeats.stop();
`;
}

/** Counts each heartbeat byte in `bytes`. */
function beats(bytes: Uint8Array): { thread: number; loop: number } {
  return {
    thread: bytes.filter((byte) => byte === THREAD_BEAT_BYTE).length,
    loop: bytes.filter((byte) => byte === LOOP_BEAT_BYTE).length,
  };
}

Deno.test("startHeartbeats() beats from its thread while the main thread is blocked, and stops", async () => {
  const dir = await Deno.makeTempDir({ prefix: "heartbeat-test-" });
  try {
    await Deno.writeTextFile(`${dir}/main.ts`, script(2_000));
    // No permission at all: the thread is inline and writing to stdout needs none.
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-config", `${dir}/main.ts`],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const kill = setTimeout(() => child.kill("SIGKILL"), 15_000);
    const output = await child.output();
    clearTimeout(kill);
    assert.equal(output.signal, null, "the heartbeats kept the process alive after stop()");
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    const mark = MARK.charCodeAt(0);
    const first = output.stdout.indexOf(mark);
    const last = output.stdout.lastIndexOf(mark);
    assert.ok(first !== -1 && last > first, `stdout: ${output.stdout}`);
    const before = beats(output.stdout.subarray(0, first));
    const blocked = beats(output.stdout.subarray(first, last));
    assert.ok(before.thread >= 1 && before.loop >= 1, `before: ${JSON.stringify(before)}`);
    // 2 s blocked: 4 thread beats, 2 of them allowed to be late on a busy machine.
    const expected = 2_000 / HEARTBEAT_INTERVAL_MS - 2;
    assert.ok(blocked.thread >= expected, `while blocked: ${JSON.stringify(blocked)}`);
    assert.equal(blocked.loop, 0, `while blocked: ${JSON.stringify(blocked)}`);
    const rest = output.stdout.filter((byte) => ![THREAD_BEAT_BYTE, LOOP_BEAT_BYTE].includes(byte));
    assert.equal(new TextDecoder().decode(rest), MARK + MARK);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
