import assert from "node:assert/strict";
import { cart } from "../algorithm/cart/mod.ts";
import { mlCart } from "../algorithm/ml_cart/mod.ts";
import { parseHyperparameters } from "../algorithm/hyperparameters.ts";
import {
  decodeModel,
  encodeModel,
  loadModel,
  MODEL_FORMAT_VERSION,
  ModelFileError,
  saveModel,
  type StoredModel,
} from "../model_store.ts";
import { freePort, makeBaseDir, runMain } from "./support/process.ts";

async function smallModel(): Promise<StoredModel> {
  const data = new Float64Array([1, 1, 2, 2, 8, 8, 9, 9]);
  const dataset = {
    features: { data, rows: 4, columns: 2 },
    labels: new Int32Array([0, 0, 1, 1]),
    classes: ["no", "yes"],
  };
  const hyperparameters = parseHyperparameters({ random_state: "0" }, cart.hyperparameters);
  const model = await cart.fit(dataset, hyperparameters);
  return {
    algorithm: cart,
    model,
    hyperparameters: { algorithm: "cart", header: false, label_column: 0, ...hyperparameters },
    training: { rows: 4, features: 2, trainAccuracy: 1 },
  };
}

Deno.test("saveModel() and loadModel() round-trip every envelope field", async () => {
  const stored = await smallModel();
  const dir = await Deno.makeTempDir();
  const path = await saveModel(`${dir}/model`, stored);
  assert.equal(path, `${dir}/model/model.json`);
  assert.deepEqual([...Deno.readDirSync(`${dir}/model`)].map((e) => e.name), ["model.json"]);
  const loaded = await loadModel(`${dir}/model`);
  assert.equal(loaded.algorithm.name, "cart");
  assert.equal(loaded.model.featureCount, 2);
  assert.deepEqual(loaded.model.classes, ["no", "yes"]);
  assert.deepEqual(loaded.hyperparameters, stored.hyperparameters);
  assert.deepEqual(loaded.training, stored.training);
  const features = { data: new Float64Array([1.5, 1.5, 8.5, 8.5]), rows: 2, columns: 2 };
  assert.deepEqual([...loaded.model.predict(features)], [...stored.model.predict(features)]);
  await Deno.remove(dir, { recursive: true });
});

/** Damages to the model file and the message each must give. */
function damages(text: string): [string, string, RegExp][] {
  const good = JSON.parse(text);
  const edit = (change: (model: Record<string, unknown>) => void) => {
    const copy = structuredClone(good);
    change(copy);
    return JSON.stringify(copy);
  };
  return [
    ["truncated", text.slice(0, text.length / 2), /^Model file m is damaged: /],
    [
      "not an object",
      "[1,2]",
      /^Model file m is not a sagemaker-deno-model file: found no JSON object$/,
    ],
    ["another format", edit((m) => (m.format = "pickle")), /found format "pickle"$/],
    [
      "a newer version",
      edit((m) => (m.formatVersion = MODEL_FORMAT_VERSION + 1)),
      new RegExp(
        `^Model file m has format version ${MODEL_FORMAT_VERSION + 1}: this program reads ` +
          `version ${MODEL_FORMAT_VERSION}; use the image that trained it$`,
      ),
    ],
    ["no version", edit((m) => delete m.formatVersion), /format version undefined: .*retrain/],
    [
      "a bad feature count",
      edit((m) => (m.featureCount = 0)),
      /featureCount is not a positive integer$/,
    ],
    ["one class", edit((m) => (m.classes = ["no"])), /classes is not a list of labels$/],
    ["repeated classes", edit((m) => (m.classes = ["no", "no"])), /classes has a repeated label$/],
    [
      "no hyperparameters",
      edit((m) => delete m.hyperparameters),
      /hyperparameters is not an object$/,
    ],
    ["no training stats", edit((m) => (m.training = 3)), /training is not an object$/],
    ["no payload", edit((m) => delete m.payload), /payload is missing$/],
    [
      "feature importances of another length",
      edit((m) => (m.featureImportances = [1])),
      /^Model file m is damaged: featureImportances is not 2 numbers from 0 to 1$/,
    ],
    [
      "a feature importance that is not a number",
      edit((m) => (m.featureImportances = [0.5, "0.5"])),
      /featureImportances is not 2 numbers from 0 to 1$/,
    ],
    [
      "an unknown algorithm",
      edit((m) => (m.algorithm = "svm")),
      /^Model file m: Unknown algorithm "svm"/,
    ],
    [
      "a damaged tree",
      edit((m) => ((m.payload as Record<string, unknown>).feature = "AAAA")),
      /^Model file m is damaged: /,
    ],
  ];
}

