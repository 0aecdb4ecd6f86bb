import assert from "node:assert/strict";
import { createRandom } from "../../algorithm/random.ts";
import { describeJsonValue, JsonRecordError, readJsonRecord } from "../../codecs/json.ts";
import { JsonTableReader } from "../../codecs/json_reader.ts";

const encoder = new TextEncoder();

interface Outcome {
  rows?: number;
  values?: number[];
  errors?: [number, string][];
  record?: number;
  message?: string;
}

/** The whole-body reading the streaming reader replaces: `JSON.parse`, then record by record. */
function referenceRead(body: string, features: number, mark: boolean): Outcome {
  // The server decoded the body with TextDecoder, which drops a byte-order mark.
  const text = new TextDecoder().decode(encoder.encode(body));
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { record: 0, message: `Cannot parse the JSON body: ${(error as Error).message}` };
  }
  let records = parsed;
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
    records = (parsed as Record<string, unknown>).instances;
  }
  if (!Array.isArray(records)) {
    return {
      record: 0,
      message:
        'Cannot read the JSON body: expected {"instances": [[...], ...]} or a list of records',
    };
  }
  const data = new Float64Array(records.length * features);
  const errors: [number, string][] = [];
  for (let r = 0; r < records.length; r++) {
    let error = readJsonRecord(records[r], data, {
      offset: r * features,
      features,
      where: `record ${r + 1}`,
    });
    if (error === undefined) continue;
    const hint = r === 0 && typeof records[0] === "number" && Number.isFinite(records[0])
      ? ` (to send one record, wrap it in a list: [[${describeJsonValue(records[0])}, ...]])`
      : "";
    if (!mark) return { record: r + 1, message: error + hint };
    error += hint;
    data.fill(NaN, r * features, (r + 1) * features);
    errors.push([r, error]);
  }
  return { rows: records.length, values: Array.from(data), errors };
}

/** Reads `bytes` cut into chunks at `cuts`, draining now and then like the server does. */
function streamRead(
  bytes: Uint8Array,
  options: { features: number; mark: boolean; cuts: number[]; drainEvery?: number },
): Outcome {
  const { features, mark, cuts } = options;
  const reader = new JsonTableReader({ features, onBadRecord: mark ? "mark" : "throw" });
  const values: number[] = [];
  let rows = 0;
  try {
    let start = 0;
    for (const cut of [...cuts, bytes.length]) {
      // A copy that is overwritten afterwards, as the server's reused read buffer is.
      const chunk = bytes.slice(start, cut);
      reader.push(chunk);
      chunk.fill(0x21);
      start = cut;
      if (options.drainEvery !== undefined && reader.rows >= options.drainEvery) {
        const table = reader.drain();
        rows += table.rows;
        values.push(...table.data);
      }
    }
    const table = reader.finish();
    rows += table.rows;
    values.push(...table.data);
  } catch (error) {
    assert.ok(error instanceof JsonRecordError, `expected a JsonRecordError, got ${error}`);
    return { record: error.record, message: error.message };
  }
  return { rows, values, errors: [...reader.errors] };
}

function read(text: string, features = 2, mark = false): Outcome {
  return streamRead(encoder.encode(text), { features, mark, cuts: [] });
}

function byteByByte(text: string, features = 2, mark = false): Outcome {
  const bytes = encoder.encode(text);
  const cuts = Array.from({ length: bytes.length }, (_, i) => i + 1).slice(0, -1);
  return streamRead(bytes, { features, mark, cuts, drainEvery: 1 });
}

/** Same outcome whole, byte by byte, and as `JSON.parse` reads it. */
function assertLikeReference(text: string, features = 2, mark = false): Outcome {
  const expected = referenceRead(text, features, mark);
  assert.deepEqual(read(text, features, mark), expected, `whole: ${text}`);
  assert.deepEqual(byteByByte(text, features, mark), expected, `byte by byte: ${text}`);
  return expected;
}

Deno.test("JsonTableReader reads every accepted shape, whole and byte by byte", () => {
  const shapes = [
    '{"instances": [[1, 2], [3.5, -4e2]]}',
    "[[1, 2], [3, 4], [5, 6]]",
    '{"instances": [{"features": [7, 8]}, [9, 10]]}',
    '[{"features": [1, 2], "id": "a"}, {"id": {"x": [1, "]"]}, "features": [3, 4]}]',
    '{"model": "x", "instances": [[null, 1]], "extra": [{"a": [true, false, null]}]}',
    " \n\t\r[ [ 1 , 2 ] ,\n[ -0 , 0.5e-3 ] ]\n ",
    "[[5.099999999999999645e+00, 3.499999999999999112e+00]]",
    "[[1E+2, 1e-2], [123456789012345678901234, 0.000000000000000000001]]",
    '{"inst\\u0061nces": [{"f\\u0065atures": [1, 2]}]}',
    '{"instances": 5, "instances": [[1, 2]]}',
    '[{"features": "x", "features": [1, 2]}]',
    "\ufeff[[1, 2]]",
    "[]",
    '{"instances": []}',
  ];
  for (const text of shapes) {
    const outcome = assertLikeReference(text);
    assert.equal(outcome.message, undefined, text);
  }
});

