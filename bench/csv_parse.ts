/**
 * The micro-benchmark behind the hand-written CSV reader (`codecs/csv_reader.ts`): parses the serving
 * benchmark's 5 MB request (200,000 records of 4 features) with it and with the obvious code
 * (decode to a string, split lines and commas, `Number()` each field), fed in 64 KB chunks as a
 * request body arrives, and prints the median of N runs of each, interleaved. (The reader's
 * earlier two-pass version measured 30.8 ms against 12.2 ms for the single pass, median of 21.)
 *
 * ```sh
 * deno run bench/csv_parse.ts            # 15 runs each
 * deno run bench/csv_parse.ts --runs 31
 * ```
 *
 * @module
 */

import { CsvTableReader } from "../codecs/csv_reader.ts";
import type { NumberTable } from "../codecs/table.ts";
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

/** The obvious way: a string for the whole body, then split and `Number()`. */
class SplitCsvReader implements ChunkReader {
  #chunks: Uint8Array[] = [];

  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk.slice());
  }

  finish(): { features: NumberTable } {
    const decoder = new TextDecoder();
    let text = "";
    for (const chunk of this.#chunks) text += decoder.decode(chunk, { stream: true });
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    const columns = lines.length === 0 ? 0 : lines[0].split(",").length;
    const data = new Float64Array(lines.length * columns);
    lines.forEach((line, row) => {
      line.split(",").forEach((field, column) => (data[row * columns + column] = Number(field)));
    });
    return { features: { data, rows: lines.length, columns } };
  }
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
    { name: "string split + Number()", make: () => new SplitCsvReader() },
    {
      name: "single-pass (codecs/csv_reader.ts)",
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
}
