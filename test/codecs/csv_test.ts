import assert from "node:assert/strict";
import {
  CSV_PREDICTION_ENCODER,
  CsvError,
  CsvTableReader,
  parseCsvTable,
} from "../../codecs/csv.ts";
import { encodeAll } from "../../codecs/predictions.ts";

const encoder = new TextEncoder();

function rows(text: string, features = 3): number[][] {
  const { features: table } = parseCsvTable(encoder.encode(text), { features });
  const out: number[][] = [];
  for (let r = 0; r < table.rows; r++) {
    out.push(Array.from(table.data.subarray(r * table.columns, (r + 1) * table.columns)));
  }
  return out;
}

function parseError(text: string, features = 3): CsvError {
  try {
    parseCsvTable(encoder.encode(text), { features });
  } catch (error) {
    assert.ok(error instanceof CsvError, `expected a CsvError, got ${error}`);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(text)} to be rejected`);
}

Deno.test("parseCsvTable() reads CRLF line ends like LF", () => {
  assert.deepEqual(rows("1,2,3\r\n4,5,6\r\n"), [[1, 2, 3], [4, 5, 6]]);
});

Deno.test("parseCsvTable() makes the trailing newline optional", () => {
  assert.deepEqual(rows("1,2,3\n4,5,6"), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(rows("1,2,3\n4,5,6\n"), [[1, 2, 3], [4, 5, 6]]);
});

Deno.test("parseCsvTable() skips blank lines, which are not records", () => {
  assert.deepEqual(rows("\n1,2,3\n\n  \n4,5,6\n\n"), [[1, 2, 3], [4, 5, 6]]);
});

Deno.test("parseCsvTable() ignores spaces and tabs around fields", () => {
  assert.deepEqual(rows(" 1 ,\t2\t,  3  \n"), [[1, 2, 3]]);
});

Deno.test("parseCsvTable() unwraps double-quoted fields", () => {
  assert.deepEqual(rows('"1","2.5", " 3 "\n'), [[1, 2.5, 3]]);
});

Deno.test("parseCsvTable() reads scientific notation and signs", () => {
  assert.deepEqual(rows("1e3,-2.5E-2,+7\n"), [[1000, -0.025, 7]]);
  assert.deepEqual(rows("1.7976931348623157e308,5e-324,.5\n"), [[
    1.7976931348623157e308,
    5e-324,
    0.5,
  ]]);
});

Deno.test("parseCsvTable() reads nan, NaN and an empty field as NaN", () => {
  const [row] = rows("nan,,NaN\n");
  assert.ok(row.every(Number.isNaN), `expected NaN, got ${row}`);
});

Deno.test("parseCsvTable() names the line and field of a value that is not a number", () => {
  const error = parseError("1,2,3\n\n4,abc,6\n");
  assert.equal(error.line, 3);
  assert.equal(error.message, 'Cannot parse line 3, field 2: "abc" is not a number');
});

Deno.test("parseCsvTable() names the line and both counts for too few features", () => {
  const error = parseError("1,2,3\n1,2\n");
  assert.equal(error.message, "Cannot parse line 2: expected 3 features, found 2");
});

Deno.test("parseCsvTable() hints at a left-in label column for one feature too many", () => {
  const error = parseError("setosa,1,2,3\n");
  assert.match(error.message, /^Cannot parse line 1/);
  assert.match(error.message, /expected 3 features, found 4/);
  assert.match(error.message, /the label column may have been left in/);
  assert.doesNotMatch(parseError("1,2,3,4,5\n").message, /label column/);
});

Deno.test("CsvTableReader.drain() hands out slices and keeps line numbers across them", () => {
  const reader = new CsvTableReader({ features: 2 });
  reader.push(encoder.encode("1,2\n3,"));
  assert.equal(reader.rows, 1);
  assert.deepEqual(Array.from(reader.drain().data), [1, 2]);
  assert.equal(reader.rows, 0);
  reader.push(encoder.encode("4\n5,6\n"));
  assert.deepEqual(Array.from(reader.drain().data), [3, 4, 5, 6]);
  assert.throws(
    () => reader.push(encoder.encode("x,1\n")),
    /Cannot parse line 4, field 1: "x" is not a number/,
  );
});

Deno.test("CsvTableReader in mark mode keeps a NaN row and indexes errors over the whole input", () => {
  const reader = new CsvTableReader({ features: 2, onBadRecord: "mark" });
  reader.push(encoder.encode("1,2\n3,4\n"));
  reader.drain();
  reader.push(encoder.encode("x,1\n5,6\n1,2,3\n"));
  const { features, errors } = reader.finish();
  assert.equal(features.rows, 3);
  assert.ok(Number.isNaN(features.data[0]));
  assert.deepEqual(Array.from(features.data.subarray(2, 4)), [5, 6]);
  assert.deepEqual([...errors.keys()], [2, 4]);
  assert.match(errors.get(2)!, /line 3, field 1/);
  assert.match(errors.get(4)!, /line 5: expected 2 features, found 3/);
});

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
