/**
 * Numbers from bytes, without building a string per value: the number rules shared by CSV
 * training files and `text/csv` requests.
 *
 * Accepted: decimal text with an optional sign, fraction and exponent (`-1.5e-3`, `.5`, `5.`,
 * `007`, numpy's `%.18e` as in `5.099999999999999645e+00`); `nan` (any case, optionally signed)
 * and an empty field are NaN; `inf`, `infinity` and numbers too large for a double are
 * infinities, which the readers refuse. Anything else is not a number.
 *
 * Every value is exactly the double `Number()` gives for the same text. The fast path reads up
 * to 19 significant digits into two integers and converts them with at most one rounding it
 * can prove correct; anything else (20 digits and more, huge exponents, the rare value too
 * close to halfway between two doubles) is handed to `Number()`.
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

/**
 * 10^0 to 10^22, the powers of ten that are exact doubles: one multiplication or division of an
 * exact integer by them rounds once, so the result is what `Number()` gives.
 */
export const POWERS_OF_TEN: readonly number[] = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** 2^53: integers below it are exact doubles. */
const EXACT_INTEGERS = 9007199254740992;

/** Dekker's splitter, 2^27 + 1: cuts a double into two halves whose products are exact. */
const SPLITTER = 134217729;

/** The decimal exponents the two-part powers of ten cover (beyond them: `Number()`). */
const MIN_SCALE = -270;
const MAX_SCALE = 290;

/**
 * Results outside this range go to `Number()`: near the subnormals the low parts of the
 * two-part products lose bits, near the top the products overflow.
 */
const SMALLEST_RESULT = 1e-250;
const LARGEST_RESULT = 1e290;

/**
 * How close (relative to the value) `tail` may come to half the gap: far more than the error
 * allows, and at most 2^-26 of half the gap, so only near-ties go to `Number()`.
 */
const NEAR_TIE_MARGIN = 2 ** -80;

const NUMBER_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const textDecoder = new TextDecoder();

/** Views of one double's bits, to find the gap between a double and its neighbours. */
const bitsDouble = new Float64Array(1);
const bitsWords = new Uint32Array(bitsDouble.buffer);

/**
 * 10^q for q from MIN_SCALE to MAX_SCALE as `high + low` (high correctly rounded, low the rest),
 * four numbers each: high, low, and high cut in two halves for Dekker's product. Built on first
 * use.
 */
let tenPowers: Float64Array | undefined;

/** A view of the last bytes {@linkcode readNumpyExponential} read, for four digits at once. */
let viewBytes: Uint8Array | undefined;
let view: DataView | undefined;

/** Where the number read by the last {@linkcode readNumber} call ended. */
let lastEnd = 0;

/**
 * Reads the decimal number that starts at `start` in `bytes` (a sign, digits, an optional
 * fraction and exponent) and stops at the first byte that cannot continue it, at most at `end`;
 * {@linkcode numberEnd} then tells where it stopped. Returns NaN when the fast path cannot read
 * the text: no digits (`nan`, `inf`, an empty field), an exponent without digits, more than 19
 * significant digits, or a value it cannot prove it rounds exactly as `Number()` does. The
 * caller then takes the slow path ({@linkcode parseNumber} does).
 *
 * @example
 * ```ts
 * const bytes = new TextEncoder().encode("5.000000000000000000e+00,1");
 * readNumber(bytes, 0); // 5
 * numberEnd(); // 24, the comma
 * ```
 */
