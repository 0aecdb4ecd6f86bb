/**
 * The repository stands alone: nothing it tracks refers to a place outside it, so a clone in an
 * empty folder runs its tests, benchmarks and scripts.
 */
import assert from "node:assert/strict";
import { ROOT } from "./support/process.ts";

/** Text that points outside the repository: a sibling folder or a path of one machine. */
const OUTSIDE = /\.\.\/shared\b|\/shared\/data\b|(?<![\w$.])\/(?:work|home|Users)\/[\w.-]+/;

/** Folders that are not the project's own files. */
const SKIPPED = new Set([".git", "node_modules", "dist"]);

/** Every file under `dir`, as paths relative to the repository root. */
function* files(dir: string, prefix = ""): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    if (SKIPPED.has(entry.name)) continue;
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) yield* files(`${dir}/${entry.name}`, `${path}/`);
    else if (entry.isFile) yield path;
  }
}

Deno.test("the outside-path rule catches a sibling folder and a machine's absolute path", () => {
  // Built from parts so that this file does not match its own rule.
  const up = "..";
  assert.match(`readFile("${up}/${"shared"}/data/iris.csv")`, OUTSIDE);
  assert.match(`DATA=/${"work"}/main/test`, OUTSIDE);
  assert.match(`open("/${"home"}/someone/data.csv")`, OUTSIDE);
  assert.doesNotMatch('"$root/root/.cache/deno"', OUTSIDE);
  assert.doesNotMatch("test/testdata/iris.csv", OUTSIDE);
});

Deno.test("no file of the repository refers to a path outside it", () => {
  const offenders: string[] = [];
  let checked = 0;
  for (const path of files(ROOT)) {
    const bytes = Deno.readFileSync(`${ROOT}/${path}`);
    if (bytes.includes(0)) continue; // binary
    checked++;
    new TextDecoder().decode(bytes).split("\n").forEach((line, i) => {
      if (OUTSIDE.test(line)) offenders.push(`${path}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  assert.ok(checked > 50, `only ${checked} files were read`);
  assert.deepEqual(offenders, []);
});

Deno.test("the bundled data sets are in the repository", () => {
  for (const name of ["iris", "wine", "breast_cancer"]) {
    const text = Deno.readTextFileSync(`${ROOT}/test/testdata/${name}.csv`);
    assert.ok(text.split("\n").length > 100, `${name}.csv is too short`);
  }
});
