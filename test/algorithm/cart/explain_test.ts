import assert from "node:assert/strict";
import { CartModel } from "../../../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../../../algorithm/hyperparameters.ts";
import { cart } from "../../../algorithm/cart/mod.ts";
import type { Dataset, ShapExplanation } from "../../../algorithm/types.ts";
import { createRandom } from "../../../algorithm/random.ts";

/** Random data: `rows` records of `columns` features, a few of them rounded to repeat. */
function randomData(random: () => number, rows: number, columns: number, k: number): Dataset {
  const data = new Float64Array(rows * columns);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(random() * 8) / 2;
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    // Labels depend on a few features plus noise, so that trees are deep and uneven.
    const x = data.subarray(r * columns, (r + 1) * columns);
    const score = x[0] + (columns > 2 ? x[2] * 0.5 : 0) + random() * 3;
    labels[r] = Math.min(k - 1, Math.floor(score / (7 / k)));
  }
  return {
    features: { data, rows, columns },
    labels,
    classes: Array.from({ length: k }, (_, c) => `c${c}`),
  };
}

/**
 * The path-dependent expectation E[f(x) | x_S]: follow the split when its feature is in S,
 * else both children weighted by their training cover (sum of the class counts).
 */
function expectation(model: CartModel, x: Float64Array, known: Set<number>, node = 0): number[] {
  const { tree } = model;
  const k = tree.classCount;
  if (tree.left[node] < 0) return Array.from(model.probabilities.subarray(node * k, node * k + k));
  const f = tree.feature[node];
  if (known.has(f)) {
    return expectation(
      model,
      x,
      known,
      x[f] <= tree.threshold[node] ? tree.left[node] : tree.right[node],
    );
  }
  const cover = (n: number): number => {
    if (tree.left[n] < 0) {
      let total = 0;
      for (let c = 0; c < k; c++) total += tree.value[n * k + c];
      return total;
    }
    return cover(tree.left[n]) + cover(tree.right[n]);
  };
  const l = cover(tree.left[node]);
  const r = cover(tree.right[node]);
  const left = expectation(model, x, known, tree.left[node]);
  const right = expectation(model, x, known, tree.right[node]);
  return left.map((v, c) => (l * v + r * right[c]) / (l + r));
}

/** Shapley values by brute force over every subset of the other features. */
function bruteForceShap(model: CartModel, x: Float64Array): number[][] {
  const m = model.featureCount;
  const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));
  const phi: number[][] = [];
  for (let i = 0; i < m; i++) {
    const total = new Array(model.tree.classCount).fill(0);
    for (let mask = 0; mask < 1 << m; mask++) {
      if (mask & (1 << i)) continue;
      const known = new Set<number>();
      for (let j = 0; j < m; j++) if (mask & (1 << j)) known.add(j);
      const weight = (factorial(known.size) * factorial(m - known.size - 1)) / factorial(m);
      const without = expectation(model, x, known);
      known.add(i);
      const withIt = expectation(model, x, known);
      for (let c = 0; c < total.length; c++) total[c] += weight * (withIt[c] - without[c]);
    }
    phi.push(total);
  }
  return phi;
}

