/**
 * The streaming JSON reader in a real server: a 100 MB `application/json` batch is answered in
 * order while a worker's peak memory grows by less than 1.5 times the body.
 */
import assert from "node:assert/strict";
import {
  invoke,
  peakRssBytes,
  startServer,
  trainedBaseDir,
  workerPids,
} from "../support/process.ts";
import { readDatasetLines } from "../support/datasets.ts";

const IRIS = readDatasetLines("iris");
const LABELS = IRIS.map((line) => line.slice(0, line.indexOf(",")));
const RECORDS = IRIS.map((line) => `[${line.slice(line.indexOf(",") + 1)}]`);

Deno.test("A 100 MB JSON batch is answered in order; a worker grows by less than 1.5x the body", async () => {
  const base = await trainedBaseDir(IRIS.join("\n") + "\n");
  const server = await startServer(base, {
    MODEL_SERVER_WORKERS: "2",
    SAGEMAKER_BATCH: "true",
    SAGEMAKER_MAX_PAYLOAD_IN_MB: "100",
    MODEL_SERVER_TIMEOUT: "120",
  });
  try {
    await server.waitForLog("mode=nginx");
    const limit = 100 * 1024 * 1024;
    const block = RECORDS.join(",");
    const copies = Math.floor((limit - 1024) / (block.length + 1));
    const text = `{"instances": [${Array(copies).fill(block).join(",")}]}`;
    const body = new TextEncoder().encode(text);
    assert.ok(body.length > 99 * 1024 * 1024 && body.length <= limit, `${body.length} bytes`);
    const workers = workerPids(server);
    assert.equal(workers.length, 2);
    const before = workers.map(peakRssBytes);
    const started = performance.now();
    const answer = await invoke(server.url, body, {
      "content-type": "application/json",
      accept: "text/csv",
    });
    const seconds = (performance.now() - started) / 1000;
    assert.equal(answer.status, 200, answer.text.slice(0, 200));
    // Walk the answer line by line without splitting it into millions of strings.
    const answerText = answer.text;
    let count = 0;
    for (let start = 0; start < answerText.length; count++) {
      const end = answerText.indexOf("\n", start);
      assert.notEqual(end, -1, "the answer ends with a newline");
      const expected = LABELS[count % LABELS.length];
      if (end - start !== expected.length || !answerText.startsWith(expected, start)) {
        assert.fail(
          `record ${count + 1}: expected ${expected}, got ${answerText.slice(start, end)}`,
        );
      }
      start = end + 1;
    }
    assert.equal(count, copies * RECORDS.length);
    const growth = Math.max(...workers.map((pid, i) => peakRssBytes(pid) - before[i]));
    console.log(
      `100 MB JSON batch: ${body.length} bytes, ${count} records, ${seconds.toFixed(2)} s, ` +
        `worker peak RSS +${(growth / 1024 / 1024).toFixed(0)} MiB`,
    );
    assert.ok(growth <= 1.5 * body.length, `worker memory grew by ${growth} bytes`);
  } finally {
    await server.stop();
  }
});
