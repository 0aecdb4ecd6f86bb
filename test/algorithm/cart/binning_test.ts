import assert from "node:assert/strict";
import { binFeatures } from "../../../algorithm/cart/binning.ts";
import type { Matrix } from "../../../algorithm/types.ts";

function column(values: number[]): Matrix {
  return { data: Float64Array.from(values), rows: values.length, columns: 1 };
}

Deno.test("binFeatures() keeps one bin per distinct value when there are few", async () => {
  const binned = await binFeatures(column([3, 1, 2, 1]), 256);
  assert.equal(binned.stride, 4); // one code per row, padded to a 32-bit word
  assert.deepEqual(Array.from(binned.codes.filter((_, i) => i % 4 === 0)), [2, 0, 1, 0]);
  assert.deepEqual(Array.from(binned.binCounts), [3]);
  assert.deepEqual(Array.from(binned.binLow), [1, 2, 3]);
  assert.deepEqual(Array.from(binned.binHigh), [1, 2, 3]);
});

Deno.test("binFeatures() places at most maxBins quantile bins, keeping value order", async () => {
  const values = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
  const binned = await binFeatures(column(values), 8);
  assert.ok(binned.binCounts[0] <= 8 && binned.binCounts[0] >= 2);
  const codeOf = new Map(values.map((v, r) => [v, binned.codes[r * binned.stride]]));
  for (let v = 1; v < 1000; v++) assert.ok(codeOf.get(v)! >= codeOf.get(v - 1)!, `value ${v}`);
});

Deno.test("binFeatures() puts NaN in the top bin and gives a constant feature one bin", async () => {
  const binned = await binFeatures(
    { data: Float64Array.of(1, 5, NaN, 5, 2, 5), rows: 3, columns: 2 },
    256,
  );
  const { codes, stride, binCounts } = binned;
  assert.deepEqual(Array.from(binCounts), [2, 1]); // NaN adds no bin of its own
  assert.equal(codes[1 * stride], binCounts[0] - 1);
  assert.deepEqual([codes[1], codes[stride + 1], codes[2 * stride + 1]], [0, 0, 0]);
});

Deno.test("binFeatures() uses two-byte codes above 256 bins and refuses a bad bin count", async () => {
  const binned = await binFeatures(column(Array.from({ length: 300 }, (_, i) => i)), 512);
  assert.ok(binned.codes instanceof Uint16Array);
  assert.equal(binned.codes[299 * binned.stride], 299);
  await assert.rejects(
    binFeatures(column([1, 2]), 1),
    /^RangeError: Cannot bin features into 1 bins: expected 2 to 65536$/,
  );
  await assert.rejects(binFeatures(column([1, 2]), 65_537), /65537 bins/);
});
