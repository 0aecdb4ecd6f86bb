import assert from "node:assert/strict";
import type { Matrix, Model, PathExplanation, PathStep } from "../../algorithm/mod.ts";
import { CSV_PREDICTION_ENCODER } from "../../codecs/csv_encoder.ts";
import { JSON_PREDICTION_ENCODER } from "../../codecs/json.ts";
import { encodeAll } from "../../codecs/predictions.ts";
import { readServingConfig } from "../../sagemaker/serving_config.ts";
import { AnswerLimit } from "../../serving/answer_limit.ts";
import { HttpError } from "../../serving/errors.ts";
import { handleInvocation } from "../../serving/invocations.ts";

/** Predicts class 0 with probabilities 1/3 and 2/3 for every record. */
const model: Model = {
  featureCount: 1,
  classes: ["a", "b"],
  predict: (features: Matrix) => new Int32Array(features.rows),
  predictProba: (features: Matrix) => {
    const out = new Float64Array(features.rows * 2);
    for (let i = 0; i < features.rows; i++) out.set([1 / 3, 2 / 3], i * 2);
    return out;
  },
} as unknown as Model;

function set(rows: number) {
  const features = { data: new Float64Array(rows), rows, columns: 1 };
  return {
    classes: model.classes,
    labels: model.predict(features),
    probabilities: model.predictProba(features),
  };
}

Deno.test("AnswerLimit.encodeWithin() gives the exact answer within the limit and a 413 past it", () => {
  for (const encoder of [CSV_PREDICTION_ENCODER, JSON_PREDICTION_ENCODER]) {
    const whole = encodeAll(encoder, set(100));
    const fits = new AnswerLimit(encoder, model, { limitBytes: whole.length, probabilities: true });
    const chunks = fits.encodeWithin([set(100)]);
    assert.equal(chunks.map((chunk) => new TextDecoder().decode(chunk)).join(""), whole);
    const tight = new AnswerLimit(encoder, model, {
      limitBytes: whole.length - 1,
      probabilities: true,
    });
    assert.throws(() => tight.encodeWithin([set(100)]), (error: HttpError) => {
      assert.equal(error.status, 413);
      assert.match(error.message, /limit of \d+ bytes \(MODEL_SERVER_MAX_RESPONSE_MB\)/);
      return true;
    });
  }
});

Deno.test("AnswerLimit.checkEstimate() refuses on a sampled estimate before predicting", () => {
  const limit = new AnswerLimit(CSV_PREDICTION_ENCODER, model, {
    limitBytes: 1000,
    probabilities: true,
  });
  const features = { data: new Float64Array(10), rows: 10, columns: 1 };
  limit.checkEstimate(10, features); // 10 records of "a,0.333...,0.666...\n": about 400 bytes
  assert.throws(
    () => limit.checkEstimate(100, features),
    /about \d+ bytes \(100 records of about 40 bytes in text\/csv with 2 class probabilities\)/,
  );
  assert.equal(limit.surelyFits(10, new Map()), true);
  assert.equal(limit.surelyFits(100, new Map()), false);
});

Deno.test("readServingConfig() reads MODEL_SERVER_MAX_RESPONSE_MB, else the body limit but at least 6 MiB", () => {
  const MiB = 1024 * 1024;
  assert.equal(readServingConfig({}, 2).responseLimitBytes, 6 * MiB);
  assert.equal(
    readServingConfig({ SAGEMAKER_MAX_PAYLOAD_IN_MB: "1" }, 2).responseLimitBytes,
    6 * MiB,
  );
  assert.equal(
    readServingConfig({ SAGEMAKER_MAX_PAYLOAD_IN_MB: "50" }, 2).responseLimitBytes,
    50 * MiB,
  );
  const set = readServingConfig({ MODEL_SERVER_MAX_RESPONSE_MB: "4" }, 2);
  assert.equal(set.responseLimitBytes, 4 * MiB);
  assert.equal(set.sources.responseLimitBytes, "env MODEL_SERVER_MAX_RESPONSE_MB");
  assert.throws(
    () => readServingConfig({ MODEL_SERVER_MAX_RESPONSE_MB: "0" }, 2),
    /Invalid MODEL_SERVER_MAX_RESPONSE_MB="0": expected an integer from 1 to 1024/,
  );
});

const STEP: PathStep = {
  node: 0,
  feature: 0,
  value: 1,
  threshold: 0.5,
  direction: "right",
  missing: false,
};

/** Explains a record in a few bytes, or in about 10,000 when its feature is above 0. */
function explainingModel() {
  const counter = { explained: 0 };
  const explaining: Model = {
    ...model,
    explanations: ["path"],
    explain(features: Matrix) {
      counter.explained += features.rows;
      return Array.from(features.data, (value): PathExplanation => ({
        kind: "path",
        path: value > 0 ? new Array(120).fill(STEP) : [],
        leaf: 1,
        class_counts: {},
        probabilities: {},
      }));
    },
  };
  return { explaining, counter };
}

function explainRequest(body: string): Request {
  return new Request("http://worker/invocations", {
    method: "POST",
    body,
    headers: { "content-type": "text/csv", accept: "application/jsonlines" },
  });
}

Deno.test("handleInvocation() counts an explained answer exactly and stops explaining past the limit", async () => {
  const { explaining, counter } = explainingModel();
  // 1,000 records; the sampled ones (spread every 125 records) explain small, 20 others big.
  const body = Array.from({ length: 1000 }, (_, i) => (i >= 1 && i <= 20 ? "1" : "0")).join("\n");
  const context = { model: explaining, algorithm: "stub", bodyLimitBytes: 1e6 };
  await assert.rejects(
    () =>
      handleInvocation(explainRequest(body), { ...context, responseLimitBytes: 100_000 }, {
        attributes: { explain: "path" },
      }),
    (error: HttpError) => {
      assert.equal(error.status, 413);
      assert.match(
        error.message,
        /^The answer would be more than \d+ bytes \(256 records explained in application\/jsonlines with path explanations\), more than the limit of 100000 bytes/,
      );
      return true;
    },
  );
  // The sample, then one batch of 256: not the whole body.
  assert.equal(counter.explained, 8 + 256);
  // Within the limit, the same body is answered whole, in order.
  const answer = await handleInvocation(explainRequest(body), context, {
    attributes: { explain: "path" },
  });
  const lines = (await answer.text()).trim().split("\n").map((line) => JSON.parse(line));
  assert.equal(lines.length, 1000);
  assert.deepEqual(lines[0], {
    label: "a",
    kind: "path",
    path: [],
    leaf: 1,
    class_counts: {},
    probabilities: {},
  });
  assert.equal(lines[1].path.length, 120);
});

Deno.test("handleInvocation() refuses an explained answer on the estimate before explaining it", async () => {
  const { explaining, counter } = explainingModel();
  const body = "1\n".repeat(1000);
  await assert.rejects(
    () =>
      handleInvocation(explainRequest(body), {
        model: explaining,
        algorithm: "stub",
        bodyLimitBytes: 1e6,
        responseLimitBytes: 1_000_000,
      }, { attributes: { explain: "path" } }),
    (error: HttpError) => {
      assert.equal(error.status, 413);
      assert.match(error.message, /about \d+ bytes \(1000 records of about \d{5} bytes/);
      return true;
    },
  );
  assert.equal(counter.explained, 8);
});
