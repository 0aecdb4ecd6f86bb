/**
 * The common JSON Lines record read without `JSON.parse`: a line that is exactly a list of
 * finite JSON numbers, bare (`[5.1, 3.5]`) or as `{"features": [...]}`. Any other line (`null`
 * values, other keys, strings, bad syntax, too large numbers) is left to the full path, which
 * reads it or names what is wrong, so both paths give the same records and the same errors.
 *
 * @module
 */

import { jsonNumberEnd, jsonNumberStatus, NUMBER_READ, scanJsonNumber } from "./json_number.ts";

const SPACE = 0x20;
const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const FEATURES_KEY = new TextEncoder().encode('"features"');

/** The index of the first byte at or after `i` that is not JSON whitespace. */
function skipSpace(line: Uint8Array, i: number): number {
  while (i < line.length) {
    const c = line[i];
    if (c !== SPACE && c !== TAB && c !== LINE_FEED && c !== CARRIAGE_RETURN) break;
    i++;
  }
  return i;
}

/** The index after `"features"` when `line` holds it at `i`, else -1. */
function afterFeaturesKey(line: Uint8Array, i: number): number {
  if (i + FEATURES_KEY.length > line.length) return -1;
  for (let k = 0; k < FEATURES_KEY.length; k++) {
    if (line[i + k] !== FEATURES_KEY[k]) return -1;
  }
  return i + FEATURES_KEY.length;
}

/**
 * Reads `line` into `data` from `offset` when it is exactly a list of `features` finite JSON
 * numbers, bare or as `{"features": [...]}`, with JSON whitespace between tokens; returns false
 * for any other line (what it wrote then does not count). The values are those `JSON.parse`
 * gives (`scanJsonNumber`).
 */
export function readPlainJsonRecord(
  line: Uint8Array,
  data: Float64Array,
  options: { offset: number; features: number },
): boolean {
  const { offset, features } = options;
  let i = skipSpace(line, 0);
  const wrapped = line[i] === OPEN_BRACE;
  if (wrapped) {
    i = afterFeaturesKey(line, skipSpace(line, i + 1));
    if (i === -1) return false;
    i = skipSpace(line, i);
    if (line[i] !== COLON) return false;
    i = skipSpace(line, i + 1);
  }
  if (line[i] !== OPEN_BRACKET) return false;
  i = skipSpace(line, i + 1);
  for (let f = 0; f < features; f++) {
    if (f > 0) {
      if (line[i] !== COMMA) return false;
      i = skipSpace(line, i + 1);
    }
    const c = line[i];
    if (c !== MINUS && (c < ZERO || c > NINE)) return false;
    const value = scanJsonNumber(line, i, true);
    if (jsonNumberStatus() !== NUMBER_READ || value === Infinity || value === -Infinity) {
      return false;
    }
    data[offset + f] = value;
    i = skipSpace(line, jsonNumberEnd());
  }
  if (line[i] !== CLOSE_BRACKET) return false;
  i = skipSpace(line, i + 1);
  if (wrapped) {
    if (line[i] !== CLOSE_BRACE) return false;
    i = skipSpace(line, i + 1);
  }
  return i === line.length;
}
