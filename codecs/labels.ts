/**
 * Class labels: strings in the data, small integers for the algorithm.
 *
 * @module
 */

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
/** Fails on bytes that are not UTF-8 instead of turning them into U+FFFD. */
const textDecoder = new TextDecoder("utf-8", { fatal: true });

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
 * is `say "hi"`). Short ASCII labels skip the `TextDecoder` (a tenth of the cost). Returns
 * `undefined` for bytes that are not UTF-8 (a Latin-1 `é`, for example): a label silently
 * turned into U+FFFD would become a class of its own.
 */
export function decodeLabel(
  bytes: Uint8Array,
  start = 0,
  end: number = bytes.length,
): string | undefined {
  while (start < end && (bytes[start] === SPACE || bytes[start] === TAB)) start++;
  while (end > start && (bytes[end - 1] === SPACE || bytes[end - 1] === TAB)) end--;
  if (end - start >= 2 && bytes[start] === QUOTE && bytes[end - 1] === QUOTE) {
    start++;
    end--;
    if (bytes.subarray(start, end).includes(QUOTE)) {
      return decodeUtf8(bytes.subarray(start, end))?.replaceAll('""', '"');
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
  return decodeUtf8(bytes.subarray(start, end));
}

function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return textDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The message for a label field that is not UTF-8, after `Cannot parse <where>, field N: `. */
export const LABEL_NOT_UTF8 =
  "the label is not UTF-8 text (a Latin-1 or Windows-1252 file? save it as UTF-8)";

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
