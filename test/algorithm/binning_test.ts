import assert from "node:assert/strict";
import { BinnedRowsBuilder, findBinEdges } from "../../algorithm/binning.ts";

/** A value stream with dense clusters (many edges in one lookup cell) and a long tail. */
function skewedValues(count: number, seed: number): Float64Array {
  let state = seed;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const u = next();
    values[i] = u < 0.6 ? 1 + next() * 1e-3 : u < 0.95 ? -Math.log(next() + 1e-12) : 1e6 * next();
    if (u > 0.995) values[i] = NaN;
  }
  return values;
}

Deno.test("BinnedRowsBuilder codes each value as a search of the edges would, bin ranges included", async () => {
  const rows = 20_000;
  const columns = 3;
  const data = skewedValues(rows * columns, 12345);
  for (let i = 2; i < data.length; i += columns) data[i] = Math.round(data[i] * 4) / 4;
  const edges = await findBinEdges(
    { data: data.subarray(0, 5000 * columns), rows: 5000, columns },
    64,
  );
  const builder = new BinnedRowsBuilder(edges, 16);
  for (let start = 0; start < rows; start += 777) {
    const end = Math.min(rows, start + 777);
    builder.append({
      data: data.subarray(start * columns, end * columns),
      rows: end - start,
      columns,
    });
  }
  const binned = builder.finish();
  const low = new Float64Array(binned.binLow.length).fill(Infinity);
  const high = new Float64Array(binned.binLow.length).fill(-Infinity);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const v = data[r * columns + c];
      const first = edges.binOffsets[c];
      const last = edges.binOffsets[c + 1] - 1;
      let bin = first;
      if (v !== v) bin = last;
      else while (bin < last && edges.edges[bin] < v) bin++;
      assert.equal(
        binned.codes[r * binned.stride + c],
        bin - first,
        `row ${r}, feature ${c}: ${v}`,
      );
      if (v === v) {
        low[bin] = Math.min(low[bin], v);
        high[bin] = Math.max(high[bin], v);
      }
    }
  }
  assert.deepEqual(binned.binLow, low);
  assert.deepEqual(binned.binHigh, high);
});
