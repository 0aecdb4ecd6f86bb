import assert from "node:assert/strict";
import type { BinnedDataset } from "../../algorithm/mod.ts";
import { type BinEdges, findBinEdges } from "../../algorithm/binning.ts";
import { createRandom } from "../../algorithm/random.ts";
import { CsvTableReader } from "../../codecs/csv_reader.ts";
import {
  type ByteRange,
  createRangeScratch,
  type RangeResult,
  type RangeSetup,
  readRange,
} from "../../training/range_reader.ts";
import { BinnedKernel } from "../../training/binned_kernel.ts";
import {
  type BinnedReadOptions,
  readBinnedTrainingDataset,
} from "../../training/binned_channel.ts";
import { resolveHyperparameters } from "../../sagemaker/hyperparameters.ts";
import { defaultChannelConfig } from "../../sagemaker/input_config.ts";
import { sageMakerPaths } from "../../sagemaker/paths.ts";
import { makeBaseDir } from "../support/process.ts";

const encoder = new TextEncoder();

/** Options of one random file. */
interface Shape {
  features: number;
  labelColumn: number;
  header: boolean;
  crlf: boolean;
  /** How often a value is written in an unusual way (0 to 1). */
  oddity: number;
  /** Values every odd value is picked from, so that some fall exactly on bin edges. */
  pool: number[];
}

/** Formats `v` in one of the ways a CSV file may hold a number. */
function formatNumber(v: number, random: () => number, oddity: number): string {
  if (random() >= oddity) return v.toFixed(4);
  switch (Math.floor(random() * 14)) {
    case 0:
      return v.toFixed(Math.floor(random() * 7));
    case 1: {
      // numpy's `%.18e`: two exponent digits at least.
      const [mantissa, exponent] = v.toExponential(18).split("e");
      const sign = exponent.startsWith("-") ? "-" : "+";
      return `${mantissa}e${sign}${exponent.replace(/^[+-]/, "").padStart(2, "0")}`;
    }
    case 2:
      return v.toExponential(Math.floor(random() * 5)).replace("e", random() < 0.5 ? "e" : "E");
    case 3:
      return ["nan", "NaN", "NAN", "-nan", "+nan", ""][Math.floor(random() * 6)];
    case 4:
      return String(v); // shortest round trip: exactly the double, edges included
    case 5:
      return random() < 0.5 ? "-0" : "-0.000";
    case 6:
      return v < 0 ? v.toFixed(2) : `+${v.toFixed(2)}`;
    case 7:
      return v.toFixed(12) + "12345678"; // more than 19 significant digits
    case 8:
      return random() < 0.5 ? `.${Math.floor(random() * 100)}` : `${Math.floor(v)}.`;
    case 9:
      return `"${v.toFixed(3)}"`;
    case 10:
      return ` ${v.toFixed(3)} `;
    case 11:
      return String(Math.round(v * 1e6));
    case 12:
      return (v * 1e-30).toPrecision(6);
    default:
      return `${v.toFixed(1)}e${Math.floor(random() * 5) - 2}`;
  }
}

/** A random label, now and then quoted, spaced or not ASCII. */
function formatLabel(random: () => number, oddity: number): string {
  const label = ["a", "bb", "c1", "yes", "no", "ünï", "x y"][Math.floor(random() * 7)];
  const quoted = label.includes(" ") || random() < oddity / 4;
  return quoted ? `"${label}"` : random() < oddity / 8 ? ` ${label}` : label;
}

