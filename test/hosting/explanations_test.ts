/**
 * Explanations per request (custom attribute `explain=path|shap`) against the real program:
 * `main.ts serve` with nginx in front of 2 workers, trained on iris with `max_leaf_nodes=5`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { invoke, type ServerHandle, startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetCsv, readDatasetLines } from "../support/datasets.ts";

const IRIS = readDatasetLines("iris");
const FEATURES = IRIS.map((line) => line.slice(line.indexOf(",") + 1));
const CLASSES = ["setosa", "versicolor", "virginica"];
/** The record the explanation section of docs/learner.md explains. */
const DOC_RECORD = "6.3,2.8,5.1,";

function explainHeaders(attributes: string, accept = "application/jsonlines") {
  return {
    "content-type": "text/csv",
    accept,
    "x-amzn-sagemaker-custom-attributes": attributes,
  };
}

function jsonLines(text: string): Record<string, unknown>[] {
  assert.ok(text.endsWith("\n"), text.slice(-80));
  return text.slice(0, -1).split("\n").map((line) => JSON.parse(line));
}

/** The plain labels of `csv`, for comparing with the labels of explained answers. */
async function plainLabels(url: string, csv: string): Promise<string[]> {
  const answer = await invoke(url, csv);
  assert.equal(answer.status, 200, answer.text);
  return answer.text.trim().split("\n");
}

interface Shap {
  label: string;
  probabilities: Record<string, number>;
  base_values: Record<string, number>;
  contributions: Record<string, number>[];
}

/** Checks that base values plus contributions give the probabilities, for every class. */
function assertShapAddsUp(prediction: Shap, features: number): void {
  assert.equal(prediction.contributions.length, features);
  for (const name of CLASSES) {
    const sum = prediction.contributions.reduce(
      (total, values) => total + values[name],
      prediction.base_values[name],
    );
    assert.ok(Math.abs(sum - prediction.probabilities[name]) < 1e-9, `${name}: ${sum}`);
  }
}

async function withIrisServer(
  env: Record<string, string>,
  body: (server: ServerHandle, base: string) => Promise<void>,
): Promise<void> {
  const base = await trainedBaseDir(readDatasetCsv("iris"), { max_leaf_nodes: "5" });
  const server = await startServer(base, { MODEL_SERVER_WORKERS: "2", ...env });
  try {
    await body(server, base);
  } finally {
    await server.stop();
    await Deno.remove(base, { recursive: true });
  }
}

