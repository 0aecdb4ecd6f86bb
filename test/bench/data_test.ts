import assert from "node:assert/strict";
import { irisLikeRecords, toCsv, toJsonInstances } from "../../bench/data.ts";

Deno.test("toCsv() writes 24 bytes a record, so 200,000 records are 4.8 MB", () => {
  const records = irisLikeRecords(1_000, 2);
  assert.deepStrictEqual(toCsv(records, false).length, 24_000);
  assert.deepStrictEqual(toCsv(records.slice(0, 1), true).split(",")[0], "setosa");
});

Deno.test("irisLikeRecords() gives the same records for the same seed", () => {
  assert.deepStrictEqual(irisLikeRecords(5, 7), irisLikeRecords(5, 7));
  assert.deepStrictEqual(JSON.parse(toJsonInstances(irisLikeRecords(3, 7))).instances.length, 3);
});
