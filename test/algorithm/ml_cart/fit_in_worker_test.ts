import assert from "node:assert/strict";
import { fitInWorker } from "../../../algorithm/ml_cart/fit_in_worker.ts";

const OPTIONS = { gainFunction: "gini", maxDepth: Infinity, minNumSamples: 3 };

/** `rows` records of `columns` noise features with three random labels. */
function noise(rows: number, columns: number) {
  let state = 11;
  const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
  const data = Float64Array.from({ length: rows * columns }, random);
  const labels = Int32Array.from({ length: rows }, () => Math.floor(random() * 3));
  return { options: OPTIONS, data, columns, labels };
}

Deno.test("fitInWorker() answers ml-cart's tree as JSON text", async () => {
  const json = await fitInWorker({
    options: OPTIONS,
    data: Float64Array.of(0, 1, 2, 3, 4, 5),
    columns: 1,
    labels: Int32Array.of(0, 0, 0, 1, 1, 1),
  });
  const tree = JSON.parse(json);
  assert.equal(tree.name, "DTClassifier");
  assert.equal(tree.root.splitColumn, 0);
  assert.equal(tree.root.splitValue, 2.5);
});

Deno.test("fitInWorker() rejects with the signal's reason as soon as it aborts mid-fit", async () => {
  const controller = new AbortController();
  const reason = new Error("Stopped");
  const fitting = fitInWorker(noise(3000, 20), controller.signal);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const aborted = performance.now();
  controller.abort(reason);
  await assert.rejects(fitting, (error) => error === reason);
  assert.ok(performance.now() - aborted < 100, "the rejection waited for the fit");
});

Deno.test("fitInWorker() rejects at once when the signal is already aborted", async () => {
  const controller = new AbortController();
  controller.abort(new Error("Already stopped"));
  await assert.rejects(fitInWorker(noise(10, 2), controller.signal), /^Error: Already stopped$/);
});
