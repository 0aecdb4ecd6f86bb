import assert from "node:assert/strict";
import type { LogFields } from "../../log.ts";
import { ProgressReporter } from "../../training/progress.ts";

function clock(): { now: () => number; advance: (ms: number) => void } {
  let time = 1000;
  return { now: () => time, advance: (ms) => (time += ms) };
}

Deno.test("ProgressReporter writes nothing before the first interval has passed", () => {
  const lines: LogFields[] = [];
  const { now, advance } = clock();
  const progress = new ProgressReporter((fields) => lines.push(fields), { now });
  advance(4_999);
  progress.update(10, 1_000_000);
  assert.deepEqual(lines, []);
});

Deno.test("ProgressReporter writes rows, MB, MB/s and percent once per interval", () => {
  const lines: LogFields[] = [];
  const { now, advance } = clock();
  const progress = new ProgressReporter((fields) => lines.push(fields), {
    now,
    intervalMs: 2_000,
    totalBytes: 100_000_000,
  });
  advance(2_000);
  progress.update(50_000, 25_000_000);
  advance(1_000);
  progress.update(60_000, 30_000_000); // within the interval: no line
  advance(1_000);
  progress.update(100_000, 50_000_000);
  assert.deepEqual(lines, [
    { rows: 50_000, mb: 25, mbPerSecond: 12.5, seconds: 2, percent: 25 },
    { rows: 100_000, mb: 50, mbPerSecond: 12.5, seconds: 4, percent: 50 },
  ]);
});

Deno.test("ProgressReporter leaves the percent out when the size is not known", () => {
  const lines: LogFields[] = [];
  const { now, advance } = clock();
  const progress = new ProgressReporter((fields) => lines.push(fields), { now, intervalMs: 1 });
  advance(500);
  progress.update(7, 1_500_000);
  assert.deepEqual(lines, [{ rows: 7, mb: 1.5, mbPerSecond: 3, seconds: 0.5 }]);
});
