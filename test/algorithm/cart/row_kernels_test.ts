/**
 * The row passes against a count made the plain way, one code at a time: for one-byte codes the
 * histogram reads four codes from each 32-bit word and the rest one by one, so feature counts
 * below, at and past a multiple of four, and two-byte codes, must all count the same.
 */

import assert from "node:assert/strict";
import {
  addRowsToHistogram,
  partitionRows,
  type RowView,
} from "../../../algorithm/cart/row_kernels.ts";

const CLASSES = 3;

/** `rows` random rows of `columns` codes below `bins` each, padded to whole 32-bit words. */
function randomRows(
  rows: number,
  columns: number,
  options: { bins: number; wide: boolean; seed: number },
): RowView {
  const { bins, wide } = options;
  let state = options.seed;
  const next = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296;
  const perWord = wide ? 2 : 4;
  const stride = Math.ceil(columns / perWord) * perWord;
  const codes = wide ? new Uint16Array(rows * stride) : new Uint8Array(rows * stride);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) codes[r * stride + c] = Math.floor(next() * bins);
    labels[r] = Math.floor(next() * CLASSES);
  }
  const words = new Uint32Array(codes.buffer);
  return {
    codes,
    words,
    wordsPerRow: words.length / rows,
    stride,
    columns,
    binOffsets: Int32Array.from({ length: columns + 1 }, (_, c) => c * bins),
    labels,
  };
}

/** The histogram of rows `[start, end)`, counted one code at a time. */
function plainCount(view: RowView, start: number, end: number): Int32Array {
  const { codes, stride, columns, binOffsets, labels } = view;
  const totalBins = binOffsets[columns];
  const histogram = new Int32Array(CLASSES * totalBins);
  for (let r = start; r < end; r++) {
    for (let c = 0; c < columns; c++) {
      histogram[labels[r] * totalBins + binOffsets[c] + codes[r * stride + c]]++;
    }
  }
  return histogram;
}

const SHAPES = [
  { columns: 1, bins: 256, wide: false },
  { columns: 3, bins: 7, wide: false },
  { columns: 4, bins: 256, wide: false },
  { columns: 5, bins: 200, wide: false },
  { columns: 8, bins: 256, wide: false },
  { columns: 21, bins: 33, wide: false },
  { columns: 3, bins: 1000, wide: true },
  { columns: 6, bins: 300, wide: true },
];

for (const { columns, bins, wide } of SHAPES) {
  const shape = `${columns} features of ${bins} bins (${wide ? "two" : "one"}-byte codes)`;

  Deno.test(`addRowsToHistogram counts ${shape} as a plain count does`, () => {
    const view = randomRows(500, columns, { bins, wide, seed: columns * 7 + bins });
    for (const [start, end] of [[0, 500], [3, 4], [120, 377], [9, 9]]) {
      const histogram = new Int32Array(CLASSES * columns * bins);
      addRowsToHistogram(view, { start, end, histogram });
      assert.deepEqual(histogram, plainCount(view, start, end), `rows ${start} to ${end}`);
    }
  });

  Deno.test(`partitionRows counts the side it is asked for of ${shape} as a plain count does`, () => {
    for (const counted of ["left", "right"] as const) {
      const view = randomRows(500, columns, { bins, wide, seed: columns + bins });
      const feature = columns - 1;
      const bin = bins >> 1;
      const histogram = new Int32Array(CLASSES * columns * bins);
      const left = partitionRows(view, { start: 50, end: 450, feature, bin, histogram, counted });
      const middle = 50 + left;
      for (let r = 50; r < 450; r++) {
        assert.equal(view.codes[r * view.stride + feature] <= bin, r < middle, `row ${r}`);
      }
      const expected = counted === "left"
        ? plainCount(view, 50, middle)
        : plainCount(view, middle, 450);
      assert.deepEqual(histogram, expected, `the ${counted} rows`);
    }
  });
}
