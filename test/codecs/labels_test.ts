import assert from "node:assert/strict";
import { decodeLabel, sortClasses } from "../../codecs/labels.ts";

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

Deno.test("decodeLabel() turns a doubled quote inside a quoted label into one quote", () => {
  assert.equal(decodeLabel(encoder.encode('"say ""hi"""')), 'say "hi"');
  assert.equal(decodeLabel(encoder.encode(' " a, ""b"" " ')), ' a, "b" ');
});