Deno.test("cart shap equals brute-force Shapley values on random trees, and adds up", async () => {
  const random = createRandom(42);
  let records = 0;
  for (let trial = 0; trial < 24; trial++) {
    const columns = 1 + (trial % 8);
    const k = 2 + (trial % 3);
    const data = randomData(random, 40 + Math.floor(random() * 200), columns, k);
    const raw: Record<string, string> = trial % 2 === 0 ? {} : { max_depth: String(3 + trial % 5) };
    if (trial % 3 === 0) raw.class_weight = "balanced";
    const model =
      (await cart.fit(data, parseHyperparameters(raw, cart.hyperparameters))) as CartModel;
    // Records: training rows, fresh random ones, some with NaN, some exactly on a threshold.
    const probe = new Float64Array(30 * columns);
    for (let i = 0; i < probe.length; i++) {
      const u = random();
      probe[i] = u < 0.1
        ? NaN
        : u < 0.3
        ? model.tree.threshold[Math.floor(random() * model.tree.nodes)]
        : random() * 5;
      if (probe[i] === -2) probe[i] = 1;
    }
    const explanations = model.explain({ data: probe, rows: 30, columns }, {
      kind: "shap",
    }) as ShapExplanation[];
    const predicted = model.predictProba({ data: probe, rows: 30, columns });
    const used = new Set(Array.from(model.tree.feature).filter((f) => f >= 0));
    for (let r = 0; r < 30; r++) {
      const x = probe.subarray(r * columns, (r + 1) * columns);
      const expected = bruteForceShap(model, x);
      const e = explanations[r];
      assert.equal(e.contributions.length, columns);
      for (const [c, label] of data.classes.entries()) {
        for (let j = 0; j < columns; j++) {
          const got = e.contributions[j][label];
          assert.ok(
            Math.abs(got - expected[j][c]) <= 1e-9,
            `trial ${trial} record ${r} feature ${j} class ${label}: ${got} vs ${expected[j][c]}`,
          );
          if (!used.has(j)) assert.equal(got, 0, `feature ${j} is never split on`);
        }
        let sum = e.base_values[label];
        for (let j = 0; j < columns; j++) sum += e.contributions[j][label];
        assert.ok(Math.abs(sum - e.probabilities[label]) <= 1e-9, `additivity, trial ${trial}`);
        assert.equal(e.probabilities[label], predicted[r * k + c]);
        const base = expectation(model, x, new Set());
        assert.ok(Math.abs(e.base_values[label] - base[c]) <= 1e-12);
      }
      records++;
    }
  }
  assert.equal(records, 24 * 30);
});

/** A hand-made tree: root tests feature 1 at 2.5; its right child tests feature 0 at 0.5. */
function handTree(): CartModel {
  return new CartModel(
    {
      nodes: 5,
      classCount: 2,
      feature: Int32Array.of(1, -2, 0, -2, -2),
      threshold: Float64Array.of(2.5, -2, 0.5, -2, -2),
      left: Int32Array.of(1, -1, 3, -1, -1),
      right: Int32Array.of(2, -1, 4, -1, -1),
      value: Float64Array.of(6, 4, 5, 1, 1, 3, 1, 0, 0, 3),
    },
    { featureCount: 3, classes: ["no", "yes"], depth: 2, leaves: 3, params: { criterion: "gini" } },
  );
}

Deno.test("cart path explanation lists every test, the direction, NaN routed right, and the leaf", () => {
  const model = handTree();
  const [first, second, third] = model.explain(
    { data: Float64Array.of(0, 1, 9, 0, 7, 9, NaN, NaN, 9), rows: 3, columns: 3 },
    { kind: "path" },
  );
  assert.deepEqual(first, {
    kind: "path",
    path: [{ node: 0, feature: 1, value: 1, threshold: 2.5, direction: "left", missing: false }],
    leaf: 1,
    class_counts: { no: 5, yes: 1 },
    probabilities: { no: 5 / 6, yes: 1 / 6 },
  });
  assert.deepEqual(second, {
    kind: "path",
    path: [
      { node: 0, feature: 1, value: 7, threshold: 2.5, direction: "right", missing: false },
      { node: 2, feature: 0, value: 0, threshold: 0.5, direction: "left", missing: false },
    ],
    leaf: 3,
    class_counts: { no: 1, yes: 0 },
    probabilities: { no: 1, yes: 0 },
  });
  assert.deepEqual(
    third.kind === "path" && third.path.map((s) => [s.value, s.direction, s.missing]),
    [
      [null, "right", true],
      [null, "right", true],
    ],
  );
  assert.equal(third.kind === "path" && third.leaf, 4);
});

