import assert from "node:assert/strict";
import { AlgorithmError, type Matrix, type Model } from "../../algorithm/mod.ts";
import type { StoredModel } from "../../model_store.ts";
import { readServingConfig } from "../../sagemaker/serving_config.ts";
import { handleInvocation } from "../../serving/invocations.ts";
import { createHandler, pathOf } from "../../serving/worker.ts";
import { HttpError } from "../../serving/errors.ts";

/** A stand-in model: class "high" when the first feature is above 0, else "low". */
const stubModel: Model = {
  featureCount: 2,
  classes: ["high", "low"],
  predict(features: Matrix): Int32Array {
    const out = new Int32Array(features.rows);
    for (let r = 0; r < features.rows; r++) {
      out[r] = features.data[r * features.columns] > 0 ? 0 : 1;
    }
    return out;
  },
  predictProba(features: Matrix): Float64Array {
    const out = new Float64Array(features.rows * 2);
    const labels = this.predict(features);
    for (let r = 0; r < features.rows; r++) {
      out[r * 2] = labels[r] === 0 ? 0.75 : 0.25;
      out[r * 2 + 1] = labels[r] === 0 ? 0.25 : 0.75;
    }
    return out;
  },
  describe: () => ({}),
};

const stored = { model: stubModel, algorithm: { name: "stub" } } as unknown as StoredModel;

const config = readServingConfig({}, 2);

function handler(env: Record<string, string> = {}) {
  return createHandler({ stored, config: readServingConfig(env, 2) });
}

function post(body: BodyInit, headers: Record<string, string> = {}): Request {
  return new Request("http://worker/invocations", {
    method: "POST",
    body,
    headers: { "content-type": "text/csv", ...headers },
  });
}

Deno.test("/invocations answers CSV with one label per record, in order", async () => {
  const response = await handler()(post("1,0\n-1,0\n2,5\n"));
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/csv");
  assert.equal(await response.text(), "high\nlow\nhigh\n");
});

Deno.test("/invocations streams a large chunked body and keeps one output per record", async () => {
  const records = 50_000;
  const line = new TextEncoder().encode("3,1\n-3,1\n");
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent === records / 2) return controller.close();
      sent++;
      controller.enqueue(line);
    },
  });
  const response = await handler()(post(body, { accept: "application/jsonlines" }));
  assert.equal(response.status, 200);
  const lines = (await response.text()).split("\n");
  assert.equal(lines.pop(), "");
  assert.equal(lines.length, records);
  assert.ok(lines.every((text, i) => text === (i % 2 === 0 ? '"high"' : '"low"')));
});

Deno.test("/invocations refuses a streamed body past the limit with 413", async () => {
  const chunk = new TextEncoder().encode("1,1\n".repeat(1024));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      controller.enqueue(chunk);
    },
  });
  const response = await handler({ SAGEMAKER_MAX_PAYLOAD_IN_MB: "1" })(post(body));
  assert.equal(response.status, 413);
  assert.match(await response.text(), /larger than the limit of 1048576 bytes/);
});

Deno.test("/invocations skips the header line of text/csv; header=present", async () => {
  const type = { "content-type": "text/csv; charset=utf-8; header=present" };
  const small = await handler()(post("a,b\n1,0\n-1,0\n", type));
  assert.equal(small.status, 200);
  assert.equal(await small.text(), "high\nlow\n");
  // A body without Content-Length is read as a stream, by the other reader.
  const body = ReadableStream.from([new TextEncoder().encode("a,b\n-1,0\n1,0\n")]);
  const streamed = await handler()(post(body, { "content-type": "TEXT/CSV;HEADER=Present" }));
  assert.equal(streamed.status, 200);
  assert.equal(await streamed.text(), "low\nhigh\n");
  // Without the parameter the first line is a record, and line numbers count the header.
  const plain = await handler()(post("a,b\n1,0\n"));
  assert.equal(plain.status, 400);
  assert.match(await plain.text(), /^Cannot parse line 1, field 1: "a" is not a number/);
  const bad = await handler()(post("a,b\nx,0\n", type));
  assert.match(await bad.text(), /^Cannot parse line 2, field 1: "x" is not a number/);
});

