import assert from "node:assert/strict";
import { JSON_PREDICTION_ENCODER, JsonRecordError } from "../../codecs/json.ts";
import { parseJsonRecords } from "../../codecs/json_reader.ts";
import { encodeAll } from "../../codecs/predictions.ts";

function values(text: string, features = 2): number[] {
  return Array.from(parseJsonRecords(text, { features }).features.data);
}

function rejection(text: string, features = 2): JsonRecordError {
  try {
    parseJsonRecords(text, { features });
  } catch (error) {
    assert.ok(error instanceof JsonRecordError, `expected a JsonRecordError, got ${error}`);
    return error;
  }
  assert.fail(`expected ${text} to be rejected`);
}

Deno.test('parseJsonRecords() reads {"instances": [[...], ...]}', () => {
  assert.deepEqual(values('{"instances": [[1, 2], [3.5, -4e2]]}'), [1, 2, 3.5, -400]);
});

Deno.test("parseJsonRecords() reads a bare list of records", () => {
  const { features } = parseJsonRecords("[[1, 2], [3, 4], [5, 6]]", { features: 2 });
  assert.equal(features.rows, 3);
  assert.deepEqual(Array.from(features.data), [1, 2, 3, 4, 5, 6]);
});

Deno.test('parseJsonRecords() reads records written as {"features": [...]}', () => {
  assert.deepEqual(values('{"instances": [{"features": [7, 8]}, [9, 10]]}'), [7, 8, 9, 10]);
});

Deno.test("parseJsonRecords() reads null as a missing value (NaN)", () => {
  const [a, b] = values("[[null, 1]]");
  assert.ok(Number.isNaN(a));
  assert.equal(b, 1);
});

Deno.test("parseJsonRecords() names the record and field of a value that is not a number", () => {
  const error = rejection('[[1, 2], [3, "x"]]');
  assert.equal(error.record, 2);
  assert.equal(error.message, 'Cannot parse record 2, field 2: "x" is not a number');
});

Deno.test("parseJsonRecords() names the record and both counts, hinting at a left-in label", () => {
  assert.equal(
    rejection("[[1, 2], [1]]").message,
    "Cannot parse record 2: expected 2 features, found 1",
  );
  assert.match(
    rejection('[["setosa", 1, 2]]').message,
    /^Cannot parse record 1: expected 2 features, found 3 \(one more than expected: the label column may have been left in\)$/,
  );
});

Deno.test("parseJsonRecords() rejects a body that is not JSON or not a list of records", () => {
  assert.match(rejection("[[1, 2]").message, /^Cannot parse the JSON body: /);
  assert.match(rejection('{"rows": []}').message, /expected \{"instances"/);
  assert.match(rejection("[1, 2]").message, /record 1: expected a list of 2 numbers, found 1/);
});

Deno.test("parseJsonRecords() in mark mode keeps bad records as NaN and lists them", () => {
  const { features, errors } = parseJsonRecords("[[1, 2], [true, 1], [3, 4]]", {
    features: 2,
    onBadRecord: "mark",
  });
  assert.equal(features.rows, 3);
  assert.ok(Number.isNaN(features.data[2]));
  assert.deepEqual(Array.from(features.data.subarray(4)), [3, 4]);
  assert.deepEqual([...errors.keys()], [1]);
});

Deno.test('JSON_PREDICTION_ENCODER answers {"predictions": [labels]}', () => {
  const set = { classes: ["no", "yes"], labels: Int32Array.of(1, 0) };
  assert.deepEqual(JSON.parse(encodeAll(JSON_PREDICTION_ENCODER, set)), {
    predictions: ["yes", "no"],
  });
});

Deno.test("JSON_PREDICTION_ENCODER gives the label and one probability per class", () => {
  const set = {
    classes: ["no", "yes"],
    labels: Int32Array.of(1),
    probabilities: Float64Array.of(0.2, 0.8),
  };
  assert.deepEqual(JSON.parse(encodeAll(JSON_PREDICTION_ENCODER, set)), {
    predictions: [{ label: "yes", probabilities: { no: 0.2, yes: 0.8 } }],
  });
});

Deno.test("JSON_PREDICTION_ENCODER puts an error marker where a bad record was", () => {
  const set = {
    classes: ["no", "yes"],
    labels: Int32Array.of(1, 0, 0),
    errors: new Map([[1, "Cannot parse record 2"]]),
  };
  assert.deepEqual(JSON.parse(encodeAll(JSON_PREDICTION_ENCODER, set)), {
    predictions: ["yes", { error: "Cannot parse record 2" }, "no"],
  });
});

Deno.test("JSON_PREDICTION_ENCODER joins slices into one valid list", () => {
  const classes = ["no", "yes"];
  const text = JSON_PREDICTION_ENCODER.head +
    JSON_PREDICTION_ENCODER.records({ classes, labels: Int32Array.of(0, 1) }, 0, 2) +
    JSON_PREDICTION_ENCODER.records({ classes, labels: Int32Array.of(1), first: 2 }, 0, 1) +
    JSON_PREDICTION_ENCODER.tail;
  assert.deepEqual(JSON.parse(text), { predictions: ["no", "yes", "yes"] });
});

Deno.test("parseJsonRecords() refuses a number too large for a double, naming record and field", () => {
  for (const number of ["1e999", "-1e999", "9".repeat(400)]) {
    const error = rejection(`[[1, 2], [3, ${number}]]`);
    assert.equal(error.record, 2);
    assert.equal(
      error.message,
      "Cannot parse record 2, field 2: the number is too large (not finite)",
    );
  }
  const error = rejection(`{"instances": [{"features": [1e999, 1]}]}`);
  assert.equal(
    error.message,
    "Cannot parse record 1, field 1: the number is too large (not finite)",
  );
});

Deno.test("JSON_PREDICTION_ENCODER writes explanations given as objects or as the text of their fields alike", () => {
  const explanation = { kind: "path", path: [{ node: 0, value: null }], leaf: 2 };
  const fields = JSON.stringify(explanation).slice(1, -1);
  const set = (explanations: (object | string)[]) => ({
    classes: ["a", 'b"'],
    labels: Int32Array.of(1, 0, 0, 1),
    explanations,
    errors: new Map([[2, "Cannot parse record 3: expected 2 features, found 3"]]),
  });
  const expected = '{"predictions":[' +
    `{"label":"b\\"",${fields}},{"label":"a"},` +
    '{"error":"Cannot parse record 3: expected 2 features, found 3"},' +
    `{"label":"b\\"",${fields}}]}\n`;
  assert.equal(
    encodeAll(JSON_PREDICTION_ENCODER, set([explanation, {}, explanation, explanation])),
    expected,
  );
  assert.equal(encodeAll(JSON_PREDICTION_ENCODER, set([fields, "", "", fields])), expected);
});
