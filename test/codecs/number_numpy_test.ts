/**
 * readNumpyExponential() against Number() on numpy's `%.18e` texts of random doubles, and the
 * texts it must leave to readLongNumber().
 */
import assert from "node:assert/strict";
import { createRandom } from "../../algorithm/random.ts";
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
