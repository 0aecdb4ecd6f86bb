/**
 * The program's permissions have one source, the `program` permission set and the `unstable`
 * list of `deno.json`: the tasks and the image's compile use `-P=program`, the workers the same set
 * as flags (`PERMISSION_FLAGS`), and the image's bundle launcher a config generated from it.
 *
 * @module
 */
import assert from "node:assert/strict";
import denoConfig from "../../deno.json" with { type: "json" };
import { PERMISSION_FLAGS } from "../../serving/self_command.ts";

const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** Tells whether a line writes out the program's flags: two of them or more (one is a mention). */
function spellsOutFlags(line: string): boolean {
  return PERMISSION_FLAGS.filter((flag) => new RegExp(`${flag}(?![\\w-])`).test(line)).length >= 2;
}

/** Folders that are not the project's own files, or that hold measurements. */
const SKIPPED = new Set([".git", "node_modules", "dist", "results", "testdata", "test-dir"]);

function* textFiles(dir: string, prefix = ""): Generator<string> {
  for (const entry of Deno.readDirSync(dir)) {
    if (SKIPPED.has(entry.name)) continue;
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) yield* textFiles(`${dir}/${entry.name}`, `${path}/`);
    else if (entry.isFile && /(\.(ts|md|sh|json|py)|Dockerfile|\/run)$/.test(path)) yield path;
  }
}

/** Prints the state of every permission and whether unstable net is on. */
const PROBE = `const names = ["read", "write", "env", "run", "net", "sys", "ffi"] as const;
const states = [];
for (const name of names) states.push(name + "=" + (await Deno.permissions.query({ name })).state);
console.log(states.join(" "), "listenDatagram=" + typeof Deno.listenDatagram);`;

async function runDeno(args: string[]): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.ok(output.success, `deno ${args.join(" ")} failed: ${stderr}`);
  return new TextDecoder().decode(output.stdout).trim();
}

Deno.test("deno.json tasks run the program, its tests and the bench with -P=program", () => {
  const tasks: Record<string, string> = denoConfig.tasks;
  for (const name of ["train", "serve", "test", "compile", "bench"]) {
    assert.match(tasks[name], /^deno (run|test|compile) -P=program /, `task ${name}`);
  }
});

Deno.test("PERMISSION_FLAGS grant what -P=program grants, unstable net included", async () => {
  const probe = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(probe, PROBE);
    const fromSet = await runDeno(["run", "--config", `${ROOT}/deno.json`, "-P=program", probe]);
    const fromFlags = await runDeno(["run", "--no-config", ...PERMISSION_FLAGS, probe]);
    assert.equal(fromFlags, fromSet);
    assert.match(fromSet, /read=granted .*sys=granted ffi=prompt listenDatagram=function/);
  } finally {
    await Deno.remove(probe);
  }
});

Deno.test("scripts/bundle_config.ts gives the bundle launcher the same -P=program", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const config = await runDeno(["run", "-P=program", "scripts/bundle_config.ts"]);
    assert.deepEqual(JSON.parse(config), {
      permissions: denoConfig.permissions,
      unstable: denoConfig.unstable,
      lock: false,
    });
    await Deno.writeTextFile(`${dir}/deno.json`, config);
    const probe = `${dir}/probe.ts`;
    await Deno.writeTextFile(probe, PROBE);
    const fromBundleConfig = await runDeno([
      "run",
      "-q",
      "--config",
      `${dir}/deno.json`,
      "-P=program",
      probe,
    ]);
    const fromFlags = await runDeno(["run", "--no-config", ...PERMISSION_FLAGS, probe]);
    assert.equal(fromBundleConfig, fromFlags);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the Dockerfile compiles with -P=program and runs the bundle with the generated config", async () => {
  const dockerfile = await Deno.readTextFile(`${ROOT}/Dockerfile`);
  assert.match(dockerfile, /deno compile --frozen --target "\$target" -P=program /);
  assert.match(
    dockerfile,
    /deno run [^\n]*scripts\/bundle_config\.ts \\\n\s*> \/out\/lib\/sagemaker-tree\/deno\.json/,
  );
  assert.match(
    dockerfile,
    /"run", "-q", "--cached-only", "--config", "\/usr\/local\/lib\/sagemaker-tree\/deno\.json", "-P=program"/,
  );
});

Deno.test("spellsOutFlags() tells a list of the flags from the mention of one", () => {
  assert.ok(spellsOutFlags("deno run --allow-read --allow-net main.ts"));
  assert.ok(spellsOutFlags("`--allow-env`, `--unstable-net`"));
  assert.ok(!spellsOutFlags("Deno reads /proc only with --allow-all; we use --allow-run"));
  assert.ok(!spellsOutFlags("deno run -P=program main.ts"));
});

Deno.test("no file spells out the permission flags: they all come from deno.json", () => {
  const offenders: string[] = [];
  const self = "test/deploy/permissions_test.ts";
  for (const path of textFiles(ROOT)) {
    if (path === self) continue;
    Deno.readTextFileSync(`${ROOT}/${path}`).split("\n").forEach((line, i) => {
      if (spellsOutFlags(line)) offenders.push(`${path}:${i + 1}: ${line.trim().slice(0, 120)}`);
    });
  }
  assert.deepEqual(offenders, []);
});
