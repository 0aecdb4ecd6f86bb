import assert from "node:assert/strict";
import { CsvError, CsvTableReader, MAX_LINE_BYTES } from "../../codecs/csv_reader.ts";

const encoder = new TextEncoder();

/** Counts the bytes a typed-array constructor is asked for while `run` runs. */
function allocatedBytes(run: () => void): number {
  const original = globalThis.Float64Array;
  let bytes = 0;
  const counting = class extends original {
    constructor(...args: unknown[]) {
      // deno-lint-ignore no-explicit-any
      super(...(args as [any]));
      bytes += this.byteLength;
    }
  };
  globalThis.Float64Array = counting as typeof Float64Array;
  try {
    run();
  } finally {
    globalThis.Float64Array = original;
  }
  return bytes;
}

Deno.test("CsvTableReader.push() fails naming the source and line once a line passes maxLineBytes", () => {
  const reader = new CsvTableReader({ labelColumn: 0, source: "a.csv", maxLineBytes: 1000 });
  reader.push(encoder.encode("a,1,2\nb,3,4\n"));
  const chunk = encoder.encode("1,".repeat(100));
  assert.throws(
    () => {
      for (let i = 0; i < 10; i++) reader.push(chunk);
    },
    (error) =>
      error instanceof CsvError && error.line === 3 &&
      error.message === "Cannot parse a.csv line 3: the line is longer than 1000 bytes",
  );
});

Deno.test("CsvTableReader.push() fails on a long line that arrives in one chunk", () => {
  const reader = new CsvTableReader({ maxLineBytes: 100 });
  assert.throws(
    () => reader.push(encoder.encode("1,2\n" + "3,".repeat(100) + "4\n")),
    /^CsvError: Cannot parse line 2: the line is longer than 100 bytes$/,
  );
});

Deno.test("CsvTableReader reads a line cut into many chunks in time linear in its length", () => {
  // A line fed a byte at a time: joining the parts anew on every chunk copies n²/2 bytes.
  const line = encoder.encode("a," + "1,".repeat(20_000) + "2\n");
  let copied = 0;
  const original = Uint8Array.prototype.set;
  Uint8Array.prototype.set = function (this: Uint8Array, ...args: Parameters<typeof original>) {
    copied += (args[0] as ArrayLike<number>).length;
    return original.apply(this, args);
  };
  let table;
  try {
    const reader = new CsvTableReader({ labelColumn: 0 });
    for (let i = 0; i < line.length; i += 16) reader.push(line.subarray(i, i + 16));
    table = reader.finish();
  } finally {
    Uint8Array.prototype.set = original;
  }
  assert.equal(table.features.rows, 1);
  assert.equal(table.features.columns, 20_001);
  assert.ok(copied < line.length * 4, `copied ${copied} bytes for a ${line.length}-byte line`);
});

Deno.test("MAX_LINE_BYTES is 16 MiB", () => {
  assert.equal(MAX_LINE_BYTES, 16 * 1024 * 1024);
});

Deno.test("CsvTableReader sizes its buffer by what arrives, not by a huge capacity hint", () => {
  const features = 100_000;
  const record = new Array(features).fill("0.5").join(",") + "\n";
  let rows = 0;
  const bytes = allocatedBytes(() => {
    const reader = new CsvTableReader({ features }, 32_768 * features);
    reader.push(encoder.encode(record + record));
    rows = reader.finish().features.rows;
  });
  assert.equal(rows, 2);
  assert.ok(bytes <= 64 * 1024 * 1024, `allocated ${bytes} bytes for 2 records`);
});

Deno.test("CsvTableReader fails naming the line when the values need more than maxValueBytes", () => {
  const reader = new CsvTableReader({ labelColumn: 0, source: "a.csv", maxValueBytes: 8000 });
  assert.throws(
    () => reader.push(encoder.encode("a,1\n".repeat(2000))),
    /^CsvError: Cannot parse a\.csv line 1001: the records so far need more than 8000 bytes of memory$/,
  );
});

Deno.test("CsvTableReader unquotes a quoted label by CSV rules", () => {
  const reader = new CsvTableReader({ labelColumn: 0, labelIds: true });
  reader.push(encoder.encode('"say ""hi""",1\n" a, b ",2\nplain,3\n'));
  assert.deepEqual(reader.finish().labelNames, ['say "hi"', " a, b ", "plain"]);
});

Deno.test("CsvTableReader rejects an empty label naming the source, line and field", () => {
  for (const text of ["a,1\n,2\n", 'a,1\n"",2\n', "a,1\n  ,2\n"]) {
    const reader = new CsvTableReader({ labelColumn: 0, source: "a.csv" });
    assert.throws(
      () => reader.push(encoder.encode(text)),
      /^CsvError: Cannot parse a\.csv line 2, field 1: the label is empty$/,
      JSON.stringify(text),
    );
  }
});
