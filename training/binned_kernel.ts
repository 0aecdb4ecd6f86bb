/**
 * The WebAssembly kernel of a reading thread (`binned_kernel.as.ts`, compiled by
 * `scripts/build_kernel.ts`): it parses and bins ordinary CSV records a batch at a time, at
 * 1.2-1.45x the MB/s of the same loop in JavaScript (`bench/range_read.ts`). `BinnedCsvReader` hands it
 * the lines of its read buffer and reads whatever the kernel stops at (a header, quotes, an
 * exponent) itself, so the records, codes and labels are the same with or without it.
 *
 * The kernel reads only bytes in its own memory: a reading thread reads the file straight into
 * {@linkcode BinnedKernel.input}, so nothing is copied on the way in.
 *
 * @module
 */

import { type BinEdges, codeStride, LOOKUP_CELLS } from "../algorithm/binning.ts";
import { POWERS_OF_TEN } from "../codecs/number.ts";
import { BINNED_KERNEL_WASM } from "./binned_kernel_wasm.ts";

/** Records the kernel reads and bins per call. */
const KERNEL_BATCH_ROWS = 256;

/** The longest header line the kernel can recognise; a reader with a longer one reads alone. */
const MAX_HEADER_BYTES = 64 * 1024;

/**
 * The most memory one kernel may take (its tables grow with the features): past it, with
 * thousands of features, the JavaScript reader reads alone.
 */
const MAX_KERNEL_BYTES = 64 * 1024 * 1024;

/** The kernel's exports (`binned_kernel.as.ts`). */
interface KernelExports {
  configure(...layout: number[]): void;
  setHeaderLength(length: number): void;
  readRecords(start: number, end: number): number;
  readonly stoppedAt: WebAssembly.Global;
}

let compiled: WebAssembly.Module | undefined;

/** Hands out 8-byte aligned places in the kernel's memory, in order. */
class Layout {
  bytes = 0;

  take(size: number): number {
    const at = this.bytes;
    this.bytes += Math.ceil(size / 8) * 8;
    return at;
  }
}

/**
 * One kernel instance with its memory laid out for one set of bin edges: the read buffer, the
 * edges' lookup tables, and a batch's values, codes and label spans.
 *
 * @example
 * ```ts
 * const kernel = BinnedKernel.create(edges, { labelColumn: 0, inputBytes: 1 << 20 })!;
 * const count = file.readSync(kernel.input) ?? 0;
 * const rows = kernel.read(0, kernel.input.lastIndexOf(0x0a, count - 1) + 1);
 * // kernel.codes, kernel.labelStart(r) and kernel.labelEnd(r) hold the batch's records
 * ```
 */
export class BinnedKernel {
  /** The edges the kernel bins with. */
  readonly edges: BinEdges;
  /** The label's column, counted from 0. */
  readonly labelColumn: number;
  /** The read buffer: the kernel reads lines put here, and only here. */
  readonly input: Uint8Array;
  /** The last batch's codes, {@linkcode codeStride} a record. */
  readonly codes: Uint8Array;
  /** Smallest value seen in each global bin since {@linkcode BinnedKernel.resetBins}. */
  readonly binLow: Float64Array;
  /** Largest value seen in each global bin since {@linkcode BinnedKernel.resetBins}. */
  readonly binHigh: Float64Array;
  /** All of the kernel's memory, where the label spans point. */
  readonly memory: Uint8Array;
  readonly #exports: KernelExports;
  readonly #inputAt: number;
  readonly #spans: Int32Array;
  readonly #header: Uint8Array;
  #headerLine: Uint8Array | undefined;

