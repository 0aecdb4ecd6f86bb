import assert from "node:assert/strict";
import { gzip, type JobOutcome, metricFromLog, removeJob, runJobs } from "./job.ts";
import { readDatasetCsv } from "../support/datasets.ts";

const IRIS = readDatasetCsv("iris");
const IRIS_LINES = IRIS.split("\n").filter((line) => line.trim() !== "");
const HYPERPARAMETERS = { max_leaf_nodes: "5", random_state: "0" };

/** Iris with the label moved to the last column and a header row. */
function irisLabelLast(lines: readonly string[]): string {
  const rows = lines.map((line) => {
    const [label, ...features] = line.split(",");
    return [...features, label].join(",");
  });
  return ["sepal_length,sepal_width,petal_length,petal_width,species", ...rows].join("\r\n");
}

function assertSameTree(outcome: JobOutcome, reference: JobOutcome): void {
  assert.ok(outcome.model !== undefined, outcome.stderr);
  assert.deepEqual(outcome.model.payload, reference.model?.payload);
  assert.deepEqual(outcome.model.classes, reference.model?.classes);
}

Deno.test("train reads every input shape into the same model and reports it", async (t) => {
  const half = Math.floor(IRIS_LINES.length / 2);
  const outcomes = await runJobs([
    // 0: the sample's format, one file.
    { hyperparameters: HYPERPARAMETERS, files: { "input/data/training/iris.csv": IRIS } },
    // 1: header row, label last (by name), CRLF, split over a gzip'd and a plain file, FastFile.
    {
      hyperparameters: { ...HYPERPARAMETERS, header: "true", label_column: "species" },
      files: {
        "input/config/inputdataconfig.json": JSON.stringify({
          training: { ContentType: "text/csv; label_size=1", TrainingInputMode: "FastFile" },
        }),
        "input/data/training/part-1.csv.gz": await gzip(irisLabelLast(IRIS_LINES.slice(0, half))),
        "input/data/training/part-2.csv": irisLabelLast(IRIS_LINES.slice(half)),
      },
    },
    // 2: label column by number from the end, header announced by the content type (RFC 4180).
    {
      hyperparameters: { ...HYPERPARAMETERS, label_column: "-1" },
      files: {
        "input/config/inputdataconfig.json": JSON.stringify({
          training: { ContentType: "application/x-csv; header=present" },
        }),
        "input/data/training/iris.csv": irisLabelLast(IRIS_LINES),
      },
    },
    // 3: SM_* variables move every path and SM_HPS overrides the file.
    {
      hyperparameters: { max_leaf_nodes: "40" },
      files: { "elsewhere/train/iris.csv": IRIS },
      env: {
        SM_CHANNEL_TRAINING: "{base}/elsewhere/train",
        SM_MODEL_DIR: "{base}/sm-model",
        SM_OUTPUT_DATA_DIR: "{base}/sm-output-data",
        SM_HPS: JSON.stringify({ max_leaf_nodes: 5, random_state: 0 }),
      },
    },
    // 4: a channel named `train` (the SDK's habit) is the training channel; JSON logs.
    {
      hyperparameters: HYPERPARAMETERS,
      env: { LOG_FORMAT: "json" },
      files: { "input/data/train/iris.csv": IRIS },
      prepare: (base) => Deno.remove(`${base}/input/data/training`),
    },
  ]);
  const [reference, headered, contentTypeHeader, toolkit, trainChannel] = outcomes;

  await t.step("the sample's format trains and prints stable metric lines", () => {
    assert.equal(reference.code, 0, reference.stderr);
    assert.equal(reference.failure, undefined);
    assert.match(reference.stdout, /^training: rows=150 features=4 classes=3 algorithm=cart$/m);
    for (const name of ["train:accuracy", "train:macro_f1"]) {
      assert.match(reference.stdout, new RegExp(`^${name}=[01]\\.\\d{4};$`, "m"));
    }
    assert.match(reference.stdout, /^train:fit_seconds=\d+\.\d{3};$/m);
    assert.doesNotMatch(reference.stdout, /validation:/);
  });

  await t.step("metrics.json holds the printed metrics", () => {
    const metrics = reference.metrics?.metrics as Record<string, number>;
    for (const name of ["train:accuracy", "train:macro_f1"]) {
      assert.equal(metrics[name].toFixed(4), metricFromLog(reference.stdout, name)?.toFixed(4));
    }
    const train = reference.metrics?.train as { rows: number; per_class: Record<string, unknown> };
    assert.equal(train.rows, 150);
    assert.deepEqual(Object.keys(train.per_class), ["setosa", "versicolor", "virginica"]);
    assert.equal(reference.metrics?.validation, undefined);
  });

  await t.step("the model file records format, features, classes, hyperparameters, stats", () => {
    const model = reference.model!;
    assert.equal(model.format, "sagemaker-deno-model");
    assert.equal(model.formatVersion, 1);
    assert.equal(model.featureCount, 4);
    assert.deepEqual(model.classes, ["setosa", "versicolor", "virginica"]);
    const hyperparameters = model.hyperparameters as Record<string, unknown>;
    assert.equal(hyperparameters.max_leaf_nodes, 5);
    assert.equal(hyperparameters.algorithm, "cart");
    assert.equal(hyperparameters.header, false);
    assert.equal(hyperparameters.label_column, 0);
    assert.ok("max_depth" in hyperparameters, "defaults are stored too");
    const training = model.training as Record<string, number>;
    assert.equal(training.rows, 150);
    assert.equal(
      training.trainAccuracy.toFixed(4),
      metricFromLog(reference.stdout, "train:accuracy")?.toFixed(4),
    );
    assert.match(
      reference.stdout,
      /effective hyperparameters algorithm=cart header=false label_column=0 .*max_leaf_nodes=5/,
    );
  });

  await t.step("header, label by name, CRLF, gzip and two files give the same tree", () => {
    assert.equal(headered.code, 0, headered.stderr);
    assert.match(headered.stdout, /decompressing gzip .*part-1\.csv\.gz/);
    assertSameTree(headered, reference);
    assert.equal(
      (headered.model?.hyperparameters as Record<string, unknown>).label_column,
      "species",
    );
  });

  await t.step("header=present in the content type skips the header row", () => {
    assert.equal(contentTypeHeader.code, 0, contentTypeHeader.stderr);
    assertSameTree(contentTypeHeader, reference);
  });

  await t.step("SM_* variables move the channel, model and metrics, and SM_HPS wins", () => {
    assert.equal(toolkit.code, 0, toolkit.stderr);
    assertSameTree(toolkit, reference);
    assert.ok(toolkit.metrics !== undefined, "metrics.json not in SM_OUTPUT_DATA_DIR");
    assert.throws(() => Deno.statSync(`${toolkit.base}/model/model.json`));
    assert.match(toolkit.stdout, /hyperparameter sources max_leaf_nodes=SM_HPS/);
  });

  await t.step("a channel named train is used as the training channel", () => {
    assert.equal(trainChannel.code, 0, trainChannel.stderr);
    assertSameTree(trainChannel, reference);
  });

  await t.step("metric lines keep their shape when the log is JSON", () => {
    const lines = trainChannel.stdout.trim().split("\n");
    const metricLines = lines.filter((line) => !line.startsWith("{"));
    assert.deepEqual(metricLines.map((line) => line.replace(/=.*/, "")), [
      "training: rows",
      "train:accuracy",
      "train:macro_f1",
      "train:fit_seconds",
      "train:total_seconds",
    ]);
    for (const name of ["train:accuracy", "train:macro_f1"]) {
      const line = metricLines.find((text) => text.startsWith(`${name}=`));
      assert.ok(reference.stdout.split("\n").includes(line!), `${line} differs in text logs`);
    }
    assert.ok(lines.some((line) => line.startsWith('{"time":')), "other lines are JSON");
  });
  await Promise.all(outcomes.map(removeJob));
});