/** A random CSV file of `rows` records (and blank and header lines) in `shape`. */
function randomFile(rows: number, shape: Shape, random: () => number): string {
  const end = shape.crlf ? "\r\n" : "\n";
  const fields = shape.features + 1;
  // Now and then a header that reads as a record: its repeats must still be skipped.
  const numeric = random() < 0.3;
  const header = Array.from({ length: fields }, (_, i) => numeric ? `${i}.5` : `f${i}`).join(",");
  const lines: string[] = shape.header ? [header] : [];
  for (let r = 0; r < rows; r++) {
    if (random() < shape.oddity / 10) lines.push(random() < 0.5 ? "" : "  ");
    if (shape.header && random() < shape.oddity / 10) lines.push(header);
    const values: string[] = [];
    for (let f = 0; f < shape.features; f++) {
      const odd = random() < shape.oddity;
      const v = odd
        ? shape.pool[Math.floor(random() * shape.pool.length)]
        : (random() - 0.3) * 10 ** (f % 3);
      values.push(formatNumber(v, random, shape.oddity));
    }
    values.splice(shape.labelColumn, 0, formatLabel(random, shape.oddity));
    lines.push(values.join(","));
  }
  const text = lines.join(end);
  return random() < 0.5 ? text : text + end;
}

/** The numbers every value of a file is read as, with `onBadRecord: "mark"`. */
function valuesOf(text: string, shape: Shape): Float64Array {
  const reader = new CsvTableReader({
    labelColumn: shape.labelColumn,
    header: shape.header,
    skipRepeatedHeaders: shape.header,
    features: shape.features,
    onBadRecord: "mark",
  });
  reader.push(encoder.encode(text));
  return reader.finish().features.data;
}

/** The file cut at line starts into `count` ranges, as a parallel read cuts it. */
function cutRanges(
  path: string,
  bytes: Uint8Array,
  count: number,
  random: () => number,
): { range: ByteRange; linesBefore: number }[] {
  const firstNewline = bytes.indexOf(0x0a);
  const headerEnd = firstNewline === -1 ? bytes.length : firstNewline;
  const headerLine = bytes.slice(0, bytes[headerEnd - 1] === 0x0d ? headerEnd - 1 : headerEnd);
  const starts = new Set([0]);
  for (let k = 1; k < count; k++) {
    const newline = bytes.indexOf(0x0a, Math.floor(random() * bytes.length));
    if (newline !== -1 && newline + 1 < bytes.length) starts.add(newline + 1);
  }
  const sorted = [...starts].sort((a, b) => a - b);
  return sorted.map((start, i) => {
    let linesBefore = 0;
    for (let j = 0; j < start; j++) if (bytes[j] === 0x0a) linesBefore++;
    const end = i + 1 < sorted.length ? sorted[i + 1] : bytes.length;
    return { range: { path, start, end, headerLine }, linesBefore };
  });
}

