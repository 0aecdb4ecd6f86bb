import assert from "node:assert/strict";
import { resolveHyperparameters } from "../../sagemaker/hyperparameters.ts";
import { defaultChannelConfig } from "../../sagemaker/input_config.ts";
import { sageMakerPaths } from "../../sagemaker/paths.ts";
import { readChannelTable } from "../../training/channel_data.ts";
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
