import assert from "node:assert/strict";
import { headerRow, holdsOnlyNumbers } from "../../training/first_line.ts";

function row(text: string) {
  return headerRow({ text, number: 1 }, "a.csv");
}

Deno.test("holdsOnlyNumbers() is true for a record taken as a header row, whatever its label", () => {
  assert.equal(holdsOnlyNumbers(row("setosa,5.1,3.5,1.4,0.2"), 0), true);
  assert.equal(holdsOnlyNumbers(row('1.5e-3, "2" ,,nan,-4,yes'), 5), true);
  assert.equal(holdsOnlyNumbers(row("0,1,2"), 0), true);
});

Deno.test("holdsOnlyNumbers() is false for a header row with a name among the features", () => {
  assert.equal(holdsOnlyNumbers(row("species,a,b"), 0), false);
  assert.equal(holdsOnlyNumbers(row("species,1,b"), 0), false);
  assert.equal(holdsOnlyNumbers(row("1,2,x"), 0), false);
  // No feature holds a number: nothing says it is a record.
  assert.equal(holdsOnlyNumbers(row("label,,"), 0), false);
});
