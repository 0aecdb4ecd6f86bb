/**
 * Operability, one test per behaviour, against the real program: `main.ts serve` with
 * nginx in front of 2 workers (or, with `PATH=/nonexistent`, the workers alone), trained on iris.
 *
 * The two tests of errors from the algorithm module use the TEST ONLY hook of
 * `serving/test_hooks.ts` (`SERVING_TEST_HOOKS=true` and the custom attribute `test_throw`): no
 * real input makes our algorithms throw while predicting, because the worker checks every record
 * before the model sees it. The hook makes the model's `predict` throw where a user's would.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  invoke,
  type ServerHandle,
  startServer,
  trainedBaseDir,
  workerPids,
} from "./support/process.ts";
import { readDatasetLines } from "./support/datasets.ts";

const IRIS = readDatasetLines("iris");
const FEATURES = IRIS.map((line) => line.slice(line.indexOf(",") + 1));
const base = await trainedBaseDir(IRIS.join("\n") + "\n", { max_leaf_nodes: "5" });
const NO_NGINX = { PATH: "/nonexistent" };

type LogLine = Record<string, unknown>;

/** Every log line of a server run with `LOG_FORMAT=json`; fails on a line that is not JSON. */
function jsonLines(server: ServerHandle): LogLine[] {
  return server.logs().split("\n").filter((line) => line.trim() !== "").map((line) => {
    try {
      return JSON.parse(line);
    } catch {
      throw new Error(`Not a JSON log line: ${line}`);
    }
  });
}

