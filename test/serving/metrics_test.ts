import assert from "node:assert/strict";
import { RequestMetrics } from "../../serving/metrics.ts";

Deno.test("RequestMetrics counts requests and errors by status class", () => {
  const metrics = new RequestMetrics();
  for (const status of [200, 200, 400, 404, 413, 500, 504]) metrics.record(status, 1);
  const snapshot = metrics.take();
  assert.equal(snapshot.requests, 7);
  assert.equal(snapshot.errors_4xx, 3);
  assert.equal(snapshot.errors_5xx, 2);
});

Deno.test("RequestMetrics gives p50 and p99 of the latencies", () => {
  const metrics = new RequestMetrics();
  for (let i = 1; i <= 100; i++) metrics.record(200, i);
  const snapshot = metrics.take();
  assert.equal(snapshot.p50_ms, 51);
  assert.equal(snapshot.p99_ms, 100);
});

Deno.test("RequestMetrics.take() starts a new interval", () => {
  const metrics = new RequestMetrics();
  metrics.record(200, 5);
  metrics.take();
  assert.deepEqual(metrics.take(), {
    requests: 0,
    errors_4xx: 0,
    errors_5xx: 0,
    p50_ms: 0,
    p99_ms: 0,
  });
});

Deno.test("RequestMetrics samples fairly past its sample size", () => {
  let seed = 1;
  const metrics = new RequestMetrics(() => ((seed = (seed * 16807) % 2147483647) / 2147483647));
  for (let i = 0; i < 50_000; i++) metrics.record(200, i < 45_000 ? 1 : 100);
  const snapshot = metrics.take();
  assert.equal(snapshot.requests, 50_000);
  assert.equal(snapshot.p99_ms, 100);
  assert.equal(snapshot.p50_ms, 1);
});
