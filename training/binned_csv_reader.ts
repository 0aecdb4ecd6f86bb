/**
 * CSV records into bin codes, for the reading threads of a training read: ordinary lines are
 * parsed here, without a bounds check per byte and four decimals at once, into a batch of a
 * few hundred records that is binned column by column while it is still in the fastest cache
 * (about 1.4x the MB/s of parsing a whole read first, `bench/range_read.ts`).
 *
 * Ordinary records are read here: an unquoted label and numbers that `CsvTableReader`'s fast
 * path reads, plus empty fields and `nan` (NaN). Any other line (a header, a blank line, quotes,
 * spaces, an error) is pushed to a `CsvTableReader`, told how many records were read here in
 * between, so that it reads that line exactly as a sequential read would, with the same line
 * number in its error. Values, codes, labels and bin ranges are those of the sequential read:
 * every number is parsed to the same double (`number.ts` reads exactly what `Number()` does)
 * and binned by `encodeRows`, in the same order.
 *
 * @module
 */

import { allocateCodes, type BinEdges, codeStride, encodeRows } from "../algorithm/binning.ts";
import type { CsvTableReader } from "../codecs/csv_reader.ts";
import {
  fourDigitValue,
  isFourDigits,
  numberEnd,
  POWERS_OF_TEN,
  readLongNumber,
  readNumber,
  readNumpyExponential,
} from "../codecs/number.ts";
import type { NumberTable } from "../codecs/table.ts";
import type { BinnedKernel } from "./binned_kernel.ts";
import { LabelIndex } from "./label_index.ts";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const COMMA = 0x2c;
const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_A = 0x61;
const LOWER_E = 0x65;
const UPPER_E = 0x45;
const LOWER_N = 0x6e;

/**
 * Lines in a row that the general reader reads before the rest of a window goes to it at once:
 * a file of quoted fields is then read at the general reader's speed.
 */
const MISSES_BEFORE_GIVING_UP = 8;

/**
 * Lines in a row the WebAssembly kernel stops at before the rest of the read goes without it:
 * a file of numbers it does not read (numpy's `%.18e`) then costs no call a line.
 */
const KERNEL_MISSES_BEFORE_GIVING_UP = 8;

/**
 * Records parsed before they are binned together, column by column (`encodeRows`): 40 KiB of
 * values for 20 features, which stay in the fastest cache, and a feature's bin lookup stays
 * there while its column is binned (binning each value as it is parsed is slower: every value
 * needs another feature's lookup).
 */
const BATCH_ROWS = 256;

/**
 * Memory a reading thread got back from the records of an earlier range, to reuse instead of
 * taking fresh pages (each first touch of a page costs a page fault).
 */
export interface RangeBuffers {
  /** The codes' buffer. */
  readonly codes: ArrayBuffer;
  /** The labels' buffer. */
  readonly labels: ArrayBuffer;
}

/** The binned records of a read. */
export interface BinnedRecords {
  /** Records read. */
  readonly rows: number;
  /** Their bin codes, {@linkcode codeStride} a row. */
  readonly codes: Uint8Array | Uint16Array;
  /** Smallest value in each global bin. */
  readonly binLow: Float64Array;
  /** Largest value in each global bin. */
  readonly binHigh: Float64Array;
  /** The label of each record as an index into `labelNames`. */
  readonly labelIds: Int32Array;
  /** The distinct labels in first-seen order. */
  readonly labelNames: readonly string[];
}

/**
 * Reads CSV lines into bin codes, handing the lines it does not read to `reader`.
 *
 * @example
 * ```ts
 * const reader = new CsvTableReader({ labelColumn: 0, labelIds: true, features: 2 });
 * const binned = new BinnedCsvReader(reader, { edges, capacityRows: 1000 });
 * binned.readLines(bytes, 0, bytes.lastIndexOf(0x0a) + 1);
 * const { codes, labelIds } = binned.finish();
 * ```
 */
export class BinnedCsvReader {
  readonly #reader: CsvTableReader;
  readonly #edges: BinEdges;
  readonly #stride: number;
  readonly #wide: boolean;
  readonly #labelColumn: number;
  readonly #lastField: number;
  /** The values of the records parsed and not binned yet (`#pending` of them). */
  readonly #values: Float64Array;
  #pending = 0;
  #codes: Uint8Array | Uint16Array;
  #labels: Int32Array;
  #rows = 0;
  /** Records counted by the general reader so far (its own and those read here). */
  #syncedRows = 0;
  readonly #binLow: Float64Array;
  readonly #binHigh: Float64Array;
  /** Whether lines may be read here: the general reader has its header (if any). */
  #ready: boolean;
  #header: Uint8Array | undefined;
  readonly #labelIndex = new LabelIndex();
  #view: DataView | undefined;
  #viewBytes: Uint8Array | undefined;
  /** The WebAssembly kernel, if any, and whether it is still used. */
  #kernel: BinnedKernel | undefined;
  #useKernel = false;
  #kernelMisses = 0;