/** Waits until a JSON log line satisfies `match` and returns it. */
async function waitForJsonLine(
  server: ServerHandle,
  match: (line: LogLine) => boolean,
  timeoutMs = 10_000,
): Promise<LogLine> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const found = jsonLines(server).find(match);
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      throw new Error(`No matching log line; log so far:\n${server.logs()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function withServer(
  env: Record<string, string>,
  body: (server: ServerHandle) => void | Promise<void>,
): Promise<void> {
  const server = await startServer(base, { MODEL_SERVER_WORKERS: "2", ...env });
  try {
    // The serving line comes once the workers and nginx are up (it is an info line).
    if (env.SAGEMAKER_CONTAINER_LOG_LEVEL === undefined) {
      await server.waitForLog(/"message":"serving"| INFO serving /);
    }
    await body(server);
  } finally {
    await server.stop();
  }
}

async function ping(url: string): Promise<number> {
  const response = await fetch(`${url}/ping`);
  await response.body?.cancel();
  return response.status;
}

/** A CSV body of exactly `bytes` bytes, made of 16-byte iris records (the last one padded). */
function csvOfSize(bytes: number): string {
  const record = "5.1,3.5,1.4,0.2\n";
  const count = Math.floor(bytes / record.length);
  const rest = bytes - count * record.length;
  // "0.2" becomes "0.2000..." on the last record: still one valid record.
  const last = rest === 0 ? record : `5.1,3.5,1.4,0.2${"0".repeat(rest)}\n`;
  return record.repeat(count - 1) + last;
}

Deno.test("MODEL_SERVER_TIMEOUT=90 starts with a warning naming SageMaker's 60 s limit", async () => {
  await withServer({ MODEL_SERVER_TIMEOUT: "90" }, (server) => {
    assert.match(server.logs(), /WARN MODEL_SERVER_TIMEOUT=90 exceeds SageMaker's 60 s limit/);
    assert.match(server.logs(), / INFO serving .*timeout_s=90 /);
  });
});

Deno.test("SAGEMAKER_MAX_PAYLOAD_IN_MB=200 in batch starts with a warning about 100 MB", async () => {
  await withServer(
    { SAGEMAKER_BATCH: "true", SAGEMAKER_MAX_PAYLOAD_IN_MB: "200" },
    (server) => {
      assert.match(
        server.logs(),
        /WARN SAGEMAKER_MAX_PAYLOAD_IN_MB=200 exceeds SageMaker's 100 MB limit for batch/,
      );
      assert.match(server.logs(), /body_limit=209715200 /);
    },
  );
});

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`one body limit in ${mode} mode: a body of the limit is served, one byte more is 413`, async () => {
    const limit = 1024 * 1024;
    const env = { SAGEMAKER_MAX_PAYLOAD_IN_MB: "1", ...(mode === "embedded" ? NO_NGINX : {}) };
    await withServer(env, async (server) => {
      assert.match(server.logs(), new RegExp(`mode=${mode} .*body_limit=${limit} `));
      const atLimit = csvOfSize(limit);
      assert.equal(new TextEncoder().encode(atLimit).length, limit);
      const accepted = await invoke(server.url, atLimit);
      assert.equal(accepted.status, 200, accepted.text.slice(0, 200));
      assert.equal(accepted.text.split("\n").length - 1, limit / 16);
      const over = await invoke(server.url, csvOfSize(limit + 1));
      assert.equal(over.status, 413);
      // nginx's 413 page and the worker's 413 name the same limit, and the request id.
      const id = over.headers.get("x-request-id");
      assert.ok(id !== null && id.length >= 16, `request id: ${id}`);
      assert.equal(
        over.text,
        `Request body is larger than the limit of ${limit} bytes (request id ${id})\n`,
      );
    });
  });
}

Deno.test("LOG_FORMAT=json: the serving line is one JSON object with the settings and their sources", async () => {
  await withServer({ LOG_FORMAT: "json", MODEL_SERVER_TIMEOUT: "30" }, (server) => {
    const lines = jsonLines(server); // every line is JSON
    const serving = lines.filter((line) => line.message === "serving");
    assert.equal(serving.length, 1);
    const line = serving[0];
    assert.equal(line.level, "info");
    assert.match(String(line.version), /^\d+\.\d+\.\d+/);
    assert.equal(line.port, server.port);
    assert.equal(line.workers, 2);
    assert.equal(line.timeout_s, 30);
    assert.equal(line.body_limit, 6 * 1024 * 1024);
    assert.equal(line.response_limit, 6 * 1024 * 1024);
    assert.equal(line.mode, "nginx");
    assert.equal(line.algorithm, "cart");
    assert.equal(line.leaves, 5);
    assert.deepEqual(
      { ...(line.sources as Record<string, string>) },
      {
        port: "SAGEMAKER_BIND_TO_PORT",
        workers: "MODEL_SERVER_WORKERS",
        timeout_s: "MODEL_SERVER_TIMEOUT",
        body_limit: "default",
        response_limit: "default",
        batch: "default",
        log_level: "default",
        log_format: "LOG_FORMAT",
        access_log: "default",
        metrics_interval_s: "default",
      },
    );
  });
});

Deno.test("SAGEMAKER_CONTAINER_LOG_LEVEL=30 (Python's WARNING) keeps warnings and drops info and access lines", async () => {
  // One worker: its lines come in order, so the warning of the last request is written after
  // anything the requests before it would have logged at info (access lines included).
  const env = { SAGEMAKER_CONTAINER_LOG_LEVEL: "30", MODEL_SERVER_WORKERS: "1", ...NO_NGINX };
  await withServer(env, async (server) => {
    const bad = await invoke(server.url, "1,2\n");
    assert.equal(bad.status, 400);
    assert.equal((await invoke(server.url, FEATURES[0] + "\n")).status, 200);
    const last = await invoke(server.url, "1,2\n", {
      "content-type": "text/csv",
      "x-request-id": "ops-last",
    });
    assert.equal(last.status, 400);
    await server.waitForLog(
      /WARN request failed worker=0 request_id=ops-last path=\/invocations status=400/,
    );
    assert.match(server.logs(), /WARN nginx not found/);
    assert.doesNotMatch(server.logs(), / INFO /);
  });
});

Deno.test("/ping access lines are off by default; /invocations lines carry method, status, bytes, duration and id (nginx, JSON)", async () => {
  await withServer({ LOG_FORMAT: "json" }, async (server) => {
    for (let i = 0; i < 3; i++) assert.equal(await ping(server.url), 200);
    const body = FEATURES.slice(0, 3).join("\n") + "\n";
    const answer = await invoke(server.url, body, {
      "content-type": "text/csv",
      "x-amzn-sagemaker-inference-id": "ops-access-1",
    });
    assert.equal(answer.status, 200);
    const line = await waitForJsonLine(server, (l) => l.message === "access");
    assert.equal(line.method, "POST");
    assert.equal(line.path, "/invocations");
    assert.equal(line.status, 200);
    assert.equal(line.bytes_in, body.length);
    assert.equal(line.bytes_out, answer.text.length);
    assert.equal(typeof line.duration_s, "number");
    assert.equal(line.request_id, "ops-access-1");
    assert.equal(jsonLines(server).filter((l) => l.message === "access").length, 1);
  });
});

Deno.test("LOG_PING=true writes /ping access lines", async () => {
  await withServer({ LOG_PING: "true" }, async (server) => {
    assert.equal(await ping(server.url), 200);
    await server.waitForLog(/ INFO access method=GET path=\/ping status=200 /);
  });
});

Deno.test("without nginx the workers write the access lines with the same fields, and no /ping lines", async () => {
  await withServer({ LOG_FORMAT: "json", ...NO_NGINX }, async (server) => {
    for (let i = 0; i < 3; i++) assert.equal(await ping(server.url), 200);
    const body = JSON.stringify({ instances: [FEATURES[0].split(",").map(Number)] });
    const answer = await invoke(server.url, body, {
      "content-type": "application/json",
      "x-request-id": "ops-embedded-1",
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.headers.get("x-request-id"), "ops-embedded-1");
    const line = await waitForJsonLine(server, (l) => l.message === "access");
    assert.equal(line.method, "POST");
    assert.equal(line.path, "/invocations");
    assert.equal(line.status, 200);
    assert.equal(line.bytes_in, body.length);
    assert.equal(line.bytes_out, answer.text.length);
    assert.ok(typeof line.duration_s === "number" && line.duration_s >= 0);
    assert.equal(line.request_id, "ops-embedded-1");
    assert.ok(line.worker === 0 || line.worker === 1);
    const bad = await invoke(server.url, "1,2\n");
    assert.equal(bad.status, 400);
    const generated = bad.headers.get("x-request-id")!;
    const badLine = await waitForJsonLine(
      server,
      (l) => l.message === "access" && l.status === 400,
    );
    assert.equal(badLine.request_id, generated);
    assert.equal(jsonLines(server).filter((l) => l.path === "/ping").length, 0);
  });
});

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`request ids in ${mode} mode: SageMaker's id wins, then the caller's, else one is made up; error bodies and error lines carry it`, async () => {
    await withServer(
      { LOG_FORMAT: "json", ...(mode === "embedded" ? NO_NGINX : {}) },
      async (server) => {
        assert.match(server.logs(), new RegExp(`"mode":"${mode}"`));
        const json = { "content-type": "text/csv", accept: "application/json" };
        const both = await invoke(server.url, "1,2\n", {
          ...json,
          "x-amzn-sagemaker-inference-id": "ops-sagemaker-id",
          "x-request-id": "ops-caller-id",
        });
        const callers = await invoke(server.url, "1,2\n", {
          ...json,
          "x-request-id": "ops-caller-id",
        });
        const none = await invoke(server.url, "1,2\n", json);
        const made = none.headers.get("x-request-id");
        assert.ok(made !== null && made.length >= 16, `made-up id: ${made}`);
        for (
          const [answer, id] of [[both, "ops-sagemaker-id"], [callers, "ops-caller-id"], [
            none,
            made,
          ]] as const
        ) {
          assert.equal(answer.status, 400);
          assert.equal(answer.headers.get("x-request-id"), id);
          assert.equal(JSON.parse(answer.text).request_id, id);
          const failed = await waitForJsonLine(
            server,
            (l) => l.message === "request failed" && l.request_id === id,
          );
          assert.equal(failed.level, "warn");
          assert.equal(failed.status, 400);
          assert.match(String(failed.error), /expected 4 features, found 2/);
          await waitForJsonLine(server, (l) => l.message === "access" && l.request_id === id);
        }
        // A text error names the id at the end of its line.
        const text = await invoke(server.url, "1,2\n", {
          "content-type": "text/csv",
          "x-amzn-sagemaker-inference-id": "ops-text-id",
          "x-request-id": "ops-caller-id",
        });
        assert.equal(text.status, 400);
        assert.equal(text.headers.get("content-type"), "text/plain; charset=utf-8");
        assert.match(text.text, / \(request id ops-text-id\)\n$/);
        // A success carries the id too (nginx adds it, or the worker without nginx).
        const ok = await invoke(server.url, FEATURES[0] + "\n", {
          "content-type": "text/csv",
          "x-amzn-sagemaker-inference-id": "ops-ok",
          "x-request-id": "ops-caller-id",
        });
        assert.equal(ok.headers.get("x-request-id"), "ops-ok");
      },
    );
  });
}

Deno.test("an AlgorithmError thrown by the model answers its status and message in the error shape", async () => {
  await withServer({ SERVING_TEST_HOOKS: "true", LOG_FORMAT: "json" }, async (server) => {
    const answer = await invoke(server.url, FEATURES[0] + "\n", {
      "content-type": "text/csv",
      accept: "application/json",
      "x-amzn-sagemaker-custom-attributes": "test_throw=algorithm-422",
      "x-request-id": "ops-algorithm-422",
    });
    assert.equal(answer.status, 422);
    assert.deepEqual(JSON.parse(answer.text), {
      error: "Test hook: the algorithm refuses this record",
      status: 422,
      request_id: "ops-algorithm-422",
    });
    const line = await waitForJsonLine(server, (l) => l.request_id === "ops-algorithm-422");
    assert.equal(line.level, "warn");
    assert.equal(line.status, 422);
  });
});

Deno.test("any other exception from the model is a 500 with the request id and no stack; the stack is logged", async () => {
  await withServer({ SERVING_TEST_HOOKS: "true", LOG_FORMAT: "json" }, async (server) => {
    const answer = await invoke(server.url, FEATURES[0] + "\n", {
      "content-type": "text/csv",
      accept: "application/json",
      "x-amzn-sagemaker-custom-attributes": "test_throw=unexpected",
      "x-amzn-sagemaker-inference-id": "ops-unexpected",
    });
    assert.equal(answer.status, 500);
    const body = JSON.parse(answer.text);
    assert.equal(body.request_id, "ops-unexpected");
    assert.equal(body.error, "Internal error: see the log");
    assert.doesNotMatch(answer.text, /TypeError|test_hooks|\bat /);
    const line = await waitForJsonLine(
      server,
      (l) => l.message === "request failed" && l.request_id === "ops-unexpected",
    );
    assert.equal(line.level, "error");
    assert.equal(line.status, 500);
    assert.match(String(line.error), /^TypeError: .*\n\s+at .*test_hooks\.ts/s);
  });
});

Deno.test("a crash-looping worker: each exit logged with its code and last stderr lines, /ping 503, serve stops", async () => {
  const own = await trainedBaseDir(IRIS.join("\n") + "\n");
  const server = await startServer(own, { LOG_FORMAT: "json" });
  try {
    // /ping answers once one worker is up; "serving" means every worker is, so all are killed.
    await server.waitForLog('"message":"serving"');
    await Deno.remove(`${own}/model/model.json`);
    for (const pid of workerPids(server)) Deno.kill(pid, "SIGKILL");
    // No worker is up until the restarts give up: nginx answers /ping with 503 meanwhile.
    let pingStatus = 0;
    const deadline = Date.now() + 10_000;
    while (pingStatus !== 503 && Date.now() < deadline) {
      pingStatus = await ping(server.url).catch(() => 0);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const killed = await waitForJsonLine(
      server,
      (l) => l.message === "worker exited unexpectedly" && l.signal === "SIGKILL",
    );
    assert.equal(killed.level, "error");
    assert.equal(pingStatus, 503);
    const failed = await waitForJsonLine(
      server,
      (l) => l.message === "worker exited unexpectedly" && l.code === 1,
    );
    // The tail holds the failed worker's own last line, as the worker wrote it (JSON).
    const tail = String(failed.stderr).split(" | ");
    const last = JSON.parse(tail[tail.length - 1]);
    assert.match(last.message, /^worker cannot start: No model at .*model\.json/);
    assert.equal(last.worker, failed.worker);
    const status = await server.process.status;
    assert.equal(status.code, 1);
    // The process may end before the last of its output has been collected.
    const stopping = await waitForJsonLine(
      server,
      (l) => /^serve is stopping/.test(String(l.message)),
    );
    assert.match(
      String(stopping.message),
      /Worker \d died 6 times within 60 s; giving up\. Worker \d exited with code 1; last stderr: .*worker cannot start/,
    );
  } finally {
    await server.stop();
    await Deno.remove(own, { recursive: true });
  }
});

Deno.test("METRICS_INTERVAL_SECONDS=1: each worker logs requests, errors by class, p50/p99 and RSS", async () => {
  await withServer({ LOG_FORMAT: "json", METRICS_INTERVAL_SECONDS: "1" }, async (server) => {
    const sent = { ok: 12, bad: 3 };
    for (let i = 0; i < sent.ok; i++) {
      assert.equal((await invoke(server.url, FEATURES[i] + "\n")).status, 200);
    }
    for (let i = 0; i < sent.bad; i++) {
      assert.equal((await invoke(server.url, "1,2\n")).status, 400);
    }
    const metrics = () => jsonLines(server).filter((l) => l.message === "metrics");
    const total = (field: string) => metrics().reduce((sum, l) => sum + Number(l[field]), 0);
    const deadline = Date.now() + 5_000;
    while (total("requests") < sent.ok + sent.bad && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(total("requests"), sent.ok + sent.bad);
    assert.equal(total("errors_4xx"), sent.bad);
    assert.equal(total("errors_5xx"), 0);
    const lines = metrics();
    assert.deepEqual([...new Set(lines.map((l) => l.worker))].sort(), [0, 1]);
    for (const line of lines) {
      assert.equal(line.level, "info");
      assert.ok(Number(line.rss_mb) > 10, `rss_mb=${line.rss_mb}`);
      assert.ok(Number(line.p99_ms) >= Number(line.p50_ms));
      if (Number(line.requests) > 0) assert.ok(Number(line.p99_ms) > 0);
    }
  });
});