Deno.test("train scores the validation channel and prints validation metrics", async () => {
  // Validation on the training data itself must score what training scores; with every label
  // renamed to one the model never saw, it must score 0.
  const renamed = IRIS_LINES.map((line) => line.replace(/^[^,]+/, "unknown")).join("\n");
  const [same, unseen, listed] = await runJobs([
    {
      hyperparameters: HYPERPARAMETERS,
      files: { "input/data/training/a.csv": IRIS, "input/data/validation/b.csv": IRIS },
    },
    {
      hyperparameters: HYPERPARAMETERS,
      files: {
        "input/config/inputdataconfig.json": JSON.stringify({ training: {}, validation: {} }),
        "input/data/training/a.csv": IRIS,
        "input/data/validation/b.csv": renamed,
      },
    },
    // SM_CHANNELS without validation: the validation folder is not read.
    {
      hyperparameters: HYPERPARAMETERS,
      files: { "input/data/training/a.csv": IRIS, "input/data/validation/b.csv": "bad" },
      env: { SM_CHANNELS: '["training"]' },
    },
  ]);
  try {
    assert.equal(same.code, 0, same.stderr);
    const train = metricFromLog(same.stdout, "train:accuracy");
    assert.ok(train !== undefined && train > 0.5);
    assert.equal(metricFromLog(same.stdout, "validation:accuracy"), train);
    assert.equal(
      metricFromLog(same.stdout, "validation:macro_f1"),
      metricFromLog(same.stdout, "train:macro_f1"),
    );
    assert.match(same.stdout, /^validation: rows=150$/m);
    const metrics = same.metrics?.metrics as Record<string, number>;
    assert.equal(metrics["validation:accuracy"], metrics["train:accuracy"]);
    assert.equal((same.model?.training as Record<string, number>).validationRows, 150);

    assert.equal(unseen.code, 0, unseen.stderr);
    assert.equal(metricFromLog(unseen.stdout, "validation:accuracy"), 0);
    assert.match(unseen.stderr, /validation labels the training data does not have labels=unknown/);

    assert.equal(listed.code, 0, listed.stderr);
    assert.doesNotMatch(listed.stdout, /validation/);
  } finally {
    await Promise.all([same, unseen, listed].map(removeJob));
  }
});

