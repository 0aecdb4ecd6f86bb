import assert from "node:assert/strict";
import { BinnedRowsBuilder, findBinEdges } from "../../algorithm/binning.ts";
import { cart } from "../../algorithm/cart/mod.ts";
import { createRandom } from "../../algorithm/random.ts";
import type { Model } from "../../algorithm/mod.ts";
import { predictBinned, predictRebuiltRows } from "../../training/binned_predictions.ts";

/** Random rows with clusters, ties and NaN; the label depends on the first two features. */
function randomRows(rows: number, columns: number, seed: number) {
  const next = createRandom(seed);
  const data = new Float64Array(rows * columns);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const u = next();
      data[r * columns + c] = u < 0.03 ? NaN : c === 2 ? Math.round(u * 5) : u * 10 - 3;
    }
    const a = data[r * columns];
    labels[r] = ((a > 2 ? 1 : 0) + (data[r * columns + 1] > 4 ? 1 : 0) + (next() < 0.1 ? 1 : 0)) %
      3;
  }
  return { data, labels, rows, columns };
}

async function binnedOf(rows: ReturnType<typeof randomRows>, maxBins: number) {
  const matrix = { data: rows.data, rows: rows.rows, columns: rows.columns };
  const builder = new BinnedRowsBuilder(await findBinEdges(matrix, maxBins), 64);
  builder.append(matrix);
  return builder.finish();
}

Deno.test("predictBinned() of a cart tree walks the codes to the leaf the rebuilt rows reach", async () => {
  for (const [seed, maxBins] of [[1, 256], [2, 16], [3, 300]] as const) {
    const train = randomRows(3000, 5, seed);
    const binned = await binnedOf(train, maxBins);
    const classes = ["a", "b", "c"];
    // One tree fitted to these bins, one to other data whose thresholds fall anywhere in them.
    const models: Model[] = [
      await cart.fitBinned!(
        { features: binned, labels: Int32Array.from(train.labels), classes },
        { max_leaf_nodes: "40", random_state: "0" },
      ),
      await cart.fit(
        (() => {
          const other = randomRows(2000, 5, seed + 100);
          return {
            features: { data: other.data, rows: other.rows, columns: other.columns },
            labels: other.labels,
            classes,
          };
        })(),
        { max_depth: "8" },
      ),
    ];
    for (const model of models) {
      assert.ok(model.predictBinned !== undefined);
      const walked = predictBinned(model, binned);
      const rebuilt = predictRebuiltRows(model, binned);
      assert.deepEqual(walked, rebuilt);
      assert.ok(new Set(walked).size > 1, "a tree that predicts one class tests nothing");
    }
  }
});

Deno.test("predictBinned() rebuilds the rows for a model without its own predictBinned", async () => {
  const train = randomRows(500, 3, 9);
  const binned = await binnedOf(train, 32);
  const seen: number[] = [];
  const model: Model = {
    featureCount: 3,
    classes: ["x", "y"],
    predict(features) {
      seen.push(...features.data.subarray(0, 3));
      return new Int32Array(features.rows).fill(1);
    },
    predictProba: (features) => new Float64Array(features.rows * 2),
    describe: () => ({}),
  };
  assert.deepEqual(predictBinned(model, binned), new Int32Array(500).fill(1));
  const first = [0, 1, 2].map((c) => binned.binLow[binned.binOffsets[c] + binned.codes[c]]);
  assert.deepEqual(seen, first);
});