  /**
   * Reads records of `edges.columns` features and a label in column `labelColumn` of `reader`
   * (which must have `labelIds`), room for `capacityRows` first. With a `kernel` (made for the
   * same edges and label column), the lines of its `input` are read by it where it can.
   */
  constructor(
    reader: CsvTableReader,
    options: {
      edges: BinEdges;
      labelColumn: number;
      capacityRows: number;
      reuse?: RangeBuffers;
      kernel?: BinnedKernel;
    },
  ) {
    const { edges } = options;
    this.#reader = reader;
    this.#edges = edges;
    this.#stride = codeStride(edges);
    this.#wide = edges.maxBins > 256;
    this.#labelColumn = options.labelColumn;
    this.#lastField = edges.columns;
    this.#values = new Float64Array(BATCH_ROWS * edges.columns);
    const capacity = Math.max(1, options.capacityRows);
    const codes = capacity * this.#stride;
    const reuse = options.reuse;
    if (reuse !== undefined && reuse.codes.byteLength >= codes * (this.#wide ? 2 : 1)) {
      // Zeroed, as new memory is: the padding of each row is never written.
      this.#codes = (this.#wide
        ? new Uint16Array(reuse.codes, 0, codes)
        : new Uint8Array(reuse.codes, 0, codes)).fill(0);
    } else {
      this.#codes = allocateCodes(codes, { wide: this.#wide, shared: false });
    }
    this.#labels = reuse !== undefined && reuse.labels.byteLength >= capacity * 4
      ? new Int32Array(reuse.labels, 0, capacity)
      : new Int32Array(capacity);
    const kernel = options.kernel;
    if (
      kernel !== undefined && kernel.edges === edges &&
      kernel.labelColumn === options.labelColumn && !this.#wide
    ) {
      // The kernel's bin ranges are this reader's too: both see the values in file order.
      kernel.resetBins();
      this.#kernel = kernel;
      this.#useKernel = true;
      this.#binLow = kernel.binLow;
      this.#binHigh = kernel.binHigh;
    } else {
      const bins = edges.binOffsets[edges.columns];
      this.#binLow = new Float64Array(bins).fill(Infinity);
      this.#binHigh = new Float64Array(bins).fill(-Infinity);
    }
    this.#ready = !reader.header.expected;
    this.#header = reader.header.repeated;
  }

  /** Records read so far. */
  get rows(): number {
    return this.#rows;
  }

  /**
   * Reads the lines of `bytes` from `start` to `end`, where the last one ends (every line of
   * them ends with `\n`).
   */
  readLines(bytes: Uint8Array, start: number, end: number): void {
    let misses = 0;
    const kernel = this.#kernel !== undefined && bytes === this.#kernel.input
      ? this.#kernel
      : undefined;
    while (start < end) {
      if (kernel !== undefined && this.#useKernel && this.#ready) {
        const next = this.#readWithKernel(kernel, start, end);
        if (next !== start) {
          start = next;
          misses = 0;
          continue;
        }
      }
      const next = this.#ready ? this.#readRecord(bytes, start, end) : -1;
      if (next !== -1) {
        start = next;
        misses = 0;
        continue;
      }
      if (++misses > MISSES_BEFORE_GIVING_UP) {
        this.pushToReader(bytes.subarray(start, end));
        return;
      }
      const newline = bytes.indexOf(NEWLINE, start);
      this.pushToReader(bytes.subarray(start, newline + 1));
      start = newline + 1;
    }
  }