Deno.test("/invocations answers 415 naming the types it reads", async () => {
  const response = await handler()(post("1,2\n", { "content-type": "image/png" }));
  assert.equal(response.status, 415);
  assert.equal(
    await response.text(),
    'Unsupported content type "image/png": supported are text/csv, application/json, ' +
      `application/jsonlines (request id ${response.headers.get("x-request-id")})\n`,
  );
});

Deno.test("/invocations answers 415 saying that Content-Type is missing", async () => {
  const request = new Request("http://worker/invocations", { method: "POST", body: "1,2\n" });
  request.headers.delete("content-type");
  const response = await handler()(request);
  assert.equal(response.status, 415);
  assert.match(
    await response.text(),
    /^No Content-Type: supported are text\/csv, application\/json, application\/jsonlines \(request id /,
  );
});

Deno.test("/invocations refuses a charset whose digits are not ASCII bytes, with 415", async () => {
  const utf16 = new Uint8Array([0x31, 0, 0x2c, 0, 0x32, 0, 0x0a, 0]);
  const response = await handler()(post(utf16, { "content-type": "text/csv; charset=UTF-16LE" }));
  assert.equal(response.status, 415);
  assert.match(
    await response.text(),
    /^Unsupported charset "utf-16le" in Content-Type: send UTF-8 \(or ASCII\) \(request id /,
  );
  for (const charset of ["utf-8", "us-ascii", "iso-8859-1"]) {
    const ascii = await handler()(
      post("1,2\n", { "content-type": `text/csv; charset=${charset}` }),
    );
    assert.equal(await ascii.text(), "high\n", charset);
  }
});

Deno.test("/invocations answers 406 in the error shape naming what it can produce", async () => {
  const response = await handler()(post("1,2\n", { accept: "application/xml" }));
  assert.equal(response.status, 406);
  assert.match(await response.text(), /available are text\/csv, application\/json/);
});

Deno.test("/invocations answers 400 naming an Accept q-value outside 0 to 1", async () => {
  for (const q of ["abc", "2", "-1"]) {
    const response = await handler()(post("1,2\n", { accept: `application/json;q=${q}` }));
    assert.equal(response.status, 400, q);
    assert.match(
      await response.text(),
      new RegExp(`^Invalid q-value "${q}" in Accept entry "application/json;q=${q}": expected`),
    );
  }
});

Deno.test("/invocations hints to wrap one JSON record sent as a flat list", async () => {
  const response = await handler()(post("[1.5, 0]", { "content-type": "application/json" }));
  assert.equal(response.status, 400);
  assert.equal(
    (await response.json()).error,
    "Cannot parse record 1: expected a list of 2 numbers, found 1.5 " +
      "(to send one record, wrap it in a list: [[1.5, ...]])",
  );
});

Deno.test("/invocations uses SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT for */*", async () => {
  const response = await handler({ SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "application/json" })(
    post("1,0\n", { accept: "*/*" }),
  );
  assert.equal(response.headers.get("content-type"), "application/json");
  assert.deepEqual(await response.json(), { predictions: ["high"] });
});

Deno.test("/invocations gives probabilities for the custom attribute probabilities=true", async () => {
  const response = await handler()(
    post("1,0\n", { "x-amzn-sagemaker-custom-attributes": "probabilities=true" }),
  );
  assert.equal(await response.text(), "high,0.75,0.25\n");
  assert.equal(response.headers.get("x-amzn-sagemaker-custom-attributes"), "probabilities=true");
});

Deno.test("/invocations refuses custom attributes over 1024 characters and does not echo them", async () => {
  const response = await handler()(
    post("1,0\n", {
      "x-amzn-sagemaker-custom-attributes": "a".repeat(1025),
      accept: "application/json",
    }),
  );
  assert.equal(response.status, 400);
  assert.equal(response.headers.get("x-amzn-sagemaker-custom-attributes"), null);
  const body = await response.json();
  assert.equal(body.status, 400);
  assert.match(body.error, /1025 characters long: the limit is 1024/);
});

Deno.test("/invocations refuses an unknown value for a known custom attribute", async () => {
  const response = await handler()(
    post("1,0\n", { "x-amzn-sagemaker-custom-attributes": "errors=skip" }),
  );
  assert.equal(response.status, 400);
  const id = response.headers.get("x-request-id");
  assert.match(id ?? "", /^[0-9a-f-]{36}$/);
  assert.equal(
    await response.text(),
    `Invalid custom attribute errors="skip": expected mark or fail (request id ${id})\n`,
  );
});

Deno.test("/invocations uses SageMaker's inference id as the request id, else makes one", async () => {
  const given = await handler()(post("1,0\n", { "x-amzn-sagemaker-inference-id": "inf-42" }));
  assert.equal(given.headers.get("x-request-id"), "inf-42");
  await given.body?.cancel();
  const made = await handler()(post("1,0\n"));
  assert.match(made.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
  await made.body?.cancel();
});

Deno.test("/invocations answers errors as JSON with status and request id when JSON is asked for", async () => {
  const response = await handler()(
    post('{"instances": [[1, "x"]]}', {
      "content-type": "application/json",
      "x-request-id": "req-7",
    }),
  );
  assert.equal(response.status, 400);
  assert.equal(response.headers.get("content-type"), "application/json");
  assert.equal(response.headers.get("x-request-id"), "req-7");
  assert.deepEqual(await response.json(), {
    error: 'Cannot parse record 1, field 2: "x" is not a number',
    status: 400,
    request_id: "req-7",
  });
});

Deno.test("/invocations marks bad records with MODEL_SERVER_BAD_RECORDS=mark", async () => {
  const response = await handler({ MODEL_SERVER_BAD_RECORDS: "mark" })(post("1,0\nx,0\n-1,0\n"));
  assert.equal(response.status, 200);
  assert.equal(
    await response.text(),
    'high\n"error: Cannot parse line 2, field 1: ""x"" is not a number"\nlow\n',
  );
});

Deno.test("/invocations answers 400 for a body without records", async () => {
  const response = await handler()(post("\n \n"));
  assert.equal(response.status, 400);
  assert.match(await response.text(), /^Empty request body/);
});

Deno.test("/invocations names an empty JSON body as empty, read whole or streamed", async () => {
  const json = { "content-type": "application/json", accept: "text/csv" };
  for (const body of ["", " \n", ReadableStream.from([new Uint8Array([0x20]), new Uint8Array()])]) {
    const response = await handler()(post(body, json));
    assert.equal(response.status, 400);
    assert.match(
      await response.text(),
      /^Empty request body: expected \{"instances": \[\[\.\.\.\], \.\.\.\]\} or a list of records \(/,
    );
  }
  const cut = await handler()(post('{"instances": [[1, 2]', json));
  assert.match(await cut.text(), /^Cannot parse the JSON body: /);
});

Deno.test("handleInvocation() answers 504 once the request is past MODEL_SERVER_TIMEOUT", async () => {
  await assert.rejects(
    handleInvocation(post("1,0\n"), { model: stubModel, bodyLimitBytes: 1024, timeoutSeconds: 1 }, {
      startedAt: Date.now() - 1500,
    }),
    (error: unknown) =>
      error instanceof HttpError && error.status === 504 &&
      error.message === "The request took longer than MODEL_SERVER_TIMEOUT=1 s",
  );
});

Deno.test("GET /execution-parameters follows the worker count and SAGEMAKER_MAX_PAYLOAD_IN_MB", async () => {
  const response = await handler({ MODEL_SERVER_WORKERS: "4", SAGEMAKER_MAX_PAYLOAD_IN_MB: "20" })(
    new Request("http://worker/execution-parameters"),
  );
  assert.deepEqual(await response.json(), {
    MaxConcurrentTransforms: 4,
    BatchStrategy: "MULTI_RECORD",
    MaxPayloadInMB: 20,
  });
});

Deno.test("/invocations answers an AlgorithmError with its status in the error shape", async () => {
  const refusing: Model = {
    ...stubModel,
    predict(): Int32Array {
      throw new AlgorithmError(422, "Feature 2 must not be negative");
    },
  };
  const handle = createHandler({
    stored: { model: refusing, algorithm: { name: "stub" } } as unknown as StoredModel,
    config: { ...config, bodyLimitBytes: 1024 },
  });
  const response = await handle(post("1,-1\n", { accept: "application/json" }));
  assert.equal(response.status, 422);
  assert.equal((await response.json()).error, "Feature 2 must not be negative");
});

Deno.test("/invocations answers any other exception with a 500 that hides the stack", async () => {
  const broken: Model = {
    ...stubModel,
    predict(): Int32Array {
      throw new TypeError("secret internals");
    },
  };
  const handle = createHandler({
    stored: { model: broken, algorithm: { name: "stub" } } as unknown as StoredModel,
    config: { ...config, bodyLimitBytes: 1024 },
  });
  const response = await handle(post("1,-1\n"));
  assert.equal(response.status, 500);
  const id = response.headers.get("x-request-id");
  assert.ok(id);
  assert.equal(await response.text(), `Internal error: see the log (request id ${id})\n`);
});

Deno.test("/invocations behind nginx leaves the success id header to nginx but keeps it on errors", async () => {
  const handle = createHandler({
    stored,
    config: { ...config, bodyLimitBytes: 1024 },
    proxied: true,
  });
  const success = await handle(post("1,0\n", { "x-request-id": "from-nginx" }));
  assert.equal(success.headers.get("x-request-id"), null);
  assert.equal(await success.text(), "high\n");
  const failure = await handle(post("x,0\n", { "x-request-id": "from-nginx" }));
  assert.equal(failure.status, 400);
  assert.equal(failure.headers.get("x-request-id"), "from-nginx");
  await failure.body?.cancel();
});

Deno.test("/invocations answers small bodies one after the other and at once", async () => {
  const handle = handler();
  const many = "1,0\n-1,0\n".repeat(3000);
  const answers = await Promise.all([
    handle(post("1,0\n")),
    handle(post(many)),
    handle(post("-1,0\n")),
    handle(post("-1,0\n1,1\n")),
  ]);
  assert.deepEqual(await Promise.all(answers.map((answer) => answer.text())), [
    "high\n",
    "high\nlow\n".repeat(3000),
    "low\n",
    "low\nhigh\n",
  ]);
  assert.equal(await (await handle(post("2,2\n"))).text(), "high\n");
});

Deno.test("/invocations answers another method with 405, Allow: POST and the request id", async () => {
  for (const method of ["GET", "HEAD", "PUT"]) {
    const response = await handler()(new Request("http://worker/invocations", { method }));
    assert.equal(response.status, 405, method);
    assert.equal(response.headers.get("allow"), "POST", method);
    assert.match(response.headers.get("x-request-id") ?? "", /^[0-9a-f-]{36}$/);
    const text = await response.text();
    if (method !== "HEAD") {
      assert.match(text, new RegExp(`^Use POST for /invocations, not ${method}`));
    }
  }
  const ping = await handler()(new Request("http://worker/ping", { method: "POST" }));
  assert.equal(ping.headers.get("allow"), "GET, HEAD");
  await ping.body?.cancel();
});

Deno.test("pathOf() finds /invocations without parsing and any other path with URL", () => {
  assert.equal(pathOf("http://127.0.0.1:8080/invocations"), "/invocations");
  assert.equal(pathOf("http://worker/ping"), "/ping");
  assert.equal(pathOf("http://worker/x/../invocations"), "/invocations");
  assert.equal(pathOf("http://worker/invocations?x=1"), "/invocations");
  assert.equal(pathOf("http://worker/?next=/invocations"), "/");
  assert.equal(pathOf("http://worker//invocations"), "//invocations");
  assert.equal(pathOf("http://worker/models/a/invocations"), "/models/a/invocations");
});

Deno.test("SAGEMAKER_DEFAULT_PROBABILITIES=true answers probabilities unless probabilities=false", async () => {
  assert.equal(readServingConfig({}, 2).defaultProbabilities, false);
  assert.equal(await (await handler()(post("1,0\n"))).text(), "high\n");
  const on = handler({ SAGEMAKER_DEFAULT_PROBABILITIES: "true" });
  assert.equal(await (await on(post("1,0\n"))).text(), "high,0.75,0.25\n");
  const off = await on(
    post("1,0\n", { "x-amzn-sagemaker-custom-attributes": "probabilities=false" }),
  );
  assert.equal(await off.text(), "high\n");
  assert.throws(
    () => readServingConfig({ SAGEMAKER_DEFAULT_PROBABILITIES: "yes" }, 2),
    /^ConfigError: Invalid SAGEMAKER_DEFAULT_PROBABILITIES="yes": expected true or false$/,
  );
});
