/**
 * The small pieces of JSON syntax the streaming JSON reader needs: byte codes, strings scanned
 * across chunk boundaries, bytes kept for error messages, and `JSON.parse`'s wording.
 *
 * @module
 */

/** Byte codes of JSON's structural characters and whitespace. */
export const BYTES = {
  SPACE: 0x20,
  TAB: 0x09,
  NEWLINE: 0x0a,
  CARRIAGE_RETURN: 0x0d,
  QUOTE: 0x22,
  BACKSLASH: 0x5c,
  COMMA: 0x2c,
  COLON: 0x3a,
  MINUS: 0x2d,
  ZERO: 0x30,
  NINE: 0x39,
  OPEN_LIST: 0x5b,
  CLOSE_LIST: 0x5d,
  OPEN_OBJECT: 0x7b,
  CLOSE_OBJECT: 0x7d,
} as const;

const { QUOTE, BACKSLASH, MINUS, ZERO, NINE, SPACE, NEWLINE, CARRIAGE_RETURN } = BYTES;

/** After `[`: a value or `]`. */
export const VALUE_OR_CLOSE = 0;
/** After `,` in a list, `:`, or at the start: a value. */
export const VALUE = 1;
/** After a value in a list or object: `,` or the closing bracket. */
export const AFTER_VALUE = 2;
/** After `{`: a key or `}`. */
export const KEY_OR_CLOSE = 3;
/** After `,` in an object: a key. */
export const KEY = 4;
/** After a key: `:`. */
export const COLON_NEXT = 5;
/** After the body's value: only whitespace. */
export const END = 6;
/** Inside a string. */
export const IN_STRING = 7;

/** What `JSON.parse` says when `state` meets a byte it does not allow (`closer`: `]` or `}`). */
export function expectedMessage(closer: number, state: number): string {
  if (state === AFTER_VALUE) {
    return closer === BYTES.CLOSE_LIST
      ? "Expected ',' or ']' after array element"
      : "Expected ',' or '}' after property value";
  }
  if (state === KEY_OR_CLOSE) return "Expected property name or '}'";
  if (state === KEY) return "Expected double-quoted property name";
  return "Expected ':' after property name";
}

/**
 * Where the reader is in the body, for `JSON.parse`'s "at position N (line L column C)": the
 * position of the current buffer's first byte, and the lines seen (`\n`, `\r`, `\r\n`).
 */
export class BodyPosition {
  /** Position in the body of `bytes[0]` of the buffer being read. */
  base = 0;
  #line = 1;
  #lineStart = 0;
  #returnAt = -2;

  /** Counts the line break `c` at index `i` of the buffer being read. */
  lineBreak(c: number, i: number): void {
    const at = this.base + i;
    if (c === NEWLINE && this.#returnAt === at - 1) {
      this.#lineStart = at + 1;
      return;
    }
    if (c === CARRIAGE_RETURN) this.#returnAt = at;
    this.#line++;
    this.#lineStart = at + 1;
  }

  /** `at position N (line L column C)` for the body position `at`. */
  describe(at: number): string {
    return `at position ${at} (line ${this.#line} column ${at - this.#lineStart + 1})`;
  }
}
const textDecoder = new TextDecoder();

/** What `JSON.parse` calls the character starting at `i`, where no value may start. */
export function unexpectedToken(bytes: Uint8Array, i: number): string {
  const c = bytes[i];
  if (c === QUOTE) return "Unexpected string";
  if (c === MINUS || (c >= ZERO && c <= NINE)) return "Unexpected number";
  const character = String.fromCodePoint(
    textDecoder.decode(bytes.subarray(i, i + 4)).codePointAt(0) ?? 0xfffd,
  );
  return `Unexpected token '${character}'`;
}

/** The literal (`true`, `false` or `null`) that starts with `bytes[i]`, or "" for none. */
export function literalAt(bytes: Uint8Array, i: number): string {
  const c = bytes[i];
  return c === 0x74 ? "true" : c === 0x66 ? "false" : c === 0x6e ? "null" : "";
}

/** How many bytes from `i` match `word` (stopping at a difference or the end of the bytes). */
export function matchedLength(bytes: Uint8Array, i: number, word: string): number {
  let k = 0;
  while (k < word.length && i + k < bytes.length && bytes[i + k] === word.charCodeAt(k)) k++;
  return k;
}