export function readNumber(bytes: Uint8Array, start: number, end: number = bytes.length): number {
  let i = start;
  let c = i < end ? bytes[i] : -1;
  let negative = false;
  if (c === MINUS || c === PLUS) {
    negative = c === MINUS;
    c = ++i < end ? bytes[i] : -1;
  }
  // Short decimals, the common case: up to 15 digits are exact in one double.
  let mantissa = 0;
  let digits = 0;
  while (c >= ZERO && c <= NINE) {
    mantissa = mantissa * 10 + (c - ZERO);
    digits++;
    c = ++i < end ? bytes[i] : -1;
  }
  let scale = 0;
  if (c === DOT) {
    c = ++i < end ? bytes[i] : -1;
    while (c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      digits++;
      scale--;
      c = ++i < end ? bytes[i] : -1;
    }
  }
  if (digits > 15) return readLongNumber(bytes, start, end);
  if (digits === 0) return NaN;
  if (c === LOWER_E || c === UPPER_E) {
    const exponent = readExponent(bytes, i + 1, end);
    if (exponent !== exponent) return NaN;
    scale += exponent;
    i = lastEnd;
  }
  lastEnd = i;
  let value: number;
  if (scale >= -22 && scale <= 22) {
    // Clinger's fast path: an exact integer times or over an exact power of ten rounds once.
    value = scale < 0 ? mantissa / POWERS_OF_TEN[-scale] : mantissa * POWERS_OF_TEN[scale];
  } else if (mantissa === 0) {
    value = 0;
  } else {
    value = twoPartValue(mantissa, 0, 0, scale);
  }
  return negative ? -value : value;
}

/** Where the number read by the last {@linkcode readNumber} call ended (the index after it). */
export function numberEnd(): number {
  return lastEnd;
}

/**
 * {@linkcode readNumber} for text known to have more than 15 digits (numpy's `%.18e`): up to 19
 * significant digits, read as small integers (9 + 6 + 4 digits, so the loop stays in 32-bit
 * arithmetic), trailing zeros dropped (`5.000000000000000000e+00` is 5). Same contract as
 * {@linkcode readNumber}: NaN when the slow path must read it, {@linkcode numberEnd} after it.
 *
 * @example
 * ```ts
 * readLongNumber(new TextEncoder().encode("5.099999999999999645e+00"), 0); // 5.1
 * ```
 */
