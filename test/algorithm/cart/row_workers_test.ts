import assert from "node:assert/strict";
import { addRowsToHistogram, type RowView } from "../../../algorithm/cart/row_kernels.ts";
import { RowWorkers } from "../../../algorithm/cart/row_workers.ts";
import { type NodeJob, runNodeJob } from "../../../algorithm/cart/node_job.ts";
import { SplitSearch, totalWeightOf } from "../../../algorithm/cart/split_search.ts";
import { resolveParams } from "../../../algorithm/cart/hyperparameters.ts";
import { cart } from "../../../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../../../algorithm/hyperparameters.ts";

const COLUMNS = 5;
const STRIDE = 8;
const BINS = 6;
const CLASSES = 3;

/** `rows` random rows (codes 0..BINS-1, labels 0..CLASSES-1) in shared memory. */
function sharedRows(rows: number, seed: number): RowView {
  let state = seed;
  const next = () => (state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0) / 4_294_967_296;
  const codes = new Uint8Array(new SharedArrayBuffer(rows * STRIDE));
  const labels = new Int32Array(new SharedArrayBuffer(rows * 4));
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < COLUMNS; c++) codes[r * STRIDE + c] = Math.floor(next() * BINS);
    labels[r] = Math.floor(next() * CLASSES);
  }
  return {
    codes,
    words: new Uint32Array(codes.buffer),
    wordsPerRow: STRIDE / 4,
    stride: STRIDE,
    columns: COLUMNS,
    binOffsets: Int32Array.from({ length: COLUMNS + 1 }, (_, c) => c * BINS),
    labels,
  };
}

function histogramOf(view: RowView, start: number, end: number): Int32Array {
  const histogram = new Int32Array(COLUMNS * BINS * CLASSES);
  addRowsToHistogram(view, { start, end, histogram });
  return histogram;
}

/** Each row as text (its codes and label), sorted: the rows as a multiset. */
function rowSet(view: RowView, start: number, end: number): string[] {
  const rows: string[] = [];
  for (let r = start; r < end; r++) {
    rows.push(`${view.codes.subarray(r * STRIDE, (r + 1) * STRIDE).join(" ")}:${view.labels[r]}`);
  }
  return rows.sort();
}

for (const count of [0, 1, 2, 6]) {
  Deno.test(`RowWorkers with ${count} workers and the main thread count the same histogram as one thread`, async () => {
    const view = sharedRows(1000, count);
    const workers = new RowWorkers(view, { workers: count, classCount: CLASSES });
    try {
      for (const [start, end] of [[0, 1000], [10, 13], [500, 501], [400, 400]]) {
        const histogram = new Int32Array(COLUMNS * BINS * CLASSES).fill(99);
        await workers.histogram({ start, end }, histogram);
        assert.deepEqual(histogram, histogramOf(view, start, end), `rows ${start} to ${end}`);
      }
    } finally {
      workers.close();
    }
  });

  Deno.test(`RowWorkers with ${count} workers and the main thread move a node's left rows first, keeping every row`, async () => {
    const view = sharedRows(1000, 10 + count);
    const workers = new RowWorkers(view, { workers: count, classCount: CLASSES });
    try {
      const nodes = [[0, 1000, 0, 2], [100, 900, 3, 0], [7, 12, 4, 4], [300, 700, 1, 3]];
      for (const [start, end, feature, bin] of nodes) {
        const side = feature % 2 === 0 ? "right" : "left";
        const before = rowSet(view, start, end);
        const outside = [...rowSet(view, 0, start), ...rowSet(view, end, 1000)];
        let expectedLeft = 0;
        for (let r = start; r < end; r++) {
          if (view.codes[r * STRIDE + feature] <= bin) expectedLeft++;
        }
        const counted = new Int32Array(COLUMNS * BINS * CLASSES);
        const middle = await workers.partition({ start, end, feature, bin }, {
          histogram: counted,
          counted: side,
        });
        assert.equal(middle, start + expectedLeft);
        for (let r = start; r < end; r++) {
          assert.equal(view.codes[r * STRIDE + feature] <= bin, r < middle, `row ${r}`);
        }
        assert.deepEqual(rowSet(view, start, end), before, "the node's rows changed");
        assert.deepEqual([...rowSet(view, 0, start), ...rowSet(view, end, 1000)], outside);
        const expected = side === "right"
          ? histogramOf(view, middle, end)
          : histogramOf(view, start, middle);
        assert.deepEqual(counted, expected, `the ${side} rows' histogram`);
      }
    } finally {
      workers.close();
    }
  });
}

Deno.test("RowWorkers reject the pass under way with the signal's reason, and every pass after it", async () => {
  const view = sharedRows(200_000, 5);
  const controller = new AbortController();
  const reason = new Error("Stopped");
  const workers = new RowWorkers(view, {
    workers: 2,
    classCount: CLASSES,
    signal: controller.signal,
  });
  const histogram = new Int32Array(COLUMNS * BINS * CLASSES);
  await workers.histogram({ start: 0, end: 10 }, histogram);
  const pass = workers.histogram({ start: 0, end: 200_000 }, histogram);
  controller.abort(reason);
  await assert.rejects(pass, (error) => error === reason);
  await assert.rejects(
    workers.histogram({ start: 0, end: 10 }, histogram),
    (error) => error === reason,
  );
});

