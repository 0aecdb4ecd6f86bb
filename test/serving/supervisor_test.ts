/**
 * Worker restarts against the real program (`main.ts serve`, nginx in front of 2 workers): each
 * death of a crash-looping worker is logged once, and a start whose spawn throws (made to fail by
 * the TEST ONLY hook of `serving/spawn_test_hook.ts`) is a death like any other: retried, and
 * counted towards the crash loop.
 */
import assert from "node:assert/strict";
import { type ServerHandle, startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetLines } from "../support/datasets.ts";
import { serveChildren, statusOf, waitUntil } from "../support/lifecycle.ts";
import { MISSING_EXECUTABLE } from "../../serving/spawn_test_hook.ts";

const IRIS = readDatasetLines("iris");
const base = await trainedBaseDir(IRIS.join("\n") + "\n", { max_leaf_nodes: "3" });

/** The pid of worker `index` of `server` (its command line holds `--index <index>`). */
function workerPid(server: ServerHandle, index: number): number {
  const pids = serveChildren(server.process.pid).workers;
  const output = new Deno.Command("ps", { args: ["-o", "pid=,args=", "-p", pids.join(",")] })
    .outputSync();
  const line = new TextDecoder().decode(output.stdout).split("\n")
    .find((text) => text.includes(` --index ${index} `));
  assert.ok(line !== undefined, `no worker ${index} among ${pids}`);
  return Number(line.trim().split(/\s+/)[0]);
}

/** The exit code of `server`, which must exit by itself within `timeoutMs`. */
async function exitCodeOf(server: ServerHandle, timeoutMs: number): Promise<number> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`serve still runs ${timeoutMs} ms on; log:\n${server.logs()}`)),
      timeoutMs,
    );
  });
  try {
    return (await Promise.race([server.process.status, timeout])).code;
  } finally {
    clearTimeout(timer);
  }
}

/** How many times `text` occurs in `haystack`. */
function count(haystack: string, text: string | RegExp): number {
  const pattern = typeof text === "string"
    ? new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), "g")
    : new RegExp(text.source, "g");
  return haystack.match(pattern)?.length ?? 0;
}

Deno.test("a crash-looping worker: each death and its cause are logged once, the crash loop once", async () => {
  const own = await trainedBaseDir(IRIS.join("\n") + "\n", { max_leaf_nodes: "3" });
  const server = await startServer(own, { MODEL_SERVER_WORKERS: "1" });
  try {
    await server.waitForLog(" INFO serving ");
    await Deno.remove(`${own}/model/model.json`);
    Deno.kill(workerPid(server, 0), "SIGKILL");
    assert.equal(await exitCodeOf(server, 20_000), 1);
    await server.waitForLog("serve is stopping");
    const logs = server.logs();
    const stopping = logs.split("\n").filter((line) => line.includes("serve is stopping"));
    assert.equal(stopping.length, 1, logs);
    assert.match(
      stopping[0],
      /Worker 0 died 6 times within 60 s; giving up\. Worker 0 exited with code 1; last stderr: .*worker cannot start: No model at/,
    );
    // The SIGKILL, then 5 failed starts: the last of them is told by the crash-loop line alone.
    const exits = logs.split("\n").filter((line) => line.includes("worker exited unexpectedly"));
    assert.equal(exits.length, 5, logs);
    assert.match(exits[0], /worker=0 code=137 signal=SIGKILL$/);
    for (const exit of exits.slice(1)) {
      assert.match(exit, /worker=0 code=1 stderr=".*worker cannot start: No model at .*"$/);
    }
    assert.equal(count(logs, "worker cannot start"), 5, logs);
  } finally {
    await server.stop();
    await Deno.remove(own, { recursive: true });
  }
});

Deno.test("a restart whose spawn throws is logged once, retried, and the worker serves again", async () => {
  const server = await startServer(base, {
    SERVING_TEST_HOOKS: "true",
    SERVING_TEST_SPAWN_FAILS: "0:2",
  });
  try {
    await server.waitForLog(" INFO serving ");
    const killed = workerPid(server, 0);
    Deno.kill(killed, "SIGKILL");
    await server.waitForLog(/INFO worker restarted worker=0 pid=\d+ port=\d+/);
    const logs = server.logs();
    const failed = logs.split("\n").filter((line) => line.includes("worker could not be started"));
    assert.equal(failed.length, 1, logs);
    assert.match(failed[0], /ERROR worker could not be started worker=0 error=".*spawn-test-hook/);
    assert.equal(count(logs, MISSING_EXECUTABLE), 1, logs);
    const [, pid, port] = logs.match(/worker restarted worker=0 pid=(\d+) port=(\d+)/)!;
    assert.equal(workerPid(server, 0), Number(pid));
    assert.notEqual(Number(pid), killed);
    assert.equal(serveChildren(server.process.pid).workers.length, 2);
    // The restarted worker itself answers, and so does serve.
    assert.equal(await statusOf(`http://127.0.0.1:${port}/ping`), 200);
    await waitUntil(
      "/ping to answer 200",
      async () => await statusOf(`${server.url}/ping`) === 200,
    );
    assert.doesNotMatch(server.logs(), /serve is stopping/);
  } finally {
    await server.stop();
  }
});

Deno.test("a spawn that always throws ends serve with the crash-loop message and exit code 1", async () => {
  const server = await startServer(base, {
    SERVING_TEST_HOOKS: "true",
    SERVING_TEST_SPAWN_FAILS: "0:2+",
  });
  try {
    await server.waitForLog(" INFO serving ");
    Deno.kill(workerPid(server, 0), "SIGKILL");
    assert.equal(await exitCodeOf(server, 20_000), 1);
    await server.waitForLog("serve is stopping");
    const logs = server.logs();
    // The SIGKILL, 4 failed spawns logged as such, and the 5th told by the crash-loop line.
    assert.equal(count(logs, /ERROR worker could not be started worker=0 error=/), 4, logs);
    assert.equal(count(logs, MISSING_EXECUTABLE), 5, logs);
    assert.match(
      logs,
      /ERROR serve is stopping: Worker 0 died 6 times within 60 s; giving up\. Worker 0 could not be started: .*nonexistent\/spawn-test-hook/,
    );
  } finally {
    await server.stop();
  }
});

Deno.test("a first start whose spawn throws is retried: serve starts with every worker", async () => {
  const server = await startServer(base, {
    SERVING_TEST_HOOKS: "true",
    SERVING_TEST_SPAWN_FAILS: "1:1",
  });
  try {
    await server.waitForLog(" INFO serving ");
    const logs = server.logs();
    assert.equal(count(logs, /ERROR worker could not be started worker=1 error=/), 1, logs);
    assert.match(logs, /INFO worker restarted worker=1 pid=\d+ port=\d+/);
    assert.equal(serveChildren(server.process.pid).workers.length, 2);
    assert.equal(await statusOf(`${server.url}/ping`), 200);
  } finally {
    await server.stop();
  }
});
