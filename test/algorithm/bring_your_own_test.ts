/**
 * The guide "Bring your own algorithm in three steps" (docs/learner.md), followed by a test:
 * a nearest-centroid classifier written here implements `Algorithm` (step 1), is listed next
 * to the image's algorithms (step 2) and goes through fit, the model file and predict (step 3).
 */

import assert from "node:assert/strict";
import {
  type Algorithm,
  AlgorithmError,
  ALGORITHMS,
  findAlgorithm,
  type Matrix,
  type Model,
  type ModelHeader,
  parseHyperparameters,
} from "../../algorithm/mod.ts";
import { loadModel, ModelFileError, saveModel } from "../../model_store.ts";
import { readDataset } from "../support/datasets.ts";

/** What a nearest-centroid model saves: the mean row of each class and the distance. */
interface Centroids {
  centroids: number[][];
  metric: string;
}

/** A model that predicts the class whose centroid is nearest (probability 1 for it). */
function centroidModel(saved: Centroids, header: ModelHeader): Model & { saved: Centroids } {
  const { featureCount, classes } = header;
  function nearest(data: Float64Array, base: number): number {
    let best = 0;
    let bestDistance = Infinity;
    saved.centroids.forEach((centroid, k) => {
      let distance = 0;
      for (let c = 0; c < featureCount; c++) {
        const d = data[base + c] - centroid[c];
        distance += saved.metric === "manhattan" ? Math.abs(d) : d * d;
      }
      if (distance < bestDistance) [best, bestDistance] = [k, distance];
    });
    return best;
  }
  function predict(features: Matrix): Int32Array {
    if (features.columns !== featureCount) {
      throw new AlgorithmError(400, `Cannot predict: expected ${featureCount} features per record`);
    }
    return Int32Array.from(
      { length: features.rows },
      (_, r) => nearest(features.data, r * featureCount),
    );
  }
  return {
    featureCount,
    classes,
    saved,
    predict,
    predictProba(features: Matrix): Float64Array {
      const out = new Float64Array(features.rows * classes.length);
      predict(features).forEach((k, r) => (out[r * classes.length + k] = 1));
      return out;
    },
    describe: () => ({ algorithm: "nearest-centroid", classes: classes.length }),
  };
}

/** Step 1: an `Algorithm` (in a real image, `algorithm/nearest_centroid/mod.ts`). */
const nearestCentroid: Algorithm = {
  name: "nearest-centroid",
  hyperparameters: {
    metric: {
      kind: "choice",
      default: "euclidean",
      values: ["euclidean", "manhattan"],
      doc: "Distance from a record to a class centroid",
    },
  },
  fit(data, params) {
    const { rows, columns } = data.features;
    const sums = data.classes.map(() => new Array<number>(columns).fill(0));
    const counts = data.classes.map(() => 0);
    for (let r = 0; r < rows; r++) {
      counts[data.labels[r]]++;
      for (let c = 0; c < columns; c++) {
        sums[data.labels[r]][c] += data.features.data[r * columns + c];
      }
    }
    const centroids = sums.map((sum, k) => sum.map((total) => total / counts[k]));
    const header = { featureCount: columns, classes: data.classes };
    return Promise.resolve(centroidModel({ centroids, metric: String(params.metric) }, header));
  },
  save: (model) => (model as ReturnType<typeof centroidModel>).saved,
  load(saved, header) {
    const { centroids, metric } = saved as Centroids;
    if (!Array.isArray(centroids) || centroids.length !== header.classes.length) {
      throw new Error(
        `Damaged nearest-centroid model: expected ${header.classes.length} centroids`,
      );
    }
    return centroidModel({ centroids, metric }, header);
  },
};

/** Step 2: the list the image picks algorithms from (`ALGORITHMS` in `algorithm/mod.ts`). */
const algorithms: readonly Algorithm[] = [...ALGORITHMS, nearestCentroid];

Deno.test("a user's own algorithm trains, goes through the model file and predicts the same", async () => {
  // Step 3: what `train` and `serve` do with the algorithm named by `algorithm=...`.
  const algorithm = findAlgorithm("nearest-centroid", algorithms);
  const params = parseHyperparameters({ metric: "manhattan" }, algorithm.hyperparameters);
  const iris = readDataset("iris");
  const model = await algorithm.fit(iris, params);
  const predicted = model.predict(iris.features);
  const correct = predicted.filter((k, r) => k === iris.labels[r]).length;
  assert.ok(correct / iris.features.rows > 0.9, `training accuracy ${correct / 150}`);
  const dir = await Deno.makeTempDir();
  try {
    const hyperparameters = { algorithm: algorithm.name, ...params };
    await saveModel(dir, { algorithm, model, hyperparameters, training: { rows: 150 } });
    const stored = await loadModel(dir, { algorithms });
    assert.equal(stored.algorithm, nearestCentroid);
    assert.deepEqual(stored.hyperparameters, {
      algorithm: "nearest-centroid",
      metric: "manhattan",
    });
    assert.deepEqual(stored.model.predict(iris.features), predicted);
    assert.deepEqual(stored.model.predictProba(iris.features), model.predictProba(iris.features));
    assert.throws(
      () => stored.model.predict({ data: new Float64Array(3), rows: 1, columns: 3 }),
      (error: Error) => error instanceof AlgorithmError && error.status === 400,
    );
    // Without step 2 the image does not know the algorithm the model file names.
    await assert.rejects(
      () => loadModel(dir),
      (error: Error) =>
        error instanceof ModelFileError &&
        /^Model file .*: Unknown algorithm "nearest-centroid": accepted ones are /.test(
          error.message,
        ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a user's own algorithm gets its hyperparameters validated from its spec", () => {
  const algorithm = findAlgorithm("nearest-centroid", algorithms);
  assert.deepEqual(parseHyperparameters({}, algorithm.hyperparameters), { metric: "euclidean" });
  assert.throws(
    () => parseHyperparameters({ metric: "cosine" }, algorithm.hyperparameters),
    /^Error: Invalid hyperparameter metric: expected one of euclidean, manhattan; found "cosine"$/,
  );
  assert.throws(() => findAlgorithm("nearest-centroid"), /Unknown algorithm "nearest-centroid"/);
});