Deno.test("decodeModel() refuses a damaged file or an unknown version, naming the problem", async () => {
  const text = encodeModel(await smallModel());
  assert.equal((await decodeModel(text, "m")).model.featureCount, 2);
  for (const [name, damaged, message] of damages(text)) {
    await assert.rejects(
      () => decodeModel(damaged, "m"),
      (error: Error) => error instanceof ModelFileError && message.test(error.message),
      name,
    );
  }
});

Deno.test("loadModel() names a missing model file", async () => {
  await assert.rejects(
    () => loadModel("/nonexistent/model"),
    /^ModelFileError: No model at \/nonexistent\/model\/model\.json: run train first/,
  );
});

Deno.test("serve refuses an unknown version or a damaged model file and exits non-zero", async () => {
  const text = encodeModel(await smallModel());
  const cases = damages(text).filter(([name]) =>
    ["truncated", "a newer version", "a damaged tree"].includes(name)
  );
  const results = await Promise.all(cases.map(async ([, damaged]) => {
    const base = await makeBaseDir();
    await Deno.writeTextFile(`${base}/model/model.json`, damaged);
    const result = await runMain(["serve"], {
      SAGEMAKER_BASE_DIR: base,
      SAGEMAKER_BIND_TO_PORT: String(freePort()),
      MODEL_SERVER_WORKERS: "1",
    });
    await Deno.remove(base, { recursive: true });
    return { base, result };
  }));
  for (const [i, [name, , message]] of cases.entries()) {
    const { base, result } = results[i];
    assert.notEqual(result.code, 0, `${name}: serve started`);
    const source = `${base}/model/model.json`;
    const expected = new RegExp(message.source.replace("Model file m", `Model file ${source}`));
    assert.match(result.stderr, /cannot serve: /, name);
    const line = result.stderr.split("\n").find((l) => l.includes("cannot serve: "))!;
    assert.match(line.slice(line.indexOf("cannot serve: ") + 14), expected, name);
  }
});

Deno.test("serve refuses a tampered ml-cart model with exit 1, naming the damaged node", async () => {
  const data = new Float64Array([1, 1, 2, 2, 3, 3, 8, 8, 9, 9, 10, 10]);
  const dataset = {
    features: { data, rows: 6, columns: 2 },
    labels: new Int32Array([0, 0, 0, 1, 1, 1]),
    classes: ["no", "yes"],
  };
  const hyperparameters = parseHyperparameters({}, mlCart.hyperparameters);
  const file = JSON.parse(encodeModel({
    algorithm: mlCart,
    model: await mlCart.fit(dataset, hyperparameters),
    hyperparameters: { algorithm: "ml-cart", header: false, label_column: 0, ...hyperparameters },
    training: { rows: 6, features: 2 },
  }));
  file.payload.root.splitColumn = 2;
  const base = await makeBaseDir();
  try {
    await Deno.writeTextFile(`${base}/model/model.json`, JSON.stringify(file));
    const result = await runMain(["serve"], {
      SAGEMAKER_BASE_DIR: base,
      SAGEMAKER_BIND_TO_PORT: String(freePort()),
      MODEL_SERVER_WORKERS: "1",
    });
    assert.equal(result.code, 1, result.stderr);
    assert.ok(
      result.stderr.includes(
        `cannot serve: Model file ${base}/model/model.json is damaged: Damaged ml-cart model: ` +
          "node root: splitColumn 2 is out of range: the model has 2 features",
      ),
      result.stderr,
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("the model file records feature importances, and a file without them still loads", async () => {
  const stored = await smallModel();
  const file = JSON.parse(encodeModel(stored));
  // The tree splits once, on one of the two features: that feature has all the importance.
  const used = (stored.model as unknown as { tree: { feature: Int32Array } }).tree.feature[0];
  assert.deepEqual(file.featureImportances, used === 0 ? [1, 0] : [0, 1]);
  assert.deepEqual(
    (await decodeModel(JSON.stringify(file), "m")).featureImportances,
    file.featureImportances,
  );
  delete file.featureImportances;
  const older = await decodeModel(JSON.stringify(file), "m");
  assert.equal(older.featureImportances, undefined);
  assert.deepEqual(Array.from(older.model.featureImportances!()), used === 0 ? [1, 0] : [0, 1]);
});
