/**
 * JSON numbers from bytes, strictly by JSON's grammar (`-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?`),
 * each the double `JSON.parse` gives: short decimals inline, longer ones (numpy's `%.18e`) and
 * large exponents through `number.ts`, the rare rest through `Number()`.
 *
 * @module
 */

import { numberEnd, POWERS_OF_TEN, readLongNumber, readNumber } from "./number.ts";

const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_E = 0x65;
const UPPER_E = 0x45;

/** {@linkcode scanJsonNumber} read a whole number; {@linkcode jsonNumberEnd} is after it. */
export const NUMBER_READ = 0;
/** The bytes ended inside the number: it may go on in the next chunk. */
export const NUMBER_INCOMPLETE = 1;
/** Not a JSON number: {@linkcode jsonNumberError} says why, {@linkcode jsonNumberEnd} where. */
export const NUMBER_INVALID = 2;

let status = NUMBER_READ;
let tokenEnd = 0;
let errorText = "";
const textDecoder = new TextDecoder();

/** What the last {@linkcode scanJsonNumber} call found: one of the `NUMBER_` constants. */
export function jsonNumberStatus(): number {
  return status;
}

/** After a read number, the index after it; after an invalid one, where it went wrong. */
export function jsonNumberEnd(): number {
  return tokenEnd;
}

/** Why the last number was invalid, in `JSON.parse`'s words. */
export function jsonNumberError(): string {
  return errorText;
}

function invalid(message: string, at: number): number {
  status = NUMBER_INVALID;
  errorText = message;
  tokenEnd = at;
  return NaN;
}

function incomplete(): number {
  status = NUMBER_INCOMPLETE;
  return NaN;
}

/**
 * Reads the JSON number that starts at `start` (a minus sign or a digit). When the bytes end
 * inside it and `final` is false the number may go on in the next chunk: the status is then
 * {@linkcode NUMBER_INCOMPLETE}. Check {@linkcode jsonNumberStatus} after every call.
 *
 * @example
 * ```ts
 * scanJsonNumber(new TextEncoder().encode("-1.5e3,"), 0, false); // -1500
 * jsonNumberEnd(); // 6
 * ```
 */
export function scanJsonNumber(bytes: Uint8Array, start: number, final: boolean): number {
  const end = bytes.length;
  const p = bytes[start] === MINUS ? start + 1 : start;
  if (
    end - p >= 23 && bytes[p + 1] === DOT &&
    (bytes[p + 20] === LOWER_E || bytes[p + 20] === UPPER_E) && bytes[p] > ZERO && bytes[p] <= NINE
  ) {
    // numpy's `%.18e`, read by number.ts in one pass. Having read past the `e` and a digit, it
    // has seen exactly JSON's grammar: a digit, a point, 18 digits, an exponent.
    const value = readLongNumber(bytes, start, end);
    const stop = numberEnd();
    if (value === value && stop > p + 21 && (stop < end || final)) {
      status = NUMBER_READ;
      tokenEnd = stop;
      return value;
    }
  }
  let i = start;
  let c = bytes[i];
  let negative = false;
  if (c === MINUS) {
    negative = true;
    c = ++i < end ? bytes[i] : -1;
  }
  let mantissa = 0;
  let digits = 0;
  if (c === ZERO) {
    c = ++i < end ? bytes[i] : -1;
    if (c >= ZERO && c <= NINE) return invalid("Unexpected number", i);
  } else if (c > ZERO && c <= NINE) {
    do {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      c = ++i < end ? bytes[i] : -1;
    } while (c >= ZERO && c <= NINE);
  } else {
    return c === -1 && !final ? incomplete() : invalid("No number after minus sign", i);
  }
  let scale = 0;
  if (c === DOT) {
    c = ++i < end ? bytes[i] : -1;
    if (c < ZERO || c > NINE) {
      return c === -1 && !final ? incomplete() : invalid("Unterminated fractional number", i);
    }
    do {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      scale--;
      c = ++i < end ? bytes[i] : -1;
    } while (c >= ZERO && c <= NINE);
  }
  if (c === LOWER_E || c === UPPER_E) {
    c = ++i < end ? bytes[i] : -1;
    let exponentNegative = false;
    if (c === MINUS || c === PLUS) {
      exponentNegative = c === MINUS;
      c = ++i < end ? bytes[i] : -1;
    }
    if (c < ZERO || c > NINE) {
      return c === -1 && !final ? incomplete() : invalid("Exponent part is missing a number", i);
    }
    let exponent = 0;
    do {
      // Past 10^6 the value is 0 or infinite whatever the digits; number.ts says which.
      if (exponent < 1_000_000) exponent = exponent * 10 + (c - ZERO);
      c = ++i < end ? bytes[i] : -1;
    } while (c >= ZERO && c <= NINE);
    scale = exponentNegative ? scale - exponent : scale + exponent;
  }
  if (c === -1 && !final) return incomplete();
  status = NUMBER_READ;
  tokenEnd = i;
  if (digits <= 15 && scale >= -22 && scale <= 22) {
    // Clinger's fast path: an exact integer times or over an exact power of ten rounds once.
    const value = scale < 0 ? mantissa / POWERS_OF_TEN[-scale] : mantissa * POWERS_OF_TEN[scale];
    return negative ? -value : value;
  }
  if (mantissa === 0 && digits <= 15) return negative ? -0 : 0;
  const value = digits > 15 ? readLongNumber(bytes, start, i) : readNumber(bytes, start, i);
  if (value === value && numberEnd() === i) return value;
  return Number(textDecoder.decode(bytes.subarray(start, i)));
}
