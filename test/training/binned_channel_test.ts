import assert from "node:assert/strict";
import { cart } from "../../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../../algorithm/mod.ts";
import { createRandom } from "../../algorithm/random.ts";
import { log } from "../../log.ts";
import { resolveHyperparameters } from "../../sagemaker/hyperparameters.ts";
import { defaultChannelConfig } from "../../sagemaker/input_config.ts";
import { sageMakerPaths } from "../../sagemaker/paths.ts";
import { train } from "../../train.ts";
import { readBinnedTrainingDataset } from "../../training/binned_channel.ts";
import { predictBinned } from "../../training/binned_predictions.ts";
import { readTrainingDataset } from "../../training/channel_data.ts";
import { makeBaseDir } from "../support/process.ts";

/** A CSV of `rows` records, label first, with small integer features (few distinct values). */
function csv(rows: number): string {
  const lines: string[] = [];
  const random = createRandom(12345);
  const next = () => Math.floor(random() * 100);
  for (let r = 0; r < rows; r++) {
    const a = next(), b = next(), c = next();
    lines.push(`${a + b > 100 ? "yes" : c > 50 ? "maybe" : "no"},${a},${b},${c}`);
  }
  return lines.join("\n") + "\n";
}

async function withChannel(
  rows: number,
  run: (base: string) => Promise<void>,
): Promise<void> {
  const base = await makeBaseDir();
  try {
    await Deno.writeTextFile(`${base}/input/data/training/train.csv`, csv(rows));
    await run(base);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

for (const rows of [1_000, 150_000]) {
  Deno.test(`readBinnedTrainingDataset() fits the same tree as the float matrix (${rows} rows)`, async () => {
    await withChannel(rows, async (base) => {
      const paths = sageMakerPaths({ SAGEMAKER_BASE_DIR: base });
      const setup = resolveHyperparameters({ max_leaf_nodes: "50" });
      const channel = defaultChannelConfig("training");
      const params = parseHyperparameters(
        { max_leaf_nodes: "50", random_state: "0" },
        cart.hyperparameters,
      );
      const plain = await readTrainingDataset(paths, channel, setup);
      const binned = await readBinnedTrainingDataset(paths, channel, setup, { maxBins: 256 });
      assert.equal(binned.features.rows, rows);
      assert.deepEqual(binned.classes, plain.classes);
      const expected = await cart.fit(plain, params);
      const model = await cart.fitBinned!(binned, params);
      assert.deepEqual(cart.save(model), cart.save(expected));
      // The fit reordered the binned rows with their labels; predictions still match them.
      const predicted = predictBinned(model, binned.features);
      let right = 0;
      for (let i = 0; i < rows; i++) if (predicted[i] === binned.labels[i]) right++;
      let expectedRight = 0;
      const plainPredicted = expected.predict(plain.features);
      for (let i = 0; i < rows; i++) if (plainPredicted[i] === plain.labels[i]) expectedRight++;
      assert.equal(right, expectedRight);
    });
  });
}

Deno.test("readBinnedTrainingDataset() names the file and line of a bad record", async () => {
  const base = await makeBaseDir();
  try {
    await Deno.writeTextFile(`${base}/input/data/training/train.csv`, csv(120_000) + "no,1,x,3\n");
    const paths = sageMakerPaths({ SAGEMAKER_BASE_DIR: base });
    await assert.rejects(
      readBinnedTrainingDataset(
        paths,
        defaultChannelConfig("training"),
        resolveHyperparameters({}),
        { maxBins: 256 },
      ),
      /^CsvError: Cannot parse .*\/training\/train\.csv line 120001, field 3: "x" is not a number$/,
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("train() writes reading progress lines when the interval is lowered", async () => {
  await withChannel(20_000, async (base) => {
    const written: string[] = [];
    const stdout = Deno.stdout.writeSync;
    Deno.stdout.writeSync = (bytes: Uint8Array) => {
      written.push(new TextDecoder().decode(bytes));
      return bytes.length;
    };
    log.configure({ format: "json" });
    try {
      const result = await train(sageMakerPaths({ SAGEMAKER_BASE_DIR: base }), {
        progressIntervalMs: 0,
      });
      assert.equal(result?.rows, 20_000);
    } finally {
      Deno.stdout.writeSync = stdout;
      log.configure({ format: "text" });
    }
    const progress = written.join("").split("\n").filter((line) =>
      line.includes('"reading progress"')
    ).map((line) => JSON.parse(line));
    assert.ok(progress.length >= 1, written.join(""));
    const last = progress.at(-1);
    assert.equal(last.channel, "training");
    assert.equal(last.rows, 20_000);
    assert.equal(last.percent, 100);
    assert.equal(typeof last.mbPerSecond, "number");
  });
});
