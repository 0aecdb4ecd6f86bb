/**
 * Whatever ends `serve`, nothing of it outlives it: SIGTERM, SIGINT, SIGHUP and SIGQUIT stop it
 * cleanly (logged, exit 0); after SIGKILL the workers stop nginx and remove its folder themselves.
 */
import assert from "node:assert/strict";
import { startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetCsv } from "../support/datasets.ts";
import {
  accepts,
  exists,
  isAlive,
  nginxRuntimeDir,
  serveChildren,
  waitUntil,
} from "../support/lifecycle.ts";

const base = await trainedBaseDir(readDatasetCsv("iris"), { max_leaf_nodes: "3" });

for (const signal of ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"] as const) {
  Deno.test(`${signal} stops serve cleanly: logged, exit 0, no process or folder left, port closed`, async () => {
    const server = await startServer(base);
    const { workers, nginx } = serveChildren(server.process.pid);
    const folder = nginxRuntimeDir(server.process.pid);
    assert.equal(workers.length, 2);
    assert.equal(nginx.length, 1);
    assert.ok(exists(folder) && (await accepts(server.port)), "serve is not up");
    assert.equal(await server.stop(signal), 0, server.logs());
    assert.match(server.logs(), new RegExp(`INFO stopping signal=${signal}`));
    assert.match(server.logs(), /INFO stopped/);
    assert.deepEqual([...workers, ...nginx].filter(isAlive), []);
    assert.equal(exists(folder), false, `${folder} is left`);
    assert.equal(await accepts(server.port), false);
  });
}

Deno.test("after SIGKILL of serve the port closes, no worker or nginx is left and the folder is gone within seconds", async () => {
  const server = await startServer(base);
  const { workers, nginx } = serveChildren(server.process.pid);
  const folder = nginxRuntimeDir(server.process.pid);
  assert.ok(exists(folder) && (await accepts(server.port)), "serve is not up");
  server.process.kill("SIGKILL");
  await server.process.status;
  const tookMs = await waitUntil(
    "serve's processes, folder and port to be gone",
    async () =>
      [...workers, ...nginx].every((pid) => !isAlive(pid)) && !exists(folder) &&
      !(await accepts(server.port)),
    { timeoutMs: 8_000 },
  );
  console.log(`everything gone ${tookMs.toFixed(0)} ms after SIGKILL`);
  await server.stop();
});
