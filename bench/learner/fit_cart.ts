/**
 * Fits our CART tree on files written by `run.ts` and prints one JSON line of measurements.
 * Run by `run.ts` in its own process so that its peak memory is its own:
 * `deno run --allow-all --v8-flags=--expose-gc bench/learner/fit_cart.ts DIR LEAVES`.
 *
 * @module
 */

import { cart, CartModel } from "../../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../../algorithm/hyperparameters.ts";
import type { Dataset, Matrix } from "../../algorithm/types.ts";

/** Features per row in the benchmark data. */
export const BENCH_COLUMNS = 20;

/** Measurements of one fit, as printed by this script. */
export interface FitMeasurement {
  /** Seconds spent in `cart.fit`. */
  fitSeconds: number;
  /** Share of the hold-out rows predicted right. */
  accuracy: number;
  /** Leaves of the tree. */
  leaves: number;
  /** Bytes of `JSON.stringify(cart.save(model))`. */
  modelBytes: number;
  /** Hold-out rows predicted per second through `model.predict`. */
  predictRowsPerSecond: number;
  /** Mean microseconds of `model.predict` on a one-record matrix. */
  singleMicroseconds: number;
  /** Peak resident set size during fit (VmHWM after resetting it before fit). */
  peakBytes: number;
  /** Resident set size just before fit, with the data loaded. */
  rssBeforeBytes: number;
  /** Milliseconds to `JSON.parse` and `cart.load` the saved model, when measured. */
  loadMilliseconds?: number;
  /** Leaves of the tree whose load was timed. */
  loadLeaves?: number;
}

/** Reads `NAME.f64` and `NAME.i32` of a benchmark directory. */
export function readBinary(directory: string, name: string): Dataset {
  const bytes = Deno.readFileSync(`${directory}/${name}.f64`);
  const data = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
  const labelBytes = Deno.readFileSync(`${directory}/${name}.i32`);
  const labels = new Int32Array(
    labelBytes.buffer,
    labelBytes.byteOffset,
    labelBytes.byteLength / 4,
  );
  const rows = labels.length;
  return {
    features: { data, rows, columns: BENCH_COLUMNS },
    labels,
    classes: ["0", "1", "2"],
  };
}

function status(field: string): number {
  const text = Deno.readTextFileSync("/proc/self/status");
  const match = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
  return match === null ? 0 : Number(match[1]) * 1024;
}

function resetPeak(): void {
  try {
    Deno.writeTextFileSync("/proc/self/clear_refs", "5");
  } catch {
    // Not Linux or not allowed: the peak then covers the whole process.
  }
}

/** Fits, predicts and measures; `loadLeaves` also times loading a tree of that many leaves. */
export async function measureFit(
  directory: string,
  maxLeafNodes: number | null,
  loadLeaves: number | null,
): Promise<FitMeasurement> {
  const train = readBinary(directory, "train");
  const test = readBinary(directory, "test");
  const raw: Record<string, string> = { random_state: "0" };
  if (maxLeafNodes !== null) raw.max_leaf_nodes = String(maxLeafNodes);
  const params = parseHyperparameters(raw, cart.hyperparameters);
  (globalThis as { gc?: () => void }).gc?.();
  const rssBeforeBytes = status("VmRSS");
  resetPeak();
  let started = performance.now();
  const model = await cart.fit(train, params);
  const fitSeconds = (performance.now() - started) / 1000;
  const peakBytes = status("VmHWM");
  started = performance.now();
  const predicted = model.predict(test.features);
  const predictSeconds = (performance.now() - started) / 1000;
  let correct = 0;
  for (let i = 0; i < predicted.length; i++) if (predicted[i] === test.labels[i]) correct++;
  // Single-record latency: one-row matrices over 1,000 different records, 1,000,000 calls.
  const singles: Matrix[] = [];
  for (let r = 0; r < 1000; r++) {
    singles.push({
      data: test.features.data.slice(r * BENCH_COLUMNS, (r + 1) * BENCH_COLUMNS),
      rows: 1,
      columns: BENCH_COLUMNS,
    });
  }
  let sink = 0;
  for (let i = 0; i < 100_000; i++) sink += model.predict(singles[i % 1000])[0];
  started = performance.now();
  for (let i = 0; i < 1_000_000; i++) sink += model.predict(singles[i % 1000])[0];
  const singleMicroseconds = (performance.now() - started) / 1000 + (sink < 0 ? 1 : 0);
  const modelBytes = JSON.stringify(cart.save(model)).length;
  const result: FitMeasurement = {
    fitSeconds,
    accuracy: correct / predicted.length,
    leaves: (model as CartModel).leaves,
    modelBytes,
    predictRowsPerSecond: test.features.rows / predictSeconds,
    singleMicroseconds,
    peakBytes,
    rssBeforeBytes,
  };
  if (loadLeaves !== null) {
    const big = await cart.fit(
      train,
      parseHyperparameters({ max_leaf_nodes: String(loadLeaves) }, cart.hyperparameters),
    );
    const text = JSON.stringify(cart.save(big));
    const header = { featureCount: BENCH_COLUMNS, classes: train.classes };
    cart.load(JSON.parse(text), header); // warm up
    started = performance.now();
    const rounds = 5;
    for (let i = 0; i < rounds; i++) cart.load(JSON.parse(text), header);
    result.loadMilliseconds = (performance.now() - started) / rounds;
    result.loadLeaves = (big as CartModel).leaves;
  }
  return result;
}

if (import.meta.main) {
  const [directory, leaves, load] = Deno.args;
  const maxLeafNodes = leaves === undefined || leaves === "none" ? null : Number(leaves);
  const loadLeaves = load === undefined ? null : Number(load);
  console.log(JSON.stringify(await measureFit(directory, maxLeafNodes, loadLeaves)));
}