  private constructor(edges: BinEdges, labelColumn: number, inputBytes: number) {
    const columns = edges.columns;
    const stride = codeStride(edges);
    const bins = edges.binOffsets[columns];
    const cells = columns * (LOOKUP_CELLS + 1);
    const layout = new Layout();
    const at = {
      powers: layout.take(16 * 8),
      values: layout.take(KERNEL_BATCH_ROWS * columns * 8),
      spans: layout.take(KERNEL_BATCH_ROWS * 8),
      codes: layout.take(KERNEL_BATCH_ROWS * stride),
      binOffsets: layout.take((columns + 1) * 4),
      low: layout.take(columns * 8),
      scale: layout.take(columns * 8),
      cellStart: layout.take(cells * 4),
      cellEdge: layout.take(cells * 8),
      edges: layout.take(edges.edges.length * 8),
      binLow: layout.take(bins * 8),
      binHigh: layout.take(bins * 8),
      header: layout.take(MAX_HEADER_BYTES + 8),
      // Slack after the input: the kernel reads four bytes at once near a line's end.
      input: layout.take(inputBytes + 8),
    };
    const memory = new WebAssembly.Memory({ initial: Math.ceil(layout.bytes / 65536) });
    compiled ??= new WebAssembly.Module(Uint8Array.fromBase64(BINNED_KERNEL_WASM));
    const instance = new WebAssembly.Instance(compiled, {
      env: {
        memory,
        abort: () => {
          throw new Error("The binned kernel aborted");
        },
      },
    });
    const buffer = memory.buffer;
    new Float64Array(buffer, at.powers, 16).set(POWERS_OF_TEN.slice(0, 16));
    new Int32Array(buffer, at.binOffsets, columns + 1).set(edges.binOffsets);
    new Float64Array(buffer, at.low, columns).set(edges.low);
    new Float64Array(buffer, at.scale, columns).set(edges.scale);
    new Int32Array(buffer, at.cellStart, cells).set(edges.cellStart);
    new Float64Array(buffer, at.cellEdge, cells).set(edges.cellEdge);
    new Float64Array(buffer, at.edges, edges.edges.length).set(edges.edges);
    this.#exports = instance.exports as unknown as KernelExports;
    this.#exports.configure(
      columns,
      labelColumn,
      stride,
      KERNEL_BATCH_ROWS,
      at.powers,
      at.values,
      at.spans,
      at.codes,
      at.binOffsets,
      at.low,
      at.scale,
      at.cellStart,
      at.cellEdge,
      at.edges,
      at.binLow,
      at.binHigh,
      at.header,
    );
    this.edges = edges;
    this.labelColumn = labelColumn;
    this.memory = new Uint8Array(buffer);
    this.input = new Uint8Array(buffer, at.input, inputBytes);
    this.codes = new Uint8Array(buffer, at.codes, KERNEL_BATCH_ROWS * stride);
    this.binLow = new Float64Array(buffer, at.binLow, bins);
    this.binHigh = new Float64Array(buffer, at.binHigh, bins);
    this.#inputAt = at.input;
    this.#spans = new Int32Array(buffer, at.spans, KERNEL_BATCH_ROWS * 2);
    this.#header = new Uint8Array(buffer, at.header, MAX_HEADER_BYTES);
    this.resetBins();
  }

  /**
   * A kernel for records of `edges.columns` features and a label in column `labelColumn`, with
   * a read buffer of `inputBytes`; `undefined` when the kernel cannot take them (two-byte codes,
   * or so many features that its tables would pass {@linkcode MAX_KERNEL_BYTES}).
   */
  static create(
    edges: BinEdges,
    options: { labelColumn: number; inputBytes: number },
  ): BinnedKernel | undefined {
    if (edges.maxBins > 256) return undefined;
    const tableBytes = edges.columns * ((LOOKUP_CELLS + 1) * 12 + KERNEL_BATCH_ROWS * 8);
    if (tableBytes + options.inputBytes > MAX_KERNEL_BYTES) return undefined;
    return new BinnedKernel(edges, options.labelColumn, options.inputBytes);
  }

  /** Forgets the bin ranges seen so far (a new range's read starts). */
  resetBins(): void {
    this.binLow.fill(Infinity);
    this.binHigh.fill(-Infinity);
  }

  /**
   * Sets the header line whose repeats the kernel leaves to the caller (`undefined`: none).
   * Returns false for a line too long to recognise: the caller must then read without the
   * kernel.
   */
  setHeader(line: Uint8Array | undefined): boolean {
    if (line === this.#headerLine) return true;
    if (line !== undefined && line.length > MAX_HEADER_BYTES) return false;
    if (line !== undefined) this.#header.set(line);
    this.#exports.setHeaderLength(line === undefined ? -1 : line.length);
    this.#headerLine = line;
    return true;
  }

  /**
   * Reads and bins up to {@linkcode KERNEL_BATCH_ROWS} records of `input[start, end)` (whole
   * lines, each ending in `\n`). Returns how many; {@linkcode BinnedKernel.stoppedAt} tells
   * where the first line not read starts.
   */
  read(start: number, end: number): number {
    return this.#exports.readRecords(this.#inputAt + start, this.#inputAt + end);
  }

  /** Where the last {@linkcode BinnedKernel.read} stopped, as an index into `input`. */
  get stoppedAt(): number {
    return (this.#exports.stoppedAt.value as number) - this.#inputAt;
  }

  /** Where the label of the last batch's record `row` starts in {@linkcode BinnedKernel.memory}. */
  labelStart(row: number): number {
    return this.#spans[row * 2];
  }

  /** Where the line of the last batch's record `row` starts, as an index into `input`. */
  lineStart(row: number): number {
    const before = this.#spans[row * 2] - this.#inputAt - 1;
    return before < 0 ? 0 : this.input.lastIndexOf(0x0a, before) + 1;
  }

  /** Where the label of the last batch's record `row` ends in {@linkcode BinnedKernel.memory}. */
  labelEnd(row: number): number {
    return this.#spans[row * 2 + 1];
  }
}
