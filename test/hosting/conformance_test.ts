/**
 * The SageMaker hosting and batch-transform contract, one step per behaviour, against
 * the real program: `main.ts serve` with nginx in front of 2 workers, trained on iris.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  invoke,
  peakRssBytes,
  type ServerHandle,
  startServer,
  trainedBaseDir,
  workerPids,
} from "../support/process.ts";
import { readDatasetLines } from "../support/datasets.ts";

const IRIS = readDatasetLines("iris");
const LABELS = IRIS.map((line) => line.slice(0, line.indexOf(",")));
const FEATURES = IRIS.map((line) => line.slice(line.indexOf(",") + 1));
const CLASSES = [...new Set(LABELS)].sort();
const CSV_BODY = FEATURES.join("\n") + "\n";
const RECORDS = FEATURES.map((line) => line.split(",").map(Number));

let basePromise: Promise<string> | undefined;
function irisBase(): Promise<string> {
  basePromise ??= trainedBaseDir(IRIS.join("\n") + "\n");
  return basePromise;
}

async function withServer(
  env: Record<string, string>,
  body: (server: ServerHandle) => Promise<void>,
): Promise<void> {
  const server = await startServer(await irisBase(), { MODEL_SERVER_WORKERS: "2", ...env });
  try {
    await server.waitForLog("mode=nginx");
    await body(server);
  } finally {
    await server.stop();
  }
}

function lines(text: string): string[] {
  assert.ok(text.endsWith("\n"), `expected the answer to end with a newline: ${text.slice(-40)}`);
  return text.slice(0, -1).split("\n");
}

/** The text error body of `message` for `answer`: the message, then the request id it carries. */
function textError(answer: { headers: Headers }, message: string): string {
  const id = answer.headers.get("x-request-id");
  assert.ok(id !== null, "a text error answer without X-Request-Id");
  return `${message} (request id ${id})\n`;
}

/** Checks the error shape: JSON `{"error", "status", "request_id"}` and the request id header. */
function assertJsonError(
  answer: { status: number; text: string; headers: Headers },
  status: number,
  message: RegExp,
): string {
  assert.equal(answer.status, status, answer.text);
  assert.equal(answer.headers.get("content-type"), "application/json");
  const body = JSON.parse(answer.text);
  assert.deepEqual(Object.keys(body).sort(), ["error", "request_id", "status"]);
  assert.equal(body.status, status);
  assert.match(body.error, message);
  assert.equal(answer.headers.get("x-request-id"), body.request_id);
  return body.request_id;
}