Deno.test("train scores a validation channel whose header places the label elsewhere, label_column a name", async () => {
  const header = "species,sepal_length,sepal_width,petal_length,petal_width";
  const [outcome] = await runJobs([{
    hyperparameters: { ...HYPERPARAMETERS, header: "true", label_column: "species" },
    files: {
      "input/data/training/a.csv": [header, ...IRIS_LINES].join("\n"),
      "input/data/validation/b.csv": irisLabelLast(IRIS_LINES),
    },
  }]);
  try {
    assert.equal(outcome.code, 0, outcome.stderr);
    const train = metricFromLog(outcome.stdout, "train:accuracy");
    assert.ok(train !== undefined && train > 0.5);
    assert.equal(metricFromLog(outcome.stdout, "validation:accuracy"), train);
  } finally {
    await removeJob(outcome);
  }
});

Deno.test("train on a host other than the first exits 0 without a model", async () => {
  const [second, first] = await runJobs([
    {
      files: {
        "input/config/resourceconfig.json": JSON.stringify({
          current_host: "algo-2",
          hosts: ["algo-1", "algo-2"],
        }),
        "input/data/training/a.csv": IRIS,
      },
    },
    {
      files: { "input/data/training/a.csv": IRIS },
      env: { SM_CURRENT_HOST: "algo-1", SM_HOSTS: '["algo-2","algo-1"]' },
    },
  ]);
  try {
    assert.equal(second.code, 0, second.stderr);
    assert.match(
      second.stdout,
      /resource config currentHost=algo-2 hosts="algo-1,algo-2" trainingHost=algo-1/,
    );
    assert.match(second.stdout, /host algo-2 has nothing to do: a single tree trains on algo-1/);
    assert.equal(second.model, undefined);
    assert.equal(second.failure, undefined);
    assert.equal(first.code, 0, first.stderr);
    assert.ok(first.model !== undefined);
  } finally {
    await Promise.all([second, first].map(removeJob));
  }
});

