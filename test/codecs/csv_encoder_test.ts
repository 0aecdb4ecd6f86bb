import assert from "node:assert/strict";
import { CSV_PREDICTION_ENCODER } from "../../codecs/csv_encoder.ts";
import { encodeAll } from "../../codecs/predictions.ts";

Deno.test("CSV_PREDICTION_ENCODER writes one label a line", () => {
  const set = { classes: ["a", "b"], labels: Int32Array.of(1, 0, 1) };
  assert.equal(encodeAll(CSV_PREDICTION_ENCODER, set), "b\na\nb\n");
});

Deno.test("CSV_PREDICTION_ENCODER writes the label then one probability per class", () => {
  const set = {
    classes: ["a", "b,c"],
    labels: Int32Array.of(1, 0),
    probabilities: Float64Array.of(0.25, 0.75, 1, 0),
  };
  assert.equal(encodeAll(CSV_PREDICTION_ENCODER, set), '"b,c",0.25,0.75\na,1,0\n');
});

Deno.test("CSV_PREDICTION_ENCODER writes a quoted error marker for a marked record", () => {
  const set = {
    classes: ["a", "b"],
    labels: Int32Array.of(1, 0),
    errors: new Map([[1, 'Cannot parse line 2, field 1: "x" is not a number']]),
  };
  assert.equal(
    encodeAll(CSV_PREDICTION_ENCODER, set),
    'b\n"error: Cannot parse line 2, field 1: ""x"" is not a number"\n',
  );
});

Deno.test("CSV_PREDICTION_ENCODER finds errors by the slice's first index", () => {
  const set = {
    classes: ["a", "b"],
    labels: Int32Array.of(1, 0),
    errors: new Map([[11, "bad"]]),
    first: 10,
  };
  assert.equal(CSV_PREDICTION_ENCODER.records(set, 0, 2), 'b\n"error: bad"\n');
});
