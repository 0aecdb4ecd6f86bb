import assert from "node:assert/strict";
import { LabelIndex } from "../../training/label_index.ts";
import { encodeLatin1 } from "../support/text.ts";

const encoder = new TextEncoder();

/** The number of `label` looked up by its UTF-8 bytes, placed inside other bytes. */
function byBytes(index: LabelIndex, label: string): number {
  const bytes = encoder.encode(`x,${label},y`);
  return index.idOfBytes(bytes, 2, bytes.length - 2);
}

Deno.test("LabelIndex numbers labels in first-seen order, by text or by bytes alike", () => {
  const index = new LabelIndex();
  assert.equal(index.idOf("setosa"), 0);
  assert.equal(byBytes(index, "versicolor"), 1);
  assert.equal(byBytes(index, "setosa"), 0);
  assert.equal(index.idOf("versicolor"), 1);
  assert.equal(byBytes(index, "virginica"), 2);
  assert.equal(byBytes(index, "virginica"), 2);
  assert.deepEqual(index.names(), ["setosa", "versicolor", "virginica"]);
});

Deno.test("LabelIndex finds every label past the ones it knows by their bytes", () => {
  // 40 labels (more than are kept as bytes), some long, some sharing a prefix or a length.
  const labels = Array.from(
    { length: 40 },
    (_, i) => (i % 5 === 0 ? `long-${"é".repeat(40)}-${i}` : `c${i}`),
  );
  const index = new LabelIndex();
  for (const label of labels) byBytes(index, label);
  for (let round = 0; round < 3; round++) {
    labels.forEach((label, i) => {
      assert.equal(byBytes(index, label), i, label);
      assert.equal(index.idOf(label), i, label);
    });
  }
  assert.deepEqual(index.names(), labels);
});

Deno.test("LabelIndex gives -1 for a label that is not UTF-8 and numbers nothing for it", () => {
  const index = new LabelIndex();
  assert.equal(index.idOf("ok"), 0);
  const latin1 = encodeLatin1("caf\u00e9");
  assert.equal(index.idOfBytes(latin1, 0, latin1.length), -1);
  assert.deepEqual(index.names(), ["ok"]);
});