export function readLongNumber(
  bytes: Uint8Array,
  start: number,
  end: number = bytes.length,
): number {
  let i = start;
  let c = i < end ? bytes[i] : -1;
  let negative = false;
  if (c === MINUS || c === PLUS) {
    negative = c === MINUS;
    c = ++i < end ? bytes[i] : -1;
  }
  let first = 0; // significant digits 1 to 9
  let middle = 0; // 10 to 15
  let low = 0; // 16 to 19
  let digits = 0;
  let scale = 0;
  let fraction = false;
  let sawDigit = false;
  if (
    end - i >= 23 && bytes[i + 1] === DOT &&
    (bytes[i + 20] === LOWER_E || bytes[i + 20] === UPPER_E)
  ) {
    // numpy's `%.18e` (`5.099999999999999645e+00`): a digit, a point, 18 digits, straight-line.
    const d0 = bytes[i] - ZERO, d1 = bytes[i + 2] - ZERO, d2 = bytes[i + 3] - ZERO;
    const d3 = bytes[i + 4] - ZERO, d4 = bytes[i + 5] - ZERO, d5 = bytes[i + 6] - ZERO;
    const d6 = bytes[i + 7] - ZERO, d7 = bytes[i + 8] - ZERO, d8 = bytes[i + 9] - ZERO;
    const d9 = bytes[i + 10] - ZERO, d10 = bytes[i + 11] - ZERO, d11 = bytes[i + 12] - ZERO;
    const d12 = bytes[i + 13] - ZERO, d13 = bytes[i + 14] - ZERO, d14 = bytes[i + 15] - ZERO;
    const d15 = bytes[i + 16] - ZERO, d16 = bytes[i + 17] - ZERO, d17 = bytes[i + 18] - ZERO;
    const d18 = bytes[i + 19] - ZERO;
    // Every byte a digit (as unsigned, anything else is above 9), the first one not 0.
    if (
      d0 >= 1 && d0 <= 9 && (d1 | d2 | d3 | d4 | d5 | d6 | d7 | d8 | d9) >>> 0 <= 15 &&
      (d10 | d11 | d12 | d13 | d14 | d15 | d16 | d17 | d18) >>> 0 <= 15 &&
      d1 <= 9 && d2 <= 9 && d3 <= 9 && d4 <= 9 && d5 <= 9 && d6 <= 9 && d7 <= 9 && d8 <= 9 &&
      d9 <= 9 && d10 <= 9 && d11 <= 9 && d12 <= 9 && d13 <= 9 && d14 <= 9 && d15 <= 9 &&
      d16 <= 9 && d17 <= 9 && d18 <= 9
    ) {
      first = ((((((((d0 * 10 + d1) * 10 + d2) * 10 + d3) * 10 + d4) * 10 + d5) * 10 + d6) * 10 +
        d7) * 10) + d8;
      middle = ((((d9 * 10 + d10) * 10 + d11) * 10 + d12) * 10 + d13) * 10 + d14;
      low = ((d15 * 10 + d16) * 10 + d17) * 10 + d18;
      digits = 19;
      scale = -18;
      sawDigit = true;
      i += 20;
      c = bytes[i];
    }
  }
  if (!sawDigit) {
    for (;;) {
      if (c >= ZERO && c <= NINE) {
        sawDigit = true;
        const digit = c - ZERO;
        if (digits < 19) {
          if (digits !== 0 || digit !== 0) {
            if (digits < 9) first = first * 10 + digit;
            else if (digits < 15) middle = middle * 10 + digit;
            else low = low * 10 + digit;
            digits++;
          }
          if (fraction) scale--;
        } else if (digit !== 0) {
          return NaN;
        } else if (!fraction) {
          scale++;
        }
      } else if (c === DOT && !fraction) {
        fraction = true;
      } else {
        break;
      }
      c = ++i < end ? bytes[i] : -1;
    }
  }
  if (!sawDigit) return NaN;
  if (c === LOWER_E || c === UPPER_E) {
    const exponent = readExponent(bytes, i + 1, end);
    if (exponent !== exponent) return NaN;
    scale += exponent;
    i = lastEnd;
  }
  lastEnd = i;
  if (digits === 0) return negative ? -0 : 0;
  const high = digits <= 9 ? first : first * POWERS_OF_TEN[Math.min(digits, 15) - 9] + middle;
  const lowDigits = digits > 15 ? digits - 15 : 0;
  let value: number;
  if (low === 0) {
    // Trailing zeros (numpy's `5.000000000000000000e+00`): the first 15 digits are the value.
    scale += lowDigits;
    if (scale >= -22 && scale <= 22) {
      value = scale < 0 ? high / POWERS_OF_TEN[-scale] : high * POWERS_OF_TEN[scale];
    } else {
      value = twoPartValue(high, 0, 0, scale);
    }
  } else {
    const whole = high * POWERS_OF_TEN[lowDigits] + low;
    if (whole < EXACT_INTEGERS && scale >= -22 && scale <= 22) {
      value = scale < 0 ? whole / POWERS_OF_TEN[-scale] : whole * POWERS_OF_TEN[scale];
    } else {
      value = twoPartValue(high, low, lowDigits, scale);
    }
  }
  return negative ? -value : value;
}

/**
 * The exponent whose sign or first digit is at `start` (just after the `e`), or NaN when it has
 * no digits; sets `lastEnd` after its last digit. Past 10^6 the value is 0 or infinite whatever
 * the digits (Number() says which), so larger exponents are held at about 10^6.
 */
function readExponent(bytes: Uint8Array, start: number, end: number): number {
  let i = start;
  let c = i < end ? bytes[i] : -1;
  const negative = c === MINUS;
  if (negative || c === PLUS) c = ++i < end ? bytes[i] : -1;
  if (c < ZERO || c > NINE) return NaN;
  let exponent = 0;
  while (c >= ZERO && c <= NINE) {
    if (exponent < 1_000_000) exponent = exponent * 10 + (c - ZERO);
    c = ++i < end ? bytes[i] : -1;
  }
  lastEnd = i;
  return negative ? -exponent : exponent;
}

/**
 * {@linkcode readNumber} for exactly numpy's `%.18e` with a two-digit exponent, 24 bytes from
 * `start`: a digit 1 to 9, a point, 18 digits, `e` or `E`, a sign and two digits, not followed
 * by another digit. Returns the value without its sign (the caller reads the sign), or NaN for
 * any other text (a leading 0, a longer exponent) or a value it cannot prove it rounds as
 * `Number()` does: the caller then reads it with {@linkcode readLongNumber}. Straight-line; the
 * CSV reader calls it for a field whose byte 20 places on (the sign aside) is `e` or `E`.
 *
 * @example
 * ```ts
 * readNumpyExponential(new TextEncoder().encode("5.099999999999999645e+00"), 0); // 5.1
 * ```
 */