Deno.test("Real-time endpoint: the hosting contract", async (t) => {
  await withServer({}, async (server) => {
    const url = server.url;

    await t.step(
      "1. text/csv, application/json and application/jsonlines requests are read, with content-type parameters",
      async () => {
        const csv = await invoke(url, CSV_BODY, { "content-type": "text/csv; charset=utf-8" });
        assert.equal(csv.status, 200, csv.text);
        assert.deepEqual(lines(csv.text), LABELS);

        const instances = await invoke(url, JSON.stringify({ instances: RECORDS }), {
          "content-type": "application/json; charset=utf-8",
        });
        assert.deepEqual(JSON.parse(instances.text), { predictions: LABELS });

        const bare = await invoke(url, JSON.stringify(RECORDS.slice(0, 3)), {
          "content-type": "application/json",
        });
        assert.deepEqual(JSON.parse(bare.text), { predictions: LABELS.slice(0, 3) });

        const jsonLines = RECORDS.map((record, i) =>
          JSON.stringify(i % 2 === 0 ? record : { features: record })
        ).join("\n");
        const jsonl = await invoke(url, jsonLines, { "content-type": "application/jsonlines" });
        assert.equal(jsonl.status, 200, jsonl.text);
        assert.deepEqual(lines(jsonl.text).map((line) => JSON.parse(line)), LABELS);
      },
    );

    await t.step(
      "2. the answer type follows Accept; */* or none gives the request's type; 406 names what we produce",
      async () => {
        const body = FEATURES.slice(0, 2).join("\n");
        const asJson = await invoke(url, body, {
          "content-type": "text/csv",
          accept: "application/json",
        });
        assert.equal(asJson.headers.get("content-type"), "application/json");
        assert.deepEqual(JSON.parse(asJson.text), { predictions: LABELS.slice(0, 2) });

        const asLines = await invoke(url, body, {
          "content-type": "text/csv",
          accept: "application/jsonlines",
        });
        assert.equal(asLines.headers.get("content-type"), "application/jsonlines");
        assert.deepEqual(lines(asLines.text).map((line) => JSON.parse(line)), LABELS.slice(0, 2));

        const asCsv = await invoke(url, JSON.stringify(RECORDS.slice(0, 2)), {
          "content-type": "application/json",
          accept: "text/csv",
        });
        assert.equal(asCsv.headers.get("content-type"), "text/csv");
        assert.deepEqual(lines(asCsv.text), LABELS.slice(0, 2));

        for (const accept of ["*/*", undefined]) {
          const headers: Record<string, string> = { "content-type": "application/jsonlines" };
          if (accept !== undefined) headers.accept = accept;
          const own = await invoke(url, JSON.stringify(RECORDS[0]), headers);
          assert.equal(
            own.headers.get("content-type"),
            "application/jsonlines",
            `Accept ${accept}`,
          );
        }

        const refused = await invoke(url, body, {
          "content-type": "text/csv",
          accept: "application/xml",
        });
        assert.equal(refused.status, 406);
        assert.match(refused.text, /text\/csv, application\/json, application\/jsonlines/);
      },
    );

    await t.step(
      "3. class probabilities on request (Accept verbose=true or custom attribute), in every type",
      async () => {
        const record = RECORDS[0];
        const json = await invoke(url, JSON.stringify([record]), {
          "content-type": "application/json",
          accept: "application/json; verbose=true",
        });
        const [prediction] = JSON.parse(json.text).predictions;
        assert.equal(prediction.label, LABELS[0]);
        assert.deepEqual(Object.keys(prediction.probabilities).sort(), CLASSES);
        const total = Object.values(prediction.probabilities as Record<string, number>)
          .reduce((sum, p) => sum + p, 0);
        assert.ok(Math.abs(total - 1) < 1e-9, `probabilities sum to ${total}`);

        const csv = await invoke(url, FEATURES[0], {
          "content-type": "text/csv",
          "x-amzn-sagemaker-custom-attributes": "probabilities=true",
        });
        const fields = lines(csv.text)[0].split(",");
        assert.equal(fields[0], LABELS[0]);
        assert.equal(fields.length, 1 + CLASSES.length);
        assert.equal(
          Number(fields[1 + CLASSES.indexOf(LABELS[0])]),
          prediction.probabilities[LABELS[0]],
        );

        const jsonl = await invoke(url, JSON.stringify(record), {
          "content-type": "application/jsonlines",
          accept: "application/jsonlines; verbose=true",
        });
        assert.deepEqual(JSON.parse(lines(jsonl.text)[0]), prediction);
      },
    );

    await t.step(
      "4. X-Amzn-SageMaker-Custom-Attributes is read (at most 1024 characters) and echoed",
      async () => {
        const attributes = "trace=abc-123, probabilities=false";
        const echoed = await invoke(url, FEATURES[0], {
          "content-type": "text/csv",
          "x-amzn-sagemaker-custom-attributes": attributes,
        });
        assert.equal(echoed.status, 200);
        assert.equal(echoed.headers.get("x-amzn-sagemaker-custom-attributes"), attributes);
        assert.deepEqual(lines(echoed.text), [LABELS[0]]);

        const tooLong = await invoke(url, FEATURES[0], {
          "content-type": "text/csv",
          accept: "application/json",
          "x-amzn-sagemaker-custom-attributes": "x".repeat(1025),
        });
        assertJsonError(tooLong, 400, /1025 characters long: the limit is 1024/);
      },
    );

    await t.step(
      "5. GET /execution-parameters matches the worker count and the 6 MB real-time payload",
      async () => {
        const response = await fetch(`${url}/execution-parameters`);
        assert.deepEqual(await response.json(), {
          MaxConcurrentTransforms: 2,
          BatchStrategy: "MULTI_RECORD",
          MaxPayloadInMB: 6,
        });
      },
    );

    await t.step(
      "6. CSV edge cases: CRLF, trailing newline, blank lines, spaces, quotes, exponents, nan and empty",
      async () => {
        const [a, b, c] = FEATURES;
        const spaced = ` ${b.split(",").join(" , ")} `;
        const quoted = c.split(",").map((value) => `"${value}"`).join(",");
        const exponent = a.split(",").map((value) => `${Number(value) * 10}e-1`).join(",");
        const body = `${a}\r\n\r\n${spaced}\n  \n${quoted}\n${exponent}\nnan,,NaN,0.2`;
        const answer = await invoke(url, body, { "content-type": "text/csv" });
        assert.equal(answer.status, 200, answer.text);
        const labels = lines(answer.text);
        assert.equal(labels.length, 5, "one answer per record; blank lines are not records");
        assert.deepEqual(labels.slice(0, 4), [LABELS[0], LABELS[1], LABELS[2], LABELS[0]]);
        assert.ok(CLASSES.includes(labels[4]), `a record of NaN still gets a class: ${labels[4]}`);
      },
    );

    await t.step(
      "6. CSV: a wrong feature count is a 400 naming the line and both counts, with the label hint",
      async () => {
        const leftIn = await invoke(url, `${FEATURES[0]}\n${IRIS[1]}\n`, {
          "content-type": "text/csv",
        });
        assert.equal(leftIn.status, 400);
        assert.equal(
          leftIn.text,
          textError(
            leftIn,
            "Cannot parse line 2: expected 4 features, found 5 (one more than expected: the label column may have been left in)",
          ),
        );
        const short = await invoke(url, "1,2,3\n", { "content-type": "text/csv" });
        assert.equal(
          short.text,
          textError(short, "Cannot parse line 1: expected 4 features, found 3"),
        );
      },
    );

    await t.step(
      "7. a bad record fails the request with 400 naming it; errors=mark keeps one answer per record",
      async () => {
        const body = `${FEATURES[0]}\n${FEATURES[1]}\n5.1,oops,1.4,0.2\n${FEATURES[2]}\n`;
        const failed = await invoke(url, body, { "content-type": "text/csv" });
        assert.equal(failed.status, 400);
        assert.equal(
          failed.text,
          textError(failed, 'Cannot parse line 3, field 2: "oops" is not a number'),
        );

        const marked = await invoke(url, body, {
          "content-type": "text/csv",
          "x-amzn-sagemaker-custom-attributes": "errors=mark",
        });
        assert.equal(marked.status, 200);
        assert.deepEqual(lines(marked.text), [
          LABELS[0],
          LABELS[1],
          '"error: Cannot parse line 3, field 2: ""oops"" is not a number"',
          LABELS[2],
        ]);

        const markedJson = await invoke(url, JSON.stringify([RECORDS[0], [1, 2]]), {
          "content-type": "application/json",
          "x-amzn-sagemaker-custom-attributes": "errors=mark",
        });
        assert.deepEqual(JSON.parse(markedJson.text), {
          predictions: [LABELS[0], {
            error: "Cannot parse record 2: expected 4 features, found 2",
          }],
        });
      },
    );

    await t.step(
      "9. every error has the same shape in the asked type, a request id header and a log line",
      async () => {
        const fromWorker = await invoke(url, "1,2,x,4\n", {
          "content-type": "text/csv",
          accept: "application/json",
          "x-amzn-sagemaker-inference-id": "conformance-400",
        });
        assert.equal(
          assertJsonError(fromWorker, 400, /^Cannot parse line 1, field 3: "x" is not a number$/),
          "conformance-400",
        );
        await server.waitForLog(/request_id=conformance-400 .*status=400/);

        const tooLarge = new Uint8Array(6 * 1024 * 1024 + 1).fill(0x31);
        const fromNginx = await invoke(url, tooLarge, {
          "content-type": "text/csv",
          accept: "application/json",
          "x-amzn-sagemaker-inference-id": "conformance-413",
        });
        assert.equal(
          assertJsonError(
            fromNginx,
            413,
            /^Request body is larger than the limit of 6291456 bytes$/,
          ),
          "conformance-413",
        );
        await server.waitForLog(/status=413 .*request_id=conformance-413/);

        const asText = await invoke(url, tooLarge, { "content-type": "text/csv" });
        assert.equal(asText.status, 413);
        assert.equal(asText.headers.get("content-type"), "text/plain; charset=utf-8");
        const madeUp = asText.headers.get("x-request-id") ?? "";
        assert.match(madeUp, /^[0-9a-f]{32}$/);
        assert.equal(
          asText.text,
          `Request body is larger than the limit of 6291456 bytes (request id ${madeUp})\n`,
        );

        const success = await invoke(url, FEATURES[0], {
          "content-type": "text/csv",
          "x-amzn-sagemaker-inference-id": "conformance-200",
        });
        assert.equal(success.status, 200);
        assert.equal(success.headers.get("x-request-id"), "conformance-200");

        const unsupported = await invoke(url, "1,2,3,4\n", { "content-type": "image/png" });
        assert.equal(unsupported.status, 415);
        assert.equal(unsupported.text.split("\n").length, 2, "a text error is one line");
        assert.ok(unsupported.headers.get("x-request-id"));
      },
    );
  });
});

