/** The per-worker LRU model cache: budget, eviction order, generations, sweeping. */
import assert from "node:assert/strict";
import { ModelCache } from "../../serving/multi_model/cache.ts";

function cacheOf(maxBytes: number): { cache: ModelCache<string>; evicted: string[] } {
  const evicted: string[] = [];
  const cache = new ModelCache<string>({ maxBytes, onEvict: (name) => evicted.push(name) });
  return { cache, evicted };
}

Deno.test("ModelCache evicts the least recently used models until a new one fits", () => {
  const { cache, evicted } = cacheOf(300);
  assert.ok(cache.set("a", "g1", "A", 100));
  assert.ok(cache.set("b", "g1", "B", 100));
  assert.ok(cache.set("c", "g1", "C", 100));
  assert.equal(cache.get("a", "g1"), "A"); // a is now the most recently used
  assert.ok(cache.set("d", "g1", "D", 150));
  assert.deepEqual(evicted, ["b", "c"]);
  assert.equal(cache.bytes, 250);
  assert.equal(cache.size, 2);
  assert.equal(cache.get("b", "g1"), undefined);
  assert.equal(cache.get("d", "g1"), "D");
});

Deno.test("ModelCache refuses a model larger than the whole budget and keeps the others", () => {
  const { cache, evicted } = cacheOf(100);
  assert.ok(cache.set("a", "g1", "A", 60));
  assert.equal(cache.set("huge", "g1", "H", 101), false);
  assert.deepEqual(evicted, []);
  assert.equal(cache.get("a", "g1"), "A");
  assert.equal(cache.has("huge"), false);
});

Deno.test("ModelCache answers only for the generation it cached and drops a stale one", () => {
  const { cache, evicted } = cacheOf(100);
  cache.set("a", "g1", "old", 40);
  assert.equal(cache.get("a", "g2"), undefined);
  assert.equal(cache.has("a"), false);
  assert.equal(cache.bytes, 0);
  cache.set("a", "g2", "new", 40);
  cache.set("a", "g3", "newer", 50); // replacing a name is not an eviction
  assert.equal(cache.get("a", "g3"), "newer");
  assert.equal(cache.bytes, 50);
  assert.deepEqual(evicted, []);
});

Deno.test("ModelCache.retainOnly() forgets models that are no longer registered", () => {
  const { cache } = cacheOf(1000);
  for (const name of ["a", "b", "c"]) cache.set(name, "g", name, 10);
  assert.deepEqual(cache.retainOnly(new Set(["b", "x"])), ["a", "c"]);
  assert.equal(cache.size, 1);
  assert.equal(cache.bytes, 10);
});
