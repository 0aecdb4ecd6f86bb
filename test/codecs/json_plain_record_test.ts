import assert from "node:assert/strict";
import { createRandom } from "../../algorithm/random.ts";
import { readJsonRecord } from "../../codecs/json.ts";
import { readPlainJsonRecord } from "../../codecs/json_plain_record.ts";
import { JsonLinesReader } from "../../codecs/jsonlines.ts";

const encoder = new TextEncoder();

/** A random number text: mostly valid JSON, sometimes one JSON refuses or we refuse. */
function numberText(random: () => number): string {
  const u = random();
  const sign = random() < 0.3 ? "-" : "";
  if (u < 0.35) return sign + (random() * 100).toFixed(Math.floor(random() * 6));
  if (u < 0.55) return sign + (random() * 10).toExponential(18); // numpy's %.18e
  if (u < 0.65) return sign + String(Math.floor(random() * 1e6));
  if (u < 0.72) {
    return sign +
      `${(random() * 9 + 1).toFixed(3)}e${random() < 0.5 ? "-" : "+"}${Math.floor(random() * 300)}`;
  }
  const odd = [
    "-0",
    "0",
    "1e999",
    "-1e999",
    "01",
    "+1",
    ".5",
    "5.",
    "1e",
    "-",
    "1E5",
    "0.0e-0",
    "null",
    '"1"',
    "true",
    "[1]",
    "NaN",
  ];
  return odd[Math.floor(random() * odd.length)];
}

/** A random line of about `features` values with random spacing and wrapping. */
function lineText(random: () => number, features: number): string {
  const space = () => (random() < 0.7 ? "" : [" ", "  ", "\t", " \t "][Math.floor(random() * 4)]);
  const count = random() < 0.85 ? features : features + (random() < 0.5 ? -1 : 1);
  const values: string[] = [];
  for (let i = 0; i < count; i++) values.push(numberText(random));
  const list = "[" + space() + values.join(space() + "," + space()) + space() + "]";
  const u = random();
  if (u < 0.45) return space() + list + space();
  if (u < 0.85) {
    return `${space()}{${space()}"features"${space()}:${space()}${list}${space()}}${space()}`;
  }
  const odd = [
    `{"features": ${list}, "x": 1}`,
    `{"x": 1}`,
    `${list},`,
    `[${list}]`,
    `{"features": ${list}`,
    `${list} x`,
    "",
  ];
  return odd[Math.floor(random() * odd.length)];
}

/** What the full path (`JSON.parse`, then `readJsonRecord`) makes of `text`. */
function fullPath(text: string, features: number): { values?: number[]; error?: string } {
  const data = new Float64Array(features);
  try {
    const error = readJsonRecord(JSON.parse(text), data, { offset: 0, features, where: "line 1" });
    return error === undefined ? { values: [...data] } : { error };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

Deno.test("readPlainJsonRecord() reads exactly the lines JSON.parse reads as a record, to the same doubles", () => {
  const random = createRandom(20261201);
  let plain = 0;
  let fallBack = 0;
  for (let n = 0; n < 30_000; n++) {
    const features = 1 + Math.floor(random() * 6);
    const text = lineText(random, features);
    const data = new Float64Array(features + 2);
    const read = readPlainJsonRecord(encoder.encode(text), data, { offset: 1, features });
    const expected = fullPath(text, features);
    if (read) {
      plain++;
      assert.equal(expected.error, undefined, `${JSON.stringify(text)} was read but must fail`);
      for (let i = 0; i < features; i++) {
        assert.ok(
          Object.is(data[1 + i], expected.values![i]),
          `${JSON.stringify(text)}, field ${i + 1}`,
        );
      }
    } else {
      fallBack++;
      // A line left to the full path must be one it refuses, or one the plain path does not
      // take (a null value, another key): a plain list of finite numbers must never fall back.
      if (expected.error === undefined) {
        assert.ok(/null|"x"/.test(text), `${JSON.stringify(text)} is a plain record but fell back`);
      }
    }
  }
  assert.ok(plain > 5_000 && fallBack > 5_000, `plain ${plain}, fall back ${fallBack}`);
});

Deno.test("JsonLinesReader gives the same records and errors for plain and full-path lines", () => {
  const random = createRandom(7);
  const features = 4;
  const lines: string[] = [];
  for (let n = 0; n < 3_000; n++) lines.push(lineText(random, features));
  const reader = new JsonLinesReader({ features, onBadRecord: "mark" });
  reader.push(encoder.encode(lines.join("\r\n") + "\n"));
  const table = reader.finish();
  let record = 0;
  for (const [index, text] of lines.entries()) {
    if (text.trim() === "") continue;
    const expected = fullPath(text, features);
    if (expected.error === undefined) {
      assert.equal(reader.errors.has(record), false, `line ${index + 1}`);
      const got = [...table.data.subarray(record * features, (record + 1) * features)];
      assert.ok(
        got.every((value, i) => Object.is(value, expected.values![i])),
        `line ${index + 1}`,
      );
    } else {
      assert.ok(reader.errors.has(record), `line ${index + 1} ${JSON.stringify(text)} must fail`);
    }
    record++;
  }
  assert.equal(table.rows, record);
});
