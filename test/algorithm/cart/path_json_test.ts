import assert from "node:assert/strict";
import { cart } from "../../../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../../../algorithm/hyperparameters.ts";
import { createRandom } from "../../../algorithm/random.ts";
import type { Dataset, Matrix, Model } from "../../../algorithm/types.ts";

/** Class labels JSON writes in unusual ways: integer-like keys go first, escapes, non-ASCII. */
const ODD_CLASSES = ["b", "10", "2", 'quote"back\\slash', "été", "tab\tnew\nline"];

function randomDataset(seed: number, rows: number, columns: number, k: number): Dataset {
  const random = createRandom(seed);
  const data = new Float64Array(rows * columns);
  for (let i = 0; i < data.length; i++) {
    // Repeated values (ties at thresholds), long decimals, negatives and large magnitudes.
    const kind = i % 4;
    data[i] = kind === 0
      ? Math.round(random() * 8) / 2
      : kind === 1
      ? random() * 200 - 100
      : kind === 2
      ? Math.round(random() * 1e6) / 1e4
      : (random() - 0.5) * 1e12;
  }
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const x = data.subarray(r * columns, (r + 1) * columns);
    labels[r] = Math.floor(((x[0] + x[1] / 50 + random() * 4) % k + k) % k);
  }
  return { features: { data, rows, columns }, labels, classes: ODD_CLASSES.slice(0, k) };
}

/** Records to explain: fresh random ones, with missing, infinite, -0 and threshold values. */
function probes(model: Model, seed: number, rows: number): Matrix {
  const random = createRandom(seed);
  const columns = model.featureCount;
  const data = new Float64Array(rows * columns);
  const specials = [NaN, Infinity, -Infinity, -0, 0, 1e-7, 5e-324, 1.7976931348623157e308];
  for (let i = 0; i < data.length; i++) {
    const pick = random();
    data[i] = pick < 0.08
      ? specials[Math.floor(random() * specials.length)]
      : pick < 0.2
      ? Math.round(random() * 8) / 2
      : (random() - 0.5) * 10 ** Math.floor(random() * 8);
  }
  return { data, rows, columns };
}

/** What the server wrote before explainJson: each object through JSON.stringify. */
function stringified(model: Model, features: Matrix, kind: "path" | "shap"): string[] {
  return model.explain!(features, { kind }).map((e) => JSON.stringify(e).slice(1, -1));
}

Deno.test("explainJson() writes every path byte for byte as JSON.stringify writes explain()'s object", async () => {
  const settings = [
    { max_depth: "20", max_leaf_nodes: "200" },
    { max_depth: "4" },
    { class_weight: "balanced", min_samples_leaf: "3" },
    { criterion: "entropy", max_leaf_nodes: "40" },
  ];
  for (let seed = 1; seed <= 8; seed++) {
    const raw = { random_state: String(seed), ...settings[seed % settings.length] };
    const data = randomDataset(seed, 600, 2 + (seed % 5), 2 + (seed % 5));
    const model = await cart.fit(data, parseHyperparameters(raw, cart.hyperparameters));
    const features = probes(model, seed + 100, 400);
    const expected = stringified(model, features, "path");
    // Twice: the second pass reads the texts kept from the first.
    for (let pass = 0; pass < 2; pass++) {
      const written = model.explainJson!(features, { kind: "path" });
      assert.equal(written.length, expected.length);
      for (let r = 0; r < expected.length; r++) {
        assert.equal(written[r], expected[r], `seed ${seed}, record ${r}`);
      }
    }
  }
});

Deno.test("explainJson() writes the path of a one-leaf tree and of one record at a time", async () => {
  const data = randomDataset(3, 50, 3, 2);
  data.labels.fill(1);
  const stump = await cart.fit(data, parseHyperparameters({}, cart.hyperparameters));
  const one: Matrix = { data: Float64Array.of(1, NaN, 3), rows: 1, columns: 3 };
  assert.deepEqual(stump.explainJson!(one, { kind: "path" }), stringified(stump, one, "path"));
  assert.match(
    stump.explainJson!(one, { kind: "path" })[0],
    /^"kind":"path","path":\[\],"leaf":0,/,
  );

  const deep = randomDataset(4, 400, 4, 3);
  const model = await cart.fit(deep, parseHyperparameters({}, cart.hyperparameters));
  const features = probes(model, 5, 50);
  for (let r = 0; r < features.rows; r++) {
    const row = { data: features.data.subarray(r * 4, r * 4 + 4), rows: 1, columns: 4 };
    assert.deepEqual(model.explainJson!(row, { kind: "path" }), stringified(model, row, "path"));
  }
});

Deno.test("explainJson() writes SHAP values as JSON.stringify does, and refuses what explain() refuses", async () => {
  const data = randomDataset(6, 300, 3, 3);
  const model = await cart.fit(data, parseHyperparameters({}, cart.hyperparameters));
  const features = probes(model, 7, 20);
  assert.deepEqual(
    model.explainJson!(features, { kind: "shap" }),
    stringified(model, features, "shap"),
  );
  const narrow: Matrix = { data: new Float64Array(2), rows: 1, columns: 2 };
  assert.throws(
    () => model.explainJson!(narrow, { kind: "path" }),
    /^AlgorithmError: Cannot explain: expected 3 features per record, found 2$/,
  );
  assert.throws(
    () => model.explainJson!(features, { kind: "lime" as "path" }),
    /^AlgorithmError: Unknown explanation "lime": cart supports path, shap$/,
  );
});
