import assert from "node:assert/strict";
import { givenRequestId, requestIdOf } from "../../serving/request_id.ts";
import { invoke, startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetCsv } from "../support/datasets.ts";

Deno.test("requestIdOf() takes SageMaker's inference id first, then X-Request-Id, else a new UUID", () => {
  const both = new Headers({
    "x-amzn-sagemaker-inference-id": "sagemaker",
    "x-request-id": "caller",
  });
  assert.equal(givenRequestId(both), "sagemaker");
  assert.equal(givenRequestId(new Headers({ "x-request-id": "caller" })), "caller");
  assert.equal(givenRequestId(new Headers()), undefined);
  assert.equal(requestIdOf(new Request("http://worker/", { headers: both })), "sagemaker");
  assert.match(requestIdOf(new Request("http://worker/")), /^[0-9a-f-]{36}$/);
});

Deno.test("givenRequestId() ignores an id with characters outside [A-Za-z0-9._:-] or over 128 long", () => {
  const quoted = 'abc","status":200,"error":"none';
  assert.equal(givenRequestId(new Headers({ "x-request-id": quoted })), undefined);
  assert.equal(givenRequestId(new Headers({ "x-request-id": "a".repeat(129) })), undefined);
  assert.equal(givenRequestId(new Headers({ "x-request-id": "a b" })), undefined);
  assert.equal(givenRequestId(new Headers({ "x-request-id": "a".repeat(128) })), "a".repeat(128));
  assert.equal(
    givenRequestId(new Headers({ "x-amzn-sagemaker-inference-id": quoted, "x-request-id": "ok" })),
    "ok",
  );
  assert.equal(givenRequestId(new Headers({ "x-request-id": "Trace-1.2:3_4" })), "Trace-1.2:3_4");
});

const INJECTED = 'abc","status":200,"error":"none';

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`serve (${mode}) never writes an unsafe request id into an answer or a log line`, async () => {
    const base = await trainedBaseDir(readDatasetCsv("iris"));
    const server = await startServer(base, {
      MODEL_SERVER_WORKERS: "1",
      SAGEMAKER_MAX_PAYLOAD_IN_MB: "1",
      LOG_FORMAT: "json",
      ...(mode === "embedded" ? { PATH: "/nonexistent" } : {}),
    });
    try {
      await server.waitForLog(`"mode":"${mode}"`);
      const json = { "content-type": "text/csv", accept: "application/json" };
      const cases: [string, string, Record<string, string>][] = [
        ["413 (body limit)", "1,2,3,4\n".repeat(200_000), json],
        ["400 (bad record)", "1,2,x,4\n", json],
        ["415 (content type)", "1,2,3,4\n", { ...json, "content-type": "image/png" }],
        ["404 (route)", "", json],
      ];
      for (const [name, body, headers] of cases) {
        const path = name.startsWith("404") ? "/nowhere" : "/invocations";
        const response = await fetch(`${server.url}${path}`, {
          method: "POST",
          body,
          headers: { ...headers, "x-request-id": INJECTED },
        });
        const text = await response.text();
        const parsed = JSON.parse(text);
        assert.equal(parsed.status, response.status, `${name}: ${text}`);
        assert.notEqual(response.status, 200, name);
        assert.match(parsed.request_id, /^[A-Za-z0-9._:-]{1,128}$/, `${name}: ${text}`);
        assert.equal(response.headers.get("x-request-id"), parsed.request_id, name);
        assert.equal(Object.keys(parsed).sort().join(","), "error,request_id,status", name);
      }
      // A usable id is kept; an unusable inference id falls back to the caller's id.
      const kept = await invoke(server.url, "1,2,3,4\n", {
        "content-type": "text/csv",
        "x-amzn-sagemaker-inference-id": "bad id",
        "x-request-id": "trace-7.1:a_b",
      });
      assert.equal(kept.status, 200);
      assert.equal(kept.headers.get("x-request-id"), "trace-7.1:a_b");
    } finally {
      await server.stop();
    }
    assert.ok(!server.logs().includes(INJECTED), "the unsafe id never reaches a log line");
  });
}