/** The result of a read, or its error's message. */
function attempt(read: () => RangeResult): RangeResult | string {
  try {
    return read();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

function assertSameResult(actual: RangeResult | string, expected: RangeResult | string): void {
  if (typeof expected === "string" || typeof actual === "string") {
    assert.equal(actual, expected);
    return;
  }
  assert.equal(actual.rows, expected.rows);
  assert.deepEqual(actual.labelNames, expected.labelNames);
  assert.deepEqual([...actual.labelIds], [...expected.labelIds]);
  assert.deepEqual(actual.codes.constructor, expected.codes.constructor);
  assert.deepEqual([...actual.codes], [...expected.codes]);
  // deepEqual tells -0 from 0.
  assert.deepEqual([...actual.binLow], [...expected.binLow]);
  assert.deepEqual([...actual.binHigh], [...expected.binHigh]);
}

/** Bin edges for `values` (rows of `features`), with some extra values turned into edges. */
async function edgesFor(values: Float64Array, features: number, maxBins: number) {
  return await findBinEdges(
    { data: values, rows: values.length / features, columns: features },
    maxBins,
  );
}

/**
 * Reads every range of `text` three ways and checks that they agree: parsed first and binned
 * afterwards, binned while parsed by the WebAssembly kernel and JavaScript, and by JavaScript
 * alone.
 */
async function assertReadsAgree(
  dir: string,
  name: string,
  text: string,
  shape: Shape,
  options: { maxBins: number; ranges: number; seed: number; edges?: BinEdges },
): Promise<void> {
  const random = createRandom(options.seed);
  const path = `${dir}/${name}`;
  const bytes = encoder.encode(text);
  await Deno.writeFile(path, bytes);
  const edges = options.edges ??
    await edgesFor(valuesOf(text, shape), shape.features, options.maxBins);
  const setup: RangeSetup = {
    labelColumn: shape.labelColumn,
    header: shape.header,
    features: shape.features,
    edges,
    maxValueBytes: 1 << 30,
    rowsPerByte: 0.01,
  };
  for (const { range, linesBefore } of cutRanges(path, bytes, options.ranges, random)) {
    const expected = attempt(() => readRange(range, setup, { linesBefore, parseThenBin: true }));
    const withKernel = attempt(() => readRange(range, setup, { linesBefore }));
    const scratch = createRangeScratch();
    const withoutKernel = attempt(() => readRange(range, setup, { linesBefore, scratch }));
    try {
      assertSameResult(withKernel, expected);
      assertSameResult(withoutKernel, expected);
    } catch (error) {
      throw new Error(`${name} bytes ${range.start}-${range.end}: ${(error as Error).message}`);
    }
  }
}

function randomShape(random: () => number): Shape {
  const features = 1 + Math.floor(random() * 6);
  const pool = Array.from({ length: 8 }, () => Math.round((random() - 0.3) * 1000) / 100);
  return {
    features,
    labelColumn: Math.floor(random() * (features + 1)),
    header: random() < 0.4,
    crlf: random() < 0.3,
    oddity: [0, 0.02, 0.2, 0.6][Math.floor(random() * 4)],
    pool: [...pool, 0, -0, 0.1, 1e-7],
  };
}

Deno.test("readRange() bins as it parses exactly what it gets by parsing first, on random files", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const random = createRandom(42);
    for (let file = 0; file < 80; file++) {
      const shape = randomShape(random);
      const text = randomFile(50 + Math.floor(random() * 400), shape, random);
      const maxBins = [2, 4, 16, 256, 300][Math.floor(random() * 5)];
      await assertReadsAgree(dir, `random-${file}.csv`, text, shape, {
        maxBins,
        ranges: 1 + Math.floor(random() * 4),
        seed: file,
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readRange() bins values that equal bin edges as a binary search does", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const random = createRandom(7);
    const shape: Shape = {
      features: 3,
      labelColumn: 0,
      header: false,
      crlf: false,
      oddity: 0,
      pool: [],
    };
    // Edges from a skewed sample: dense near 0, so that some lookup cells hold many edges.
    const sample = new Float64Array(3000).map((_, i) => (i % 3 === 0 ? random() ** 6 : random()));
    const edges = await edgesFor(sample, 3, 64);
    const lines: string[] = [];
    for (let r = 0; r < 2000; r++) {
      const pick = () => {
        const edge = edges.edges[Math.floor(random() * edges.edges.length)];
        return random() < 0.7 ? String(edge) : String(edge + (random() - 0.5) * 1e-12);
      };
      lines.push(`l${r % 3},${pick()},${pick()},${random() < 0.1 ? "-0" : pick()}`);
    }
    await assertReadsAgree(dir, "edges.csv", lines.join("\n") + "\n", shape, {
      maxBins: 64,
      ranges: 3,
      seed: 1,
      edges,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readRange() names the same line in its errors when binning as it parses", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const random = createRandom(3);
    const bad = ["abc", "inf", "-Infinity", "1e999", "1.2.3", '"1', "1,2", "-", "1e"];
    for (let file = 0; file < 40; file++) {
      const shape = randomShape(random);
      const lines = randomFile(100 + Math.floor(random() * 200), shape, random).split("\n");
      const at = Math.floor(random() * lines.length);
      const fields = lines[at].split(",");
      fields[Math.floor(random() * fields.length)] = bad[file % bad.length];
      lines[at] = fields.join(",");
      await assertReadsAgree(dir, `bad-${file}.csv`, lines.join("\n"), shape, {
        maxBins: 16,
        ranges: 1 + Math.floor(random() * 3),
        seed: file,
        edges: await edgesFor(
          new Float64Array(shape.features * 20).map(() => random() * 10),
          shape.features,
          16,
        ),
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readRange() reads files larger than its buffer, and a line longer than it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const random = createRandom(11);
    const shape: Shape = {
      features: 4,
      labelColumn: 0,
      header: true,
      crlf: true,
      oddity: 0.01,
      pool: [0, 1, 2.5],
    };
    const text = randomFile(90_000, shape, random);
    const lines = text.split("\r\n");
    // A label of 1.5 MiB: longer than the 1 MiB read buffer.
    lines[40_000] = lines[40_000].replace(/^[^,]*/, "z".repeat(1_500_000));
    lines[70_000] = lines[70_000].replace(/^[^,]*/, `"${"q".repeat(1_200_000)}"`);
    await assertReadsAgree(dir, "large.csv", lines.join("\r\n"), shape, {
      maxBins: 256,
      ranges: 3,
      seed: 5,
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Reads a channel of one file in parallel (small ranges) or not; the dataset or the error. */
async function readChannel(
  base: string,
  shape: Shape,
  parallel: boolean,
): Promise<BinnedDataset | string> {
  const options: BinnedReadOptions = {
    edgeSampleRows: 300,
    parallel: parallel ? { workers: 2, minBytes: 1, rangeBytes: 8192 } : false,
  };
  try {
    return await readBinnedTrainingDataset(
      sageMakerPaths({ SAGEMAKER_BASE_DIR: base }),
      defaultChannelConfig("training"),
      resolveHyperparameters({
        label_column: String(shape.labelColumn),
        header: String(shape.header),
      }),
      { maxBins: 256 },
      options,
    );
  } catch (error) {
    return (error as Error).message;
  }
}

Deno.test("readBinnedTrainingDataset() in parallel reads random files as the sequential read does", async () => {
  const random = createRandom(99);
  for (let file = 0; file < 6; file++) {
    const shape = randomShape(random);
    const base = await makeBaseDir();
    try {
      const path = `${base}/input/data/training/train.csv`;
      await Deno.mkdir(`${base}/input/data/training`, { recursive: true });
      await Deno.writeTextFile(path, randomFile(2000 + Math.floor(random() * 2000), shape, random));
      const parallel = await readChannel(base, shape, true);
      const sequential = await readChannel(base, shape, false);
      if (typeof parallel === "string" || typeof sequential === "string") {
        assert.equal(parallel, sequential);
        continue;
      }
      const { codes, ...features } = parallel.features;
      const { codes: expectedCodes, ...expectedFeatures } = sequential.features;
      assert.deepEqual(features, expectedFeatures); // binLow and binHigh tell -0 from 0
      assert.deepEqual([...codes], [...expectedCodes]);
      assert.deepEqual(parallel.labels, sequential.labels);
      assert.deepEqual(parallel.classes, sequential.classes);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  }
});

/** The setup of headerless `lines` of a label and `features` numbers, binned from themselves. */
async function labelFirstSetup(lines: string[], features: number): Promise<RangeSetup> {
  const values = valuesOf(lines.join("\n"), { features, labelColumn: 0 } as Shape);
  return {
    labelColumn: 0,
    header: false,
    features,
    edges: await edgesFor(values, features, 32),
    maxValueBytes: 1 << 30,
    rowsPerByte: 0.01,
  };
}

/** A scratch whose kernel counts the records it reads. */
function countingScratch(setup: RangeSetup) {
  const scratch = createRangeScratch(setup);
  const kernel = scratch.kernel!;
  const counted = { scratch, kernelRows: 0, kernelCalls: 0 };
  const read = kernel.read.bind(kernel);
  kernel.read = (start, end) => {
    const rows = read(start, end);
    counted.kernelRows += rows;
    counted.kernelCalls++;
    return rows;
  };
  return counted;
}

Deno.test("readRange() reads ordinary lines with the kernel and gives up on lines it cannot read", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const random = createRandom(5);
    const rows = 3000;
    const plain = Array.from(
      { length: rows },
      (_, r) => `l${r % 3},${(random() * 10).toFixed(4)},${r % 7 === 0 ? "nan" : -r / 8},`,
    );
    // numpy's %.18e, which only JavaScript reads.
    const numpy = plain.map((line) =>
      line.replace(/,(-?\d+\.?\d*)/g, (_, v) => {
        const [mantissa, exponent] = Number(v).toExponential(18).split("e");
        return `,${mantissa}e${exponent[0]}${exponent.slice(1).padStart(2, "0")}`;
      })
    );
    const setup = await labelFirstSetup(plain, 3);
    for (const [name, lines, read] of [["plain", plain, rows], ["numpy", numpy, 0]] as const) {
      const path = `${dir}/${name}.csv`;
      await Deno.writeTextFile(path, lines.join("\n") + "\n");
      const range = { path, start: 0, end: (await Deno.stat(path)).size };
      const counted = countingScratch(setup);
      const actual = readRange(range, setup, { scratch: counted.scratch });
      assertSameResult(actual, readRange(range, setup, { parseThenBin: true }));
      assert.equal(actual.rows, rows);
      assert.equal(counted.kernelRows, read, name);
      // A line the kernel stops at is tried a few times in a row, then the kernel is left alone.
      if (name === "numpy") assert.ok(counted.kernelCalls <= 8, `${counted.kernelCalls} calls`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("BinnedKernel.create() declines two-byte codes and tables past its memory limit", async () => {
  const values = new Float64Array(4000).map((_, i) => i);
  const narrow = await edgesFor(values, 2, 256);
  const wide = await edgesFor(values, 2, 1000);
  assert.ok(BinnedKernel.create(narrow, { labelColumn: 0, inputBytes: 1024 }) !== undefined);
  assert.equal(BinnedKernel.create(wide, { labelColumn: 0, inputBytes: 1024 }), undefined);
  assert.equal(BinnedKernel.create(narrow, { labelColumn: 0, inputBytes: 1 << 30 }), undefined);
});

Deno.test("readRange() fails on a label that is not UTF-8 naming its line, with the kernel or without", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const lines = Array.from({ length: 3000 }, (_, r) => `l${r % 3},${(r % 97) / 8},${r / 16}`);
    const setup = await labelFirstSetup(lines, 2);
    // A label inside a kernel batch of 256 records (lines 2001 and 1235), and on the first line.
    for (
      const [at, label] of [[2000, "caf\u00e9"], [1234, "\u00e9t\u00e9"], [0, "\u00ff"]] as const
    ) {
      const text = lines.map((line, r) => r === at ? line.replace(/^l\d/, label) : line)
        .join("\n") + "\n";
      const path = `${dir}/latin1-${at}.csv`;
      await Deno.writeFile(path, Uint8Array.from(text, (c) => c.charCodeAt(0)));
      const range = { path, start: 0, end: (await Deno.stat(path)).size };
      const expected = `CsvError: Cannot parse ${path} line ${at + 1}, field 1: the label is not ` +
        "UTF-8 text (a Latin-1 or Windows-1252 file? save it as UTF-8)";
      assert.equal(attempt(() => readRange(range, setup)), expected);
      assert.equal(
        attempt(() => readRange(range, setup, { scratch: createRangeScratch() })),
        expected,
      );
      assert.equal(attempt(() => readRange(range, setup, { parseThenBin: true })), expected);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
