import assert from "node:assert/strict";
import { resolveHyperparameters } from "../../sagemaker/hyperparameters.ts";
import { defaultChannelConfig } from "../../sagemaker/input_config.ts";
import { sageMakerPaths } from "../../sagemaker/paths.ts";
import { readChannelTable } from "../../training/channel_data.ts";
import { headerRow } from "../../training/first_line.ts";
import { startValidationRead } from "../../training/validation_read.ts";
import { makeBaseDir } from "../support/process.ts";

const SETUP = resolveHyperparameters({});
const CHANNEL = defaultChannelConfig("validation");

/** Runs `run` on a base dir whose validation channel holds `text` in `v.csv`. */
async function withValidation(text: string, run: (base: string) => Promise<void>): Promise<void> {
  const base = await makeBaseDir();
  try {
    await Deno.mkdir(`${base}/input/data/validation`, { recursive: true });
    await Deno.writeTextFile(`${base}/input/data/validation/v.csv`, text);
    await run(base);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

/** What `read` rejects with: its class name and message. */
async function failure(read: Promise<unknown>): Promise<string> {
  try {
    await read;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  throw new Error("the read did not fail");
}

function lines(rows: number): string[] {
  return Array.from({ length: rows }, (_, r) => `${r % 3 ? "a" : "b"},${r / 7},${r % 5}`);
}

Deno.test("startValidationRead() reads on a thread the table the main thread reads", async () => {
  await withValidation(lines(3000).join("\n") + "\n", async (base) => {
    const paths = sageMakerPaths({ SAGEMAKER_BASE_DIR: base });
    const read = startValidationRead(paths, CHANNEL, { setup: SETUP });
    const table = await read.table(2);
    read.close();
    assert.deepEqual(table, await readChannelTable(paths, CHANNEL, SETUP, { features: 2 }));
  });
});

for (
  const [name, text] of [
    ["a field that is not a number", [...lines(50), "a,1,x", ...lines(5)].join("\n")],
    ["a first record with another feature count", ["a,1,2,3", ...lines(50)].join("\n")],
    ["a record with a feature too few", [...lines(50), "a,1"].join("\n")],
  ]
) {
  Deno.test(`startValidationRead() fails on ${name} as the main thread's read does`, async () => {
    await withValidation(text, async (base) => {
      const paths = sageMakerPaths({ SAGEMAKER_BASE_DIR: base });
      const expected = await failure(readChannelTable(paths, CHANNEL, SETUP, { features: 2 }));
      assert.match(expected, /v\.csv line \d+/);
      const read = startValidationRead(paths, CHANNEL, { setup: SETUP });
      assert.equal(await failure(read.table(2)), expected);
      read.close();
    });
  });
}

Deno.test("startValidationRead() stops with the signal's reason when aborted", async () => {
  await withValidation(lines(3000).join("\n") + "\n", async (base) => {
    const controller = new AbortController();
    const paths = sageMakerPaths({ SAGEMAKER_BASE_DIR: base });
    const read = startValidationRead(paths, CHANNEL, { setup: SETUP, signal: controller.signal });
    controller.abort(new Error("stopped by the test"));
    assert.equal(await failure(read.table(2)), "Error: stopped by the test");
    read.close();
  });
});

const HEADER_SETUP = resolveHyperparameters({ header: "true" });
const BY_NAME_SETUP = resolveHyperparameters({ header: "true", label_column: "y" });
/** The training channel's header: the label `y`, then the features `a` and `b`. */
const TRAINING_HEADER = {
  row: headerRow({ text: "y,a,b", number: 1 }, "/data/training/t.csv"),
  labelColumn: 0,
};

Deno.test("startValidationRead() fails on a header naming the training features in another order", async () => {
  // The records after the header fail too: the header, on line 1, is what a read meets first.
  await withValidation(["y,b,a", ...lines(50), "a,1,x"].join("\n") + "\n", async (base) => {
    const paths = sageMakerPaths({ SAGEMAKER_BASE_DIR: base });
    const options = { features: 2, trainingHeader: TRAINING_HEADER };
    const expected = await failure(readChannelTable(paths, CHANNEL, HEADER_SETUP, options));
    assert.match(
      expected,
      /^CsvError: Cannot parse .*\/v\.csv line 1, field 2: the header has "b" where the training channel's \/data\/training\/t\.csv line 1, field 2, has "a" \(the validation channel must have the training channel's feature columns, in the same order\)$/,
    );
    const read = startValidationRead(paths, CHANNEL, { setup: HEADER_SETUP });
    assert.equal(await failure(read.table(2, { trainingHeader: TRAINING_HEADER })), expected);
    read.close();
  });
  await withValidation(["y,a,b", ...lines(50)].join("\n") + "\n", async (base) => {
    const paths = sageMakerPaths({ SAGEMAKER_BASE_DIR: base });
    const read = startValidationRead(paths, CHANNEL, { setup: HEADER_SETUP });
    const table = await read.table(2, {
      trainingHeader: { row: headerRow({ text: "y,a,b,c", number: 2 }, "t.csv"), labelColumn: 0 },
    }).catch((error: Error) => error.message);
    assert.equal(
      table,
      `Cannot parse ${base}/input/data/validation/v.csv line 1: the header has 2 feature columns ` +
        `where the training channel's t.csv line 2 has 3 (the validation channel must have the ` +
        `training channel's feature columns, in the same order)`,
    );
    read.close();
  });
});

Deno.test("startValidationRead() reads a header with the training features in order, the label placed by name", async () => {
  await withValidation(["a,b,y", "1,2,p", "3,4,q"].join("\n") + "\n", async (base) => {
    const paths = sageMakerPaths({ SAGEMAKER_BASE_DIR: base });
    const read = startValidationRead(paths, CHANNEL, { setup: BY_NAME_SETUP });
    const table = await read.table(2, { trainingHeader: TRAINING_HEADER });
    read.close();
    assert.deepEqual([...table.features.data], [1, 2, 3, 4]);
    assert.deepEqual(table.labelNames, ["p", "q"]);
  });
});
