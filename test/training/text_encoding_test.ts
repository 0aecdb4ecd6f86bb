import assert from "node:assert/strict";
import { encodeWide } from "../support/text.ts";
import { ChannelError } from "../../sagemaker/channels.ts";
import {
  checkFileEncoding,
  checkTextEncoding,
  wideEncodingOf,
} from "../../training/text_encoding.ts";

const CSV = "a,1.5,2\nb,3,4\n";

for (const bytes of [2, 4] as const) {
  for (const bigEndian of [false, true]) {
    for (const bom of [true, false]) {
      const name = `UTF-${bytes * 8}${bigEndian ? "BE" : "LE"}${bom ? " with a BOM" : ""}`;
      Deno.test(`wideEncodingOf() recognises ${name}`, () => {
        assert.equal(
          wideEncodingOf(encodeWide(CSV, { bytes, bigEndian, bom })),
          `UTF-${bytes * 8}`,
        );
        // A blank first line too: the NUL bytes are there all the same.
        const blankFirst = encodeWide("\n" + CSV, { bytes, bigEndian, bom });
        assert.equal(wideEncodingOf(blankFirst), `UTF-${bytes * 8}`);
      });
    }
  }
}

Deno.test("wideEncodingOf() leaves UTF-8, ASCII and other bytes alone", () => {
  const encoder = new TextEncoder();
  for (const text of [CSV, "\ufeff" + CSV, "é,ü,∑\n1,2,3\n", "", "1", "\n"]) {
    assert.equal(wideEncodingOf(encoder.encode(text)), undefined, JSON.stringify(text));
  }
  // NUL bytes, but not laid out as a wide encoding lays out ASCII: left to the CSV reader.
  assert.equal(wideEncodingOf(new Uint8Array([0x31, 0x2c, 0, 0, 0x0a])), undefined);
  assert.equal(wideEncodingOf(new Uint8Array([0, 0, 0x31, 0x0a])), undefined);
});

Deno.test("checkTextEncoding() names the file and the encoding", () => {
  const utf16 = encodeWide(CSV, { bytes: 2, bigEndian: false, bom: false });
  assert.throws(
    () => checkTextEncoding(utf16, "/data/a.csv"),
    (error: Error) =>
      error instanceof ChannelError &&
      error.message === "Cannot read /data/a.csv: it is UTF-16 text, save it as UTF-8 (or ASCII)",
  );
  checkTextEncoding(new TextEncoder().encode(CSV), "/data/a.csv");
});

/** checkFileEncoding() of the file at `path`, opened for it. */
async function checkPath(path: string): Promise<void> {
  using file = await Deno.open(path, { read: true });
  await checkFileEncoding(file, path);
}

Deno.test("checkFileEncoding() reads the start of a file, short or empty files included", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/a.csv`, encodeWide(CSV, { bytes: 4, bigEndian: true, bom: true }));
    await assert.rejects(
      () => checkPath(`${dir}/a.csv`),
      /^ChannelError: Cannot read .*\/a\.csv: it is UTF-32 text, save it as UTF-8 \(or ASCII\)$/,
    );
    await Deno.writeTextFile(`${dir}/b.csv`, "");
    await checkPath(`${dir}/b.csv`);
    await Deno.writeTextFile(`${dir}/c.csv`, CSV);
    await checkPath(`${dir}/c.csv`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
