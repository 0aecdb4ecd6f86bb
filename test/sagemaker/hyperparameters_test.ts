import assert from "node:assert/strict";
import { readRawHyperparameters, resolveHyperparameters } from "../../sagemaker/hyperparameters.ts";
import { DEFAULT_ALGORITHM } from "../../algorithm/mod.ts";

Deno.test("resolveHyperparameters() gives every effective value, the container's included", () => {
  const setup = resolveHyperparameters({ max_depth: "3", header: "true", label_column: "species" });
  assert.equal(setup.algorithm.name, DEFAULT_ALGORITHM);
  assert.equal(setup.header, true);
  assert.equal(setup.labelColumn, "species");
  assert.equal(setup.hyperparameters.max_depth, 3);
  assert.equal(setup.effective.max_depth, 3);
  assert.equal(setup.effective.algorithm, DEFAULT_ALGORITHM);
  assert.equal(setup.effective.label_column, "species");
  assert.ok("header" in setup.effective && !("header" in setup.hyperparameters));
});

Deno.test("resolveHyperparameters() defaults keep the sample's format", () => {
  const setup = resolveHyperparameters({});
  assert.equal(setup.header, false);
  assert.equal(setup.labelColumn, 0);
});

Deno.test("resolveHyperparameters() skips platform names", () => {
  const setup = resolveHyperparameters({
    _tuning_objective_metric: "validation:accuracy",
    sagemaker_program: "x",
  });
  assert.deepEqual(setup.ignored, ["_tuning_objective_metric", "sagemaker_program"]);
});

Deno.test("resolveHyperparameters() names a bad value and what it accepts", () => {
  assert.throws(
    () => resolveHyperparameters({ max_depthh: "3" }),
    /Unknown hyperparameter max_depthh for algorithm=cart: accepted ones are algorithm, .*header, label_column, .*max_depth/,
  );
  assert.throws(
    () => resolveHyperparameters({ header: "yes" }),
    /header="yes": expected true or false/,
  );
  assert.throws(
    () => resolveHyperparameters({ label_column: "species" }),
    /label_column="species": expected a column number counted from 0 \(-1 is the last column\), or with header=true a column name/,
  );
  assert.equal(resolveHyperparameters({ label_column: "-1" }).labelColumn, -1);
  assert.throws(() => resolveHyperparameters({ label_column: "1.5" }), /label_column="1.5"/);
  assert.throws(
    () => resolveHyperparameters({ algorithm: "svm" }),
    /algorithm="svm": expected one of cart/,
  );
});

Deno.test("readRawHyperparameters() lays SM_HPS over the file", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/hyperparameters.json`;
  await Deno.writeTextFile(path, JSON.stringify({ max_depth: "3", criterion: "gini" }));
  const raw = await readRawHyperparameters(path, { hps: '{"max_depth": 5}' });
  assert.deepEqual(raw.values, { max_depth: 5, criterion: "gini" });
  assert.deepEqual(raw.sources, { max_depth: "SM_HPS", criterion: "hyperparameters.json" });
  const none = await readRawHyperparameters(`${dir}/missing.json`);
  assert.deepEqual(none.values, {});
  await assert.rejects(
    () => readRawHyperparameters(path, { hps: "[1]" }),
    /SM_HPS must hold a JSON object/,
  );
  await Deno.writeTextFile(path, "{bad");
  await assert.rejects(
    () => readRawHyperparameters(path),
    /Config file .*hyperparameters\.json is not valid JSON/,
  );
  await Deno.remove(dir, { recursive: true });
});
