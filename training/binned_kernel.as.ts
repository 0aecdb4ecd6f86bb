/**
 * The reading threads' hot loop in AssemblyScript, compiled to WebAssembly: ordinary CSV records
 * (an unquoted label and plain decimals of up to 15 digits, empty fields and `nan`) parsed and
 * binned a batch at a time. `scripts/build_kernel.ts` compiles it into `binned_kernel_wasm.ts`;
 * `binned_kernel.ts` lays out its memory and calls it. It reads exactly what the JavaScript fast
 * path (`BinnedCsvReader`) reads, to the same doubles and codes, and stops at the first line it
 * does not read (a header, quotes, spaces, an exponent, a long number), which the caller then
 * reads in JavaScript.
 *
 * AssemblyScript is TypeScript with WebAssembly's types (`i32`, `u32`, `f64`, `usize` for an
 * address) and raw memory access (`load<T>(address)`, `store<T>(address, value)`).
 *
 * Measured against the JavaScript loop, same process, 64 MB of the 8 M-row file:
 * `bench/range_read.ts`.
 */

const NEWLINE: u32 = 0x0a;
const CARRIAGE_RETURN: u32 = 0x0d;
const COMMA: u32 = 0x2c;
const SPACE: u32 = 0x20;
const TAB: u32 = 0x09;
const QUOTE: u32 = 0x22;
const MINUS: u32 = 0x2d;
const PLUS: u32 = 0x2b;
const DOT: u32 = 0x2e;
const ZERO: u32 = 0x30;
const LOWER_A: u32 = 0x61;
const LOWER_E: u32 = 0x65;
const LOWER_N: u32 = 0x6e;
const LOOKUP_CELLS: i32 = 1024;

// The layout, set once by `configure`: where each table and buffer lies in memory. The loops
// copy what they use into locals: a global is read again on every use.
let columnCount: i32 = 0;
let labelColumn: i32 = 0;
let codeStride: i32 = 0;
let batchRows: i32 = 0;
let powersAt: usize = 0; // f64[16]: 10^0 .. 10^15
let valuesAt: usize = 0; // f64[batchRows * columnCount]
let spansAt: usize = 0; // i32[batchRows * 2]: each record's label start and end
let codesAt: usize = 0; // u8[batchRows * codeStride]
let binOffsetsAt: usize = 0; // i32[columnCount + 1]
let lowAt: usize = 0; // f64[columnCount]
let scaleAt: usize = 0; // f64[columnCount]
let cellStartAt: usize = 0; // i32[columnCount * (LOOKUP_CELLS + 1)]
let cellEdgeAt: usize = 0; // f64[columnCount * (LOOKUP_CELLS + 1)]
let edgesAt: usize = 0; // f64[bins]
let binLowAt: usize = 0; // f64[bins]
let binHighAt: usize = 0; // f64[bins]
let headerAt: usize = 0; // the repeated header line to leave to the caller, if any
let headerLength: i32 = -1;

/** Where the last `readRecords` stopped: the start of the first line it did not read. */
export let stoppedAt: i32 = 0;

/** Sets the layout (addresses in memory) the other calls use. */
export function configure(
  columns: i32,
  label: i32,
  stride: i32,
  rows: i32,
  powers: usize,
  values: usize,
  spans: usize,
  codes: usize,
  binOffsets: usize,
  low: usize,
  scale: usize,
  cellStart: usize,
  cellEdge: usize,
  edges: usize,
  binLow: usize,
  binHigh: usize,
  header: usize,
): void {
  columnCount = columns;
  labelColumn = label;
  codeStride = stride;
  batchRows = rows;
  powersAt = powers;
  valuesAt = values;
  spansAt = spans;
  codesAt = codes;
  binOffsetsAt = binOffsets;
  lowAt = low;
  scaleAt = scale;
  cellStartAt = cellStart;
  cellEdgeAt = cellEdge;
  edgesAt = edges;
  binLowAt = binLow;
  binHighAt = binHigh;
  headerAt = header;
}

/** The header line (at the header address) that ends reading where it repeats; -1 for none. */
export function setHeaderLength(length: i32): void {
  headerLength = length;
}

/**
 * Reads up to `batchRows` records from `start` (the bytes up to `end` hold whole lines, each
 * ending in `\n`), bins them into the codes buffer and writes their label spans. Returns the
 * records read; `stoppedAt` is where reading stopped.
 */
export function readRecords(start: i32, end: i32): i32 {
  let i = start;
  let rows = 0;
  while (i < end && rows < batchRows) {
    const next = readRecord(i, rows);
    if (next < 0) break;
    i = next;
    rows++;
  }
  stoppedAt = i;
  binRows(rows);
  return rows;
}

/** The byte at `at`. */
function byteAt(at: i32): u32 {
  return load<u8>(at as usize) as u32;
}

/** Whether the line at `start` is the header line. */
function isHeader(start: i32): bool {
  if (headerLength < 0) return false;
  for (let k = 0; k < headerLength; k++) {
    if (byteAt(start + k) != (load<u8>(headerAt + (k as usize)) as u32)) return false;
  }
  const c = byteAt(start + headerLength);
  return c == NEWLINE || c == CARRIAGE_RETURN;
}

/** Whether the four bytes of `word` (little-endian) are all ASCII digits. */
function isFourDigits(word: u32): bool {
  return ((word & 0xf0f0f0f0) | (((word + 0x06060606) & 0xf0f0f0f0) >> 4)) == 0x33333333;
}

