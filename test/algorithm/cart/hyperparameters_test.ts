import assert from "node:assert/strict";
import { cart } from "../../../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../../../algorithm/hyperparameters.ts";
import { CART_HYPERPARAMETERS, resolveParams } from "../../../algorithm/cart/hyperparameters.ts";

Deno.test("cart hyperparameters reject malformed values, naming what they accept", () => {
  const specs = cart.hyperparameters;
  assert.throws(() => parseHyperparameters({ max_depth: "0" }, specs), /max_depth/);
  assert.throws(
    () => parseHyperparameters({ max_features: "half" }, specs),
    /max_features: expected sqrt, log2, none, .*; found "half"$/,
  );
  assert.throws(() => parseHyperparameters({ min_samples_split: "1" }, specs), /integer >= 2/);
  assert.throws(() => parseHyperparameters({ min_samples_leaf: "1.0" }, specs), /\(0, 1\)/);
  assert.throws(() => parseHyperparameters({ class_weight: "auto" }, specs), /balanced or none/);
  assert.throws(() => parseHyperparameters({ splitter: "best" }, specs), /Unknown hyperparameter/);
  const parsed = parseHyperparameters({
    max_features: "1.0",
    max_leaf_nodes: "none",
    class_weight: "balanced",
  }, specs);
  assert.equal(parsed.max_features, null);
  assert.equal(parsed.max_leaf_nodes, null);
  assert.equal(parsed.class_weight, "balanced");
  assert.equal(parsed.min_samples_leaf, 1);
  assert.equal(parsed.criterion, "gini");
});

/** 200 rows of 9 features, 150 of class 0 and 50 of class 1. */
const SHAPE = { rows: 200, columns: 9, classCounts: Float64Array.of(150, 50) };

Deno.test("resolveParams() takes a missing hyperparameter's default from CART_HYPERPARAMETERS", () => {
  const parsed = parseHyperparameters({ random_state: "1" }, CART_HYPERPARAMETERS);
  assert.deepEqual(resolveParams({ random_state: 1 }, SHAPE), resolveParams(parsed, SHAPE));
  const resolved = resolveParams({ random_state: 1 }, SHAPE);
  assert.equal(resolved.maxBins, CART_HYPERPARAMETERS.max_bins.default);
  assert.equal(resolved.minSamplesSplit, CART_HYPERPARAMETERS.min_samples_split.default);
  assert.equal(resolved.minSamplesLeaf, CART_HYPERPARAMETERS.min_samples_leaf.default);
  assert.equal(resolved.maxFeatures, 9);
  assert.equal(resolved.maxLeafNodes, Infinity);
});

Deno.test("resolveParams() turns fractions into rows and words into features", () => {
  const resolve = (raw: Record<string, string>) =>
    resolveParams(parseHyperparameters(raw, CART_HYPERPARAMETERS), SHAPE);
  const resolved = resolve({ min_samples_leaf: "0.05", min_samples_split: "0.5" });
  assert.equal(resolved.minSamplesLeaf, 10); // ceil(0.05 * 200)
  assert.equal(resolved.minSamplesSplit, 100); // ceil(0.5 * 200)
  assert.equal(resolve({ min_samples_leaf: "30" }).minSamplesSplit, 60); // 2 * min_samples_leaf
  assert.equal(resolve({ max_features: "sqrt" }).maxFeatures, 3);
  assert.equal(resolve({ max_features: "log2" }).maxFeatures, 3);
  assert.equal(resolve({ max_features: "0.5" }).maxFeatures, 4);
  assert.throws(
    () => resolve({ max_features: "10" }),
    /^Error: Invalid hyperparameter max_features: the data has 9 features; found 10$/,
  );
  // balanced: rows / (classes * rows of the class)
  assert.deepEqual(resolve({ class_weight: "balanced" }).classWeight, Float64Array.of(2 / 3, 2));
  assert.deepEqual(resolve({}).classWeight, Float64Array.of(1, 1));
});
