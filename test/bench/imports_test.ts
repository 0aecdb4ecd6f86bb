import assert from "node:assert/strict";

const BENCH = new URL("../../bench/", import.meta.url).pathname;

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.name === "results") continue;
    const path = `${dir}${entry.name}`;
    if (entry.isDirectory) yield* sourceFiles(`${path}/`);
    else if (path.endsWith(".ts")) yield path;
  }
}

Deno.test("no bench module imports from test/: the tests may use the benchmarks, not the reverse", () => {
  const offenders: string[] = [];
  for (const path of sourceFiles(BENCH)) {
    const text = Deno.readTextFileSync(path);
    for (const match of text.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)) {
      const target = new URL(match[1], `file://${path}`).pathname;
      if (target.includes("/test/")) offenders.push(`${path.slice(BENCH.length)}: ${match[1]}`);
    }
  }
  assert.deepEqual(offenders, []);
});
