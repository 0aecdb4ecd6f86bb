/**
 * `/ping` keeps answering while thousands of clients hold connections open without sending a
 * request; `HEAD /ping` is a health check too.
 */
import assert from "node:assert/strict";
import { startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetCsv } from "../support/datasets.ts";
import { statusOf, waitUntil } from "../support/lifecycle.ts";

const base = await trainedBaseDir(readDatasetCsv("iris"), { max_leaf_nodes: "3" });
const IDLE_CONNECTIONS = 9_000;

/** The established connections on `port` that an nginx process holds (asks `ss`). */
function nginxConnections(port: number): number {
  const output = new Deno.Command("ss", {
    args: ["-Htnp", "state", "established", `( sport = :${port} )`],
  }).outputSync();
  return new TextDecoder().decode(output.stdout).split("\n").filter((line) => /nginx/.test(line))
    .length;
}

Deno.test(`/ping answers 200 while ${IDLE_CONNECTIONS} connections sit idle`, async () => {
  const server = await startServer(base);
  const idle: Deno.Conn[] = [];
  try {
    for (let i = 0; i < IDLE_CONNECTIONS; i += 500) {
      const batch = Array.from(
        { length: 500 },
        () => Deno.connect({ hostname: "127.0.0.1", port: server.port }),
      );
      idle.push(...await Promise.all(batch));
    }
    assert.equal(idle.length, IDLE_CONNECTIONS);
    // nginx takes a connection over once it has data or, with `deferred`, after a few seconds.
    await waitUntil(
      `nginx to hold ${IDLE_CONNECTIONS} connections`,
      () => nginxConnections(server.port) >= IDLE_CONNECTIONS,
      { timeoutMs: 8_000, intervalMs: 250 },
    );
    const started = performance.now();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push(await statusOf(`${server.url}/ping`));
    console.log(`5 pings with ${idle.length} idle connections: ${performance.now() - started} ms`);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200]);
    assert.doesNotMatch(server.logs(), /worker_connections are not enough/);
  } finally {
    for (const connection of idle) connection.close();
    assert.equal(await server.stop(), 0);
  }
});

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`HEAD /ping answers 200 (${mode})`, async () => {
    const server = await startServer(base, mode === "embedded" ? { PATH: "/nonexistent" } : {});
    try {
      assert.equal(await statusOf(`${server.url}/ping`, "HEAD"), 200);
    } finally {
      assert.equal(await server.stop(), 0);
    }
  });
}
