/**
 * Class labels: strings in the data, small integers for the algorithm.
 *
 * @module
 */

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const textDecoder = new TextDecoder();

/** Sorts labels the way scikit-learn's `np.unique` would for the column's type. */
export function sortClasses(classes: string[]): string[] {
  const numeric = classes.every((label) => label !== "" && Number.isFinite(Number(label)));
  return numeric
    ? [...classes].sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0))
    : [...classes].sort();
}

/**
 * Decodes the label field `[start, end)` of a CSV record by CSV rules: trimmed, then a quoted
 * field loses its surrounding quotes and each doubled quote inside becomes one (`"say ""hi"""`
 * is `say "hi"`). Short ASCII labels skip the `TextDecoder` (a tenth of the cost).
 */
export function decodeLabel(bytes: Uint8Array, start = 0, end: number = bytes.length): string {
  while (start < end && (bytes[start] === SPACE || bytes[start] === TAB)) start++;
  while (end > start && (bytes[end - 1] === SPACE || bytes[end - 1] === TAB)) end--;
  if (end - start >= 2 && bytes[start] === QUOTE && bytes[end - 1] === QUOTE) {
    start++;
    end--;
    if (bytes.subarray(start, end).includes(QUOTE)) {
      return textDecoder.decode(bytes.subarray(start, end)).replaceAll('""', '"');
    }
  }
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (bytes[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii && end - start <= 64) {
    return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  }
  return textDecoder.decode(bytes.subarray(start, end));
}

/**
 * The label column of a CSV read: one string per record, or with `ids` each record's label as
 * an index into the distinct labels in first-seen order (4 bytes a record instead of a string,
 * for big training files).
 */
export class LabelColumn {
  /** One label per record, without `ids`. */
  readonly strings: string[] = [];
  #ids: Int32Array | undefined;
  #names = new Map<string, number>();

  /** Creates an empty column; `ids` keeps indices instead of strings. */
  constructor(options: { ids: boolean }) {
    if (options.ids) this.#ids = new Int32Array(1024);
  }

  /** Records the label of record `row` (rows are added in order). */
  add(row: number, label: string): void {
    if (this.#ids === undefined) {
      this.strings.push(label);
      return;
    }
    let id = this.#names.get(label);
    if (id === undefined) {
      id = this.#names.size;
      this.#names.set(label, id);
    }
    if (row >= this.#ids.length) {
      const grown = new Int32Array(this.#ids.length * 2);
      grown.set(this.#ids);
      this.#ids = grown;
    }
    this.#ids[row] = id;
  }

  /** With `ids`: the first `rows` indices and the distinct labels; otherwise nothing. */
  ids(rows: number): { labelIds?: Int32Array; labelNames?: string[] } {
    if (this.#ids === undefined) return {};
    return { labelIds: this.#ids.subarray(0, rows), labelNames: [...this.#names.keys()] };
  }
}
