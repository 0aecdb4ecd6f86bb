/**
 * Numbers from bytes, without building a string per value: the number rules shared by CSV
 * training files and `text/csv` requests.
 *
 * Accepted: decimal text with an optional sign, fraction and exponent (`-1.5e-3`, `.5`, `5.`);
 * `nan` (any case, optionally signed) and an empty field are NaN; `inf`, `infinity` and numbers
 * too large for a double are infinities, which the readers refuse. Anything else is not a
 * number.
 *
 * @module
 */

const SPACE = 0x20;
const TAB = 0x09;
const QUOTE = 0x22;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** Exact powers of ten: dividing or multiplying by them rounds once, so results are exact. */
export const POWERS_OF_TEN: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const textDecoder = new TextDecoder();

/**
 * Parses the bytes `[start, end)` as one field's number, fast for ordinary decimal text: spaces
 * and tabs around it and one pair of surrounding quotes are ignored, and an empty field is NaN.
 * Returns `undefined` when the text is not a number.
 *
 * @example
 * ```ts
 * parseNumber(new TextEncoder().encode(" 1.5e3 ")); // 1500
 * ```
 */
export function parseNumber(
  bytes: Uint8Array,
  start = 0,
  end: number = bytes.length,
): number | undefined {
  // Trim spaces and tabs, then one pair of surrounding quotes.
  while (start < end && (bytes[start] === SPACE || bytes[start] === TAB)) start++;
  while (end > start && (bytes[end - 1] === SPACE || bytes[end - 1] === TAB)) end--;
  if (end - start >= 2 && bytes[start] === QUOTE && bytes[end - 1] === QUOTE) {
    start++;
    end--;
    while (start < end && bytes[start] === SPACE) start++;
    while (end > start && bytes[end - 1] === SPACE) end--;
  }
  if (start === end) return NaN;

  let i = start;
  let negative = false;
  if (bytes[i] === MINUS || bytes[i] === PLUS) {
    negative = bytes[i] === MINUS;
    i++;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let sawDigit = false;
  while (i < end) {
    const c = bytes[i];
    if (c < ZERO || c > NINE) break;
    mantissa = mantissa * 10 + (c - ZERO);
    digits++;
    sawDigit = true;
    i++;
  }
  if (i < end && bytes[i] === DOT) {
    i++;
    while (i < end) {
      const c = bytes[i];
      if (c < ZERO || c > NINE) break;
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      scale--;
      sawDigit = true;
      i++;
    }
  }
  if (sawDigit && i < end && (bytes[i] === LOWER_E || bytes[i] === UPPER_E)) {
    i++;
    let exponentNegative = false;
    if (i < end && (bytes[i] === MINUS || bytes[i] === PLUS)) {
      exponentNegative = bytes[i] === MINUS;
      i++;
    }
    let exponent = 0;
    let exponentDigits = 0;
    while (i < end && bytes[i] >= ZERO && bytes[i] <= NINE && exponentDigits < 6) {
      exponent = exponent * 10 + (bytes[i] - ZERO);
      exponentDigits++;
      i++;
    }
    if (exponentDigits === 0) return slowParseNumber(bytes, start, end);
    scale += exponentNegative ? -exponent : exponent;
  }
  if (!sawDigit || i !== end) return slowParseNumber(bytes, start, end);
  // 15 digits always fit in a double exactly; one multiply or divide by an exact power of
  // ten then rounds once, which is what Number() would give.
  if (digits > 15 || scale < -22 || scale > 22) return slowParseNumber(bytes, start, end);
  const value = scale < 0 ? mantissa / POWERS_OF_TEN[-scale] : mantissa * POWERS_OF_TEN[scale];
  return negative ? -value : value;
}

/** The rare cases: long mantissas, large exponents, `nan`, `inf`. */
function slowParseNumber(bytes: Uint8Array, start: number, end: number): number | undefined {
  const text = textDecoder.decode(bytes.subarray(start, end));
  const lower = text.toLowerCase();
  if (lower === "nan" || lower === "-nan" || lower === "+nan") return NaN;
  if (lower === "inf" || lower === "+inf" || lower === "infinity" || lower === "+infinity") {
    return Infinity;
  }
  if (lower === "-inf" || lower === "-infinity") return -Infinity;
  return NUMBER_TEXT.test(text) ? Number(text) : undefined;
}
