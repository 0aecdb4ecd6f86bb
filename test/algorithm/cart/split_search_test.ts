import assert from "node:assert/strict";
import { cart } from "../../../algorithm/cart/mod.ts";
import { resolveParams } from "../../../algorithm/cart/hyperparameters.ts";
import { SplitSearch } from "../../../algorithm/cart/split_search.ts";
import { createRandom } from "../../../algorithm/random.ts";
import { randomNode } from "../../../bench/split_search.ts";
import { dataset, fit, matrix, noisy, stripes, tree } from "./support.ts";

Deno.test("cart min_impurity_decrease uses scikit-learn's weighted formula", async () => {
  // 8 rows: x 0..3 are class 0, x 4..7 are class 1,0,1,1. Root gini = 1 - (5/8)^2 - (3/8)^2
  // = 0.46875; the best split (x <= 3.5) leaves left pure and right gini 0.375, so the root's
  // decrease is 0.46875 - 4/8 * 0.375 = 0.28125. The right child's best split (x <= 5.5) leaves
  // gini 0.5 on 2 rows: 4/8 * (0.375 - 2/4 * 0.5) = 0.0625.
  const data = dataset([[0], [1], [2], [3], [4], [5], [6], [7]], [0, 0, 0, 0, 1, 0, 1, 1]);
  const below = tree(await fit(data, { min_impurity_decrease: "0.28", max_depth: "1" }));
  assert.equal(below.leaves, 2);
  assert.equal(below.tree.threshold[0], 3.5);
  const above = tree(await fit(data, { min_impurity_decrease: "0.282", max_depth: "1" }));
  assert.equal(above.leaves, 1);
  assert.equal(tree(await fit(data, { min_impurity_decrease: "0.062" })).leaves, 4);
  assert.equal(tree(await fit(data, { min_impurity_decrease: "0.063" })).leaves, 2);
});

Deno.test("cart entropy uses log base 2 like scikit-learn", async () => {
  // Root entropy of 4 vs 4 is 1 bit; a perfect split decreases it by exactly 1.
  const data = stripes(8, 4);
  const fitted = (value: string) =>
    fit(data, { criterion: "entropy", min_impurity_decrease: value });
  assert.equal(tree(await fitted("0.999")).leaves, 2);
  assert.equal(tree(await fitted("1.001")).leaves, 1);
});

Deno.test("cart max_features with random_state is deterministic and draws features", async () => {
  const data = noisy(400, 8, 11);
  const save = async (raw: Record<string, string>) =>
    JSON.stringify(cart.save(await fit(data, raw)));
  for (const features of ["sqrt", "log2", "3", "0.5"]) {
    const a = await save({ max_features: features, random_state: "42" });
    const b = await save({ max_features: features, random_state: "42" });
    assert.equal(a, b, `max_features=${features}`);
  }
  const seeds = new Set<string>();
  for (let seed = 0; seed < 5; seed++) {
    seeds.add(await save({ max_features: "2", random_state: String(seed) }));
  }
  assert.ok(seeds.size > 1, "different random states grow the same tree");
  // Without a feature draw, the tree does not depend on random_state.
  assert.equal(
    await save({ random_state: "1" }),
    (await save({ random_state: "2" })).replace(
      /"random_state":2/,
      '"random_state":1',
    ),
  );
  const params = tree(await fit(data, { max_features: "sqrt" })).params;
  assert.equal(params.max_features, 2); // floor(sqrt(8))
});

Deno.test("cart class_weight=balanced changes a skewed result", async () => {
  // x=0: 90 of class 0 and 10 of class 1; x=1: 30 of class 0 and 8 of class 1. Unweighted,
  // both sides predict class 0. Balanced weights are 138 / (2 * 120) and 138 / (2 * 18), so
  // x=1 weighs 17.25 for class 0 against 30.67 for class 1.
  const rows: number[][] = [];
  const labels: number[] = [];
  const add = (x: number, label: number, count: number) => {
    for (let i = 0; i < count; i++) {
      rows.push([x]);
      labels.push(label);
    }
  };
  add(0, 0, 90);
  add(0, 1, 10);
  add(1, 0, 30);
  add(1, 1, 8);
  const data = dataset(rows, labels);
  const probe = matrix([[0], [1]]);
  assert.deepEqual(Array.from((await fit(data)).predict(probe)), [0, 0]);
  const balanced = await fit(data, { class_weight: "balanced" });
  assert.deepEqual(Array.from(balanced.predict(probe)), [0, 1]);
  const p = balanced.predictProba(probe);
  const w0 = 138 / 240;
  const w1 = 138 / 36;
  assert.ok(Math.abs(p[3] - (8 * w1) / (30 * w0 + 8 * w1)) < 1e-12);
});

Deno.test("find() with Gini and up to 4 classes gives the general loop's split, bit for bit", () => {
  const random = createRandom(20261201);
  for (let trial = 0; trial < 400; trial++) {
    const classes = 1 + (trial % 4);
    const columns = 1 + Math.floor(random() * 6);
    const binCounts = Int32Array.from({ length: columns }, () => 1 + Math.floor(random() * 64));
    const shape = { classes, binCounts };
    const node = randomNode(createRandom(trial), { ...shape, padded: classes, maxRows: 3000 });
    // The same node with a fifth, empty class: more than 4 classes take the general loop.
    const wide = randomNode(createRandom(trial), { ...shape, padded: 5, maxRows: 3000 });
    const weights = Array.from({ length: classes }, () => 0.25 + random() * 3);
    const params = resolveParams({ min_samples_leaf: String(1 + (trial % 7)) }, {
      rows: 10_000,
      columns,
      classCounts: node.counts,
    });
    const fewWeights = Float64Array.from(weights);
    const wideWeights = Float64Array.from([...weights, ...Array(5 - classes).fill(1)]);
    const found = (
      histogram: Int32Array,
      counts: Float64Array,
      classWeight: Float64Array,
    ) => {
      const search = new SplitSearch(
        { binCounts, binOffsets: node.binOffsets, columns },
        { ...params, classWeight },
        { totalWeight: 12_345.5 },
      );
      const target = { splitFeature: -1, splitBin: -1, improvement: 0 };
      return { split: search.find(histogram, counts, target), ...target };
    };
    const few = found(node.histogram, node.counts, fewWeights);
    const general = found(wide.histogram, wide.counts, wideWeights);
    assert.deepEqual(few, general, `trial ${trial}, ${classes} classes`);
    assert.ok(Object.is(few.improvement, general.improvement), `trial ${trial}`);
  }
});
