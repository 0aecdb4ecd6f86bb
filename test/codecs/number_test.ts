import assert from "node:assert/strict";
import { numberEnd, parseNumber, readLongNumber, readNumber } from "../../codecs/number.ts";

const encoder = new TextEncoder();

function parse(text: string): number | undefined {
  return parseNumber(encoder.encode(text));
}

Deno.test("parseNumber() reads decimals, signs and scientific notation", () => {
  assert.equal(parse("1.5"), 1.5);
  assert.equal(parse("-2.5E-2"), -0.025);
  assert.equal(parse("+7"), 7);
  assert.equal(parse(".5"), 0.5);
  assert.equal(parse("5."), 5);
  assert.equal(parse("1e3"), 1000);
});

Deno.test("parseNumber() ignores surrounding spaces, tabs and one pair of quotes", () => {
  assert.equal(parse(" \t3.25\t "), 3.25);
  assert.equal(parse('" 4 "'), 4);
});

Deno.test("parseNumber() reads only the bytes from start to end", () => {
  assert.equal(parseNumber(encoder.encode("12,34"), 3, 5), 34);
  assert.equal(parseNumber(encoder.encode("12,34"), 0, 2), 12);
});

Deno.test("parseNumber() reads nan and an empty field as NaN", () => {
  for (const text of ["nan", "NaN", "-nan", "", "  ", '""']) {
    assert.ok(Number.isNaN(parse(text)), `expected NaN for ${JSON.stringify(text)}`);
  }
});

Deno.test("parseNumber() returns undefined for text that is not a number", () => {
  for (const text of ["abc", "1e", ".", "1.2.3", "--1", "1,5", "0x10", "1_000"]) {
    assert.equal(parse(text), undefined, JSON.stringify(text));
  }
});

Deno.test("readNumber() stops at the first byte that cannot continue the number", () => {
  const bytes = encoder.encode("-1.5e3,2");
  assert.equal(readNumber(bytes, 0), -1500);
  assert.equal(numberEnd(), 6);
  assert.ok(Number.isNaN(readNumber(encoder.encode("nan"), 0)));
  assert.ok(Number.isNaN(readNumber(encoder.encode("1e+"), 0)));
});

Deno.test("readLongNumber() reads numpy's %.18e and other long numbers exactly", () => {
  for (
    const text of [
      "5.099999999999999645e+00",
      "-2.000000000000000111E-01",
      "0.000000000000000000e+00",
      "1.234567890123456789e-300",
      "123456789012345678.9",
      "1.0000000000000000000000000001",
    ]
  ) {
    const value = readLongNumber(encoder.encode(text), 0);
    assert.ok(Object.is(value, Number(text)) || Number.isNaN(value), text);
    assert.ok(Object.is(parse(text), Number(text)), text);
  }
  assert.equal(readLongNumber(encoder.encode("5.099999999999999645e+00"), 0), 5.1);
});
