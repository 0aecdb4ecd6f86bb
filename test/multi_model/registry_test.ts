/** The shared registry folder: exclusive adds, single-winner removes, sorted pages, names. */
import assert from "node:assert/strict";
import {
  isValidModelName,
  ModelRegistry,
  type RegistryEntry,
} from "../../serving/multi_model/registry.ts";

function entry(name: string, generation: string = crypto.randomUUID()): RegistryEntry {
  return {
    name,
    url: `/opt/ml/models/${name}/model`,
    modelFile: `/opt/ml/models/${name}/model/model.json`,
    generation,
    loadedAt: new Date().toISOString(),
    bytes: 100,
    summary: { leaves: 3 },
  };
}

Deno.test("isValidModelName() accepts SageMaker-style names and refuses anything path-like", () => {
  for (const name of ["a", "model-1", "3f1c9e.tar.gz", "A_b.C-d", "x".repeat(200)]) {
    assert.ok(isValidModelName(name), name);
  }
  for (
    const name of [
      "",
      ".",
      "..",
      "../etc",
      "a/b",
      "-a",
      ".hidden",
      "a b",
      "a\nb",
      "é",
      "x".repeat(201),
    ]
  ) {
    assert.ok(!isValidModelName(name), JSON.stringify(name));
  }
});

Deno.test("ModelRegistry.add() lets exactly one of many concurrent adds of a name win", async () => {
  const registry = await ModelRegistry.create();
  try {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => registry.add(entry("same", `g${i}`))),
    );
    assert.equal(results.filter((won) => won).length, 1);
    const winner = results.indexOf(true);
    assert.equal(registry.read("same")?.generation, `g${winner}`);
    const leftovers = [...Deno.readDirSync(registry.dir)].map((item) => item.name);
    assert.deepEqual(leftovers, ["same.json"]);
  } finally {
    await registry.destroy();
  }
});

Deno.test("ModelRegistry.remove() returns the entry once and undefined to the others", async () => {
  const registry = await ModelRegistry.create();
  try {
    await registry.add(entry("gone", "g1"));
    const results = await Promise.all(Array.from({ length: 5 }, () => registry.remove("gone")));
    assert.equal(results.filter((removed) => removed?.generation === "g1").length, 1);
    assert.equal(results.filter((removed) => removed === undefined).length, 4);
    assert.equal(registry.read("gone"), undefined);
    assert.ok(await registry.add(entry("gone", "g2")));
    assert.equal(registry.read("gone")?.generation, "g2");
  } finally {
    await registry.destroy();
  }
});

Deno.test("ModelRegistry.list() pages through the names in sorted order", async () => {
  const registry = await ModelRegistry.create();
  try {
    const names = ["b", "a", "c2", "c10", "d", "A"];
    for (const name of names) await registry.add(entry(name));
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await registry.list({ after, limit: 4 });
      seen.push(...page.entries.map((e) => e.name));
      after = page.nextAfter;
      pages++;
    } while (after !== undefined);
    assert.deepEqual(seen, [...names].sort());
    assert.equal(pages, 2);
  } finally {
    await registry.destroy();
  }
});

Deno.test("ModelRegistry refuses an invalid name before touching the file system", async () => {
  const registry = await ModelRegistry.create();
  try {
    assert.throws(() => registry.read("../x"), /Invalid model name "\.\.\/x"/);
    await assert.rejects(registry.add(entry("a/b")), /Invalid model name/);
  } finally {
    await registry.destroy();
  }
});
