/**
 * The cart fit on several threads (`fit.ts` with `threads`): the same tree, byte for byte, as on
 * one thread, the caller's rows left consistent, and every worker ended however the fit ends.
 */

import assert from "node:assert/strict";
import { type CartFitOptions, fitBinnedTree, fitTree } from "../../../algorithm/cart/fit.ts";
import { cart } from "../../../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../../../algorithm/hyperparameters.ts";
import type { BinnedDataset } from "../../../algorithm/types.ts";
import { type DatasetName, readDataset } from "../../support/datasets.ts";
import { binned, bytesOf, copyOf, noisy, rowSet } from "./support.ts";

// Each fixes random_state: without it every fit draws its own seed.
const SETTINGS: Record<string, string>[] = [
  { random_state: "0" },
  { max_leaf_nodes: "8", random_state: "1" },
  { criterion: "entropy", max_features: "2", random_state: "3" },
  { class_weight: "balanced", min_samples_leaf: "3", max_depth: "6", random_state: "4" },
];

function params(raw: Record<string, string>) {
  return parseHyperparameters(raw, cart.hyperparameters);
}

/** Runs `body` while every Worker started is recorded; returns how many are still running. */
async function countingWorkers(
  body: () => Promise<unknown>,
): Promise<{ started: number; running: number }> {
  const original = globalThis.Worker;
  const live = new Set<Worker>();
  let started = 0;
  class CountedWorker extends original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      started++;
      live.add(this);
    }
    override terminate(): void {
      live.delete(this);
      super.terminate();
    }
  }
  globalThis.Worker = CountedWorker;
  try {
    await body().catch(() => {});
  } finally {
    globalThis.Worker = original;
  }
  return { started, running: live.size };
}

const NAMES: DatasetName[] = ["iris", "wine", "breast_cancer"];

for (const name of NAMES) {
  Deno.test(`cart fits ${name} to the same bytes on 2, 3 and 5 threads as on one`, async () => {
    const data = readDataset(name);
    for (const raw of SETTINGS) {
      const single = bytesOf(await fitTree(data, params(raw), { threads: 1 }));
      for (const threads of [2, 3, 5]) {
        for (const parallelMinRows of [1, 40]) {
          const options: CartFitOptions = { threads, parallelMinRows };
          const parallel = bytesOf(await fitTree(data, params(raw), options));
          assert.equal(
            parallel,
            single,
            `${JSON.stringify(raw)}, ${threads} threads from ${parallelMinRows} rows`,
          );
        }
      }
    }
  });
}

Deno.test("cart fits random binned data to the same bytes on several threads as on one", async () => {
  for (
    const [seed, rows, columns, maxBins] of [[1, 3000, 7, 256], [2, 2000, 4, 1000], [
      3,
      500,
      12,
      16,
    ]]
  ) {
    const data = await binned(noisy(rows, columns, seed), maxBins);
    assert.equal(data.features.codes.BYTES_PER_ELEMENT, maxBins > 256 ? 2 : 1);
    for (const raw of SETTINGS) {
      const single = bytesOf(await fitBinnedTree(copyOf(data), params(raw), { threads: 1 }));
      for (const threads of [2, 4]) {
        for (const parallelMinRows of [1, 300]) {
          const options = { threads, parallelMinRows };
          const parallel = bytesOf(await fitBinnedTree(copyOf(data), params(raw), options));
          assert.equal(
            parallel,
            single,
            `seed ${seed}, ${JSON.stringify(raw)}, ${threads} threads`,
          );
        }
      }
    }
  }
});

Deno.test("a parallel binned fit leaves the caller's rows as they were, or moved with their labels", async () => {
  const data = await binned(noisy(2000, 5, 4), 256);
  const options = { threads: 2, parallelMinRows: 100 };
  const unshared = copyOf(data);
  await fitBinnedTree(unshared, params({ random_state: "0" }), options);
  assert.deepEqual(unshared.features.codes, data.features.codes, "unshared codes were moved");
  assert.deepEqual(unshared.labels, data.labels);
  // Shared codes are moved in place; the labels (copied into shared memory) must follow them.
  const shared = copyOf(data, true);
  await fitBinnedTree(shared, params({ random_state: "0" }), options);
  assert.notDeepEqual(shared.features.codes, data.features.codes, "the shared codes did not move");
  assert.deepEqual(rowSet(shared), rowSet(data));
});

Deno.test("a cart fit ends its row workers when it succeeds, fails or is aborted", async () => {
  const data = noisy(3000, 6, 5);
  const options = { threads: 3, parallelMinRows: 200 };
  const succeeded = await countingWorkers(() => fitTree(data, params({}), options));
  assert.deepEqual(succeeded, { started: 2, running: 0 });
  const failed = await countingWorkers(() =>
    fitTree(data, params({}), {
      ...options,
      log(message) {
        if (message.includes("threads for nodes")) throw new Error("The log is full");
      },
    })
  );
  assert.deepEqual(failed, { started: 2, running: 0 });
  const controller = new AbortController();
  const aborted = await countingWorkers(() =>
    fitTree(data, params({}), {
      ...options,
      signal: controller.signal,
      log: () => controller.abort(),
    })
  );
  assert.deepEqual(aborted, { started: 2, running: 0 });
  const single = await countingWorkers(() => fitTree(data, params({}), { threads: 1 }));
  assert.deepEqual(single, { started: 0, running: 0 });
  const small = await countingWorkers(() => fitTree(data, params({}), { threads: 2 }));
  assert.deepEqual(small, { started: 0, running: 0 }, "3,000 rows started workers");
});

Deno.test("a parallel cart fit stops soon after the signal aborts mid-fit", async () => {
  // 400,000 rows take seconds to fit; the abort comes while the workers are busy.
  const rows = 400_000;
  const columns = 16;
  let state = 7;
  const next = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296;
  const codes = new Uint8Array(rows * columns);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) codes[r * columns + c] = Math.floor(next() * 200);
    labels[r] = (codes[r * columns] + codes[r * columns + 1] + next() * 100) > 250 ? 1 : 0;
  }
  const binOffsets = Int32Array.from({ length: columns + 1 }, (_, c) => c * 200);
  const data: BinnedDataset = {
    features: {
      rows,
      columns,
      codes,
      stride: columns,
      binCounts: new Int32Array(columns).fill(200),
      binOffsets,
      binLow: Float64Array.from({ length: columns * 200 }, (_, b) => b % 200),
      binHigh: Float64Array.from({ length: columns * 200 }, (_, b) => b % 200),
    },
    labels,
    classes: ["a", "b"],
  };
  const controller = new AbortController();
  const reason = new Error("Stopped while the workers count");
  let abortedAt = 0;
  const lines: string[] = [];
  const fitting = fitBinnedTree(data, params({}), {
    threads: 2,
    parallelMinRows: 1000,
    signal: controller.signal,
    log(message) {
      lines.push(message);
      if (!message.includes("threads for nodes")) return;
      setTimeout(() => {
        abortedAt = performance.now();
        controller.abort(reason);
      }, 100);
    },
  });
  await assert.rejects(fitting, (error) => error === reason);
  const waited = performance.now() - abortedAt;
  assert.ok(abortedAt > 0 && waited < 500, `the fit went on for ${Math.round(waited)} ms`);
  assert.ok(!lines.some((line) => line.startsWith("cart: grew")), "the fit finished");
});
