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
