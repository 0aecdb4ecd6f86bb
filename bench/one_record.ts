/**
 * The micro-benchmark behind the one-record request's allocation-free steps: a one-record
 * request does so little work that allocating a typed array or parsing a URL is a visible share
 * of it. Prints nanoseconds per call, median of N rounds, of each step done the plain way and the
 * way the request path does it:
 *
 * - reading the record into a new `Float64Array` or into the worker's reused buffer
 *   (`CsvReadOptions.buffer`, `serving/invocations.ts`);
 * - the predicted labels as a new `Int32Array` or as a view of a slab (`algorithm/cart/model.ts`);
 * - the request path by `new URL()` or by the `/invocations` suffix check (`pathOf` in
 *   `serving/worker.ts`).
 *
 * ```sh
 * deno run bench/one_record.ts
 * ```
 *
 * @module
 */

import { CsvTableReader } from "../codecs/csv_reader.ts";

/** One step's timing. */
interface StepTiming {
  /** What was timed. */
  readonly name: string;
  /** Median nanoseconds per call. */
  readonly nanoseconds: number;
}

let sink: unknown;

/** Times `step` in `rounds` rounds of `calls` calls, after a warm-up; the median per call. */
function timeStep(
  name: string,
  step: (i: number) => unknown,
  options: { rounds: number; calls: number },
): StepTiming {
  for (let i = 0; i < options.calls; i++) sink = step(i);
  const perCall: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    const started = performance.now();
    for (let i = 0; i < options.calls; i++) sink = step(i);
    perCall.push((performance.now() - started) * 1e6 / options.calls);
  }
  perCall.sort((a, b) => a - b);
  return { name, nanoseconds: perCall[perCall.length >> 1] };
}

/** The steps, each the plain way first, then the way the request path does it. */
function oneRecordSteps(options: { rounds: number; calls: number }): StepTiming[] {
  const record = new TextEncoder().encode("5.123,3.456,1.789,0.234\n");
  const buffer = new Float64Array(4096);
  const slab = new Int32Array(16_384);
  let used = 0;
  const urls = ["http://127.0.0.1:40001/invocations", "http://127.0.0.1:40002/invocations"];
  return [
    timeStep("parse one record into a new Float64Array", () => {
      const reader = new CsvTableReader({ features: 4 }, 4);
      reader.push(record);
      return reader.finish().features.data[3];
    }, options),
    timeStep("parse one record into the reused buffer", () => {
      const reader = new CsvTableReader({ features: 4, buffer }, 4);
      reader.push(record);
      return reader.finish().features.data[3];
    }, options),
    timeStep("labels: new Int32Array(1)", () => new Int32Array(1), options),
    timeStep("labels: a view of a slab", () => {
      if (used + 1 > slab.length) used = 0;
      return slab.subarray(used, ++used);
    }, options),
    timeStep("path: new URL(url).pathname", (i) => new URL(urls[i & 1]).pathname, options),
    timeStep("path: /invocations suffix check", (i) => {
      const url = urls[i & 1];
      return url.endsWith("/invocations") &&
          url.indexOf("/", url.indexOf("//") + 2) === url.length - 12
        ? "/invocations"
        : new URL(url).pathname;
    }, options),
  ];
}

if (import.meta.main) {
  const rounds = 15;
  const calls = 200_000;
  console.log(`ns per call, median of ${rounds} rounds of ${calls.toLocaleString("en-US")}\n`);
  console.log("| step | ns |\n| --- | ---: |");
  for (const step of oneRecordSteps({ rounds, calls })) {
    console.log(`| ${step.name} | ${step.nanoseconds.toFixed(0)} |`);
  }
  if (sink === Symbol.for("never")) console.log(sink);
}
