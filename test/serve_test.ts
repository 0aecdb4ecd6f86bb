/**
 * The serving lifecycle with real processes: nginx and 2 workers, graceful SIGTERM, a killed
 * worker restarted, a missing or damaged model refused, and serving without nginx.
 */
import assert from "node:assert/strict";
import {
  childProcesses,
  invoke,
  makeBaseDir,
  runMain,
  startServer,
  trainedBaseDir,
  workerPids,
} from "./support/process.ts";
import { isNginxCommand, statusOf } from "./support/lifecycle.ts";
import { readDatasetCsv } from "./support/datasets.ts";

const iris = readDatasetCsv("iris");
const irisFeatures = iris.trim().split("\n").map((row) => row.slice(row.indexOf(",") + 1));
const base = await trainedBaseDir(iris, { max_leaf_nodes: "5" });

function childPids(pid: number): number[] {
  return childProcesses(pid).map((child) => child.pid);
}

Deno.test("serve starts nginx and 2 workers and logs port, workers and the model", async () => {
  const server = await startServer(base);
  try {
    const commands = childProcesses(server.process.pid).map((child) => child.command);
    assert.equal(commands.filter((line) => line.includes(" worker ")).length, 2);
    assert.equal(commands.filter(isNginxCommand).length, 1);
    await server.waitForLog("serving");
    const line = server.logs().split("\n").find((l) => l.includes(" serving "))!;
    assert.match(line, new RegExp(`port=${server.port}`));
    assert.match(line, /workers=2/);
    assert.match(line, /mode=nginx/);
    assert.match(line, /algorithm=cart/);
    assert.match(line, /leaves=5/);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

Deno.test("a start-up pinged from the moment the port accepts logs no error and never answers 502", async () => {
  // SageMaker pings as soon as the port accepts, while the workers may still boot: nginx must
  // answer 503 itself until every worker listens, not try workers that refuse the connection.
  const server = await startServer(base, {}, { waitForPing: false });
  const statuses: number[] = [];
  try {
    const deadline = Date.now() + 30_000;
    while (statuses.at(-1) !== 200) {
      assert.ok(Date.now() < deadline, `no 200 on /ping within 30 s:\n${server.logs()}`);
      const status = await statusOf(`${server.url}/ping`);
      if (status === 0) await new Promise((resolve) => setTimeout(resolve, 1));
      else statuses.push(status);
    }
  } finally {
    assert.equal(await server.stop(), 0);
  }
  assert.deepEqual(statuses.filter((status) => status !== 503 && status !== 200), []);
  const logs = server.logs();
  assert.doesNotMatch(logs, /connect\(\) failed/);
  assert.doesNotMatch(logs, / ERROR /);
  assert.match(logs, / INFO serving /);
});

Deno.test("bad requests get 400, 415 and 413 and never end a worker", async () => {
  const server = await startServer(base);
  try {
    const wrongType = await invoke(server.url, "1,2,3,4\n", { "content-type": "image/png" });
    assert.equal(wrongType.status, 415);
    assert.match(
      wrongType.text,
      /Unsupported content type "image\/png": supported are .*text\/csv/,
    );
    const empty = await invoke(server.url, "");
    assert.equal(empty.status, 400);
    assert.match(empty.text, /Empty request body/);
    const malformed = await invoke(server.url, "5.1,3.5,1.4,0.2\n1,2,x,4\n");
    assert.equal(malformed.status, 400);
    assert.match(malformed.text, /line 2/);
    const large = await invoke(server.url, "1,2,3,4\n".repeat(900_000));
    assert.equal(large.status, 413);
    const workersBefore = workerPids(server.process.pid).sort();
    for (let i = 0; i < 4; i++) {
      assert.equal((await invoke(server.url, irisFeatures[0] + "\n")).status, 200);
    }
    assert.deepEqual(workerPids(server.process.pid).sort(), workersBefore);
    assert.doesNotMatch(server.logs(), /worker exited/);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

Deno.test("SIGTERM lets an in-flight request finish and serve exits 0", async () => {
  const server = await startServer(base, { SERVING_TEST_HOOKS: "true" });
  const records = irisFeatures.join("\n") + "\n";
  // The hook logs once the worker predicts, then blocks it 1.5 s: SIGTERM provably comes while
  // the request is in the worker.
  const pending = invoke(server.url, records, {
    "content-type": "text/csv",
    "x-amzn-sagemaker-custom-attributes": "test_sleep_ms=1500",
  });
  await server.waitForLog("test hook: predict blocks");
  const started = performance.now();
  const code = await server.stop("SIGTERM");
  const seconds = (performance.now() - started) / 1000;
  const answer = await pending;
  assert.equal(code, 0);
  assert.ok(seconds < 10, `serve took ${seconds} s to stop`);
  assert.equal(answer.status, 200);
  assert.equal(answer.text.split("\n").length - 1, irisFeatures.length);
  assert.equal(childPids(server.process.pid).length, 0);
});

Deno.test("SIGINT stops serve cleanly too", async () => {
  const server = await startServer(base);
  assert.equal(await server.stop("SIGINT"), 0);
  assert.match(server.logs(), /stopped/);
});

Deno.test("a killed worker is restarted, the restart is logged, and serving goes on", async () => {
  const server = await startServer(base);
  try {
    const [victim] = workerPids(server.process.pid);
    Deno.kill(victim, "SIGKILL");
    await server.waitForLog("worker restarted");
    assert.match(server.logs(), /worker exited unexpectedly.*signal=SIGKILL/);
    const workers = workerPids(server.process.pid);
    assert.equal(workers.length, 2);
    assert.ok(!workers.includes(victim));
    for (let i = 0; i < 10; i++) {
      const answer = await invoke(server.url, irisFeatures[i * 10] + "\n");
      assert.equal(answer.status, 200, answer.text);
    }
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

Deno.test("without nginx the workers share the public port and a log line says so", async () => {
  const server = await startServer(base, { PATH: "/nonexistent" });
  try {
    await server.waitForLog("nginx not found");
    await server.waitForLog("mode=embedded");
    assert.equal(
      childProcesses(server.process.pid).filter((c) => isNginxCommand(c.command)).length,
      0,
    );
    const answer = await invoke(server.url, irisFeatures.slice(0, 3).join("\n"));
    assert.equal(answer.status, 200);
    assert.equal(answer.text, "setosa\nsetosa\nsetosa\n");
    const large = await invoke(server.url, "1,2,3,4\n".repeat(900_000));
    assert.equal(large.status, 413);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

Deno.test("serve refuses a missing model with a clear message and exit 1", async () => {
  const empty = await makeBaseDir();
  const result = await runMain(["serve"], {
    SAGEMAKER_BASE_DIR: empty,
    SAGEMAKER_BIND_TO_PORT: "1",
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /No model at .*model\/model\.json: run train first/);
  await Deno.remove(empty, { recursive: true });
});

Deno.test("serve refuses a damaged model with a clear message and exit 1", async () => {
  const damaged = await makeBaseDir();
  await Deno.writeTextFile(`${damaged}/model/model.json`, '{"format": "sagemaker-deno-model", ');
  const result = await runMain(["serve"], { SAGEMAKER_BASE_DIR: damaged });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Model file .*model\.json is damaged/);
  await Deno.remove(damaged, { recursive: true });
});

Deno.test("a worker that keeps dying stops serve with a clear message; /ping is 503 meanwhile", async () => {
  const own = await trainedBaseDir(iris);
  const server = await startServer(own);
  // /ping answers once one worker is up; "serving" means every worker is, so all are killed.
  await server.waitForLog(/ INFO serving /);
  await Deno.remove(`${own}/model/model.json`);
  for (const pid of workerPids(server.process.pid)) Deno.kill(pid, "SIGKILL");
  let pingStatus = 0;
  for (let i = 0; i < 40 && pingStatus !== 503; i++) {
    const response = await fetch(`${server.url}/ping`).catch(() => undefined);
    pingStatus = response?.status ?? 0;
    await response?.body?.cancel();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(pingStatus, 503);
  const status = await server.process.status;
  assert.equal(status.code, 1);
  // The process may end before the last of its output has been collected.
  await server.waitForLog(/died 6 times within 60 s; giving up/);
  assert.match(server.logs(), /worker cannot start: No model at/);
  await server.stop();
  await Deno.remove(own, { recursive: true });
});
