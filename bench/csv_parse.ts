/**
 * The micro-benchmark behind the CSV reader's single-pass fast path (`codecs/csv.ts`): parses
 * the serving benchmark's 5 MB request (200,000 records of 4 features) with the current reader
 * and with the two-pass reader it replaced (`bench/csv_parse_baseline.ts`), fed in 64 KB chunks
 * as a request body arrives, and prints the median of N runs of each, interleaved. It also times
 * the answer of the same request (200,000 labels in slices of 16,384, as `/invocations` streams
 * it): `records()` plus `TextEncoder` against `recordBytes()`.
 *
 * ```sh
 * deno run bench/csv_parse.ts            # 15 runs each
 * deno run bench/csv_parse.ts --runs 31
 * ```
 *
 * @module
 */

import { CSV_PREDICTION_ENCODER, CsvTableReader, type NumberTable } from "../codecs/csv.ts";
import type { PredictionSet } from "../codecs/predictions.ts";
import { TwoPassCsvReader } from "./csv_parse_baseline.ts";
import { irisLikeRecords, toCsv } from "./data.ts";

/** One reader's timings. */
export interface ParseTiming {
  /** Which reader. */
  readonly name: string;
  /** Median milliseconds to parse the whole input. */
  readonly medianMs: number;
  /** Fastest run in milliseconds. */
  readonly minMs: number;
}

/** Anything with the reader's push/finish shape. */
interface ChunkReader {
  push(chunk: Uint8Array): void;
  finish(): { features: NumberTable };
}

function parseInChunks(reader: ChunkReader, bytes: Uint8Array, chunkBytes: number): NumberTable {
  for (let start = 0; start < bytes.length; start += chunkBytes) {
    reader.push(bytes.subarray(start, start + chunkBytes));
  }
  return reader.finish().features;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Times both readers on `bytes` (`runs` interleaved runs each, after one untimed run) and checks
 * that they read the same numbers.
 */
export function compareCsvReaders(
  bytes: Uint8Array,
  options: { runs: number; chunkBytes?: number; features: number },
): ParseTiming[] {
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  const readers: { name: string; make: () => ChunkReader }[] = [
    {
      name: "two-pass (before)",
      make: () => new TwoPassCsvReader({ features: options.features }, 32_768 * options.features),
    },
    {
      name: "single-pass (codecs/csv.ts)",
      make: () => new CsvTableReader({ features: options.features }, 32_768 * options.features),
    },
  ];
  const first = readers.map(({ make }) => parseInChunks(make(), bytes, chunkBytes));
  if (
    first[0].rows !== first[1].rows ||
    first[0].data.some((value, i) => !Object.is(value, first[1].data[i]))
  ) {
    throw new Error("The two readers read different numbers");
  }
  const times = readers.map(() => [] as number[]);
  for (let run = 0; run < options.runs; run++) {
    readers.forEach(({ make }, i) => {
      const started = performance.now();
      parseInChunks(make(), bytes, chunkBytes);
      times[i].push(performance.now() - started);
    });
  }
  return readers.map(({ name }, i) => ({
    name,
    medianMs: median(times[i]),
    minMs: Math.min(...times[i]),
  }));
}

/**
 * Times the two ways to encode a CSV answer of `labels` in slices of 16,384 records (`runs`
 * interleaved runs each, after one untimed run) and checks they give the same bytes.
 */
export function compareAnswerEncodings(
  set: PredictionSet,
  options: { runs: number },
): ParseTiming[] {
  const rows = set.labels.length;
  const slice = 16_384;
  const utf8 = new TextEncoder();
  const ways: { name: string; encode: (start: number, end: number) => Uint8Array }[] = [
    {
      name: "records() + TextEncoder (before)",
      encode: (start, end) => utf8.encode(CSV_PREDICTION_ENCODER.records(set, start, end)),
    },
    {
      name: "recordBytes()",
      encode: (start, end) => CSV_PREDICTION_ENCODER.recordBytes!(set, start, end)!,
    },
  ];
  function encodeAll(encode: (start: number, end: number) => Uint8Array): Uint8Array[] {
    const parts: Uint8Array[] = [];
    for (let start = 0; start < rows; start += slice) {
      parts.push(encode(start, Math.min(rows, start + slice)));
    }
    return parts;
  }
  const first = ways.map(({ encode }) => encodeAll(encode));
  if (
    first[0].some((part, i) =>
      part.length !== first[1][i].length || part.some((b, j) => b !== first[1][i][j])
    )
  ) {
    throw new Error("The two encodings differ");
  }
  const times = ways.map(() => [] as number[]);
  for (let run = 0; run < options.runs; run++) {
    ways.forEach(({ encode }, i) => {
      const started = performance.now();
      encodeAll(encode);
      times[i].push(performance.now() - started);
    });
  }
  return ways.map(({ name }, i) => ({
    name,
    medianMs: median(times[i]),
    minMs: Math.min(...times[i]),
  }));
}

if (import.meta.main) {
  const runsAt = Deno.args.indexOf("--runs");
  const runs = runsAt === -1 ? 15 : Number(Deno.args[runsAt + 1]);
  const bytes = new TextEncoder().encode(toCsv(irisLikeRecords(200_000, 2), false));
  const timings = compareCsvReaders(bytes, { runs, features: 4 });
  console.log(
    `${(bytes.length / 1e6).toFixed(1)} MB, 200,000 records x 4 features, 64 KB chunks, ` +
      `median of ${runs}\n\n| reader | median ms | fastest ms |\n| --- | ---: | ---: |`,
  );
  for (const timing of timings) {
    console.log(`| ${timing.name} | ${timing.medianMs.toFixed(1)} | ${timing.minMs.toFixed(1)} |`);
  }
  console.log(`\nspeed-up: ${(timings[0].medianMs / timings[1].medianMs).toFixed(2)}x`);
  const labels = new Int32Array(200_000);
  for (let i = 0; i < labels.length; i++) labels[i] = (i * 7919) % 3;
  const answers = compareAnswerEncodings({
    classes: ["setosa", "versicolor", "virginica"],
    labels,
  }, { runs });
  console.log(`\n200,000 labels answered as CSV, median of ${runs}\n`);
  console.log("| encoding | median ms | fastest ms |\n| --- | ---: | ---: |");
  for (const timing of answers) {
    console.log(`| ${timing.name} | ${timing.medianMs.toFixed(1)} | ${timing.minMs.toFixed(1)} |`);
  }
}
