/**
 * The answer limit (`MODEL_SERVER_MAX_RESPONSE_MB`, by default the body limit but at least the
 * 6 MiB SageMaker passes back): against the real program, an answer past it gets a 413 naming
 * the limit and the size, quickly, and the worker's memory comes back.
 */
import assert from "node:assert/strict";
import {
  invoke,
  peakRssBytes,
  startServer,
  trainedBaseDir,
  workerPids,
} from "../support/process.ts";
import { readDatasetCsv } from "../support/datasets.ts";

const MiB = 1024 * 1024;

/** A process's current resident memory (`VmRSS`) in bytes. */
function rssBytes(pid: number): number {
  const output = new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).outputSync();
  const match = new TextDecoder().decode(output.stdout).match(/^VmRSS:\s+(\d+) kB$/m);
  if (match === null) throw new Error(`No VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Training data with 1,000 classes; a shallow tree gives every leaf many of them. */
function thousandClasses(): string {
  let seed = 1;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  let csv = "";
  for (let i = 0; i < 3000; i++) {
    const values = [next(), next(), next(), next()].map((value) => value.toFixed(3));
    csv += `c${i % 1000},${values.join(",")}\n`;
  }
  return csv;
}

function records(count: number): string {
  return "0.5,0.25,0.125,0.75\n".repeat(count);
}

const VERBOSE = {
  "content-type": "text/csv",
  "x-amzn-sagemaker-custom-attributes": "probabilities=true",
};

Deno.test("serve refuses a too large answer with a 413 naming the limit, before building it", async () => {
  const base = await trainedBaseDir(thousandClasses(), { max_depth: "4" });
  const server = await startServer(base, { MODEL_SERVER_WORKERS: "1" });
  try {
    const [worker] = workerPids(server);
    // Warm up, then measure.
    assert.equal((await invoke(server.url, records(1), VERBOSE)).status, 200);
    const before = rssBytes(worker);
    const peakBefore = peakRssBytes(worker);
    // 20 KB in: about 17 MB of probabilities out.
    let started = Date.now();
    const small = await invoke(server.url, records(1000), VERBOSE);
    assert.equal(small.status, 413, small.text.slice(0, 200));
    assert.match(
      small.text,
      /answer would be .*\d+ bytes.*limit of 6291456 bytes \(MODEL_SERVER_MAX_RESPONSE_MB\)/,
    );
    assert.ok(Date.now() - started < 2_000, `answered after ${Date.now() - started} ms`);
    // 390 KB in: 20,000 records, about 340 MB out; refused on the estimate.
    started = Date.now();
    const large = await invoke(server.url, records(20_000), VERBOSE);
    assert.equal(large.status, 413, large.text.slice(0, 200));
    assert.match(
      large.text,
      /about \d+ bytes \(20000 records of about \d+ bytes in text\/csv with 1000 class probabilities\)/,
    );
    assert.ok(Date.now() - started < 2_000, `answered after ${Date.now() - started} ms`);
    // JSON too, and a request within the limit still gets its answer.
    const json = await invoke(server.url, records(20_000), {
      ...VERBOSE,
      accept: "application/json",
    });
    assert.equal(json.status, 413);
    assert.equal(JSON.parse(json.text).status, 413);
    const fits = await invoke(server.url, records(100), VERBOSE);
    assert.equal(fits.status, 200);
    assert.equal(fits.text.trim().split("\n").length, 100);
    const growth = peakRssBytes(worker) - peakBefore;
    assert.ok(growth < 100 * MiB, `peak RSS grew by ${(growth / MiB).toFixed(0)} MiB`);
    const after = rssBytes(worker);
    assert.ok(after - before < 60 * MiB, `RSS grew from ${before / MiB} to ${after / MiB} MiB`);
    console.log(
      `worker RSS ${(before / MiB).toFixed(0)} -> ${(after / MiB).toFixed(0)} MiB, ` +
        `peak +${(growth / MiB).toFixed(0)} MiB`,
    );
  } finally {
    await server.stop();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("serve refuses a too large answer to a body of empty records, with errors=mark too", async () => {
  const base = await trainedBaseDir(readDatasetCsv("iris"));
  const server = await startServer(base, { MODEL_SERVER_WORKERS: "1", PATH: "/nonexistent" });
  try {
    const [worker] = workerPids(server);
    const peakBefore = peakRssBytes(worker);
    const cases: [string, string, Record<string, string>][] = [
      ["CSV of empty fields", ",,,\n", { "content-type": "text/csv" }],
      ["JSON Lines of empty records, errors=mark", "[]\n", {
        "content-type": "application/jsonlines",
        "x-amzn-sagemaker-custom-attributes": "errors=mark",
      }],
    ];
    for (const [name, line, headers] of cases) {
      const body = line.repeat(Math.floor(6 * MiB / line.length));
      const started = Date.now();
      const answer = await invoke(server.url, body, headers);
      assert.equal(answer.status, 413, `${name}: ${answer.status} ${answer.text.slice(0, 100)}`);
      assert.match(answer.text, /limit of 6291456 bytes/, name);
      assert.ok(
        Date.now() - started < 10_000,
        `${name}: answered after ${Date.now() - started} ms`,
      );
    }
    const growth = peakRssBytes(worker) - peakBefore;
    console.log(`peak RSS +${(growth / MiB).toFixed(0)} MiB`);
    // The same bodies within a limit raised for them are answered.
    assert.equal((await invoke(server.url, "5.1,3.5,1.4,0.2\n")).text.trim(), "setosa");
  } finally {
    await server.stop();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("MODEL_SERVER_MAX_RESPONSE_MB sets the answer limit", async () => {
  const base = await trainedBaseDir(readDatasetCsv("iris"));
  const server = await startServer(base, {
    MODEL_SERVER_WORKERS: "1",
    MODEL_SERVER_MAX_RESPONSE_MB: "1",
  });
  try {
    // 200,000 labels of up to 11 bytes: about 1.6 MB.
    const body = "5.1,3.5,1.4,0.2\n".repeat(200_000);
    const answer = await invoke(server.url, body);
    assert.equal(answer.status, 413, answer.text.slice(0, 100));
    assert.match(answer.text, /limit of 1048576 bytes \(MODEL_SERVER_MAX_RESPONSE_MB\)/);
    const fits = await invoke(server.url, "5.1,3.5,1.4,0.2\n".repeat(50_000));
    assert.equal(fits.status, 200);
  } finally {
    await server.stop();
    await Deno.remove(base, { recursive: true });
  }
});