Deno.test("serve explains predictions per request with explain=path and explain=shap", async (t) => {
  await withIrisServer({ MODEL_SERVER_MAX_RESPONSE_MB: "64" }, async (server) => {
    const url = server.url;
    const csv = FEATURES.join("\n") + "\n";
    const labels = await plainLabels(url, csv);

    await t.step(
      "explain=path in JSON Lines: the label, the path and the leaf's class counts",
      async () => {
        const answer = await invoke(url, csv, explainHeaders("explain=path"));
        assert.equal(answer.status, 200, answer.text);
        assert.equal(answer.headers.get("content-type"), "application/jsonlines");
        assert.equal(answer.headers.get("x-amzn-sagemaker-custom-attributes"), "explain=path");
        const predictions = jsonLines(answer.text);
        assert.deepEqual(predictions.map((p) => p.label), labels);
        for (const prediction of predictions) {
          assert.deepEqual(Object.keys(prediction), [
            "label",
            "kind",
            "path",
            "leaf",
            "class_counts",
            "probabilities",
          ]);
        }
        const [doc] = jsonLines(
          (await invoke(url, DOC_RECORD, explainHeaders("explain=path"))).text,
        );
        assert.equal(doc.label, "virginica");
        const path = doc.path as Record<string, unknown>[];
        assert.deepEqual(path.map(({ threshold: _, ...step }) => step), [
          { node: 0, feature: 2, value: 5.1, direction: "right", missing: false },
          { node: 2, feature: 3, value: null, direction: "right", missing: true },
        ]);
        assert.ok(Math.abs((path[0].threshold as number) - 2.45) < 1e-9);
        assert.equal(doc.leaf, 4);
        assert.deepEqual(doc.class_counts, { setosa: 0, versicolor: 1, virginica: 45 });
      },
    );

    await t.step(
      "explain=shap in JSON: probabilities, base values, one contribution per feature",
      async () => {
        const answer = await invoke(url, csv, explainHeaders("explain=shap", "application/json"));
        assert.equal(answer.status, 200, answer.text);
        const predictions = JSON.parse(answer.text).predictions as Shap[];
        assert.deepEqual(predictions.map((p) => p.label), labels);
        for (const prediction of predictions) assertShapAddsUp(prediction, 4);
        // JSON Lines requests of {"features": [...]} lines are explained alike.
        const lines = FEATURES.slice(0, 3).map((f) =>
          JSON.stringify({ features: f.split(",").map(Number) })
        );
        const jsonl = await invoke(url, lines.join("\n") + "\n", {
          "content-type": "application/jsonlines",
          accept: "application/jsonlines",
          "x-amzn-sagemaker-custom-attributes": "explain=shap",
        });
        assert.equal(jsonl.status, 200, jsonl.text);
        assert.deepEqual(jsonLines(jsonl.text), predictions.slice(0, 3));
      },
    );

    await t.step(
      "Accept: */* or none answers explanations in JSON, the CSV answer not being able to",
      async () => {
        for (
          const headers of [
            explainHeaders("explain=shap", "*/*"),
            { "content-type": "text/csv", "x-amzn-sagemaker-custom-attributes": "explain=shap" },
          ]
        ) {
          const answer = await invoke(url, DOC_RECORD, headers);
          assert.equal(answer.status, 200, answer.text);
          assert.equal(answer.headers.get("content-type"), "application/json");
          const [prediction] = JSON.parse(answer.text).predictions as Shap[];
          assert.equal(prediction.label, "virginica");
          assertShapAddsUp(prediction, 4);
        }
      },
    );

    await t.step(
      "an Accept of CSV only, asked to explain, gets a 406 naming the answers that can",
      async () => {
        const answer = await invoke(url, DOC_RECORD, explainHeaders("explain=shap", "text/csv"));
        assert.equal(answer.status, 406);
        assert.match(
          answer.text,
          /^explain=shap needs a JSON or JSON Lines answer \(Accept: application\/json or application\/jsonlines\), and Accept "text\/csv" allows neither \(request id \w+\)\n$/,
        );
      },
    );

    await t.step("an unknown or empty kind gets a 400 naming what the model supports", async () => {
      const lime = await invoke(
        url,
        DOC_RECORD,
        explainHeaders("explain=lime", "application/json"),
      );
      assert.equal(lime.status, 400);
      assert.equal(
        JSON.parse(lime.text).error,
        'Unknown explanation "lime": cart supports path, shap',
      );
      const empty = await invoke(url, DOC_RECORD, explainHeaders("explain=", "application/json"));
      assert.equal(empty.status, 400);
      assert.match(JSON.parse(empty.text).error, /^Invalid custom attribute explain="": expected/);
    });

    await t.step("errors=mark: a bad record gets its error marker and no explanation", async () => {
      const answer = await invoke(
        url,
        `${DOC_RECORD}\n5,x,1,1\n${FEATURES[0]}\n`,
        explainHeaders("explain=shap, errors=mark"),
      );
      assert.equal(answer.status, 200, answer.text);
      const [first, bad, third] = jsonLines(answer.text);
      assert.deepEqual(bad, { error: 'Cannot parse line 2, field 2: "x" is not a number' });
      assertShapAddsUp(first as unknown as Shap, 4);
      assertShapAddsUp(third as unknown as Shap, 4);
    });

    await t.step(
      "a large streamed JSON Lines body is explained slice by slice, in order",
      async () => {
        const records = 40_000; // more than two slices of 16,384, over 1 MB of body
        const lines: string[] = [];
        for (let i = 0; i < records; i++) {
          lines.push(`[${FEATURES[i % FEATURES.length]}]`);
        }
        const answer = await invoke(url, lines.join("\n") + "\n", {
          "content-type": "application/jsonlines",
          accept: "application/jsonlines",
          "x-amzn-sagemaker-custom-attributes": "explain=path",
        });
        assert.equal(answer.status, 200, answer.text.slice(0, 200));
        const predictions = jsonLines(answer.text);
        assert.equal(predictions.length, records);
        predictions.forEach((prediction, i) => {
          assert.equal(prediction.label, labels[i % labels.length], `record ${i + 1}`);
        });
      },
    );

    await t.step("an explained answer past the limit is a 413 before the work", async () => {
      // About 200,000 records: a few MB in, more than 100 MB of SHAP values out.
      const body = (FEATURES.join("\n") + "\n").repeat(1300);
      const started = Date.now();
      const answer = await invoke(url, body, explainHeaders("explain=shap"));
      assert.equal(answer.status, 413, answer.text.slice(0, 200));
      assert.match(
        JSON.parse(answer.text).error,
        /^The answer would be about \d+ bytes \(\d+ records of about \d+ bytes in application\/jsonlines with shap explanations\), more than the limit of 67108864 bytes \(MODEL_SERVER_MAX_RESPONSE_MB\): ask for fewer records or no explanations/,
      );
      // Explaining 200,000 records with SHAP takes many seconds; the estimate does not.
      assert.ok(Date.now() - started < 5_000, `answered after ${Date.now() - started} ms`);
    });
  });
});

Deno.test("serve: ml-cart explains nothing, and says so with a 400", async () => {
  const base = await trainedBaseDir(readDatasetCsv("iris"), { algorithm: "ml-cart" });
  const server = await startServer(base, { MODEL_SERVER_WORKERS: "1" });
  try {
    const answer = await invoke(server.url, DOC_RECORD, explainHeaders("explain=path"));
    assert.equal(answer.status, 400);
    assert.equal(JSON.parse(answer.text).error, "ml-cart supports no explanations");
  } finally {
    await server.stop();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("multi-model serve explains with /models/{name}/invoke as with /invocations", async () => {
  await withIrisServer({ SAGEMAKER_MULTI_MODEL: "true" }, async (server, base) => {
    await Deno.mkdir(`${base}/models/iris`, { recursive: true });
    await Deno.copyFile(`${base}/model/model.json`, `${base}/models/iris/model.json`);
    const load = await fetch(`${server.url}/models`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model_name: "iris", url: `${base}/models/iris` }),
    });
    assert.equal(load.status, 200, await load.text());
    const answer = await fetch(`${server.url}/models/iris/invoke`, {
      method: "POST",
      headers: explainHeaders("explain=path"),
      body: DOC_RECORD,
    });
    const text = await answer.text();
    assert.equal(answer.status, 200, text);
    const [prediction] = jsonLines(text);
    assert.equal(prediction.label, "virginica");
    assert.equal(prediction.leaf, 4);
    const shap = await fetch(`${server.url}/models/iris/invoke`, {
      method: "POST",
      headers: explainHeaders("explain=shap"),
      body: DOC_RECORD,
    });
    assertShapAddsUp(jsonLines(await shap.text())[0] as unknown as Shap, 4);
  });
});
