import assert from "node:assert/strict";
import denoConfig from "../deno.json" with { type: "json" };
import { runMain } from "./support/process.ts";

Deno.test("main.ts without a command prints usage on stderr and exits 2", async () => {
  const result = await runMain([]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Usage: sagemaker-tree/);
  assert.match(result.stderr, /train/);
  assert.match(result.stderr, /serve/);
  assert.equal(result.stdout, "");
});

Deno.test("main.ts with an unknown command prints usage on stderr and exits 2", async () => {
  const result = await runMain(["fly"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /unknown command 'fly'/);
  assert.match(result.stderr, /Usage: sagemaker-tree/);
});

Deno.test("main.ts --help lists train and serve and exits 0", async () => {
  const result = await runMain(["--help"]);
  assert.equal(result.code, 0);
  assert.match(result.stdout, /train/);
  assert.match(result.stdout, /serve/);
  assert.doesNotMatch(result.stdout, /^\s+worker\b/m);
});

Deno.test("main.ts --version prints the version from deno.json", async () => {
  const result = await runMain(["--version"]);
  assert.equal(result.code, 0);
  assert.equal(result.stdout.trim(), denoConfig.version);
});

Deno.test("parseWorkerArgs() reads the internal worker command and refuses anything else", async () => {
  const { parseWorkerArgs } = await import("../main.ts");
  assert.deepEqual(parseWorkerArgs(["--index", "1", "--port", "8081"]), {
    index: 1,
    port: 8081,
    public: false,
  });
  assert.deepEqual(parseWorkerArgs(["--port", "0", "--index", "0", "--public"]), {
    index: 0,
    port: 0,
    public: true,
  });
  assert.deepEqual(
    parseWorkerArgs(["--index", "2", "--port", "0", "--watch-stdin", "--heartbeat"]),
    { index: 2, port: 0, public: false, watchStdin: true, heartbeat: true },
  );
  assert.equal(parseWorkerArgs(["--index", "1"]), undefined);
  assert.equal(parseWorkerArgs(["--index", "x", "--port", "1"]), undefined);
  assert.equal(parseWorkerArgs(["--index", "1", "--port", "1", "--bogus"]), undefined);
});

Deno.test("main.ts worker with bad arguments exits 2 naming them", async () => {
  const result = await runMain(["worker", "--index", "nope"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /Invalid worker arguments: --index nope/);
});
