import assert from "node:assert/strict";
import { parseWrkReport } from "../../bench/wrk.ts";

Deno.test("parseWrkReport() reads requests, latencies and summed errors", () => {
  const output = "Running 1s test\nBENCH_RESULT requests=2000 duration_us=2000000 p50_us=1500 " +
    "p99_us=9000 max_us=12000 connect=1 read=2 write=0 status=3 timeout=4\n";
  assert.deepStrictEqual(parseWrkReport(output), {
    requests: 2000,
    seconds: 2,
    requestsPerSecond: 1000,
    p50Ms: 1.5,
    p99Ms: 9,
    errors: 10,
  });
});

Deno.test("parseWrkReport() rejects output without a BENCH_RESULT line", () => {
  assert.throws(() => parseWrkReport("Requests/sec: 10\n"), /BENCH_RESULT/);
});
