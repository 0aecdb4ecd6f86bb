import assert from "node:assert/strict";
import type { Matrix, Model } from "../../algorithm/mod.ts";
import { CSV_PREDICTION_ENCODER } from "../../codecs/csv_encoder.ts";
import { JSON_PREDICTION_ENCODER } from "../../codecs/json.ts";
import { encodeAll } from "../../codecs/predictions.ts";
import { readServingConfig } from "../../sagemaker/serving_config.ts";
import { AnswerLimit } from "../../serving/answer_limit.ts";
import { HttpError } from "../../serving/errors.ts";

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
