import assert from "node:assert/strict";
import { JsonRecordError } from "../../codecs/json.ts";
import { JSONLINES_PREDICTION_ENCODER, JsonLinesReader } from "../../codecs/jsonlines.ts";
import { encodeAll } from "../../codecs/predictions.ts";

const encoder = new TextEncoder();

function read(chunks: string[], features = 2): number[] {
  const reader = new JsonLinesReader({ features });
  for (const chunk of chunks) reader.push(encoder.encode(chunk));
  return Array.from(reader.finish().data);
}

Deno.test("JsonLinesReader reads one list of numbers a line", () => {
  assert.deepEqual(read(["[1, 2]\n[3, 4]\n"]), [1, 2, 3, 4]);
});

Deno.test('JsonLinesReader reads {"features": [...]} lines', () => {
  assert.deepEqual(read(['{"features": [5, 6]}\n{"features": [7, 8]}']), [5, 6, 7, 8]);
});

Deno.test("JsonLinesReader joins a line split across chunks", () => {
  assert.deepEqual(read(["[1, ", "2]\n[3", ", 4]"]), [1, 2, 3, 4]);
});

Deno.test("JsonLinesReader accepts CRLF and skips blank lines", () => {
  assert.deepEqual(read(["\r\n[1, 2]\r\n\r\n  \n[3, 4]\r\n"]), [1, 2, 3, 4]);
});

Deno.test("JsonLinesReader names the line of a record it cannot read", () => {
  const reader = new JsonLinesReader({ features: 2 });
  assert.throws(
    () => reader.push(encoder.encode("[1, 2]\n\n[1, 2, 3]\n")),
    (error: unknown) =>
      error instanceof JsonRecordError && error.record === 3 &&
      /^Cannot parse line 3: expected 2 features, found 3 \(one more/.test(error.message),
  );
  assert.throws(
    () => new JsonLinesReader({ features: 2 }).push(encoder.encode("[1, 2\n")),
    /^JsonRecordError: Cannot parse line 1: /,
  );
});

Deno.test("JsonLinesReader hints at a line wrapped in one list too many", () => {
  assert.throws(
    () => new JsonLinesReader({ features: 2 }).push(encoder.encode("[1, 2]\n[[3, 4]]\n")),
    (error: unknown) =>
      error instanceof JsonRecordError && error.message ===
        "Cannot parse line 2: expected 2 features, found 1 (its only field is a list: the " +
          "record may be wrapped in one list too many)",
  );
});

Deno.test("JsonLinesReader names the column of a syntax error in the line, not JSON.parse's line 1", () => {
  const reader = new JsonLinesReader({ features: 2, onBadRecord: "mark" });
  reader.push(encoder.encode("[1, 2]\n[1, 2 3]\n  [1, 2 3]\n[1, 2] x\n[1, 2\n"));
  reader.finish();
  assert.deepEqual([...reader.errors.values()], [
    "Cannot parse line 2: Expected ',' or ']' after array element at column 7",
    "Cannot parse line 3: Expected ',' or ']' after array element at column 9",
    "Cannot parse line 4: Unexpected non-whitespace character after JSON at column 8",
    "Cannot parse line 5: Expected ',' or ']' after array element at column 6",
  ]);
});

Deno.test("JsonLinesReader in mark mode keeps every line and lists the bad ones", () => {
  const reader = new JsonLinesReader({ features: 2, onBadRecord: "mark" });
  reader.push(encoder.encode('[1, 2]\nnot json\n[3, "x"]\n[4, 5]\n'));
  const table = reader.finish();
  assert.equal(table.rows, 4);
  assert.deepEqual([...reader.errors.keys()], [1, 2]);
  assert.match(reader.errors.get(2)!, /line 3, field 2: "x" is not a number/);
});

Deno.test("JSONLINES_PREDICTION_ENCODER writes one JSON value a line", () => {
  const set = {
    classes: ["no", "yes"],
    labels: Int32Array.of(1, 0, 0),
    errors: new Map([[2, "bad"]]),
  };
  assert.equal(
    encodeAll(JSONLINES_PREDICTION_ENCODER, set),
    '"yes"\n"no"\n{"error":"bad"}\n',
  );
  const verbose = {
    classes: ["no", "yes"],
    labels: Int32Array.of(0),
    probabilities: Float64Array.of(0.75, 0.25),
  };
  assert.deepEqual(JSON.parse(encodeAll(JSONLINES_PREDICTION_ENCODER, verbose)), {
    label: "no",
    probabilities: { no: 0.75, yes: 0.25 },
  });
});

Deno.test("JsonLinesReader refuses a number too large for a double, naming line and field", () => {
  const reader = new JsonLinesReader({ features: 2 });
  assert.throws(
    () => reader.push(encoder.encode('[1, 2]\n\n{"features": [3, -1e999]}\n')),
    (error: unknown) =>
      error instanceof JsonRecordError && error.record === 3 &&
      error.message === "Cannot parse line 3, field 2: the number is too large (not finite)",
  );
});

Deno.test("JsonLinesReader reads a line that arrives one byte at a time, in a reused buffer", () => {
  const reader = new JsonLinesReader({ features: 3 });
  const bytes = new TextEncoder().encode('[1, 2, 3]\n{"features": [4.5, 5, 6]}\n[7,8,9]');
  const reused = new Uint8Array(1);
  for (const byte of bytes) {
    reused[0] = byte;
    reader.push(reused);
  }
  const table = reader.finish();
  assert.equal(table.rows, 3);
  assert.deepEqual([...table.data], [1, 2, 3, 4.5, 5, 6, 7, 8, 9]);
});

Deno.test("JsonLinesReader refuses a line longer than 16 MiB, naming it, before it ends", () => {
  const reader = new JsonLinesReader({ features: 2 });
  reader.push(new TextEncoder().encode("[1, 2]\n"));
  const chunk = new Uint8Array(1024 * 1024).fill(0x20);
  assert.throws(
    () => {
      for (let i = 0; i < 17; i++) reader.push(chunk);
    },
    (error: unknown) =>
      error instanceof JsonRecordError &&
      error.message === "Cannot parse line 2: the line is longer than 16777216 bytes",
  );
});

Deno.test("JsonLinesReader reads records of 100,000 features", () => {
  const reader = new JsonLinesReader({ features: 100_000 });
  const record = JSON.stringify(new Array(100_000).fill(0.5)) + "\n";
  reader.push(new TextEncoder().encode(record + record));
  const table = reader.finish();
  assert.equal(table.rows, 2);
  assert.equal(table.data.length, 200_000);
  assert.ok(table.data.every((value) => value === 0.5));
});

Deno.test("JSONLINES_PREDICTION_ENCODER writes explanations given as objects or as the text of their fields alike", () => {
  const explanation = { kind: "shap", probabilities: { "1": 0.25, a: 0.75 } };
  const fields = JSON.stringify(explanation).slice(1, -1);
  const set = (explanations: (object | string)[], first: number) => ({
    classes: ["a", "1"],
    labels: Int32Array.of(0, 1, 0),
    explanations,
    errors: new Map([[4, 'Cannot parse line 5: "x" is not a number']]),
    first,
  });
  const expected = `{"label":"a",${fields}}\n{"label":"1"}\n` +
    '{"error":"Cannot parse line 5: \\"x\\" is not a number"}\n';
  assert.equal(
    JSONLINES_PREDICTION_ENCODER.records(set([explanation, {}, explanation], 2), 0, 3),
    expected,
  );
  assert.equal(JSONLINES_PREDICTION_ENCODER.records(set([fields, "", fields], 2), 0, 3), expected);
});
