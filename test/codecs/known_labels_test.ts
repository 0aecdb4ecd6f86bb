import assert from "node:assert/strict";
import { KnownLabels } from "../../codecs/known_labels.ts";
import { decodeLabel } from "../../codecs/labels.ts";

const encoder = new TextEncoder();

Deno.test("KnownLabels.decode() reads a label as decodeLabel() does, seen or not", () => {
  const labels = new KnownLabels();
  const text = "cat,dog,cat,ca,cats,é,é,dog";
  const bytes = encoder.encode(text);
  let start = 0;
  for (const field of text.split(",")) {
    const end = start + encoder.encode(field).length;
    assert.equal(labels.decode(bytes, start, end), decodeLabel(bytes, start, end));
    assert.equal(labels.decode(bytes, start, end), field);
    start = end + 1;
  }
});

Deno.test("KnownLabels.decode() keeps decoding past its first 16 labels", () => {
  const labels = new KnownLabels();
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 40; i++) {
      const bytes = encoder.encode(`label${i}`);
      assert.equal(labels.decode(bytes, 0, bytes.length), `label${i}`);
    }
  }
});
