/**
 * Growing with node jobs run ahead (`grow.ts`): whatever jobs the workers and the main thread do
 * ahead of the commits, and wherever the leaf limit stops them, the tree is the sequential one
 * byte for byte and the rows stay with their labels.
 */

import assert from "node:assert/strict";
import { fitBinnedTree } from "../../../algorithm/cart/fit.ts";
import { cart } from "../../../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../../../algorithm/hyperparameters.ts";
import { binned, bytesOf, copyOf, noisy, rowSet } from "./support.ts";

// Each fixes random_state: without it every fit draws its own seed.
const SETTINGS: Record<string, string>[] = [
  // Depth first, to pure leaves.
  { random_state: "0" },
  { max_depth: "5", min_samples_leaf: "4", random_state: "0" },
  { class_weight: "balanced", min_samples_split: "30", random_state: "0" },
  // Best first, stopping after a few splits or after many, with jobs run ahead of the stop.
  { max_leaf_nodes: "2", random_state: "0" },
  { max_leaf_nodes: "3", random_state: "0" },
  { max_leaf_nodes: "11", random_state: "0" },
  { max_leaf_nodes: "97", min_samples_leaf: "7", random_state: "0" },
  { max_leaf_nodes: "400", criterion: "entropy", random_state: "0" },
  { max_leaf_nodes: "60", class_weight: "balanced", max_depth: "6", random_state: "0" },
  { max_leaf_nodes: "50", min_impurity_decrease: "0.0005", random_state: "0" },
  // Feature draws: the children are searched at the commit, in the sequential order.
  { max_features: "2", random_state: "5" },
  { max_leaf_nodes: "45", max_features: "3", random_state: "6" },
];

function params(raw: Record<string, string>) {
  return parseHyperparameters(raw, cart.hyperparameters);
}

Deno.test("cart grows the same bytes when node jobs run ahead of the commits on 2 and 3 threads", async () => {
  const data = await binned(noisy(6000, 6, 21), 256);
  const rows = data.features.rows;
  for (const raw of SETTINGS) {
    const single = bytesOf(await fitBinnedTree(copyOf(data), params(raw), { threads: 1 }));
    for (const threads of [2, 3]) {
      // From the row count only the root is shared pass by pass: every other node is a job.
      for (const parallelMinRows of [rows, 1500]) {
        const options = { threads, parallelMinRows };
        const parallel = bytesOf(await fitBinnedTree(copyOf(data), params(raw), options));
        assert.equal(
          parallel,
          single,
          `${JSON.stringify(raw)}, ${threads} threads from ${parallelMinRows} rows`,
        );
      }
    }
  }
});

Deno.test("a cart fit that stops at its leaf limit with jobs done ahead keeps every row with its label", async () => {
  const data = await binned(noisy(5000, 5, 22), 256);
  for (const leaves of ["2", "5", "33"]) {
    const shared = copyOf(data, true);
    const raw = { max_leaf_nodes: leaves, random_state: "0" };
    const single = bytesOf(await fitBinnedTree(copyOf(data), params(raw), { threads: 1 }));
    const parallel = await fitBinnedTree(shared, params(raw), {
      threads: 2,
      parallelMinRows: 5000,
    });
    assert.equal(bytesOf(parallel), single, `max_leaf_nodes=${leaves}`);
    assert.deepEqual(rowSet(shared), rowSet(data), `max_leaf_nodes=${leaves}`);
  }
});

Deno.test("cart grows the same bytes with node jobs on wide codes (more than 256 bins)", async () => {
  const data = await binned(noisy(3000, 4, 23), 1000);
  assert.equal(data.features.codes.BYTES_PER_ELEMENT, 2);
  const settings: Record<string, string>[] = [
    { random_state: "0" },
    { max_leaf_nodes: "40", random_state: "0" },
  ];
  for (const raw of settings) {
    const single = bytesOf(await fitBinnedTree(copyOf(data), params(raw), { threads: 1 }));
    const options = { threads: 2, parallelMinRows: 3000 };
    const parallel = bytesOf(await fitBinnedTree(copyOf(data), params(raw), options));
    assert.equal(parallel, single, JSON.stringify(raw));
  }
});

Deno.test("a tree of more than 1,024 nodes (the first capacity) has every node a child of one other", async () => {
  const data = await binned(noisy(12000, 6, 21), 256);
  const settings: Record<string, string>[] = [
    { random_state: "0" },
    { max_features: "2", random_state: "5" },
    { max_leaf_nodes: "900", random_state: "0" },
  ];
  for (const raw of settings) {
    for (const options of [{ threads: 1 }, { threads: 2, parallelMinRows: 12000 }]) {
      const { tree, leaves } = await fitBinnedTree(copyOf(data), params(raw), options);
      assert.ok(tree.nodes > 1024, `${tree.nodes} nodes`);
      const parents = new Int32Array(tree.nodes);
      let leafCount = 0;
      for (let node = 0; node < tree.nodes; node++) {
        if (tree.left[node] === -1) {
          assert.equal(tree.right[node], -1);
          leafCount++;
          continue;
        }
        // Children are numbered after their parent, the left one first.
        assert.ok(tree.left[node] > node, `node ${node}: left child ${tree.left[node]}`);
        assert.equal(tree.right[node], tree.left[node] + 1, `node ${node}`);
        parents[tree.left[node]]++;
        parents[tree.right[node]]++;
      }
      assert.equal(leafCount, leaves);
      assert.deepEqual([...parents.subarray(1)], Array(tree.nodes - 1).fill(1));
    }
  }
});
