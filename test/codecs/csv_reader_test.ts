import assert from "node:assert/strict";
import { CsvError, CsvTableReader } from "../../codecs/csv_reader.ts";
import { parseCsvTable } from "../support/csv.ts";

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

Deno.test("CsvTableReader reads the same table whatever the chunk boundaries", () => {
  const text = '1,2.5,-3\r\n\n4.25,+5,.5\n  6 ,"7",8e1\n-0.125,1234567890.12345,1.\n9,10,11';
  const bytes = encoder.encode(text);
  const whole = parseCsvTable(bytes, { features: 3 }).features;
  for (let size = 1; size <= bytes.length; size++) {
    const reader = new CsvTableReader({ features: 3 });
    for (let start = 0; start < bytes.length; start += size) {
      reader.push(bytes.subarray(start, start + size));
    }
    const table = reader.finish().features;
    assert.equal(table.rows, 5, `chunks of ${size} bytes`);
    assert.deepEqual(Array.from(table.data), Array.from(whole.data), `chunks of ${size} bytes`);
  }
  assert.deepEqual(Array.from(whole.data), [
    1,
    2.5,
    -3,
    4.25,
    5,
    0.5,
    6,
    7,
    80,
    -0.125,
    1234567890.12345,
    1,
    9,
    10,
    11,
  ]);
});

Deno.test("parseCsvTable() reads plain numbers exactly as Number() does", () => {
  const values = ["0.1", "-0.3", "123.456", "999999999999999", "0.000000000000001", "7.77"];
  const long = ["1234567890.1234567", "0.12345678901234567"];
  const table = parseCsvTable(encoder.encode(`${values.join(",")}\n${long.join(",")},1,2,3,4\n`), {
    features: 6,
  }).features;
  assert.deepEqual(Array.from(table.data), [...values, ...long, "1", "2", "3", "4"].map(Number));
});

Deno.test("parseCsvTable() names the line of a wrong count after plain records", () => {
  assert.match(parseError("1,2,3\n4,5,6\n7,8\n").message, /line 3: expected 3 features, found 2/);
  assert.match(parseError("1,2,3\n4,5,6,7\n").message, /line 2: expected 3 features, found 4/);
  assert.match(parseError("1,2,3\n\n4,,x\n").message, /line 3, field 3: "x" is not a number/);
});

Deno.test("CsvTableReader reads labels on the plain path and skips a numeric repeated header", () => {
  const reader = new CsvTableReader({
    labelColumn: 1,
    header: true,
    skipRepeatedHeaders: true,
  });
  reader.push(encoder.encode("1,2,3\n0.5,a,1.5\r\n1,2,3\n2,b,4\n"));
  const { features, labels } = reader.finish();
  assert.deepEqual(Array.from(features.data), [0.5, 1.5, 2, 4]);
  assert.deepEqual(labels, ["a", "b"]);
});

Deno.test("CsvTableReader with labelIds keeps labels as first-seen indices, not strings", () => {
  const reader = new CsvTableReader({ labelColumn: 1, labelIds: true }, 4);
  // More records than the initial id buffer holds, to exercise its growth.
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(`${i},${["b", "a", "c"][i % 3]},${i * 2}`);
  reader.push(new TextEncoder().encode(lines.join("\n")));
  const table = reader.finish();
  assert.deepEqual(table.labels, []);
  assert.deepEqual(table.labelNames, ["b", "a", "c"]);
  assert.equal(table.labelIds?.length, 3000);
  assert.deepEqual([...table.labelIds!.subarray(0, 4)], [0, 1, 2, 0]);
  assert.equal(table.features.columns, 2);
  assert.deepEqual([...table.features.data.subarray(2998 * 2)], [2998, 5996, 2999, 5998]);
});

Deno.test("CsvTableReader without labelIds still returns one string per record", () => {
  const reader = new CsvTableReader({ labelColumn: 0 });
  reader.push(new TextEncoder().encode("x,1\ny,2\n"));
  const table = reader.finish();
  assert.deepEqual(table.labels, ["x", "y"]);
  assert.equal(table.labelIds, undefined);
});

Deno.test("CsvTableReader with skipRepeatedHeaders skips the header where it repeats", () => {
  const reader = new CsvTableReader({ labelColumn: 0, header: true, skipRepeatedHeaders: true });
  const text = "y,a,b\r\nx,1,2\ny,a,b\nz,3,4\ny,a,bb\n";
  assert.throws(
    () => reader.push(new TextEncoder().encode(text)),
    /line 5, field 2: "a" is not a number/,
  );
  const plain = new CsvTableReader({ labelColumn: 0, header: true });
  assert.throws(
    () => plain.push(new TextEncoder().encode("y,a,b\nx,1,2\ny,a,b\n")),
    /line 3, field 2: "a" is not a number/,
  );
});

Deno.test("CsvTableReader with skipRepeatedHeaders keeps every record", () => {
  const reader = new CsvTableReader({ labelColumn: 0, header: true, skipRepeatedHeaders: true });
  reader.push(new TextEncoder().encode("y,a,b\nx,1,2\ny,a,b\nz,3,4\n"));
  const table = reader.finish();
  assert.deepEqual(table.labels, ["x", "z"]);
  assert.deepEqual([...table.features.data], [1, 2, 3, 4]);
});

Deno.test("parseCsvTable() refuses infinities and numbers too large for a double", () => {
  const huge = "9".repeat(400);
  const cases: [string, number, string][] = [
    ["1,inf,3\n", 2, '"inf"'],
    ["1,2,-Infinity\n", 3, '"-Infinity"'],
    ["1e999,2,3\n", 1, '"1e999"'],
    [`1,${huge},3\n`, 2, `"${"9".repeat(40)}..."`],
    ['1,2," +INF "\n', 3, '"\\" +INF \\""'],
  ];
  for (const [text, field, shown] of cases) {
    const error = parseError(`4,5,6\n${text}`);
    assert.equal(error.line, 2, text);
    assert.equal(
      error.message,
      `Cannot parse line 2, field ${field}: ${shown} is not a finite number`,
      text,
    );
  }
});

Deno.test("CsvTableReader names the source file of a refused infinity", () => {
  const reader = new CsvTableReader({ labelColumn: 0, source: "train.csv" });
  assert.throws(
    () => reader.push(encoder.encode("a,1,2\nb,3,-inf\n")),
    /^CsvError: Cannot parse train.csv line 2, field 3: "-inf" is not a finite number$/,
  );
});

Deno.test("CsvTableReader in mark mode marks a record holding an infinity", () => {
  const reader = new CsvTableReader({ features: 2, onBadRecord: "mark" });
  reader.push(encoder.encode("1,2\n1e400,4\n5,6\n"));
  const { features, errors } = reader.finish();
  assert.equal(features.rows, 3);
  assert.deepEqual([...errors], [[
    1,
    'Cannot parse line 2, field 1: "1e400" is not a finite number',
  ]]);
  assert.deepEqual(Array.from(features.data.subarray(4)), [5, 6]);
});

Deno.test("parseCsvTable() still reads nan and an empty field as missing values next to large finite numbers", () => {
  const [row] = rows("nan,,1.7976931348623157e308\n");
  assert.ok(Number.isNaN(row[0]) && Number.isNaN(row[1]));
  assert.equal(row[2], 1.7976931348623157e308);
});
