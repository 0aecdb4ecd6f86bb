/**
 * One byte range of a channel file, read and binned on its own: what each reading thread of a
 * parallel read does, and what the main thread does again for a range that failed, to give the
 * exact error of a sequential read.
 *
 * A range starts at the start of a line. A range inside a file starts its CSV reader as the
 * sequential read would be there: the file's header line is handed to it first (so that it is
 * skipped where it repeats), and for an error's line number, the lines before the range as
 * blank lines (which count as lines but not as records).
 *
 * @module
 */

import { type BinEdges, BinnedRowsBuilder } from "../algorithm/binning.ts";
import { CsvTableReader, MAX_LINE_BYTES } from "../codecs/csv_reader.ts";
import { BinnedCsvReader, type BinnedRecords, type RangeBuffers } from "./binned_csv_reader.ts";
import { BinnedKernel } from "./binned_kernel.ts";

export type { RangeBuffers } from "./binned_csv_reader.ts";

/** What every range of a channel is read with. */
export interface RangeSetup {
  /** The label column, counted from 0. */
  readonly labelColumn: number;
  /** Whether the first non-blank line of each file is a header. */
  readonly header: boolean;
  /** Feature columns of every record. */
  readonly features: number;
  /** The bin edges every value is binned with. */
  readonly edges: BinEdges;
  /** The most bytes of values the CSV reader may hold at once. */
  readonly maxValueBytes: number;
  /** Records a range is expected to hold per byte, to size its arrays. */
  readonly rowsPerByte: number;
}

/** A part of a channel file, from the start of a line to the start of another (or the end). */
export interface ByteRange {
  /** The file. */
  readonly path: string;
  /** The first byte. */
  readonly start: number;
  /** The byte after the last. */
  readonly end: number;
  /** The file's header line (without its line end), for a range after the file's start. */
  readonly headerLine?: Uint8Array;
}

/** The records of one range, binned. */
export type RangeResult = BinnedRecords;

/** Bytes read from the file at a time. */
const READ_BYTES = 1 << 20;

/**
 * Buffers one thread reuses from range to range: a thread that allocated its own for each range
 * would leave garbage faster than it is collected (100 MiB more at the peak for 3 M records).
 */
export interface RangeScratch {
  /** What the file is read into: the kernel's input when there is a kernel. */
  readonly bytes: Uint8Array;
  /** The values of one read's records, before they are binned. */
  readonly values: Float64Array;
  /** The WebAssembly kernel that reads ordinary lines, for the setup's bin edges. */
  readonly kernel?: BinnedKernel;
}

/**
 * Buffers for {@linkcode readRange}: 1 MiB of bytes, and room for its values. With a `setup`,
 * the bytes are the input of a {@linkcode BinnedKernel} for its bin edges, when one can take
 * them.
 */
export function createRangeScratch(setup?: RangeSetup): RangeScratch {
  // A value takes at least 2 bytes of CSV ("1,").
  const values = new Float64Array(READ_BYTES / 2 + 1024);
  const kernel = setup === undefined ? undefined : BinnedKernel.create(setup.edges, {
    labelColumn: setup.labelColumn,
    inputBytes: READ_BYTES,
  });
  if (kernel === undefined) return { bytes: new Uint8Array(READ_BYTES), values };
  return { bytes: kernel.input, values, kernel };
}

const NEWLINE = 0x0a;

/**
 * The least `maxValueBytes` with which records are binned as they are parsed: a sequential read
 * holds the values of at most one read and one line (at least 2 bytes a value), so with this
 * much it never fails for memory, and the binned read, which holds no values, gives the same.
 */
const BIN_WHILE_PARSING_BYTES = 8 * (READ_BYTES + MAX_LINE_BYTES);

/**
 * Reads and bins the records of `range`. `linesBefore` (the lines of the file before the
 * range) makes the line numbers of errors count from the start of the file. Throws the CSV
 * reader's errors, and the file system's. `parseThenBin` reads every value into a float64 array
 * before binning it (as happens anyway with a small `maxValueBytes`), for comparisons. `reuse`
 * is memory of an earlier range's records to put these in.
 */