Deno.test("train in Pipe mode streams a named pipe fed by a writer process", async () => {
  const outcomes = await runJobs([
    {
      hyperparameters: HYPERPARAMETERS,
      files: {
        "input/config/inputdataconfig.json": JSON.stringify({
          training: { ContentType: "text/csv", TrainingInputMode: "Pipe", CompressionType: "Gzip" },
        }),
        "source.csv.gz": await gzip(IRIS),
      },
      prepare: async (base) => {
        await Deno.remove(`${base}/input/data/training`);
        const made = await new Deno.Command("mkfifo", { args: [`${base}/input/data/training_0`] })
          .output();
        assert.equal(made.code, 0);
      },
      during: async (base) => {
        // Like SageMaker, write the data into the FIFO while train reads it.
        const writer = await new Deno.Command("sh", {
          args: ["-c", `cat "${base}/source.csv.gz" > "${base}/input/data/training_0"`],
        }).output();
        assert.equal(writer.code, 0);
      },
    },
    { hyperparameters: HYPERPARAMETERS, files: { "input/data/training/iris.csv": IRIS } },
    // Two headed files concatenated into the pipe, as SageMaker streams several S3 objects.
    {
      hyperparameters: { ...HYPERPARAMETERS, header: "true", label_column: "species" },
      files: {
        "input/config/inputdataconfig.json": JSON.stringify({
          training: { TrainingInputMode: "Pipe" },
        }),
        "part-1.csv": irisLabelLast(IRIS_LINES.slice(0, 70)) + "\n",
        "part-2.csv": irisLabelLast(IRIS_LINES.slice(70)) + "\n",
      },
      prepare: async (base) => {
        await Deno.remove(`${base}/input/data/training`);
        await new Deno.Command("mkfifo", { args: [`${base}/input/data/training_0`] }).output();
      },
      during: async (base) => {
        const writer = await new Deno.Command("sh", {
          args: [
            "-c",
            `cat "${base}/part-1.csv" "${base}/part-2.csv" > "${base}/input/data/training_0"`,
          ],
        }).output();
        assert.equal(writer.code, 0);
      },
    },
  ]);
  const [piped, reference, headed] = outcomes;
  try {
    assert.equal(piped.code, 0, piped.stderr);
    assert.match(piped.stdout, /reading channel channel=training mode=Pipe/);
    assertSameTree(piped, reference);
    assert.equal(headed.code, 0, headed.stderr);
    assertSameTree(headed, reference);
  } finally {
    await Promise.all(outcomes.map(removeJob));
  }
});

Deno.test("train writes the failure file into SM_OUTPUT_DIR when it is set", async () => {
  const [moved] = await runJobs([
    { hyperparameters: { max_depth: "0" }, env: { SM_OUTPUT_DIR: "{base}/sm-output" } },
  ]);
  try {
    assert.equal(moved.code, 1);
    assert.equal(moved.failure, undefined, "the failure went to base/output");
    const failure = await Deno.readTextFile(`${moved.base}/sm-output/failure`);
    assert.match(
      failure,
      /^Invalid hyperparameter max_depth: expected an integer >= 1, or none; found "0"\n$/,
    );
  } finally {
    await removeJob(moved);
  }
});

Deno.test("train writes feature importances (impurity decrease, normalised) to metrics.json and the model", async () => {
  // x0 splits the root: (6 no, 4 yes) -> (6, 1) | (0, 3); then x1 splits (6, 1) -> (5, 1) | (1, 0).
  // Weighted Gini decreases: x0: 10 * 0.48 - 7 * 12/49 = 4.8 - 12/7; x1: 12/7 - 6 * 10/36.
  const rows = [
    ..."nnnnny".split("").map((label) => `${label},0,1`),
    "n,0,7",
    "y,1,7",
    "y,1,7",
    "y,1,7",
  ];
  const [outcome] = await runJobs([{ files: { "input/data/training/a.csv": rows.join("\n") } }]);
  try {
    assert.equal(outcome.code, 0, outcome.stderr);
    const x0 = 4.8 - 12 / 7;
    const x1 = 12 / 7 - 10 / 6;
    const expected = [x0 / (x0 + x1), x1 / (x0 + x1)];
    const stored = outcome.model?.featureImportances as number[];
    for (const [j, value] of expected.entries()) assert.ok(Math.abs(stored[j] - value) < 1e-12);
    assert.deepEqual(
      outcome.metrics?.feature_importances,
      expected.map((value) => Math.round(value * 1e6) / 1e6),
    );
  } finally {
    await removeJob(outcome);
  }
});
