/**
 * parseNumber() against Number() on 200,000+ random strings in every common notation: every
 * value must be bit-identical (`Object.is`), and the fast path (`readNumber`) must take every
 * string of up to 19 significant digits printed from a double.
 */
import assert from "node:assert/strict";
import { createRandom } from "../../algorithm/random.ts";
import { parseCsvTable } from "../support/csv.ts";
import { numberEnd, parseNumber, readNumber } from "../../codecs/number.ts";

const encoder = new TextEncoder();
const random = createRandom(20261201);
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

function randomInt(below: number): number {
  return Math.floor(random() * below);
}

/** A random double of one of several shapes: small decimals, wide magnitudes, any bits. */
function randomDouble(): number {
  switch (randomInt(5)) {
    case 0:
      return Math.round(random() * 10 ** randomInt(6)) / 10 ** randomInt(6);
    case 1:
      return random();
    case 2:
      return (random() - 0.5) * 10 ** (randomInt(61) - 30);
    case 3:
      return (random() - 0.5) * 10 ** (randomInt(601) - 300);
    default: {
      words[0] = (random() * 2 ** 32) >>> 0;
      words[1] = (random() * 2 ** 32) >>> 0;
      return Number.isFinite(bits[0]) ? bits[0] : random();
    }
  }
}

/** numpy's `%.18e`: 19 significant digits and at least two exponent digits. */
function numpyExponential(x: number): string {
  return x.toExponential(18).replace(/e([+-])(\d)$/, "e$10$2");
}

function randomDigits(count: number): string {
  let out = String(1 + randomInt(9));
  for (let i = 1; i < count; i++) out += String(randomInt(10));
  return out;
}

/** A digit string with a point somewhere in it (or not) and maybe an exponent. */
function randomDecimal(digits: number): string {
  const text = randomDigits(digits);
  const point = randomInt(digits + 2) - 1;
  let out = point < 0 ? text : `${text.slice(0, point)}.${text.slice(point)}`;
  if (random() < 0.5) out += `e${randomInt(3) === 0 ? "-" : "+"}${randomInt(40)}`;
  return out;
}

/** A decimal within a few units of its 19th digit of the midpoint between x and the next double. */
function nearHalfway(x: number): string {
  bits[0] = Math.abs(x);
  const exponent = (words[1] >>> 20) & 0x7ff;
  if (exponent === 0 || exponent > 2000) return "1";
  const m = (BigInt((words[1] & 0xfffff) | 0x100000) << 32n) | BigInt(words[0]);
  const twice = 2n * m + 1n; // the midpoint is twice * 2^(exponent - 1076)
  const power = exponent - 1076;
  const digits = power >= 0
    ? (twice << BigInt(power)).toString()
    : (twice * 5n ** BigInt(-power)).toString();
  const scale = power >= 0 ? 0 : power; // value = digits * 10^scale
  const kept = 19 + randomInt(4);
  const head = BigInt(digits.slice(0, kept)) + BigInt(randomInt(3) - 1);
  const dropped = digits.length - kept;
  return `${head}e${scale + Math.max(0, dropped)}`;
}

/**
 * Whether the decimal `text` is within 2^-29 of half the gap between `Number(text)` and its
 * neighbour (a quarter at a power of two, where the gap below halves): the cases the fast path
 * leaves to Number() on purpose. Computed exactly with BigInt.
 */
function isNearTie(text: string): boolean {
  const [, , whole, fraction = "", exponent = "0"] = text.match(
    /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/,
  )!;
  const digits = BigInt(whole + fraction || "0");
  const decimalExponent = Number(exponent) - fraction.length;
  bits[0] = Math.abs(Number(text));
  const significand = (BigInt((words[1] & 0xfffff) | 0x100000) << 32n) | BigInt(words[0]);
  const binaryExponent = ((words[1] >>> 20) & 0x7ff) - 1075;
  // Scale value, double and gap by 2^a * 10^b so that all three are integers.
  const scale = 2n ** BigInt(Math.max(0, -binaryExponent)) *
    10n ** BigInt(Math.max(0, -decimalExponent));
  const value = decimalExponent >= 0
    ? digits * 10n ** BigInt(decimalExponent) * scale
    : digits * scale / 10n ** BigInt(-decimalExponent);
  const gap = binaryExponent >= 0
    ? 2n ** BigInt(binaryExponent) * scale
    : scale / 2n ** BigInt(-binaryExponent);
  const double = significand * gap;
  const distance = value > double ? value - double : double - value;
  const halfGap = significand === 1n << 52n ? gap : gap * 2n; // in quarters of the gap
  return distance * 4n * 2n ** 29n >= halfGap * (2n ** 29n - 1n);
}

