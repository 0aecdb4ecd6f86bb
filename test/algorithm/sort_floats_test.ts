import assert from "node:assert/strict";
import { sortFloats } from "../../algorithm/sort_floats.ts";
import { createRandom } from "../../algorithm/random.ts";

/** Checks that `sortFloats` orders `values` as `Float64Array.prototype.sort` does. */
function assertSortsLikeNative(values: Float64Array): void {
  const expected = values.slice().sort();
  const sorted = sortFloats(values.slice());
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Object.is(sorted[i], expected[i]), `index ${i}: ${sorted[i]} != ${expected[i]}`);
  }
}

Deno.test("sortFloats() orders values of both signs and many magnitudes as the native sort", () => {
  const random = createRandom(1);
  for (const n of [0, 1, 2, 255, 256, 3000, 60_000]) {
    assertSortsLikeNative(Float64Array.from({ length: n }, () => (random() - 0.5) * 1e6));
    assertSortsLikeNative(Float64Array.from({ length: n }, () => Math.round(random() * 1e4) / 1e4));
  }
});

Deno.test("sortFloats() puts -0 before 0 and keeps infinities, subnormals and repeats", () => {
  const random = createRandom(2);
  const specials = [0, -0, 1, -1, Infinity, -Infinity, 5e-324, -5e-324, 1e308, -1e-308];
  assertSortsLikeNative(
    Float64Array.from({ length: 5000 }, () => specials[Math.floor(random() * specials.length)]),
  );
  assertSortsLikeNative(new Float64Array(1000).fill(3.5));
});

Deno.test("sortFloats() sorts a view in place without touching the values around it", () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => 1000 - i);
  const view = values.subarray(100, 900);
  assert.equal(sortFloats(view), view);
  assert.equal(values[99], 901);
  assert.equal(values[900], 100);
  assert.deepEqual([...view], Array.from({ length: 800 }, (_, i) => 101 + i));
});
