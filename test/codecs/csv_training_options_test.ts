import assert from "node:assert/strict";
import { CsvTableReader } from "../../codecs/csv.ts";

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
