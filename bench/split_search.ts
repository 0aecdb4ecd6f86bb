/**
 * The cart split search (`SplitSearch.find`), microseconds a search, on random nodes of 20
 * features x 256 bins counted from random rows, with 2, 3, 4 and 6 classes (Gini with at most
 * four classes keeps its running counts in locals; more take the general loop). With
 * `--baseline <checkout>` it searches the same nodes with that checkout's `SplitSearch` too,
 * round by round in one process, checks that both find the same splits bit for bit, and prints
 * the median of the rounds' ratios. Writes `bench/results/split-search.md`.
 *
 * ```sh
 * deno run -A bench/split_search.ts
 * deno run -A bench/split_search.ts --rounds 15 --baseline /path/to/old/checkout
 * ```
 *
 * @module
 */

import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { resolveParams } from "../algorithm/cart/hyperparameters.ts";
import { SplitSearch, type SplitTarget } from "../algorithm/cart/split_search.ts";
import { createRandom } from "../algorithm/random.ts";
import { median } from "./stats.ts";

const COLUMNS = 20;
const BINS = 256;
const NODES = 64;

/** A node to search: its class histogram (class-major) and class counts. */
export interface RandomNode {
  /** Counts per class and global bin, class-major. */
  readonly histogram: Int32Array;
  /** Rows of each class. */
  readonly counts: Float64Array;
  /** Where each feature's bins start. */
  readonly binOffsets: Int32Array;
}

/**
 * A random node of `classes` classes over features of `binCounts` bins, counted from up to
 * `maxRows` random rows skewed by class (so that splits differ in quality; some bins stay
 * empty), with `padded` classes in all: the classes past `classes` are empty.
 */
export function randomNode(
  random: () => number,
  shape: { classes: number; padded: number; binCounts: Int32Array; maxRows: number },
): RandomNode {
  const { classes, padded, binCounts } = shape;
  const columns = binCounts.length;
  const binOffsets = new Int32Array(columns + 1);
  for (let c = 0; c < columns; c++) binOffsets[c + 1] = binOffsets[c] + binCounts[c];
  const totalBins = binOffsets[columns];
  const histogram = new Int32Array(totalBins * padded);
  const counts = new Float64Array(padded);
  const rows = 1 + Math.floor(random() * shape.maxRows);
  for (let r = 0; r < rows; r++) {
    const y = Math.floor(random() * classes);
    counts[y]++;
    for (let c = 0; c < columns; c++) {
      const u = Math.min(0.999, random() * 0.7 + (y / classes) * 0.3 * (c % 2));
      histogram[y * totalBins + binOffsets[c] + Math.floor(u * binCounts[c])]++;
    }
  }
  return { histogram, counts, binOffsets };
}

/** A split search class: this checkout's or a baseline's. */
type SearchClass = typeof SplitSearch;

/** One way of searching the nodes: a search and its nodes. */
interface Way {
  readonly search: SplitSearch;
  readonly nodes: RandomNode[];
  readonly found: SplitTarget[];
}

function wayOf(Search: SearchClass, classes: number): Way {
  const binCounts = new Int32Array(COLUMNS).fill(BINS);
  const nodes = Array.from(
    { length: NODES },
    (_, i) =>
      randomNode(createRandom(i + 1), { classes, padded: classes, binCounts, maxRows: 20_000 }),
  );
  const params = resolveParams({}, {
    rows: 1_000_000,
    columns: COLUMNS,
    classCounts: new Float64Array(classes).fill(1),
  });
  const search = new Search(
    { binCounts, binOffsets: nodes[0].binOffsets, columns: COLUMNS },
    params,
    { totalWeight: 1_000_000 },
  );
  const found = nodes.map(() => ({ splitFeature: -1, splitBin: -1, improvement: 0 }));
  return { search, nodes, found };
}

/** Microseconds a search, over `repeats` passes over the nodes. */
function time(way: Way, repeats: number): number {
  const { search, nodes, found } = way;
  const started = performance.now();
  for (let r = 0; r < repeats; r++) {
    for (let i = 0; i < NODES; i++) search.find(nodes[i].histogram, nodes[i].counts, found[i]);
  }
  return ((performance.now() - started) * 1000) / (repeats * NODES);
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { rounds: { type: "string", default: "10" }, baseline: { type: "string" } },
  });
  const rounds = Number(values.rounds);
  const baseline: SearchClass | undefined = values.baseline === undefined
    ? undefined
    : (await import(
      pathToFileURL(resolve(values.baseline, "algorithm/cart/split_search.ts")).href
    )).SplitSearch;
  const lines = [
    "| classes | µs a search | baseline µs | this / baseline |",
    "| ---: | ---: | ---: | ---: |",
  ];
  for (const classes of [2, 3, 4, 6]) {
    const ours = wayOf(SplitSearch, classes);
    const theirs = baseline === undefined ? undefined : wayOf(baseline, classes);
    time(ours, 2);
    if (theirs !== undefined) {
      time(theirs, 2);
      for (let i = 0; i < NODES; i++) {
        const [a, b] = [ours.found[i], theirs.found[i]];
        if (
          a.splitFeature !== b.splitFeature || a.splitBin !== b.splitBin ||
          !Object.is(a.improvement, b.improvement)
        ) {
          throw new Error(`The baseline found another split for node ${i} of ${classes} classes`);
        }
      }
    }
    const oursUs: number[] = [];
    const theirsUs: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < rounds; round++) {
      if (theirs === undefined) {
        oursUs.push(time(ours, 10));
        continue;
      }
      // Alternate which goes first, so that neither always runs on a warmer machine.
      const first = round % 2 === 0 ? time(ours, 10) : time(theirs, 10);
      const second = round % 2 === 0 ? time(theirs, 10) : time(ours, 10);
      const [x, y] = round % 2 === 0 ? [first, second] : [second, first];
      oursUs.push(x);
      theirsUs.push(y);
      ratios.push(x / y);
    }
    lines.push(
      `| ${classes} | ${median(oursUs).toFixed(1)} | ${
        theirs === undefined ? "-" : median(theirsUs).toFixed(1)
      } | ${theirs === undefined ? "-" : `${median(ratios).toFixed(2)}x`} |`,
    );
  }
  const table = lines.join("\n");
  console.log(table);
  const note =
    `\n\n${COLUMNS} features x ${BINS} bins, ${NODES} random nodes (up to 20,000 rows), ` +
    `medians of ${rounds} interleaved rounds; this / baseline is the median of the rounds' ` +
    `ratios. Baseline: ${values.baseline ?? "none"}.\n`;
  const path = new URL("./results/split-search.md", import.meta.url);
  await Deno.writeTextFile(path, table + note);
  console.log(`wrote ${path.pathname}`);
}