  /**
   * Hands `bytes` to the general reader as they are: lines this reader does not read, part of a
   * line longer than the read buffer, the last line when it has no line end.
   */
  pushToReader(bytes: Uint8Array): void {
    this.#flush();
    const reader = this.#reader;
    reader.skipRecords(this.#rows - this.#syncedRows);
    reader.push(bytes);
    this.#append(reader.drain());
    this.#ready = !reader.header.expected;
    this.#header = reader.header.repeated;
  }

  /** The records read; the reader must not be used afterwards. */
  finish(): BinnedRecords {
    this.#flush();
    const reader = this.#reader;
    reader.skipRecords(this.#rows - this.#syncedRows);
    const last = reader.finish();
    this.#append({ ...last.features, labelIds: last.labelIds, labelNames: last.labelNames });
    const rows = this.#rows;
    return {
      rows,
      codes: this.#codes.subarray(0, rows * this.#stride),
      // The kernel's memory is the next range's: its bin ranges are copied out.
      binLow: this.#kernel === undefined ? this.#binLow : this.#binLow.slice(),
      binHigh: this.#kernel === undefined ? this.#binHigh : this.#binHigh.slice(),
      labelIds: this.#labels.subarray(0, rows),
      labelNames: this.#labelIndex.names(),
    };
  }

  /**
   * Reads records from `start` with the kernel, a batch at a time, until it stops at a line it
   * does not read; returns where that line starts (`start` when it read none).
   */
  #readWithKernel(kernel: BinnedKernel, start: number, end: number): number {
    // Records parsed here go first: their codes' place is already counted in `#rows`.
    this.#flush();
    if (!kernel.setHeader(this.#header)) {
      this.#useKernel = false;
      return start;
    }
    const stride = this.#stride;
    const memory = kernel.memory;
    for (;;) {
      const rows = kernel.read(start, end);
      const next = kernel.stoppedAt;
      if (rows === 0) {
        if (++this.#kernelMisses >= KERNEL_MISSES_BEFORE_GIVING_UP) this.#useKernel = false;
        return next;
      }
      this.#kernelMisses = 0;
      const row = this.#rows;
      this.#reserve(row + rows);
      let taken = rows;
      for (let r = 0; r < rows; r++) {
        const id = this.#labelIndex.idOfBytes(memory, kernel.labelStart(r), kernel.labelEnd(r));
        if (id === -1) {
          // A label that is not UTF-8: the records before it are taken, its line is the
          // general reader's, which fails naming it.
          taken = r;
          break;
        }
        this.#labels[row + r] = id;
      }
      (this.#codes as Uint8Array).set(kernel.codes.subarray(0, taken * stride), row * stride);
      this.#rows = row + taken;
      if (taken < rows) return kernel.lineStart(taken);
      start = next;
      if (start >= end) return start;
    }
  }

  /** Bins the records parsed here and not binned yet. */
  #flush(): void {
    const rows = this.#pending;
    if (rows === 0) return;
    const columns = this.#lastField;
    encodeRows({ data: this.#values.subarray(0, rows * columns), rows, columns }, this.#edges, {
      codes: this.#codes,
      out: (this.#rows - rows) * this.#stride,
      stride: this.#stride,
      binLow: this.#binLow,
      binHigh: this.#binHigh,
    });
    this.#pending = 0;
  }

  /** Bins the records the general reader read, relabelled in this reader's label order. */
  #append(batch: NumberTable & { labelIds?: Int32Array; labelNames?: string[] }): void {
    const rows = this.#rows;
    this.#reserve(rows + batch.rows);
    encodeRows(batch, this.#edges, {
      codes: this.#codes,
      out: rows * this.#stride,
      stride: this.#stride,
      binLow: this.#binLow,
      binHigh: this.#binHigh,
    });
    const names = batch.labelNames!;
    const ids = batch.labelIds!;
    for (let r = 0; r < batch.rows; r++) {
      this.#labels[rows + r] = this.#labelIndex.idOf(names[ids[r]]);
    }
    this.#rows += batch.rows;
    this.#syncedRows = this.#rows;
  }

  /** Makes room for `rows` records, growing by half at least. */
  #reserve(rows: number): void {
    if (rows <= this.#labels.length) return;
    const capacity = Math.max(rows, Math.ceil(this.#labels.length * 1.5));
    const codes = allocateCodes(capacity * this.#stride, { wide: this.#wide, shared: false });
    codes.set(this.#codes.subarray(0, this.#rows * this.#stride));
    this.#codes = codes;
    const labels = new Int32Array(capacity);
    labels.set(this.#labels.subarray(0, this.#rows));
    this.#labels = labels;
  }

  /** A view of `bytes`, to read four bytes at once (kept: the read buffer is the same). */
  #viewOf(bytes: Uint8Array): DataView {
    if (bytes !== this.#viewBytes) {
      this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      this.#viewBytes = bytes;
    }
    return this.#view!;
  }

  /**
   * Reads the record at `start` and returns the index after its `\n`, or -1 for a line this
   * reader leaves to the general one. The line ends before `end`, so its bytes are read without
   * a bounds check: every loop stops at the `\n`.
   */
  #readRecord(bytes: Uint8Array, start: number, end: number): number {
    const header = this.#header;
    if (header !== undefined && isLine(bytes, start, header)) return -1;
    const row = this.#rows;
    if (row >= this.#labels.length) this.#reserve(row + 1);
    const values = this.#values;
    const offset = this.#pending * this.#lastField;
    const labelColumn = this.#labelColumn;
    const last = this.#lastField;
    const view = this.#viewOf(bytes);
    let labelId = 0;
    let feature = 0;
    let i = start;
    let c = bytes[i];
    for (let field = 0; field <= last; field++) {
      if (field === labelColumn) {
        const labelStart = i;
        while (
          c !== COMMA && c !== NEWLINE && c !== CARRIAGE_RETURN && c !== QUOTE && c !== SPACE &&
          c !== TAB && i < end
        ) {
          c = bytes[++i];
        }
        if (i === labelStart || i >= end || c === QUOTE || c === SPACE || c === TAB) return -1;
        labelId = this.#labelIndex.idOfBytes(bytes, labelStart, i);
        if (labelId === -1) return -1;
      } else {
        const numberStart = i;
        const negative = c === MINUS;
        if (negative || c === PLUS) c = bytes[++i];
        const digitsAt = i;
        let mantissa = 0;
        let digits = 0;
        while (c >= ZERO && c <= NINE) {
          mantissa = mantissa * 10 + (c - ZERO);
          digits++;
          c = bytes[++i];
        }
        let decimals = 0;
        if (c === DOT) {
          i++;
          // Four decimals at once when there are (the common case), then one at a time.
          if (i + 4 <= end) {
            const word = view.getInt32(i, true);
            if (isFourDigits(word)) {
              mantissa = mantissa * 10000 + fourDigitValue(word);
              decimals = 4;
              i += 4;
            }
          }
          c = bytes[i];
          while (c >= ZERO && c <= NINE) {
            mantissa = mantissa * 10 + (c - ZERO);
            decimals++;
            c = bytes[++i];
          }
        }
        let v: number;
        if (digits + decimals === 0) {
          if (i === numberStart && (c === COMMA || c === NEWLINE || c === CARRIAGE_RETURN)) {
            v = NaN; // an empty field
          } else if (
            (c | 0x20) === LOWER_N && (bytes[i + 1] | 0x20) === LOWER_A &&
            (bytes[i + 2] | 0x20) === LOWER_N
          ) {
            v = NaN;
            i += 3;
            c = bytes[i];
          } else {
            return -1;
          }
        } else if (digits + decimals > 15 || c === LOWER_E || c === UPPER_E) {
          // numpy's `%.18e` has its own reader; anything else goes through the general one.
          const numpy = digits === 1 && decimals === 18
            ? readNumpyExponential(bytes, digitsAt, end)
            : NaN;
          if (numpy === numpy) {
            v = negative ? -numpy : numpy;
            i = digitsAt + 24;
          } else {
            v = digits + decimals > 15
              ? readLongNumber(bytes, numberStart, end)
              : readNumber(bytes, numberStart, end);
            if (v !== v) return -1;
            i = numberEnd();
          }
          c = bytes[i];
        } else {
          // Up to 15 digits fit a double exactly; one division by an exact power of ten
          // rounds once, as Number() does.
          v = decimals === 0 ? mantissa : mantissa / POWERS_OF_TEN[decimals];
          if (negative) v = -v;
        }
        values[offset + feature] = v;
        feature++;
      }
      if (field < last) {
        if (c !== COMMA) return -1;
        c = bytes[++i];
      } else if (c === NEWLINE) {
        i++;
      } else if (c === CARRIAGE_RETURN && bytes[i + 1] === NEWLINE) {
        i += 2;
      } else {
        return -1;
      }
    }
    this.#labels[row] = labelId;
    this.#rows = row + 1;
    if (++this.#pending === BATCH_ROWS) this.#flush();
    return i;
  }
}

/** Whether the line at `start` of `bytes` is `text` followed by its line end. */
function isLine(bytes: Uint8Array, start: number, text: Uint8Array): boolean {
  const length = text.length;
  for (let k = 0; k < length; k++) if (bytes[start + k] !== text[k]) return false;
  const c = bytes[start + length];
  return c === NEWLINE || (c === CARRIAGE_RETURN && bytes[start + length + 1] === NEWLINE);
}