Deno.test("Batch transform: SAGEMAKER_BATCH=true with MaxPayloadInMB=100", async (t) => {
  await withServer({
    SAGEMAKER_BATCH: "true",
    SAGEMAKER_MAX_PAYLOAD_IN_MB: "100",
    SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "application/jsonlines",
    MODEL_SERVER_TIMEOUT: "120",
  }, async (server) => {
    const url = server.url;

    await t.step(
      "5. GET /execution-parameters keeps MaxConcurrentTransforms x MaxPayloadInMB <= 100",
      async () => {
        const response = await fetch(`${url}/execution-parameters`);
        assert.deepEqual(await response.json(), {
          MaxConcurrentTransforms: 1,
          BatchStrategy: "MULTI_RECORD",
          MaxPayloadInMB: 100,
        });
      },
    );

    await t.step("2. */* or no Accept gives SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", async () => {
      const answer = await invoke(url, FEATURES[0], { "content-type": "text/csv", accept: "*/*" });
      assert.equal(answer.headers.get("content-type"), "application/jsonlines");
      assert.deepEqual(JSON.parse(lines(answer.text)[0]), LABELS[0]);
    });

    await t.step(
      "5. a 100 MB CSV request: one answer per record, in order, memory close to the payload",
      async () => {
        const limit = 100 * 1024 * 1024;
        const records = Math.floor((limit - 1024) / (CSV_BODY.length / FEATURES.length));
        const copies = Math.floor(records / FEATURES.length);
        const body = new TextEncoder().encode(CSV_BODY.repeat(copies));
        assert.ok(body.length > 99 * 1024 * 1024 && body.length <= limit, `${body.length} bytes`);
        const workers = workerPids(server);
        assert.equal(workers.length, 2);
        const before = workers.map(peakRssBytes);
        const started = performance.now();
        const answer = await invoke(url, body, { "content-type": "text/csv", accept: "text/csv" });
        const seconds = (performance.now() - started) / 1000;
        assert.equal(answer.status, 200, answer.text.slice(0, 200));
        // Walk the answer line by line without splitting it into millions of strings.
        const text = answer.text;
        let count = 0;
        for (let start = 0; start < text.length; count++) {
          const end = text.indexOf("\n", start);
          assert.notEqual(end, -1, "the answer ends with a newline");
          const expected = LABELS[count % LABELS.length];
          if (end - start !== expected.length || !text.startsWith(expected, start)) {
            assert.fail(`record ${count + 1}: expected ${expected}, got ${text.slice(start, end)}`);
          }
          start = end + 1;
        }
        assert.equal(count, copies * FEATURES.length);
        const growth = Math.max(...workers.map((pid, i) => peakRssBytes(pid) - before[i]));
        console.log(
          `100 MB batch: ${body.length} bytes, ${count} records, ${seconds.toFixed(2)} s, ` +
            `worker peak RSS +${(growth / 1024 / 1024).toFixed(0)} MiB (peak ${
              (Math.max(...workers.map(peakRssBytes)) / 1024 / 1024).toFixed(0)
            } MiB)`,
        );
        assert.ok(growth < body.length, `worker memory grew by ${growth} bytes`);
      },
    );

    await t.step(
      "5. the batch body limit is MaxPayloadInMB: 100 MiB + 1 byte is a 413",
      async () => {
        const answer = await invoke(url, new Uint8Array(100 * 1024 * 1024 + 1), {
          "content-type": "text/csv",
        });
        assert.equal(answer.status, 413);
        assert.match(answer.text, /limit of 104857600 bytes/);
      },
    );
  });
});

