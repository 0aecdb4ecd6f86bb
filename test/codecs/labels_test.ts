import assert from "node:assert/strict";
import { decodeLabel, LabelColumn, sortClasses } from "../../codecs/labels.ts";

const encoder = new TextEncoder();

Deno.test("decodeLabel() trims spaces and removes one pair of surrounding quotes", () => {
  assert.equal(decodeLabel(encoder.encode('  "setosa" ')), "setosa");
  assert.equal(decodeLabel(encoder.encode("a,versicolor,b"), 2, 12), "versicolor");
});

Deno.test("decodeLabel() decodes UTF-8 and long labels", () => {
  assert.equal(decodeLabel(encoder.encode("Müller")), "Müller");
  const long = "x".repeat(100);
  assert.equal(decodeLabel(encoder.encode(long)), long);
});

Deno.test("sortClasses() sorts numeric labels by value and others as strings", () => {
  assert.deepEqual(sortClasses(["10", "9", "1.5"]), ["1.5", "9", "10"]);
  assert.deepEqual(sortClasses(["b", "a", "10"]), ["10", "a", "b"]);
});

Deno.test("LabelColumn keeps strings, or with ids first-seen indices that outgrow their buffer", () => {
  const strings = new LabelColumn({ ids: false });
  strings.add(0, "b");
  strings.add(1, "a");
  assert.deepEqual(strings.strings, ["b", "a"]);
  assert.deepEqual(strings.ids(2), {});
  const ids = new LabelColumn({ ids: true });
  for (let row = 0; row < 3000; row++) ids.add(row, ["y", "x"][row % 2]);
  const { labelIds, labelNames } = ids.ids(3000);
  assert.deepEqual(labelNames, ["y", "x"]);
  assert.equal(labelIds?.length, 3000);
  assert.deepEqual([...labelIds!.subarray(2996)], [0, 1, 0, 1]);
  assert.deepEqual(ids.strings, []);
});

Deno.test("decodeLabel() turns a doubled quote inside a quoted label into one quote", () => {
  assert.equal(decodeLabel(encoder.encode('"say ""hi"""')), 'say "hi"');
  assert.equal(decodeLabel(encoder.encode(' " a, ""b"" " ')), ' a, "b" ');
});

Deno.test("decodeLabel() returns undefined for bytes that are not UTF-8, quoted or not", () => {
  const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
  assert.equal(decodeLabel(latin1("caf\u00e9")), undefined);
  assert.equal(decodeLabel(latin1('"caf\u00e9"')), undefined);
  assert.equal(decodeLabel(latin1('"say ""caf\u00e9"""')), undefined);
  assert.equal(decodeLabel(encoder.encode("caf\u00e9")), "caf\u00e9");
});