Deno.test("cart shap on a hand-made tree matches the values worked out by hand", () => {
  // Covers: root 10, leaf 1: 6, node 2: 4 (leaf 3: 1, leaf 4: 3). f = P(yes).
  // E[f] = 0.6 * 1/6 + 0.1 * 0 + 0.3 * 1 = 0.4. For x = (1, 7, .): f(x) = 1 (leaf 4).
  // E[f | x1] = 0.25 * 0 + 0.75 * 1 = 0.75; E[f | x0] = 0.6 * 1/6 + 0.4 * 1 = 0.5.
  // phi1 = (0.75 - 0.4 + 1 - 0.5) / 2 = 0.425; phi0 = (0.5 - 0.4 + 1 - 0.75) / 2 = 0.175.
  const [e] = handTree().explain({ data: Float64Array.of(1, 7, 0), rows: 1, columns: 3 }, {
    kind: "shap",
  }) as ShapExplanation[];
  assert.ok(Math.abs(e.base_values.yes - 0.4) < 1e-12);
  assert.ok(Math.abs(e.contributions[0].yes - 0.175) < 1e-12);
  assert.ok(Math.abs(e.contributions[1].yes - 0.425) < 1e-12);
  assert.equal(e.contributions[2].yes, 0);
  assert.ok(Math.abs(e.contributions[1].no + 0.425) < 1e-12);
  assert.deepEqual(e.probabilities, { no: 0, yes: 1 });
});

Deno.test("cart explain refuses a record with the wrong number of features or an unknown kind", () => {
  const model = handTree();
  assert.throws(
    () => model.explain({ data: new Float64Array(2), rows: 1, columns: 2 }, { kind: "path" }),
    /^AlgorithmError: Cannot explain: expected 3 features per record, found 2$/,
  );
  assert.throws(
    () =>
      model.explain({ data: new Float64Array(3), rows: 1, columns: 3 }, { kind: "lime" as "path" }),
    /^AlgorithmError: Unknown explanation "lime": cart supports path, shap$/,
  );
  assert.deepEqual(model.explanations, ["path", "shap"]);
});

Deno.test("cart feature importances match a hand-computed case", () => {
  // Gini: root (6,4) 0.48*10 = 4.8; leaf 1 (5,1): 10/36*6 = 1.6667; node 2 (1,3): 0.375*4 = 1.5;
  // feature 1: 4.8 - 1.6667 - 1.5 = 1.6333; feature 0: node 2 into pure leaves: 1.5.
  const importances = handTree().featureImportances();
  const f1 = 4.8 - 10 / 6 - 1.5;
  const expected = [1.5 / (1.5 + f1), f1 / (1.5 + f1), 0];
  for (const [j, value] of expected.entries()) assert.ok(Math.abs(importances[j] - value) < 1e-15);
  assert.equal(importances[2], 0);
  const entropy = new CartModel(handTree().tree, {
    featureCount: 3,
    classes: ["no", "yes"],
    depth: 2,
    leaves: 3,
    params: { criterion: "entropy" },
  }).featureImportances();
  const h = (
    p: number,
  ) => (p === 0 || p === 1 ? 0 : -p * Math.log2(p) - (1 - p) * Math.log2(1 - p));
  const e1 = 10 * h(0.4) - 6 * h(1 / 6) - 4 * h(0.25);
  const e0 = 4 * h(0.25);
  assert.ok(Math.abs(entropy[0] - e0 / (e0 + e1)) < 1e-15);
  assert.ok(Math.abs(entropy[1] - e1 / (e0 + e1)) < 1e-15);
  const single = new CartModel(
    {
      nodes: 1,
      classCount: 2,
      feature: Int32Array.of(-2),
      threshold: Float64Array.of(-2),
      left: Int32Array.of(-1),
      right: Int32Array.of(-1),
      value: Float64Array.of(3, 1),
    },
    { featureCount: 2, classes: ["a", "b"], depth: 0, leaves: 1, params: {} },
  );
  assert.deepEqual(Array.from(single.featureImportances()), [0, 0]);
});
