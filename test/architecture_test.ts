/**
 * The layout's dependency rules (docs/architecture.md), checked on the real import graph: each
 * layer imports only the layers below it, the worker never reaches the supervisor or nginx, there
 * are no import cycles, and only `main.ts` reads the command line and the environment.
 */
import assert from "node:assert/strict";
import { ROOT } from "./support/process.ts";

/** Folders that are not part of the program. */
const NOT_PROGRAM = new Set([
  ".git",
  ".ci",
  "bench",
  "dist",
  "docs",
  "local-test",
  "node_modules",
  "scripts",
  "test",
]);

/** What each part of the program may import besides itself (a folder ends with `/`). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  "algorithm/": [],
  "codecs/": [],
  "log.ts": [],
  "version.ts": ["deno.json"],
  "model_store.ts": ["algorithm/"],
  "sagemaker/": ["algorithm/", "codecs/", "log.ts"],
  "training/": ["algorithm/", "codecs/", "log.ts", "model_store.ts", "sagemaker/"],
  "train.ts": ["algorithm/", "log.ts", "model_store.ts", "sagemaker/", "training/"],
  "serving/": [
    "algorithm/",
    "codecs/",
    "deno.json",
    "log.ts",
    "model_store.ts",
    "nginx.conf",
    "sagemaker/",
  ],
  "serve.ts": ["log.ts", "model_store.ts", "sagemaker/", "serving/", "version.ts"],
  "main.ts": ["log.ts", "sagemaker/", "serve.ts", "serving/", "train.ts", "version.ts"],
};

/** Modules a worker process runs, which must never reach the supervisor or nginx code. */
const WORKER_ENTRIES = ["serving/worker_process.ts"];
const SUPERVISOR_ONLY = ["serving/supervisor.ts", "serving/nginx.ts", "serve.ts"];

/** Import graph: module path -> the paths it imports, all relative to the root. */
type Graph = Map<string, string[]>;

/** The code of a module without its comment lines (doc examples import and read things too). */
function codeOf(module: string): string {
  return Deno.readTextFileSync(`${ROOT}/${module}`).split("\n")
    .filter((line) => !/^\s*(\/\*|\*|\/\/)/.test(line)).join("\n");
}

function programModules(dir = ROOT, prefix = ""): string[] {
  const found: string[] = [];
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory && !NOT_PROGRAM.has(entry.name)) {
      found.push(...programModules(`${dir}/${entry.name}`, `${path}/`));
    } else if (entry.isFile && path.endsWith(".ts")) found.push(path);
  }
  return found;
}

function importGraph(modules: string[]): Graph {
  const graph: Graph = new Map();
  for (const module of modules) {
    const targets = [...codeOf(module).matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map(
      (match) => new URL(match[1], `file:///${module}`).pathname.slice(1),
    );
    graph.set(module, targets);
  }
  return graph;
}

/** The part (top-level file or folder) a path belongs to. */
function partOf(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? path : path.slice(0, slash + 1);
}

/** Every import that breaks {@linkcode ALLOWED}, as `from -> to`. */
function layerViolations(graph: Graph): string[] {
  const violations: string[] = [];
  for (const [from, targets] of graph) {
    const allowed = ALLOWED[partOf(from)];
    for (const to of targets) {
      if (partOf(to) === partOf(from)) continue;
      if (allowed === undefined || !allowed.includes(partOf(to))) {
        violations.push(`${from} -> ${to}`);
      }
    }
  }
  return violations;
}

/** Every module reachable from `start`. */
function reachable(graph: Graph, start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const module = stack.pop()!;
    if (seen.has(module)) continue;
    seen.add(module);
    stack.push(...(graph.get(module) ?? []));
  }
  return seen;
}

/** One import cycle, or undefined when there is none. */
function findCycle(graph: Graph): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  function visit(module: string): string[] | undefined {
    if (state.get(module) === "done") return undefined;
    if (state.get(module) === "open") return [...path.slice(path.indexOf(module)), module];
    state.set(module, "open");
    path.push(module);
    for (const next of graph.get(module) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    path.pop();
    state.set(module, "done");
    return undefined;
  }
  for (const module of graph.keys()) {
    const cycle = visit(module);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

const MODULES = programModules();
const GRAPH = importGraph(MODULES);

Deno.test("the checks catch an upward import, a worker reaching nginx and a cycle", () => {
  const bad: Graph = new Map([
    ["algorithm/types.ts", ["serving/worker.ts"]],
    ["serving/worker_process.ts", ["serving/worker.ts"]],
    ["serving/worker.ts", ["serving/nginx.ts"]],
    ["serving/nginx.ts", ["serving/worker.ts"]],
  ]);
  assert.deepEqual(layerViolations(bad), ["algorithm/types.ts -> serving/worker.ts"]);
  assert.ok(reachable(bad, "serving/worker_process.ts").has("serving/nginx.ts"));
  assert.deepEqual(findCycle(bad), ["serving/worker.ts", "serving/nginx.ts", "serving/worker.ts"]);
});

Deno.test("the import graph covers every layer of the program", () => {
  for (const part of Object.keys(ALLOWED)) {
    assert.ok(MODULES.some((module) => partOf(module) === part), `no module in ${part}`);
  }
  assert.ok(MODULES.every((module) => partOf(module) in ALLOWED), MODULES.join("\n"));
  assert.ok([...GRAPH.values()].flat().length > 100, "too few imports found");
});

Deno.test("each layer imports only the layers below it", () => {
  assert.deepEqual(layerViolations(GRAPH), []);
});

Deno.test("a worker process never loads the supervisor, nginx or serve code", () => {
  for (const entry of WORKER_ENTRIES) {
    const loaded = reachable(GRAPH, entry);
    assert.ok(loaded.size > 5, `${entry} reaches only ${[...loaded].join(", ")}`);
    for (const module of SUPERVISOR_ONLY) {
      assert.ok(!loaded.has(module), `${entry} loads ${module}`);
    }
  }
});

Deno.test("no import cycles in the program", () => {
  assert.equal(findCycle(GRAPH)?.join(" -> "), undefined);
});

Deno.test("only main.ts reads the command line and the environment", () => {
  const readers = MODULES.filter((module) => module !== "main.ts")
    .filter((module) => /Deno\.(args|env)\b/.test(codeOf(module)));
  assert.deepEqual(readers, []);
  assert.match(Deno.readTextFileSync(`${ROOT}/main.ts`), /Deno\.env\.toObject\(\)/);
});