Deno.test("RowWorkers refuse rows that are not in shared memory", () => {
  const view = { ...sharedRows(10, 1), labels: new Int32Array(10) };
  assert.throws(
    () => new RowWorkers(view, { workers: 2, classCount: CLASSES }),
    /^TypeError: Cannot start row workers: the codes and labels must be shared$/,
  );
});

/** A node job over rows `[start, end)` of `view` splitting feature 1 at bin 2, in shared memory. */
function jobOf(view: RowView, start: number, end: number, search: boolean): NodeJob {
  const shared = () => new Int32Array(new SharedArrayBuffer(COLUMNS * BINS * CLASSES * 4));
  const parent = shared();
  parent.set(histogramOf(view, start, end));
  const leftCounts = new Float64Array(CLASSES);
  const rightCounts = new Float64Array(CLASSES);
  for (let r = start; r < end; r++) {
    (view.codes[r * STRIDE + 1] <= 2 ? leftCounts : rightCounts)[view.labels[r]]++;
  }
  const leftRows = leftCounts.reduce((a, b) => a + b, 0);
  return {
    start,
    end,
    feature: 1,
    bin: 2,
    counted: leftRows <= end - start - leftRows ? "left" : "right",
    small: shared().fill(7),
    parent,
    keepLarge: true,
    leftCounts,
    rightCounts,
    searchLeft: search,
    searchRight: search,
  };
}

Deno.test("a node job gives the same rows, histograms and child splits on a worker as on this thread", async () => {
  const params = resolveParams(
    parseHyperparameters({ min_samples_leaf: "3" }, cart.hyperparameters),
    { rows: 1000, columns: COLUMNS, classCounts: new Float64Array(CLASSES).fill(1) },
  );
  const bins = {
    binCounts: new Int32Array(COLUMNS).fill(BINS),
    binOffsets: Int32Array.from({ length: COLUMNS + 1 }, (_, c) => c * BINS),
    columns: COLUMNS,
  };
  for (const search of [true, false]) {
    const here = sharedRows(1000, 3);
    const there = sharedRows(1000, 3);
    const totalWeight = totalWeightOf(here.labels, params.classWeight);
    const workers = new RowWorkers(there, {
      workers: 2,
      classCount: CLASSES,
      search: search ? { bins, params, totalWeight } : null,
    });
    try {
      const splitSearch = new SplitSearch(bins, params, { totalWeight });
      for (const [w, start, end] of [[0, 0, 600], [1, 600, 1000], [1, 20, 30]]) {
        const mine = jobOf(here, start, end, search);
        const theirs = jobOf(there, start, end, search);
        assert.equal(workers.queued(w), 0);
        workers.startJob(w, theirs);
        assert.equal(workers.queued(w), 1);
        const expected = runNodeJob(here, { job: mine, search: search ? splitSearch : null });
        await workers.waitJob(w);
        const result = workers.finished(w);
        assert.equal(workers.queued(w), 0);
        assert.deepEqual(result, expected, `rows ${start} to ${end}`);
        assert.deepEqual(theirs.small, mine.small);
        assert.deepEqual(theirs.parent, mine.parent);
        const middle = start + expected.left;
        assert.deepEqual(rowSet(there, start, middle), rowSet(here, start, middle));
        assert.deepEqual(rowSet(there, middle, end), rowSet(here, middle, end));
        if (search) assert.notEqual(expected.leftSplit, undefined);
        else assert.equal(expected.leftSplit, undefined);
      }
      assert.equal(workers.finished(0), null, "a worker with no job finished one");
    } finally {
      workers.close();
    }
  }
});

Deno.test("a worker runs its queued node jobs in order, and refuses one more, or a pass, meanwhile", async () => {
  const here = sharedRows(3000, 9);
  const there = sharedRows(3000, 9);
  const workers = new RowWorkers(there, { workers: 1, classCount: CLASSES });
  try {
    const ranges = [[0, 2000], [2000, 2500], [2500, 3000], [100, 1000]];
    const expected = ranges.map(([start, end]) =>
      runNodeJob(here, { job: jobOf(here, start, end, false), search: null })
    );
    const results = [];
    workers.startJob(0, jobOf(there, 0, 2000, false));
    workers.startJob(0, jobOf(there, 2000, 2500, false));
    assert.throws(() => workers.startJob(0, jobOf(there, 0, 10, false)), /has 2 already/);
    await assert.rejects(
      workers.histogram({ start: 0, end: 10 }, new Int32Array(COLUMNS * BINS * CLASSES)),
      /while a node job is under way/,
    );
    for (const [start, end] of ranges.slice(2)) {
      await workers.waitJob(0);
      results.push(workers.finished(0));
      workers.startJob(0, jobOf(there, start, end, false));
    }
    while (workers.queued(0) > 0) {
      await workers.waitJob(0);
      results.push(workers.finished(0));
    }
    assert.deepEqual(results, expected);
    assert.deepEqual(rowSet(there, 0, 3000), rowSet(here, 0, 3000));
  } finally {
    workers.close();
  }
});
