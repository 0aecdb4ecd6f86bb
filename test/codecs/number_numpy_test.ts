/**
 * readNumpyExponential() against Number() on numpy's `%.18e` texts of random doubles, and the
 * texts it must leave to readLongNumber().
 */
import assert from "node:assert/strict";
import { createRandom } from "../../algorithm/random.ts";
import { CsvTableReader } from "../../codecs/csv_reader.ts";
import { parseCsvTable } from "../support/csv.ts";
import { readNumpyExponential } from "../../codecs/number.ts";

const encoder = new TextEncoder();
const random = createRandom(20261202);
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);

/** numpy's `%.18e`: 19 significant digits and at least two exponent digits. */
function numpyExponential(x: number): string {
  return x.toExponential(18).replace(/e([+-])(\d)$/, "e$10$2");
}

function randomDouble(): number {
  switch (Math.floor(random() * 4)) {
    case 0:
      return Math.round(random() * 1e4) / 100;
    case 1:
      return random();
    case 2:
      return random() * 10 ** (Math.floor(random() * 199) - 99);
    default: {
      words[0] = (random() * 2 ** 32) >>> 0;
      words[1] = (random() * 2 ** 32) >>> 0;
      return Number.isFinite(bits[0]) ? Math.abs(bits[0]) : random();
    }
  }
}

Deno.test("readNumpyExponential() gives exactly Number()'s double for 200,000 %.18e texts", () => {
  let fast = 0;
  let twoDigitExponents = 0;
  for (let n = 0; n < 200_000; n++) {
    const text = numpyExponential(randomDouble());
    // A prefix and a comma after it, as in a CSV line.
    const bytes = encoder.encode(`7,${text},8`);
    const value = readNumpyExponential(bytes, 2);
    if (/e[+-]\d\d$/.test(text)) twoDigitExponents++;
    if (value === value) {
      fast++;
      assert.ok(Object.is(value, Number(text)), `${text}: got ${value}`);
    } else {
      assert.ok(!/e[+-]\d\d$/.test(text) || text.startsWith("0"), `${text} missed the fast path`);
    }
  }
  assert.ok(fast === twoDigitExponents && fast > 100_000, `${fast} of ${twoDigitExponents}`);
});

Deno.test("readNumpyExponential() reads zero, trailing zeros and both exponent signs", () => {
  for (
    const text of [
      "0.000000000000000000e+00",
      "5.000000000000000000e+00",
      "5.099999999999999645e+00",
      "2.000000000000000111e-01",
      "9.999999999999999999e+99",
      "1.000000000000000000e-99",
      "1.797693134862315708E+30",
    ]
  ) {
    const value = readNumpyExponential(encoder.encode(text), 0);
    assert.ok(Object.is(value, Number(text)), `${text}: got ${value}`);
  }
});

Deno.test("readNumpyExponential() returns NaN for any text not exactly in its shape", () => {
  for (
    const text of [
      "5.09999999999999964e+00", // 17 decimals
      "5.099999999999999645e+001", // a third exponent digit
      "5.099999999999999645e+100",
      "5.099999999999999645e00x",
      "5.099999999999999645x+00",
      "5,099999999999999645e+00",
      "5.09999999999999964:e+00", // ':' and '/' sit next to the digits
      "5.0999999/9999999645e+00",
      "5.0999999999999 9645e+00",
      ":.099999999999999645e+00",
      "0.100000000000000000e+00", // a leading 0 that is not zero
      "5.099999999999999645e+0",
      "5.099999999999999645e++0",
    ]
  ) {
    const value = readNumpyExponential(encoder.encode(text), 0);
    assert.ok(value !== value, `${text}: got ${value}`);
  }
});

Deno.test("parseCsvTable() reads %.18e fields with signs, zeros and long exponents exactly", () => {
  const fields = [
    "-0.000000000000000000e+00",
    "-5.099999999999999645e+00",
    "+2.000000000000000111e-01",
    "5.099999999999999645e-300",
    "1.797693134862315708e+308",
    "0.100000000000000000e+01",
    "5.000000000000000000E+00",
    "1234567890123456.0e+00",
  ];
  const text = `${fields.join(",")}\n${fields.reverse().join(",")}\r\n`;
  const table = parseCsvTable(encoder.encode(text), { features: fields.length }).features;
  const expected = [...fields.slice().reverse(), ...fields].map(Number);
  assert.equal(table.rows, 2);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Object.is(table.data[i], expected[i]), `field ${i}: ${table.data[i]}`);
  }
});

/**
 * A `%.18e` text within one unit of its last digit of the midpoint between `x` (positive,
 * normal) and the next double up: the texts the fast path must leave to Number().
 */
function numpyNearTie(x: number): string {
  bits[0] = x;
  const exponent = (words[1] >>> 20) & 0x7ff;
  const m = (BigInt((words[1] & 0xfffff) | 0x100000) << 32n) | BigInt(words[0]);
  const power = exponent - 1076; // the midpoint is (2m + 1) * 2^power
  const digits = power >= 0
    ? ((2n * m + 1n) << BigInt(power)).toString()
    : ((2n * m + 1n) * 5n ** BigInt(-power)).toString();
  const decimalExponent = digits.length - 1 + Math.min(0, power);
  const head = (BigInt(digits.slice(0, 19)) + BigInt(Math.floor(random() * 3) - 1)).toString();
  const sign = decimalExponent < 0 ? "-" : "+";
  const shown = String(Math.abs(decimalExponent)).padStart(2, "0");
  return `${head[0]}.${head.slice(1, 19)}e${sign}${shown}`;
}

/** One field for the CSV test: mostly `%.18e` of either sign, with the texts around it. */
function csvField(): string {
  const x = randomDouble();
  switch (Math.floor(random() * 8)) {
    case 0:
      return x > 1e-290 && x < 1e290 ? numpyNearTie(x) : numpyExponential(x);
    case 1:
      return String(Math.round((random() - 0.2) * 1e5) / 1000);
    case 2: // an `e` where numpy's would be, in a text of another shape
      return `${Math.floor(random() * 9e4) + 1e4}123456789012345e${Math.floor(random() * 9)}`;
    case 3:
      return numpyExponential(x).replace("e", "E");
    default:
      return `${random() < 0.5 ? "-" : ""}${numpyExponential(x)}`;
  }
}

Deno.test("CsvTableReader reads random signed %.18e records in random chunks exactly as Number()", () => {
  const columns = 5;
  const lines: string[] = [];
  const expected: number[] = [];
  for (let row = 0; row < 20_000; row++) {
    const fields = Array.from({ length: columns }, csvField);
    lines.push(fields.join(","));
    expected.push(...fields.map(Number));
  }
  const bytes = encoder.encode(lines.join(random() < 0.5 ? "\n" : "\r\n") + "\n");
  const reader = new CsvTableReader({ features: columns });
  for (let start = 0; start < bytes.length;) {
    const end = Math.min(bytes.length, start + 1 + Math.floor(random() * 400));
    reader.push(bytes.subarray(start, end));
    start = end;
  }
  const table = reader.finish().features;
  assert.equal(table.rows, 20_000);
  for (let i = 0; i < expected.length; i++) {
    const line = Math.floor(i / columns);
    assert.ok(
      Object.is(table.data[i], expected[i]),
      `line ${line + 1}, field ${(i % columns) + 1} (${lines[line].split(",")[i % columns]}): ${
        table.data[i]
      } instead of ${expected[i]}`,
    );
  }
});