Deno.test("Timeouts: a request past MODEL_SERVER_TIMEOUT gets our 504; the workers keep serving", async (t) => {
  // SERVING_TEST_HOOKS=true lets the custom attribute test_sleep_ms block a worker's predict
  // call, like a model that takes too long; it is test-only.
  await withServer({ MODEL_SERVER_TIMEOUT: "1", SERVING_TEST_HOOKS: "true" }, async (server) => {
    const url = server.url;

    await t.step(
      "8. a slow request gets a 504 in the error shape while the other worker answers",
      async () => {
        const started = performance.now();
        const slow = invoke(url, FEATURES[0], {
          "content-type": "text/csv",
          accept: "application/json",
          "x-amzn-sagemaker-inference-id": "conformance-504",
          "x-amzn-sagemaker-custom-attributes": "test_sleep_ms=4000",
        }).then((answer) => ({ answer, seconds: (performance.now() - started) / 1000 }));
        // The hook logs once the slow request is in a worker's predict call.
        await server.waitForLog("test hook: predict blocks");
        const during = await Promise.all(
          [1, 2, 3, 4].map(() => invoke(url, FEATURES[0], { "content-type": "text/csv" })),
        );
        assert.ok(
          during.some((answer) => answer.status === 200),
          `no answer while one worker was busy: ${during.map((answer) => answer.status)}`,
        );
        const { answer, seconds } = await slow;
        assertJsonError(answer, 504, /^The request took longer than MODEL_SERVER_TIMEOUT=1 s$/);
        // nginx answers at 2 s (the timeout + 1 s), well before the worker is free at 4 s.
        assert.ok(seconds < 3.5, `the 504 came after ${seconds.toFixed(2)} s`);
        await server.waitForLog(/status=504 .*request_id=conformance-504/);
      },
    );

    await t.step("8. afterwards both workers answer again", async () => {
      // The blocked worker is free again once it has answered the slow request itself (504).
      await server.waitForLog(/request failed .*request_id=conformance-504 .*status=504/);
      for (let i = 0; i < 6; i++) {
        const answer = await invoke(url, FEATURES[0], { "content-type": "text/csv" });
        assert.equal(answer.status, 200, answer.text);
        assert.deepEqual(lines(answer.text), [LABELS[0]]);
      }
      const ping = await fetch(`${url}/ping`);
      await ping.body?.cancel();
      assert.equal(ping.status, 200);
    });
  });
});