Deno.test("JsonTableReader names the record and field of a bad record like JSON.parse", () => {
  const bad = [
    '[[1, 2], [3, "x"]]',
    "[[1, 2], [1]]",
    '[["setosa", 1, 2]]',
    "[1, 2]",
    '["a", [1, 2]]',
    "[null]",
    "[true]",
    "[[1, 2], [1e999, 1]]",
    "[[1, 2], [3, -1e999]]",
    `[[1, ${"9".repeat(400)}]]`,
    '{"instances": [{"features": [1e999, 1]}]}',
    '[{"features": 5}]',
    '[{"features": null}]',
    '[{"features": {"a": [1, 2, "long string of more than forty characters"]}}]',
    '[{"feature": [1, 2]}]',
    "[{}]",
    "[[1, [2, 3]]]",
    '[[1, {"a": "b\\n\\u00e9"}]]',
    "[[true, false]]",
    '[[1, "x", 3]]',
    '[[1, 2], [3, 4], [5, "\\"q\\""]]',
    '[{"features": [1, 2], "features": [1]}]',
  ];
  for (const text of bad) {
    assert.notEqual(assertLikeReference(text).message, undefined, text);
    assertLikeReference(text, 2, true);
  }
});

Deno.test("JsonTableReader hints at a record wrapped in one list too many", () => {
  const hint = " (its only field is a list: the record may be wrapped in one list too many)";
  for (
    const text of ["[[[5.1, 3.5, 1.4, 0.2]]]", '{"instances": [{"features": [[1, 2, 3, 4]]}]}']
  ) {
    const expected = assertLikeReference(text, 4);
    assert.equal(expected.message, `Cannot parse record 1: expected 4 features, found 1${hint}`);
    assert.equal(assertLikeReference(text, 4, true).errors![0][1], expected.message);
  }
  // A lone field that is not a list, or a list among other fields, gets no such hint.
  assert.equal(
    assertLikeReference('[["a"]]', 4).message,
    "Cannot parse record 1: expected 4 features, found 1",
  );
  assert.equal(
    assertLikeReference("[[[1, 2], 3]]", 4).message,
    "Cannot parse record 1: expected 4 features, found 2",
  );
});

Deno.test("JsonTableReader hints to wrap one record sent as a flat list of numbers", () => {
  const hint = " (to send one record, wrap it in a list: [[5.1, ...]])";
  for (const text of ["[5.1, 3.5, 1.4, 0.2]", '{"instances": [5.1, 3.5, 1.4, 0.2]}']) {
    const expected = {
      record: 1,
      message: `Cannot parse record 1: expected a list of 4 numbers, found 5.1${hint}`,
    };
    assert.deepEqual(read(text, 4), expected, text);
    assert.deepEqual(byteByByte(text, 4), expected, text);
    const marked = read(text, 4, true);
    assert.equal(marked.errors![0][1], expected.message, text);
    assert.equal(
      marked.errors![1][1],
      "Cannot parse record 2: expected a list of 4 numbers, found 3.5",
      text,
    );
  }
  // Only a number as the first record looks like a record sent flat.
  assert.equal(
    read("[[1, 2], 5]").message,
    "Cannot parse record 2: expected a list of 2 numbers, found 5",
  );
  assert.equal(
    read('["a", 1]').message,
    'Cannot parse record 1: expected a list of 2 numbers, found "a"',
  );
});