/** Random text in many notations, with the ways people and tools write numbers. */
function randomText(): string {
  const x = randomDouble();
  let text: string;
  switch (randomInt(10)) {
    case 0:
      text = String(x);
      break;
    case 1:
      text = x.toExponential(randomInt(21));
      break;
    case 2:
      text = Math.abs(x) < 1e21 ? x.toFixed(randomInt(21)) : String(x);
      break;
    case 3:
    case 4:
      text = numpyExponential(x);
      break;
    case 5:
      text = randomDecimal(1 + randomInt(20));
      break;
    case 6:
      text = randomDecimal(19 + randomInt(2));
      break;
    case 7:
      text = nearHalfway(x);
      break;
    default:
      text = x.toPrecision(1 + randomInt(21));
  }
  // Decorations that keep the value: a plus sign, a leading ".", a trailing ".", leading zeros.
  const roll = randomInt(8);
  if (roll === 0 && !text.startsWith("-")) text = `+${text}`;
  else if (roll === 1) text = text.replace(/^(-?)0\./, "$1.");
  else if (roll === 2 && /^-?\d+$/.test(text)) text = `${text}.`;
  else if (roll === 3) text = text.replace(/^(-?)/, `$1${"0".repeat(1 + randomInt(4))}`);
  else if (roll === 4) text = text.replace("e", "E");
  return text;
}

Deno.test("parseNumber() gives exactly Number()'s double for 250,000 random strings", () => {
  let fast = 0;
  const count = 250_000;
  for (let n = 0; n < count; n++) {
    const text = randomText();
    const expected = Number(text);
    const bytes = encoder.encode(text);
    const actual = parseNumber(bytes);
    assert.ok(Object.is(actual, expected), `${text}: got ${actual}, Number() gives ${expected}`);
    const quick = readNumber(bytes, 0);
    if (quick === quick) {
      fast++;
      assert.ok(Object.is(quick, expected), `${text}: fast path gives ${quick}`);
      assert.equal(numberEnd(), bytes.length, text);
    }
  }
  // Most strings take the fast path; only 20 digits and more, huge exponents and near-ties don't.
  assert.ok(fast > count * 0.8, `only ${fast} of ${count} on the fast path`);
});

Deno.test("readNumber() takes the %.18e, toString and toExponential texts of doubles", () => {
  const missed: string[] = [];
  for (let n = 0; n < 100_000; n++) {
    let x = randomDouble();
    if (!(Math.abs(x) >= 1e-240 && Math.abs(x) <= 1e280)) x = random() * 1e6;
    for (const text of [numpyExponential(x), String(x), x.toExponential(randomInt(19))]) {
      const value = readNumber(encoder.encode(text), 0);
      if (value !== value) missed.push(text);
      else assert.ok(Object.is(value, Number(text)), `${text}: fast path gives ${value}`);
    }
  }
  // Only a decimal (nearly) halfway between two doubles may need Number(), like 2e23 or the
  // shortest text of some integers above 2^54; the 19 digits of %.18e are never that close.
  assert.ok(missed.length < 300, `${missed.length} texts missed the fast path: ${missed}`);
  for (const text of missed) assert.ok(isNearTie(text), `${text} missed the fast path`);
  assert.deepEqual(missed.filter((text) => /^-?\d\.\d{18}e[+-]\d\d+$/.test(text)), []);
});

Deno.test("readNumber() takes common short notations on the fast path", () => {
  const texts = [
    "5.000000000000000000e+00",
    "5.099999999999999645e+00",
    "-2.000000000000000111e-01",
    "+1.5",
    ".5",
    "5.",
    "-.25E+2",
    "007.50",
    "1234567890123456789",
    "0.000001234",
    "1e-5",
    "-0",
    "0.0e0",
  ];
  for (const text of texts) {
    const value = readNumber(encoder.encode(text), 0);
    assert.ok(Object.is(value, Number(text)), `${text}: fast path gives ${value}`);
  }
});

Deno.test("parseCsvTable() reads random numbers in every notation exactly as Number() does", () => {
  const columns = 8;
  const lines: string[] = [];
  const expected: number[] = [];
  for (let row = 0; row < 10_000; row++) {
    const fields = Array.from({ length: columns }, randomText);
    lines.push(fields.join(","));
    expected.push(...fields.map(Number));
  }
  const table = parseCsvTable(encoder.encode(lines.join("\n")), { features: columns }).features;
  assert.equal(table.rows, 10_000);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(
      Object.is(table.data[i], expected[i]),
      `line ${Math.floor(i / columns) + 1}: ${table.data[i]} instead of ${expected[i]}`,
    );
  }
});
