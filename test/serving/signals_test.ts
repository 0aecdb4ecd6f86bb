/**
 * Whatever ends `serve`, nothing of it outlives it: SIGTERM, SIGINT, SIGHUP and SIGQUIT stop it
 * cleanly (logged, exit 0); after SIGKILL the workers stop nginx and remove its folder themselves,
 * and the kernel stops nginx (parent-death signal through setpriv) when no worker is alive.
 */
import assert from "node:assert/strict";
import { childProcesses, startServer, trainedBaseDir } from "../support/process.ts";
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

Deno.test("after SIGKILL of serve while no worker is alive, nginx stops all the same and the port closes", async () => {
  const own = await trainedBaseDir(readDatasetCsv("iris"), { max_leaf_nodes: "3" });
  const server = await startServer(own);
  const { workers, nginx } = serveChildren(server.process.pid);
  assert.equal(nginx.length, 1);
  // No model: every worker started from now on fails at once, so none is left to clean up.
  await Deno.remove(`${own}/model/model.json`);
  for (const pid of workers) Deno.kill(pid, "SIGKILL");
  server.process.kill("SIGKILL");
  await server.process.status;
  const tookMs = await waitUntil(
    "nginx to stop and the port to close",
    async () => !isAlive(nginx[0]) && !(await accepts(server.port)),
    { timeoutMs: 8_000 },
  );
  console.log(`nginx gone ${tookMs.toFixed(0)} ms after SIGKILL with no worker alive`);
  await server.stop();
  await Deno.remove(own, { recursive: true });
});

Deno.test("after SIGKILL of nginx's master, serve stops with exit 1 and no nginx worker is left holding the port", async () => {
  const server = await startServer(base);
  const { workers, nginx } = serveChildren(server.process.pid);
  const nginxWorkers = childProcesses(nginx[0]).map((child) => child.pid);
  assert.ok(nginxWorkers.length > 0, "nginx has no worker processes");
  Deno.kill(nginx[0], "SIGKILL");
  await server.waitForLog("ERROR serve is stopping: nginx exited unexpectedly");
  assert.equal(await server.stop(), 1, server.logs());
  await waitUntil(
    "nginx's workers to stop and the port to close",
    async () =>
      [...workers, ...nginxWorkers].every((pid) => !isAlive(pid)) &&
      !(await accepts(server.port)),
    { timeoutMs: 5_000 },
  );
});