/** The four ASCII digits of `word` (first digit in the low byte) as a number. */
function fourDigitValue(word: u32): i64 {
  let v = word - 0x30303030;
  v = (v * 10 + (v >> 8)) & 0x00ff00ff;
  return ((v & 0xff) * 100 + (v >> 16)) as i64;
}

/** Reads the record at `start` as record `row` of the batch; the index after it, or -1. */
function readRecord(start: i32, row: i32): i32 {
  if (headerLength >= 0 && isHeader(start)) return -1;
  const columns = columnCount;
  const label = labelColumn;
  let out = valuesAt + ((row * columns) as usize) * 8;
  let i = start;
  let c = byteAt(i);
  for (let field = 0; field <= columns; field++) {
    if (field == label) {
      const labelStart = i;
      while (
        c != COMMA && c != NEWLINE && c != CARRIAGE_RETURN && c != QUOTE && c != SPACE && c != TAB
      ) {
        c = byteAt(++i);
      }
      if (i == labelStart || c == QUOTE || c == SPACE || c == TAB) return -1;
      store<i32>(spansAt + (row as usize) * 8, labelStart);
      store<i32>(spansAt + (row as usize) * 8 + 4, i);
    } else {
      const numberStart = i;
      const negative = c == MINUS;
      if (negative || c == PLUS) c = byteAt(++i);
      let mantissa: i64 = 0;
      let digits = 0;
      while (c - ZERO <= 9) {
        mantissa = mantissa * 10 + ((c - ZERO) as i64);
        digits++;
        c = byteAt(++i);
      }
      let decimals = 0;
      if (c == DOT) {
        i++;
        // Four decimals at once when there are (the common case), then one at a time.
        const word = load<u32>(i as usize);
        if (isFourDigits(word)) {
          mantissa = mantissa * 10000 + fourDigitValue(word);
          decimals = 4;
          i += 4;
        }
        c = byteAt(i);
        while (c - ZERO <= 9) {
          mantissa = mantissa * 10 + ((c - ZERO) as i64);
          decimals++;
          c = byteAt(++i);
        }
      }
      let v: f64 = NaN;
      if (digits + decimals == 0) {
        if (i == numberStart && (c == COMMA || c == NEWLINE || c == CARRIAGE_RETURN)) {
          // An empty field: NaN.
        } else if (
          (c | 0x20) == LOWER_N && (byteAt(i + 1) | 0x20) == LOWER_A &&
          (byteAt(i + 2) | 0x20) == LOWER_N
        ) {
          i += 3;
          c = byteAt(i);
        } else {
          return -1;
        }
      } else if (digits + decimals > 15 || (c | 0x20) == LOWER_E) {
        return -1; // A long number or an exponent: the JavaScript reader's.
      } else {
        // Up to 15 digits fit a double exactly; one division by an exact power of ten rounds
        // once, as Number() does.
        v = mantissa as f64;
        if (decimals != 0) v /= load<f64>(powersAt + (decimals as usize) * 8);
        if (negative) v = -v;
      }
      store<f64>(out, v);
      out += 8;
    }
    if (field < columns) {
      if (c != COMMA) return -1;
      c = byteAt(++i);
    } else if (c == NEWLINE) {
      i++;
    } else if (c == CARRIAGE_RETURN && byteAt(i + 1) == NEWLINE) {
      i += 2;
    } else {
      return -1;
    }
  }
  return i;
}

/** Bins the batch's first `rows` records column by column, as `encodeRows` does. */
function binRows(rows: i32): void {
  const columns = columnCount;
  const rowBytes = (columns as usize) * 8;
  const stride = codeStride as usize;
  const cellStart = cellStartAt;
  const cellEdge = cellEdgeAt;
  const edges = edgesAt;
  const binLow = binLowAt;
  const binHigh = binHighAt;
  for (let c = 0; c < columns; c++) {
    const offset = load<i32>(binOffsetsAt + (c as usize) * 4);
    const top = load<i32>(binOffsetsAt + ((c + 1) as usize) * 4) - 1 - offset;
    const featureLow = load<f64>(lowAt + (c as usize) * 8);
    const featureScale = load<f64>(scaleAt + (c as usize) * 8);
    const cells = c * (LOOKUP_CELLS + 1);
    let at = codesAt + (c as usize);
    let value = valuesAt + (c as usize) * 8;
    for (let r = 0; r < rows; r++) {
      const v = load<f64>(value);
      value += rowBytes;
      if (v != v) {
        store<u8>(at, top as u8); // NaN: the top bin
        at += stride;
        continue;
      }
      const t = (v - featureLow) * featureScale;
      // NaN goes to cell 0, as `t | 0` does in JavaScript.
      const cell = cells +
        (t >= 0 ? (t >= (LOOKUP_CELLS as f64) ? LOOKUP_CELLS - 1 : t as i32) : 0);
      let bin = load<i32>(cellStart + (cell as usize) * 4);
      const edge = load<f64>(cellEdge + (cell as usize) * 8);
      if (edge == edge) {
        bin += (v > edge) as i32;
      } else {
        let high = load<i32>(cellStart + ((cell + 1) as usize) * 4);
        while (bin < high) {
          const middle = (bin + high) >>> 1;
          if (load<f64>(edges + (middle as usize) * 8) < v) bin = middle + 1;
          else high = middle;
        }
      }
      store<u8>(at, (bin - offset) as u8);
      at += stride;
      const smallest = binLow + (bin as usize) * 8;
      const largest = binHigh + (bin as usize) * 8;
      if (v < load<f64>(smallest)) store<f64>(smallest, v);
      if (v > load<f64>(largest)) store<f64>(largest, v);
    }
  }
}