export function readRange(
  range: ByteRange,
  setup: RangeSetup,
  options: {
    linesBefore?: number;
    scratch?: RangeScratch;
    parseThenBin?: boolean;
    reuse?: RangeBuffers;
  } = {},
): RangeResult {
  const scratch = options.scratch ?? createRangeScratch(setup);
  const reader = new CsvTableReader({
    labelColumn: setup.labelColumn,
    labelIds: true,
    header: setup.header,
    skipRepeatedHeaders: setup.header,
    features: setup.features,
    source: range.path,
    maxValueBytes: setup.maxValueBytes,
    buffer: scratch.values,
  });
  if (range.start > 0) pushLinesBefore(reader, range, setup.header, options.linesBefore);
  const capacity = Math.ceil((range.end - range.start) * setup.rowsPerByte * 1.1) + 64;
  const file = Deno.openSync(range.path, { read: true });
  try {
    file.seekSync(range.start, Deno.SeekMode.Start);
    if (options.parseThenBin || setup.maxValueBytes < BIN_WHILE_PARSING_BYTES) {
      return parseThenBin(file, range, reader, { edges: setup.edges, capacity, scratch });
    }
    const binned = new BinnedCsvReader(reader, {
      edges: setup.edges,
      labelColumn: setup.labelColumn,
      capacityRows: capacity,
      reuse: options.reuse,
      kernel: scratch.kernel,
    });
    readLinesBinned(file, range, binned, scratch.bytes);
    return binned.finish();
  } finally {
    file.close();
  }
}

/**
 * Reads the file into `buffer` and hands `binned` whole lines: the start of a line that a read
 * cuts moves to the buffer's start for the next read; a line longer than the buffer goes to the
 * general reader piece by piece.
 */
function readLinesBinned(
  file: Deno.FsFile,
  range: ByteRange,
  binned: BinnedCsvReader,
  buffer: Uint8Array,
): void {
  let kept = 0;
  let longLine = false;
  for (let position = range.start; position < range.end;) {
    const count = file.readSync(
      buffer.subarray(kept, Math.min(buffer.length, kept + range.end - position)),
    );
    if (count === null || count === 0) break;
    position += count;
    const filled = kept + count;
    kept = 0;
    const last = buffer.lastIndexOf(NEWLINE, filled - 1);
    if (last === -1) {
      binned.pushToReader(buffer.subarray(0, filled));
      longLine = true;
      continue;
    }
    let start = 0;
    if (longLine) {
      start = buffer.indexOf(NEWLINE) + 1;
      binned.pushToReader(buffer.subarray(0, start));
      longLine = false;
    }
    binned.readLines(buffer, start, last + 1);
    kept = filled - last - 1;
    buffer.copyWithin(0, last + 1, filled);
  }
  if (kept > 0) binned.pushToReader(buffer.subarray(0, kept));
}

/** Reads the values of every read, then bins them. */
function parseThenBin(
  file: Deno.FsFile,
  range: ByteRange,
  reader: CsvTableReader,
  options: { edges: BinEdges; capacity: number; scratch: RangeScratch },
): RangeResult {
  const builder = new BinnedRowsBuilder(options.edges, options.capacity);
  let labels = new Int32Array(options.capacity);
  const append = (batch: ReturnType<CsvTableReader["drain"]>) => {
    if (builder.rows + batch.rows > labels.length) {
      const grown = new Int32Array(
        Math.max(builder.rows + batch.rows, Math.ceil(labels.length * 1.5)),
      );
      grown.set(labels.subarray(0, builder.rows));
      labels = grown;
    }
    labels.set(batch.labelIds!, builder.rows);
    builder.append(batch);
  };
  const buffer = options.scratch.bytes;
  for (let position = range.start; position < range.end;) {
    const count = file.readSync(buffer.subarray(0, Math.min(buffer.length, range.end - position)));
    if (count === null || count === 0) break;
    position += count;
    reader.push(buffer.subarray(0, count));
    // Every read's records at once, so that the values never outgrow the scratch buffer.
    append(reader.drain());
  }
  const last = reader.finish();
  append({ ...last.features, labelIds: last.labelIds! });
  const binned = builder.finish();
  return {
    rows: binned.rows,
    codes: binned.codes,
    binLow: binned.binLow,
    binHigh: binned.binHigh,
    labelIds: labels.length === binned.rows ? labels : labels.slice(0, binned.rows),
    labelNames: last.labelNames!,
  };
}

/**
 * Puts the reader where a sequential read of the file would be at the range's start: the
 * header line read (and kept, to skip its repeats), and the line count as far as it is known.
 */
function pushLinesBefore(
  reader: CsvTableReader,
  range: ByteRange,
  header: boolean,
  linesBefore: number | undefined,
): void {
  let blank = linesBefore ?? 0;
  if (header && range.headerLine !== undefined) {
    const line = new Uint8Array(range.headerLine.length + 1);
    line.set(range.headerLine);
    line[range.headerLine.length] = NEWLINE;
    reader.push(line);
    blank = Math.max(0, blank - 1);
  }
  if (blank > 0) reader.push(new Uint8Array(blank).fill(NEWLINE));
}
