/**
 * The supervisor notices a worker that stops answering (stopped with SIGSTOP) and replaces it;
 * nginx stops sending it requests meanwhile. A worker busy with one long request is left alone.
 */
import assert from "node:assert/strict";
import { invoke, startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetLines } from "../support/datasets.ts";
import { isAlive, serveChildren, statusOf, waitUntil } from "../support/lifecycle.ts";

const IRIS = readDatasetLines("iris");
const RECORD = IRIS[0].slice(IRIS[0].indexOf(",") + 1) + "\n";
const base = await trainedBaseDir(IRIS.join("\n") + "\n", { max_leaf_nodes: "3" });

/** True when 4 rounds of `/ping` and `/invocations` in a row all answer 200. */
async function allAnswer(url: string): Promise<boolean> {
  for (let i = 0; i < 4; i++) {
    if (await statusOf(`${url}/ping`) !== 200) return false;
    if ((await invoke(url, RECORD)).status !== 200) return false;
  }
  return true;
}

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`a worker stopped with SIGSTOP is replaced within seconds and every request answers 200 again (${mode})`, async () => {
    const server = await startServer(base, mode === "embedded" ? { PATH: "/nonexistent" } : {});
    try {
      const [victim, other] = serveChildren(server.process.pid).workers;
      Deno.kill(victim, "SIGSTOP");
      await server.waitForLog(new RegExp(`worker is not answering.*pid=${victim}.*stopped`));
      await waitUntil("the stopped worker to be gone", () => !isAlive(victim), {
        timeoutMs: 5_000,
      });
      await server.waitForLog("worker restarted");
      const tookMs = await waitUntil("every request to answer 200", () => allAnswer(server.url), {
        timeoutMs: 10_000,
      });
      console.log(`all requests 200 again ${tookMs.toFixed(0)} ms after the replacement`);
      const workers = serveChildren(server.process.pid).workers;
      assert.equal(workers.length, 2);
      assert.ok(workers.includes(other) && !workers.includes(victim), `workers: ${workers}`);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
}

Deno.test("a worker blocked by one long request within MODEL_SERVER_TIMEOUT is not replaced", async () => {
  const server = await startServer(base, { SERVING_TEST_HOOKS: "true", MODEL_SERVER_TIMEOUT: "5" });
  try {
    const workersBefore = serveChildren(server.process.pid).workers.sort();
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
