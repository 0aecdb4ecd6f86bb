/**
 * The micro-benchmark behind the number parser's fast path (`codecs/number.ts`): how much more a
 * value written by numpy's `savetxt` default `%.18e` (`5.099999999999999645e+00`) costs to read
 * than a short decimal (`5.1`), through the CSV reader as `/invocations` and training use it.
 *
 * Two inputs, each in both formats, the same random values:
 * - a batch of 5,000 records x 64 features (320,000 values), fed in 64 KB chunks;
 * - a 30-record x 64-feature request body, read whole into a reused buffer as
 *   `serving/invocations.ts` reads small bodies.
 *
 * Prints a markdown table (median of N rounds, nanoseconds per value, and the `%.18e` cost over
 * the short-decimal cost) and saves it under `bench/results/`.
 *
 * ```sh
 * deno run -A bench/number_formats.ts            # 15 rounds
 * deno run -A bench/number_formats.ts --rounds 31 --label after
 * ```
 *
 * @module
 */

import { CsvTableReader } from "../codecs/csv_reader.ts";
import { createRandom } from "../algorithm/random.ts";

/** One input's timing in one format. */
export interface FormatTiming {
  /** Which input. */
  readonly input: string;
  /** `short` or `%.18e`. */
  readonly format: string;
  /** Values in the input. */
  readonly values: number;
  /** Median microseconds to read the whole input. */
  readonly medianUs: number;
  /** Median nanoseconds per value. */
  readonly nsPerValue: number;
}

const FEATURES = 64;

/** numpy's `%.18e`: 19 significant digits, a sign and at least two digits in the exponent. */
function numpyExponential(x: number): string {
  return x.toExponential(18).replace(/e([+-])(\d)$/, "e$10$2");
}

/** `rows` records of 64 features as CSV, the values short decimals or `%.18e` of them. */
function csvBody(rows: number, format: "short" | "%.18e", seed: number): Uint8Array {
  const random = createRandom(seed);
  let text = "";
  for (let row = 0; row < rows; row++) {
    const fields: string[] = [];
    for (let column = 0; column < FEATURES; column++) {
      // Iris-like measurements: one or two decimals, a few negative.
      const value = Number(((random() - 0.1) * 10).toFixed(1 + (column % 2)));
      fields.push(format === "short" ? String(value) : numpyExponential(value));
    }
    text += fields.join(",") + "\n";
  }
  return new TextEncoder().encode(text);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

let sink = 0;

function readBatch(bytes: Uint8Array): void {
  const reader = new CsvTableReader({ features: FEATURES }, 8192 * FEATURES);
  for (let start = 0; start < bytes.length; start += 65536) {
    reader.push(bytes.subarray(start, start + 65536));
  }
  sink += reader.finish().features.rows;
}

const requestBuffer = new Float64Array(4096);

function readRequest(bytes: Uint8Array): void {
  const reader = new CsvTableReader({ features: FEATURES, buffer: requestBuffer }, 31 * FEATURES);
  reader.push(bytes);
  sink += reader.finish().features.rows;
}

/**
 * Times reading each input in both formats, `rounds` interleaved rounds after a warm-up; a
 * round of the request reads it `requestRepeats` times.
 */
export function timeNumberFormats(
  options: { rounds: number; requestRepeats?: number },
): FormatTiming[] {
  const repeats = options.requestRepeats ?? 2000;
  const cases = [
    { input: "batch 5,000 x 64", rows: 5000, repeat: 1, read: readBatch },
    { input: "request 30 x 64", rows: 30, repeat: repeats, read: readRequest },
  ].flatMap(({ input, rows, repeat, read }) =>
    (["short", "%.18e"] as const).map((format) => ({
      input,
      format,
      values: rows * FEATURES,
      repeat,
      read,
      bytes: csvBody(rows, format, 42),
      times: [] as number[],
    }))
  );
  for (const item of cases) {
    for (let i = 0; i < Math.max(3, item.repeat); i++) item.read(item.bytes);
  }
  for (let round = 0; round < options.rounds; round++) {
    for (const item of cases) {
      const started = performance.now();
      for (let i = 0; i < item.repeat; i++) item.read(item.bytes);
      item.times.push((performance.now() - started) * 1000 / item.repeat);
    }
  }
  if (sink === 0) throw new Error("Nothing was read");
  return cases.map(({ input, format, values, times }) => {
    const medianUs = median(times);
    return { input, format, values, medianUs, nsPerValue: (medianUs * 1000) / values };
  });
}

/** The timings as a markdown table, with the `%.18e` over short-decimal ratio per input. */
export function formatTable(timings: readonly FormatTiming[]): string {
  let out = "| input | format | values | median µs | ns per value | %.18e / short |\n" +
    "| --- | --- | ---: | ---: | ---: | ---: |\n";
  for (const timing of timings) {
    const short = timings.find((t) => t.input === timing.input && t.format === "short")!;
    const ratio = timing.format === "short"
      ? ""
      : `${(timing.nsPerValue / short.nsPerValue).toFixed(2)}x`;
    out += `| ${timing.input} | ${timing.format} | ${timing.values.toLocaleString("en-US")} | ` +
      `${timing.medianUs.toFixed(1)} | ${timing.nsPerValue.toFixed(1)} | ${ratio} |\n`;
  }
  return out;
}

if (import.meta.main) {
  const option = (name: string) => {
    const at = Deno.args.indexOf(name);
    return at === -1 ? undefined : Deno.args[at + 1];
  };
  const rounds = Number(option("--rounds") ?? 15);
  const label = option("--label");
  const timings = timeNumberFormats({ rounds });
  const date = new Date().toISOString().slice(0, 10);
  const heading = `# Number formats${label === undefined ? "" : ` (${label})`}, ${date}\n\n` +
    `Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} cores, load average ` +
    `${Deno.loadavg().map((l) => l.toFixed(2)).join(" ")}; median of ${rounds} rounds.\n\n`;
  const report = heading + formatTable(timings);
  console.log(report);
  const file = new URL(
    `./results/number-formats-${date}${label === undefined ? "" : `-${label}`}.md`,
    import.meta.url,
  );
  await Deno.writeTextFile(file, report);
  console.log(`saved ${file.pathname}`);
}