export function readNumpyExponential(
  bytes: Uint8Array,
  start: number,
  end: number = bytes.length,
): number {
  if (end - start < 24 || bytes[start + 1] !== DOT) return NaN;
  const e = bytes[start + 20];
  const sign = bytes[start + 21];
  const e1 = bytes[start + 22] - ZERO;
  const e2 = bytes[start + 23] - ZERO;
  if (
    (e !== LOWER_E && e !== UPPER_E) || (sign !== MINUS && sign !== PLUS) ||
    (e1 >>> 0) > 9 || (e2 >>> 0) > 9
  ) {
    return NaN;
  }
  if (end - start > 24) {
    const next = bytes[start + 24];
    if (next >= ZERO && next <= NINE) return NaN;
  }
  if (bytes !== viewBytes) {
    view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    viewBytes = bytes;
  }
  const d0 = bytes[start] - ZERO;
  const d13 = bytes[start + 14] - ZERO;
  const d14 = bytes[start + 15] - ZERO;
  const w0 = view!.getInt32(start + 2, true);
  const w1 = view!.getInt32(start + 6, true);
  const w2 = view!.getInt32(start + 10, true);
  const w3 = view!.getInt32(start + 16, true);
  if (
    (d0 >>> 0) > 9 || (d13 >>> 0) > 9 || (d14 >>> 0) > 9 || !isFourDigits(w0) ||
    !isFourDigits(w1) ||
    !isFourDigits(w2) || !isFourDigits(w3)
  ) {
    return NaN;
  }
  const first = d0 * 100_000_000 + fourDigitValue(w0) * 10_000 + fourDigitValue(w1);
  const middle = fourDigitValue(w2) * 100 + d13 * 10 + d14;
  const low = fourDigitValue(w3);
  const high = first * 1_000_000 + middle;
  // numpy writes zero as `0.000000000000000000e+00`; any other leading 0 is for Number().
  if (d0 === 0) return (first | middle | low) === 0 ? 0 : NaN;
  const exponent = e1 * 10 + e2;
  const scale = (sign === MINUS ? -exponent : exponent) - 18;
  if (low !== 0) return twoPartValue(high, low, 4, scale);
  // Trailing zeros (`5.000000000000000000e+00`): the first 15 digits are exact in one double.
  const shortScale = scale + 4;
  if (shortScale >= -22 && shortScale <= 22) {
    return shortScale < 0 ? high / POWERS_OF_TEN[-shortScale] : high * POWERS_OF_TEN[shortScale];
  }
  return twoPartValue(high, 0, 0, shortScale);
}

/** Whether the four bytes of `word` (little-endian) are all ASCII digits. */
export function isFourDigits(word: number): boolean {
  // Each byte's high nibble must be 3, and still 3 after adding 6 (so the byte is at most '9').
  return ((word & 0xf0f0f0f0) | ((((word + 0x06060606) | 0) & 0xf0f0f0f0) >>> 4)) ===
    0x33333333;
}

/** The four digits of `word` (little-endian ASCII, first digit in the low byte) as a number. */
export function fourDigitValue(word: number): number {
  let v = (word - 0x30303030) | 0;
  v = (Math.imul(v, 10) + (v >>> 8)) & 0x00ff00ff;
  return (v & 0xff) * 100 + (v >>> 16);
}

/**
 * `(high * 10^lowDigits + low) * 10^scale` correctly rounded, or NaN when that cannot be proven
 * cheaply. With 10^q held as two doubles (`tenHigh + tenLow`), the value is
 * `high * 10^(scale + lowDigits) + low * 10^scale`: the first product exactly (Dekker), the
 * small terms rounded, which leaves it as `sum + tail` within 2^-95 of the true value (`low` is
 * below 10^-14 of the whole). `sum` is the correctly rounded answer when `tail` stays clearly
 * inside half the gap from `sum` to its neighbour (at least 2^-54 of `sum`).
 */