Deno.test("JsonTableReader refuses a body that is not a list of records, like JSON.parse", () => {
  for (const text of ['{"rows": []}', "5", '"x"', "null", '{"instances": {"a": 1}}']) {
    const outcome = assertLikeReference(text);
    assert.match(outcome.message!, /^Cannot read the JSON body: expected \{"instances"/);
  }
  assert.deepEqual(read('{"instances": [[1, 2]], "instances": [[3, 4]]}'), {
    record: 0,
    message: 'Cannot read the JSON body: "instances" is given more than once',
  });
});

Deno.test("JsonTableReader gives JSON.parse's syntax errors and positions", () => {
  const broken = [
    "[[1, 2]",
    "[[1,2]] x",
    '{"a" 1}',
    "{,}",
    '{"a":1,}',
    '["a\u0001"]',
    '["\\x"]',
    '["\\u12G4"]',
    "[-]",
    "[1.]",
    "[1e]",
    "[01]",
    '"abc',
    "{",
    '{"a"',
    '{"a":1',
    '{"a":1,',
    "-",
    "[1.",
    "[1e",
    '"ab\\u12',
    "[1}",
    '{"a":1]',
    "[]]",
    '["\n"]',
    "[1e+]",
    "[-a]",
    "[1.a]",
    "[00]",
    "[-01]",
    "[truex]",
    "[1,2,3",
    '{"a":1 ,}',
    "\n\n[1 2]",
    "[[1, 2]]\n\n  x",
  ];
  for (const text of broken) {
    const expected = referenceRead(text, 2, true);
    assert.match(expected.message!, /at position \d+ \(line \d+ column \d+\)$/, text);
    assertLikeReference(text, 2, true);
  }
  const unexpected = ["", " ", "[", "[1,", '{"a":', "tru", "[tru", '"ab\\', "[nul]", "[1,]"];
  for (const text of unexpected) {
    const outcome = byteByByte(text, 2, true);
    assert.equal(outcome.record, 0);
    assert.match(outcome.message!, /^Cannot parse the JSON body: Unexpected (end|token)/, text);
  }
});

Deno.test("JsonTableReader in mark mode keeps bad records as NaN, whole and byte by byte", () => {
  const outcome = assertLikeReference("[[1, 2], [true, 1], [3, 4]]", 2, true);
  assert.equal(outcome.rows, 3);
  assert.deepEqual(outcome.errors!.map(([index]) => index), [1]);
});

/** A random body in one of the accepted shapes, some records bad, numbers in many spellings. */
function randomBody(random: () => number, features: number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const space = () => pick(["", "", "", " ", "\n", "\t", " \r\n "]);
  const number = (): string => {
    const value = (random() - 0.5) * 10 ** Math.floor(random() * 12 - 6);
    return pick([
      () => String(value),
      () => value.toExponential(18),
      () => value.toFixed(3),
      () => String(Math.round(value)),
      () => value.toExponential(3).toUpperCase(),
      () => "-0",
      () => "0.0000000000000000000000001234",
      () => "12345678901234567890123",
      () => "1e-400",
    ])();
  };
  const field = (): string => {
    const roll = random();
    if (roll < 0.9) return number();
    if (roll < 0.93) return "null";
    return pick(['"x"', "true", "[1]", '{"a": 1}', "1e999", '"\\u00e9\\n"']);
  };
  const list = () => {
    const count = random() < 0.9 ? features : Math.floor(random() * (features + 3));
    return `[${space()}${
      Array.from({ length: count }, () => field()).join(`${space()},${space()}`)
    }${space()}]`;
  };
  const record = (): string => {
    const roll = random();
    if (roll < 0.75) return list();
    if (roll < 0.93) {
      const extra = random() < 0.3 ? `"id":${space()}"r${Math.floor(random() * 99)}",` : "";
      return `{${space()}${extra}"features"${space()}:${space()}${list()}${space()}}`;
    }
    return pick(["5", '"abc"', "null", "{}", '{"f": [1]}', "[]"]);
  };
  const records = Array.from({ length: Math.floor(random() * 30) }, record)
    .join(`${space()},${space()}`);
  return random() < 0.5
    ? `${space()}[${space()}${records}${space()}]${space()}`
    : `{${space()}"instances"${space()}:${space()}[${records}]${space()}}`;
}

Deno.test("JsonTableReader agrees with JSON.parse on random bodies cut into random chunks", () => {
  const random = createRandom(15);
  for (let round = 0; round < 400; round++) {
    const features = 1 + Math.floor(random() * 5);
    const text = randomBody(random, features);
    const bytes = encoder.encode(text);
    const cuts = Array.from(
      { length: Math.floor(random() * 8) },
      () => Math.floor(random() * bytes.length),
    ).sort((a, b) => a - b);
    for (const mark of [false, true]) {
      const expected = referenceRead(text, features, mark);
      const actual = streamRead(bytes, { features, mark, cuts, drainEvery: 3 });
      assert.deepEqual(actual, expected, `round ${round}, cuts ${cuts}: ${text}`);
    }
  }
});

Deno.test("JsonTableReader agrees with JSON.parse on random broken bodies", () => {
  const random = createRandom(16);
  const junk = ["", "x", ",", "]", "[", "{", "}", ":", '"', "\\", "-", ".", "e", "0", " "];
  for (let round = 0; round < 400; round++) {
    const text = randomBody(random, 2);
    const at = Math.floor(random() * (text.length + 1));
    const cut = Math.floor(random() * 3);
    const broken = text.slice(0, at) + junk[Math.floor(random() * junk.length)] +
      text.slice(at + cut);
    const expected = referenceRead(broken, 2, true);
    const actual = byteByByte(broken, 2, true);
    if (expected.record === 0 && /position \d+ \(line/.test(expected.message!)) {
      assert.deepEqual(actual, expected, JSON.stringify(broken));
    } else if (expected.record === 0) {
      assert.equal(actual.record, 0, broken);
      assert.equal(
        actual.message!.startsWith("Cannot parse the JSON body:"),
        expected.message!.startsWith("Cannot parse the JSON body:"),
        `${broken}: ${actual.message} / ${expected.message}`,
      );
    } else {
      assert.deepEqual(actual, expected, JSON.stringify(broken));
    }
  }
});
