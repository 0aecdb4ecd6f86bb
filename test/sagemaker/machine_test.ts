import assert from "node:assert/strict";
import {
  containerMemoryBytes,
  defaultWorkerCount,
  SUPERVISOR_MEMORY_BYTES,
  WORKER_MEMORY_BYTES,
} from "../../sagemaker/machine.ts";
import { readServingConfig } from "../../sagemaker/serving_config.ts";

const GIB = 1024 ** 3;

Deno.test("defaultWorkerCount() gives one worker per CPU when memory is plenty", () => {
  assert.equal(defaultWorkerCount(4, 16 * GIB), 4);
  assert.equal(defaultWorkerCount(2, Infinity), 2);
});

Deno.test("defaultWorkerCount() fits a 1 GB serverless endpoint, and never goes below one", () => {
  assert.equal(defaultWorkerCount(8, GIB), 3);
  assert.equal(defaultWorkerCount(8, SUPERVISOR_MEMORY_BYTES + 2 * WORKER_MEMORY_BYTES), 2);
  assert.equal(defaultWorkerCount(8, 200 * 1024 * 1024), 1);
  assert.equal(defaultWorkerCount(0, GIB), 1);
});

Deno.test("readServingConfig() takes the worker count from the container's memory unless set", () => {
  assert.equal(readServingConfig({}, 8, { memoryBytes: GIB }).workers, 3);
  assert.equal(readServingConfig({}, 8, { memoryBytes: 6 * GIB }).workers, 8);
  assert.equal(readServingConfig({}, 8).workers, 8);
  const set = readServingConfig({ MODEL_SERVER_WORKERS: "6" }, 8, { memoryBytes: GIB });
  assert.equal(set.workers, 6);
  assert.equal(set.sources.workers, "env MODEL_SERVER_WORKERS");
});

Deno.test("containerMemoryBytes() reads the cgroup v2 limit, then v1, else the machine's memory", async () => {
  const total = Deno.systemMemoryInfo().total;
  const root = await Deno.makeTempDir();
  try {
    assert.equal(containerMemoryBytes(root), total);
    await Deno.mkdir(`${root}/memory`);
    await Deno.writeTextFile(`${root}/memory/memory.limit_in_bytes`, `${2 * GIB}\n`);
    assert.equal(containerMemoryBytes(root), Math.min(2 * GIB, total));
    await Deno.writeTextFile(`${root}/memory.max`, `${GIB}\n`);
    assert.equal(containerMemoryBytes(root), GIB);
    await Deno.writeTextFile(`${root}/memory.max`, "max\n");
    assert.equal(containerMemoryBytes(root), Math.min(2 * GIB, total));
    // cgroup v1 reports "no limit" as a huge number, above the machine's memory.
    await Deno.writeTextFile(`${root}/memory/memory.limit_in_bytes`, "9223372036854771712\n");
    assert.equal(containerMemoryBytes(root), total);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
