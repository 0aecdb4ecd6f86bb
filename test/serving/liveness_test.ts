/**
 * The supervisor notices a worker that stops answering (stopped with SIGSTOP) and replaces it;
 * nginx stops sending it requests meanwhile. It needs nothing but the workers' heartbeats: not
 * `/proc`, not `cat` (the image has neither tool nor shell). A worker busy with one long request is
 * left alone.
 */
import assert from "node:assert/strict";
import { invoke, type ServerHandle, startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetLines } from "../support/datasets.ts";
import { isAlive, serveChildren, statusOf, waitUntil } from "../support/lifecycle.ts";
import { LOOP_BEAT_BYTE, PERMISSION_FLAGS, THREAD_BEAT_BYTE } from "../../serving/self_command.ts";

const IRIS = readDatasetLines("iris");
const RECORD = IRIS[0].slice(IRIS[0].indexOf(",") + 1) + "\n";
const base = await trainedBaseDir(IRIS.join("\n") + "\n", { max_leaf_nodes: "3" });
/** Debug lines say when each worker's heartbeat thread beats; the replacement is timed from it. */
const DEBUG = { LOG_LEVEL: "debug" };

/** True when 4 rounds of `/ping` and `/invocations` in a row all answer 200. */
async function allAnswer(url: string): Promise<boolean> {
  for (let i = 0; i < 4; i++) {
    if (await statusOf(`${url}/ping`) !== 200) return false;
    if ((await invoke(url, RECORD)).status !== 200) return false;
  }
  return true;
}

/**
 * Stops one worker of `server` with SIGSTOP once its heartbeat thread beats, and checks that it
 * is replaced as stopped within 4 s, the other worker kept, and every request answered again.
 */
async function stopOneWorker(server: ServerHandle): Promise<void> {
  const [victim, other] = serveChildren(server.process.pid).workers;
  await server.waitForLog(new RegExp(`worker heartbeat thread beats.*pid=${victim}`));
  Deno.kill(victim, "SIGSTOP");
  const stopped = performance.now();
  await server.waitForLog(new RegExp(`worker is not answering.*pid=${victim}.*stopped`));
  const replacedMs = performance.now() - stopped;
  console.log(`stopped worker replaced ${replacedMs.toFixed(0)} ms after SIGSTOP`);
  assert.ok(replacedMs < 4_000, `replaced only ${replacedMs.toFixed(0)} ms after SIGSTOP`);
  await waitUntil("the stopped worker to be gone", () => !isAlive(victim), { timeoutMs: 5_000 });
  await server.waitForLog("worker restarted");
  const tookMs = await waitUntil("every request to answer 200", () => allAnswer(server.url), {
    timeoutMs: 10_000,
  });
  console.log(`all requests 200 again ${tookMs.toFixed(0)} ms after the replacement`);
  const workers = serveChildren(server.process.pid).workers;
  assert.equal(workers.length, 2);
  assert.ok(workers.includes(other) && !workers.includes(victim), `workers: ${workers}`);
  // The beats never reach the log, not even inside a line.
  for (const byte of [THREAD_BEAT_BYTE, LOOP_BEAT_BYTE]) {
    assert.ok(!server.logs().includes(String.fromCharCode(byte)), `byte ${byte} in the log`);
  }
}

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`a worker stopped with SIGSTOP is replaced within seconds and every request answers 200 again (${mode})`, async () => {
    const env = mode === "embedded" ? { ...DEBUG, PATH: "/nonexistent" } : DEBUG;
    const server = await startServer(base, env);
    try {
      await stopOneWorker(server);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
}

Deno.test("a bundled serve allowed to run nothing but deno replaces a worker stopped with SIGSTOP", async () => {
  // The image runs a bundle (or a compiled program) with no cat and no shell; here `serve` may
  // start Deno alone, so any other program it tried to run would fail.
  const dir = await Deno.makeTempDir({ prefix: "liveness-bundle-" });
  try {
    const bundle = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--platform", "deno", "--output", `${dir}/main.js`, "main.ts"],
      cwd: new URL("../../", import.meta.url).pathname,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(bundle.success, new TextDecoder().decode(bundle.stderr));
    const runArgs = [
      "--no-config",
      ...PERMISSION_FLAGS.filter((flag) => flag !== "--allow-run"),
      `--allow-run=${Deno.execPath()}`,
      `${dir}/main.js`,
    ];
    const server = await startServer(base, { ...DEBUG, PATH: "/nonexistent" }, {
      runArgs,
      cwd: dir,
    });
    try {
      await server.waitForLog("mode=embedded");
      await stopOneWorker(server);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a worker blocked by one long request within MODEL_SERVER_TIMEOUT is not replaced", async () => {
  const server = await startServer(base, {
    ...DEBUG,
    SERVING_TEST_HOOKS: "true",
    MODEL_SERVER_TIMEOUT: "5",
  });
  try {
    const workersBefore = serveChildren(server.process.pid).workers.sort();
    // Both beat threads run, so the supervisor tells a stopped worker from a busy one by them.
    await waitUntil("both heartbeat threads to beat", () => {
      return server.logs().match(/worker heartbeat thread beats/g)?.length === 2;
    });
    // Blocks one worker's event loop for 3 s: longer than the check for a stopped worker.
    const started = performance.now();
    const slow = invoke(server.url, RECORD, {
      "content-type": "text/csv",
      "x-amzn-sagemaker-custom-attributes": "test_sleep_ms=3000",
    }).then((answer) => ({ ...answer, ms: performance.now() - started }));
    // /ping keeps answering meanwhile: it avoids the busy worker.
    const pings: number[] = [];
    const pinging = (async () => {
      for (let i = 0; i < 5; i++) pings.push(await statusOf(`${server.url}/ping`));
    })();
    const answer = await slow;
    await pinging;
    assert.equal(answer.status, 200, answer.text);
    assert.ok(answer.ms >= 3_000, `the worker was blocked only ${answer.ms} ms`);
    assert.deepEqual(pings, [200, 200, 200, 200, 200]);
    assert.doesNotMatch(server.logs(), /worker is not answering/);
    assert.deepEqual(serveChildren(server.process.pid).workers.sort(), workersBefore);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});
