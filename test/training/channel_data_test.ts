import assert from "node:assert/strict";
import { makeBaseDir, runMain } from "../support/process.ts";

Deno.test("main.ts train fails on an infinity, naming the file, line and column", async () => {
  const base = await makeBaseDir();
  try {
    await Deno.writeTextFile(
      `${base}/input/data/training/train.csv`,
      "a,1,2\nb,3,4\n\na,5,1e999\nb,7,8\n",
    );
    const result = await runMain(["train"], { SAGEMAKER_BASE_DIR: base });
    assert.equal(result.code, 1, result.stderr);
    const failure = await Deno.readTextFile(`${base}/output/failure`);
    assert.match(
      failure.trim(),
      /^Cannot parse .*\/training\/train\.csv line 4, field 3: "1e999" is not a finite number$/,
    );
    await assert.rejects(Deno.stat(`${base}/model/model.json`));
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("main.ts train with header=true warns of a first line of numbers, naming the file and line", async () => {
  const base = await makeBaseDir();
  try {
    await Deno.writeTextFile(
      `${base}/input/config/hyperparameters.json`,
      JSON.stringify({ header: "true" }),
    );
    // Iris without its header: the first record is taken as the header row.
    await Deno.writeTextFile(
      `${base}/input/data/training/train.csv`,
      "\nsetosa,5.1,3.5,1.4,0.2\nsetosa,4.9,3.0,1.4,0.2\nvirginica,6.3,3.3,6.0,2.5\n" +
        "virginica,5.8,2.7,5.1,1.9\n",
    );
    const result = await runMain(["train"], { SAGEMAKER_BASE_DIR: base });
    assert.equal(result.code, 0, result.stderr);
    const warnings = result.stderr.split("\n").filter((line) => line.includes(" WARN "));
    assert.equal(warnings.length, 1, result.stderr);
    assert.match(
      warnings[0],
      /WARN the header row holds only numbers: if the file has no header row, its first record is skipped as one source=\S*\/training\/train\.csv line=2$/,
    );
    assert.match(result.stdout, /training: rows=3 /);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
