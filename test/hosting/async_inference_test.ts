/**
 * Asynchronous inference: SageMaker hands the container one request of up to 1 GB and waits up
 * to an hour. With the limits raised (`SAGEMAKER_MAX_PAYLOAD_IN_MB`, `MODEL_SERVER_TIMEOUT`), a
 * several-hundred-MB CSV request goes through nginx and is answered in order, while the worker's
 * memory grows by a fraction of the payload.
 */
import assert from "node:assert/strict";
import { peakRssBytes, startServer, trainedBaseDir, workerPids } from "../support/process.ts";
import { readDatasetLines } from "../support/datasets.ts";

const IRIS = readDatasetLines("iris");
const LABELS = IRIS.map((line) => line.slice(0, line.indexOf(",")));
const CSV_BODY = IRIS.map((line) => line.slice(line.indexOf(",") + 1)).join("\n") + "\n";

/** Checks an answer stream line by line against the labels, without holding it; returns its count. */
async function countInOrder(body: ReadableStream<Uint8Array>): Promise<number> {
  let count = 0;
  let partial = "";
  for await (const text of body.pipeThrough(new TextDecoderStream())) {
    const lines = (partial + text).split("\n");
    partial = lines.pop()!;
    for (const line of lines) {
      const expected = LABELS[count % LABELS.length];
      if (line !== expected) assert.fail(`record ${count + 1}: expected ${expected}, got ${line}`);
      count++;
    }
  }
  assert.equal(partial, "", "the answer ends with a newline");
  return count;
}

Deno.test("an asynchronous endpoint answers a 256 MiB CSV request through nginx in order, in bounded worker memory", async () => {
  const base = await trainedBaseDir(IRIS.join("\n") + "\n");
  const server = await startServer(base, {
    MODEL_SERVER_WORKERS: "1",
    SAGEMAKER_MAX_PAYLOAD_IN_MB: "1024",
    MODEL_SERVER_TIMEOUT: "3600",
  });
  try {
    assert.match(server.logs(), /mode=nginx/);
    assert.match(server.logs(), /asynchronous endpoints allow up to 3600 s/);
    assert.match(server.logs(), /asynchronous endpoints allow up to 1024 MB/);
    const copies = Math.floor(256 * 1024 * 1024 / CSV_BODY.length);
    const body = new TextEncoder().encode(CSV_BODY.repeat(copies));
    const [worker] = workerPids(server);
    const before = peakRssBytes(worker);
    const started = performance.now();
    const response = await fetch(`${server.url}/invocations`, {
      method: "POST",
      body,
      headers: { "content-type": "text/csv", accept: "text/csv" },
    });
    assert.equal(response.status, 200);
    const count = await countInOrder(response.body!);
    const seconds = (performance.now() - started) / 1000;
    assert.equal(count, copies * LABELS.length);
    const growth = peakRssBytes(worker) - before;
    console.log(
      `async: ${(body.length / 1024 / 1024).toFixed(0)} MiB, ${count} records in ` +
        `${seconds.toFixed(1)} s, worker peak RSS +${(growth / 1024 / 1024).toFixed(0)} MiB`,
    );
    assert.ok(growth < body.length / 2, `worker memory grew by ${growth} bytes`);
  } finally {
    await server.stop();
    await Deno.remove(base, { recursive: true });
  }
});