function twoPartValue(high: number, low: number, lowDigits: number, scale: number): number {
  if (scale < MIN_SCALE || scale + lowDigits > MAX_SCALE) return NaN;
  const powers = tenPowers ?? buildPowers();
  const at = (scale + lowDigits - MIN_SCALE) * 4;
  const tenHigh = powers[at];
  const product = high * tenHigh;
  // Dekker's product: split `high` (10^q's halves are in the table), the rounding error exactly.
  const t = SPLITTER * high;
  const aHigh = t - (t - high);
  const aLow = high - aHigh;
  const bHigh = powers[at + 2];
  const bLow = powers[at + 3];
  let error = ((aHigh * bHigh - product) + aHigh * bLow + aLow * bHigh) + aLow * bLow +
    high * powers[at + 1];
  if (low !== 0) error += low * powers[at - lowDigits * 4];
  const sum = product + error;
  const tail = error - (sum - product);
  if (!(sum >= SMALLEST_RESULT && sum <= LARGEST_RESULT)) return NaN;
  // Adding a number to `sum` rounds back to `sum` exactly when it is less than half the gap to
  // the neighbour on its side (a quarter below a power of two), so `sum` is the answer when
  // `tail` widened by a margin both ways still rounds back. The margin covers the 2^-95 error
  // many times over; ties and near-ties go to Number().
  const margin = sum * NEAR_TIE_MARGIN;
  return sum + (tail + margin) === sum && sum + (tail - margin) === sum ? sum : NaN;
}

/** Fills the two-part powers of ten 10^MIN_SCALE..10^MAX_SCALE, exactly, with BigInt. */
function buildPowers(): Float64Array {
  const powers = new Float64Array((MAX_SCALE - MIN_SCALE + 1) * 4);
  for (let scale = MIN_SCALE; scale <= MAX_SCALE; scale++) {
    const index = scale - MIN_SCALE;
    if (scale >= 0) {
      const exact = 10n ** BigInt(scale);
      const high = Number(exact);
      setPower(powers, index, high, Number(exact - BigInt(high)));
      continue;
    }
    // 10^scale - high = (2^shift - m * 10^k) / (2^shift * 10^k) where high = m / 2^shift.
    const k = BigInt(-scale);
    const high = Number(`1e${scale}`);
    bitsDouble[0] = high;
    const exponent = (bitsWords[1] >>> 20) & 0x7ff;
    const m = (BigInt((bitsWords[1] & 0xfffff) | 0x100000) << 32n) | BigInt(bitsWords[0]);
    const shift = BigInt(1075 - exponent);
    const numerator = (1n << shift) - m * 10n ** k;
    const denominator = (1n << shift) * 10n ** k;
    // 64 bits of the quotient, then scaled back by powers of two (exact for normal doubles).
    const bits = BigInt(denominator.toString(2).length - numerator.toString(2).length + 66);
    let rest = Number((numerator << bits) / denominator);
    for (let left = Number(bits); left > 0; left -= 30) rest /= 2 ** Math.min(30, left);
    setPower(powers, index, high, rest);
  }
  tenPowers = powers;
  return powers;
}

function setPower(powers: Float64Array, index: number, high: number, low: number): void {
  const t = SPLITTER * high;
  powers[index * 4] = high;
  powers[index * 4 + 1] = low;
  powers[index * 4 + 2] = t - (t - high);
  powers[index * 4 + 3] = high - (t - (t - high));
}

/**
 * Parses the bytes `[start, end)` as one field's number: spaces and tabs around it and one pair
 * of surrounding quotes are ignored, and an empty field is NaN. Returns `undefined` when the
 * text is not a number, and ±Infinity for `inf` or a number too large for a double.
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
  const value = readNumber(bytes, start, end);
  if (value === value && lastEnd === end) return value;
  return slowParseNumber(bytes, start, end);
}

/** The rare cases: long mantissas, huge exponents, near-ties, `nan`, `inf`, non-numbers. */
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
