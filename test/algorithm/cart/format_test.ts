import assert from "node:assert/strict";
import { cart } from "../../../algorithm/cart/mod.ts";
import { readDataset } from "../../support/datasets.ts";
import { fit, tree } from "./support.ts";

Deno.test("cart save/load round trip gives identical predictions and probabilities", async () => {
  const data = readDataset("breast_cancer");
  const model = await fit(data, { max_depth: "6", class_weight: "balanced" });
  const saved = JSON.parse(JSON.stringify(cart.save(model)));
  const header = { featureCount: data.features.columns, classes: data.classes };
  const loaded = await cart.load(saved, header);
  assert.deepEqual(loaded.predict(data.features), model.predict(data.features));
  assert.deepEqual(loaded.predictProba(data.features), model.predictProba(data.features));
  assert.deepEqual(loaded.describe(), model.describe());
  assert.equal(tree(loaded).params.class_weight, "balanced");
});

Deno.test("cart load refuses a damaged payload with a clear message", async () => {
  const data = readDataset("iris");
  const model = await fit(data);
  const header = { featureCount: 4, classes: data.classes };
  const good = cart.save(model) as Record<string, unknown>;
  function damaged(change: Record<string, unknown>): unknown {
    return { ...good, ...change };
  }
  function encode(values: number[], type: "int32" | "float64"): string {
    const array = type === "int32" ? Int32Array.from(values) : Float64Array.from(values);
    return new Uint8Array(array.buffer).toBase64();
  }
  const nodes = good.nodes as number;
  const left = Array.from(new Int32Array(Uint8Array.fromBase64(good.left as string).buffer));
  const feature = Array.from(new Int32Array(Uint8Array.fromBase64(good.feature as string).buffer));
  assert.doesNotThrow(() => cart.load(good, header));
  const cases: [unknown, RegExp][] = [
    [null, /expected an object/],
    [damaged({ format: "xgboost" }), /format "xgboost"/],
    [damaged({ nodes: 0 }), /node count 0/],
    [damaged({ left: (good.left as string).slice(0, -8) }), /left holds \d+ bytes, expected/],
    [damaged({ value: "not base64!" }), /value is not valid base64/],
    [damaged({ left: encode(left.map((l) => (l === -1 ? -1 : 0)), "int32") }), /children/],
    [damaged({ left: encode(left.map((l) => (l === -1 ? -1 : nodes)), "int32") }), /children/],
    [damaged({ feature: encode(feature.map((f) => (f >= 0 ? 4 : f)), "int32") }), /feature 4/],
    [damaged({ leaves: (good.leaves as number) + 1 }), /leaves/],
    [damaged({ classCount: 2 }), /2 classes/],
    [
      damaged({ value: encode(new Array(nodes * 3).fill(-1), "float64") }),
      /class count -1/,
    ],
  ];
  for (const [payload, message] of cases) {
    assert.throws(() => cart.load(payload, header), message);
  }
  assert.throws(() => cart.load(good, { featureCount: 5, classes: data.classes }), /5/);
});
