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
    /^Error: Invalid hyperparameter header: expected true or false; found "yes"$/,
  );
  assert.throws(
    () => resolveHyperparameters({ label_column: "species" }),
    /^Error: Invalid hyperparameter label_column: expected a column number counted from 0 \(-1 is the last column\), or with header=true a column name \(header is false\); found "species"$/,
  );
  assert.equal(resolveHyperparameters({ label_column: "-1" }).labelColumn, -1);
  assert.throws(
    () => resolveHyperparameters({ label_column: "1.5" }),
    /label_column: .*; found "1.5"$/,
  );
  assert.throws(
    () => resolveHyperparameters({ algorithm: "svm" }),
    /^Error: Invalid hyperparameter algorithm: expected one of cart, ml-cart; found "svm"$/,
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

Deno.test("resolveHyperparameters() refuses names that only Object.prototype has", () => {
  for (const name of ["constructor", "toString", "hasOwnProperty", "valueOf"]) {
    const raw: Record<string, unknown> = Object.create(null);
    raw[name] = "3";
    assert.throws(
      () => resolveHyperparameters(raw),
      new RegExp(`^Error: Unknown hyperparameter ${name} for algorithm=cart: accepted ones are`),
      name,
    );
  }
});

Deno.test("readRawHyperparameters() keeps a __proto__ name as an ordinary name", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/hyperparameters.json`;
    await Deno.writeTextFile(path, '{"__proto__": {"max_depth": "3"}, "constructor": "1"}');
    const raw = await readRawHyperparameters(path, { hps: '{"toString": 2}' });
    assert.deepEqual(Object.keys(raw.values), ["__proto__", "constructor", "toString"]);
    assert.equal(raw.values.max_depth, undefined);
    assert.throws(
      () => resolveHyperparameters(raw.values),
      /^Error: Unknown hyperparameter constructor for algorithm=cart/,
    );
    // A leading underscore marks a platform name: logged and ignored, never a prototype.
    const setup = resolveHyperparameters(
      Object.fromEntries([[
        "__proto__",
        Object.getOwnPropertyDescriptor(raw.values, "__proto__")!.value,
      ]]),
    );
    assert.deepEqual(setup.ignored, ["__proto__"]);
    assert.equal(setup.hyperparameters.max_depth, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveHyperparameters() takes strings, numbers and booleans, refusing arrays, objects and null", () => {
  assert.equal(resolveHyperparameters({ max_depth: 5 }).hyperparameters.max_depth, 5);
  assert.equal(resolveHyperparameters({ header: true }).header, true);
  for (
    const [value, shown] of [
      [[5], "an array \\[5\\]"],
      [{ depth: 5 }, 'an object \\{"depth":5\\}'],
      [null, "null"],
    ] as const
  ) {
    assert.throws(
      () => resolveHyperparameters({ max_depth: value }),
      new RegExp(
        `^Error: Invalid hyperparameter max_depth: expected a string, number or boolean; found ${shown}$`,
      ),
    );
  }
  assert.throws(
    () => resolveHyperparameters({ header: ["true"] }),
    /^Error: Invalid hyperparameter header: expected a string, number or boolean; found an array/,
  );
});

Deno.test("a huge hyperparameter value or name is cut in the message, the reason first", () => {
  const huge = "9".repeat(50) + "x".repeat(99_950);
  let message = "";
  try {
    resolveHyperparameters({ max_depth: huge });
  } catch (error) {
    message = (error as Error).message;
  }
  assert.equal(
    message,
    `Invalid hyperparameter max_depth: expected an integer >= 1, or none; found "${
      huge.slice(0, 99)
    }… (100002 characters)`,
  );
  let unknown = "";
  try {
    resolveHyperparameters({ [huge]: "1" });
  } catch (error) {
    unknown = (error as Error).message;
  }
  assert.ok(unknown.length < 1024, `${unknown.length} characters`);
  assert.match(
    unknown,
    /^Unknown hyperparameter 9{50}x{50}… \(100000 characters\) for algorithm=cart: accepted ones are algorithm, /,
  );
});