/** Whether `c` may continue a number or a `true`/`false`/`null` cut by the end of a chunk. */
export function continuesToken(c: number): boolean {
  return (c >= ZERO && c <= NINE) || (c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x2b ||
    c === MINUS || c === 0x45;
}

/** {@linkcode JsonStringScanner.scan} reached the end of the bytes inside the string. */
export const STRING_GOES_ON: number = -1;
/** {@linkcode JsonStringScanner.scan} found a byte JSON does not allow there. */
export const STRING_INVALID: number = -2;

/** Checks a string's escapes and characters as `JSON.parse` does, across chunk boundaries. */
export class JsonStringScanner {
  /** After an invalid byte: `JSON.parse`'s words for it. */
  error = "";
  /** After an invalid byte: its index. */
  errorAt = 0;
  #escape = false;
  #hexDue = 0;

  /**
   * Scans from `i` (after the opening quote, or where the last chunk ended inside the string);
   * returns the index of the closing quote, {@linkcode STRING_GOES_ON} or
   * {@linkcode STRING_INVALID}.
   */
  scan(bytes: Uint8Array, i: number): number {
    const end = bytes.length;
    while (i < end) {
      const c = bytes[i];
      if (this.#hexDue > 0) {
        const hex = (c >= ZERO && c <= NINE) || (c >= 0x41 && c <= 0x46) ||
          (c >= 0x61 && c <= 0x66);
        if (!hex) return this.#invalid("Bad Unicode escape", i);
        this.#hexDue--;
      } else if (this.#escape) {
        this.#escape = false;
        if (c === 0x75) this.#hexDue = 4;
        else if (
          c !== QUOTE && c !== BACKSLASH && c !== 0x2f && c !== 0x62 && c !== 0x66 &&
          c !== 0x6e && c !== 0x72 && c !== 0x74
        ) {
          return this.#invalid("Bad escaped character", i);
        }
      } else if (c === QUOTE) {
        return i;
      } else if (c === BACKSLASH) {
        this.#escape = true;
      } else if (c < SPACE) {
        return this.#invalid("Bad control character in string literal", i);
      }
      i++;
    }
    return STRING_GOES_ON;
  }

  /** What `JSON.parse` says when the body ends inside the string (undefined: "end of input"). */
  cutShort(): string | undefined {
    if (this.#escape) return undefined;
    return this.#hexDue > 0 ? "Bad Unicode escape" : "Unterminated string";
  }

  #invalid(message: string, at: number): number {
    this.error = message;
    this.errorAt = at;
    return STRING_INVALID;
  }
}

/** Up to `limit` bytes of a value, kept across chunks to name it in a message. */
export class KeptBytes {
  #limit: number;
  #bytes: number[] = [];

  /** Keeps at most `limit` bytes (one more marks that there were more). */
  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Whether there were more bytes than the limit. */
  get overflowed(): boolean {
    return this.#bytes.length > this.#limit;
  }

  /** Adds `bytes[from..to)`. */
  keep(bytes: Uint8Array, from: number, to: number): void {
    const kept = this.#bytes;
    const stop = Math.min(to, from + this.#limit + 1 - kept.length);
    for (let k = from; k < stop; k++) kept.push(bytes[k]);
  }

  /** The bytes kept as text. */
  text(): string {
    return textDecoder.decode(Uint8Array.from(this.#bytes));
  }

  /** Whether the kept bytes, a key without its quotes, spell `name` (escapes decoded). */
  spells(name: string): boolean {
    const kept = this.#bytes;
    if (this.overflowed) return false;
    if (kept.includes(BACKSLASH)) return JSON.parse(`"${this.text()}"`) === name;
    return kept.length === name.length && kept.every((b, k) => b === name.charCodeAt(k));
  }
}

/**
 * Drops a UTF-8 byte-order mark at the start of the body, as `TextDecoder` does: the first
 * bytes are held until three are known.
 */
export class ByteOrderMark {
  /** Whether the start of the body has been seen. */
  done = false;
  #head: Uint8Array = new Uint8Array(0);

  /** The bytes of `chunk` to read (with any held bytes first); `final`: the body ended. */
  strip(chunk: Uint8Array, final: boolean): Uint8Array {
    let bytes = chunk;
    if (this.#head.length > 0) {
      bytes = new Uint8Array(this.#head.length + chunk.length);
      bytes.set(this.#head);
      bytes.set(chunk, this.#head.length);
    }
    const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    if (bytes.length < 3 && !final && !bytes.some((b, k) => b !== [0xef, 0xbb][k])) {
      this.#head = bytes.slice();
      return bytes.subarray(0, 0);
    }
    this.done = true;
    return bom ? bytes.subarray(3) : bytes;
  }
}

/** A bad value being kept to name it in an error: its bytes, where it began, what it was for. */
export class CapturedValue {
  /** Its bytes so far (up to 4096, plenty for a 40-character description). */
  readonly bytes: KeptBytes = new KeptBytes(4096);
  /** Where it began in the buffer being read (0 in later buffers). */
  from: number;
  /** The nesting depth it started at: it ends when the reader is back there. */
  readonly depth: number;
  /** What it was for (a `SLOT_` of `json_records.ts`), and its field index in a record. */
  readonly slot: number;
  /** Its field index, for a field. */
  readonly field: number;

  /** Starts keeping a value. */
  constructor(from: number, where: { depth: number; slot: number; field: number }) {
    this.from = from;
    this.depth = where.depth;
    this.slot = where.slot;
    this.field = where.field;
  }

  /** The value as `describeJsonValue` shows it, from its text (cut when it was long). */
  text(): string {
    const text = this.bytes.text();
    return this.bytes.overflowed ? `${text.slice(0, 40)}...` : text;
  }
}
