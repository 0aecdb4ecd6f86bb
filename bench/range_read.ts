/**
 * The speed of one reading thread of a parallel training read: `readRange`
 * (`training/range_reader.ts`) over the first N MB of a CSV file (label first, no header), in
 * MB/s of wall time and of CPU time, median of the runs. It runs the reader with its WebAssembly
 * kernel (`training/binned_kernel.ts`) and in JavaScript alone, interleaved run by run, and
 * checks that both give the same codes, labels and bin ranges. With `--baseline <checkout>` it
 * runs that checkout's `readRange` too.
 *
 * The bin edges are placed by each checkout's own `findBinEdges` from the first 50,000 records,
 * 256 bins a feature, as a training job does.
 *
 * ```sh
 * deno run -A bench/range_read.ts --file data.csv              # first 64 MB, 7 runs
 * deno run -A bench/range_read.ts --file data.csv --mb 128 --runs 9 --baseline ../other
 * ```
 *
 * @module
 */

import process from "node:process";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { CsvTableReader } from "../codecs/csv_reader.ts";
import { median } from "./stats.ts";
import type * as RangeReaderModule from "../training/range_reader.ts";
import type * as BinningModule from "../algorithm/binning.ts";

/** The records the bin edges are placed from. */
const SAMPLE_RECORDS = 50_000;

/** One checkout's `readRange`, ready to run on the bench's range. */
interface Contender {
  /** `current` or the baseline's path. */
  readonly name: string;
  /** Reads the range once. */
  readonly run: () => RangeReaderModule.RangeResult;
  /** Wall milliseconds of each run. */
  readonly wallMs: number[];
  /** CPU milliseconds of each run (the whole process: user and system). */
  readonly cpuMs: number[];
}

function argument(name: string): string | undefined {
  const index = Deno.args.indexOf(name);
  return index === -1 ? undefined : Deno.args[index + 1];
}

/** The byte after the last line end within the first `bytes` of `path`. */
function lineAlignedEnd(path: string, bytes: number): number {
  const size = Deno.statSync(path).size;
  if (bytes >= size) return size;
  const file = Deno.openSync(path, { read: true });
  try {
    const tail = new Uint8Array(1 << 16);
    file.seekSync(Math.max(0, bytes - tail.length), Deno.SeekMode.Start);
    const count = file.readSync(tail) ?? 0;
    const newline = tail.subarray(0, count).lastIndexOf(0x0a);
    return Math.max(0, bytes - tail.length) + newline + 1;
  } finally {
    file.close();
  }
}

/** The first records of `path` as numbers, and the bytes they take. */
function readSample(path: string): { table: CsvTableReader; bytes: number } {
  const reader = new CsvTableReader({ labelColumn: 0, labelIds: true });
  const file = Deno.openSync(path, { read: true });
  const chunk = new Uint8Array(1 << 16);
  let bytes = 0;
  try {
    while (reader.records < SAMPLE_RECORDS) {
      const count = file.readSync(chunk);
      if (count === null) break;
      const newline = chunk.subarray(0, count).lastIndexOf(0x0a);
      reader.push(chunk.subarray(0, newline + 1));
      bytes += newline + 1;
      file.seekSync(bytes, Deno.SeekMode.Start);
    }
  } finally {
    file.close();
  }
  return { table: reader, bytes };
}

async function contender(
  name: string,
  root: string,
  options: { path: string; end: number; kernel: boolean },
): Promise<Contender> {
  const { path, end } = options;
  const base = pathToFileURL(resolve(root)).href;
  const reader: typeof RangeReaderModule = await import(`${base}/training/range_reader.ts`);
  const binning: typeof BinningModule = await import(`${base}/algorithm/binning.ts`);
  const sample = readSample(path);
  const table = sample.table.finish().features;
  const edges = await binning.findBinEdges(table, 256);
  const setup: RangeReaderModule.RangeSetup = {
    labelColumn: 0,
    header: false,
    features: table.columns,
    edges,
    maxValueBytes: 1 << 30,
    rowsPerByte: table.rows / sample.bytes,
  };
  // A scratch made without the setup has no kernel.
  const scratch = options.kernel
    ? reader.createRangeScratch(setup)
    : (reader.createRangeScratch as () => RangeReaderModule.RangeScratch)();
  const range = { path, start: 0, end };
  return {
    name,
    run: () => reader.readRange(range, setup, { scratch }),
    wallMs: [],
    cpuMs: [],
  };
}

function sameResult(a: RangeReaderModule.RangeResult, b: RangeReaderModule.RangeResult): boolean {
  const same = (x: ArrayLike<number>, y: ArrayLike<number>) =>
    x.length === y.length && Array.prototype.every.call(x, (v, i) => Object.is(v, y[i]));
  return a.rows === b.rows && same(a.codes, b.codes) && same(a.labelIds, b.labelIds) &&
    same(a.binLow, b.binLow) && same(a.binHigh, b.binHigh) &&
    a.labelNames.join("\n") === b.labelNames.join("\n");
}

async function main(): Promise<void> {
  const path = argument("--file");
  if (path === undefined) {
    console.error(
      "Usage: deno run -A bench/range_read.ts --file <csv> [--mb N] [--runs N] " +
        "[--baseline <checkout>]",
    );
    Deno.exit(2);
  }
  const mb = Number(argument("--mb") ?? 64);
  const runs = Number(argument("--runs") ?? 7);
  const baseline = argument("--baseline");
  const end = lineAlignedEnd(path, mb * 1e6);
  const here = new URL("..", import.meta.url).pathname;
  const contenders = [
    await contender("current, WebAssembly", here, { path, end, kernel: true }),
    await contender("current, JavaScript only", here, { path, end, kernel: false }),
  ];
  if (baseline !== undefined) {
    // An older checkout ignores the setup and reads in JavaScript alone.
    contenders.push(await contender(baseline, baseline, { path, end, kernel: true }));
  }
  const first = contenders.map((c) => c.run()); // warm-up, and the results to compare
  for (let c = 1; c < contenders.length; c++) {
    if (!sameResult(first[0], first[c])) {
      console.error(`The results differ between ${contenders[0].name} and ${contenders[c].name}`);
      Deno.exit(1);
    }
  }
  for (let r = 0; r < runs; r++) {
    for (const c of r % 2 === 0 ? contenders : [...contenders].reverse()) {
      const cpu = process.cpuUsage();
      const start = performance.now();
      c.run();
      c.wallMs.push(performance.now() - start);
      const used = process.cpuUsage(cpu);
      c.cpuMs.push((used.user + used.system) / 1000);
    }
  }
  const megabytes = end / 1e6;
  console.log(
    `readRange over ${megabytes.toFixed(1)} MB (${first[0].rows} records), ${runs} runs`,
  );
  const rate = (ms: number) => `${(megabytes / ms * 1000).toFixed(1).padStart(7)} MB/s`;
  for (const c of contenders) {
    const wall = median(c.wallMs);
    const cpu = median(c.cpuMs);
    console.log(
      `${c.name.padEnd(24)} wall ${wall.toFixed(0).padStart(6)} ms ${rate(wall)}   cpu ${
        cpu.toFixed(0).padStart(6)
      } ms ${rate(cpu)}   fastest wall ${rate(Math.min(...c.wallMs))}`,
    );
  }
  for (let c = 1; c < contenders.length; c++) {
    const ratio = median(contenders[c].wallMs) / median(contenders[0].wallMs);
    console.log(
      `${contenders[0].name} is ${ratio.toFixed(2)}x the speed of ${contenders[c].name} ` +
        "(wall medians)",
    );
  }
}

if (import.meta.main) await main();
