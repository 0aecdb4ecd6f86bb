/**
 * `serve` on a port that something already listens on refuses to start, instead of sharing the
 * traffic with it (nginx's `reuseport`, or the workers' `reusePort` without nginx).
 */
import assert from "node:assert/strict";
import { PERMISSION_FLAGS } from "../../serving/self_command.ts";
import { freePort, MAIN, startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetCsv } from "../support/datasets.ts";
import { serveChildren } from "../support/lifecycle.ts";

const base = await trainedBaseDir(readDatasetCsv("iris"), { max_leaf_nodes: "3" });
const NO_NGINX = { PATH: "/nonexistent" };

/** Runs a second `serve` on `port`; stops it when it still runs after 12 s. */
async function secondServe(
  port: number,
  env: Record<string, string> = {},
): Promise<{ code: number; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSION_FLAGS, MAIN, "serve"],
    env: {
      SAGEMAKER_BASE_DIR: base,
      SAGEMAKER_BIND_TO_PORT: String(port),
      MODEL_SERVER_WORKERS: "1",
      ...env,
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGTERM"), 12_000);
  const output = await child.output();
  clearTimeout(timer);
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`a second serve on the port of a running serve (${mode}) exits 1 naming the port`, async () => {
    const env = mode === "embedded" ? NO_NGINX : {};
    const first = await startServer(base, env);
    try {
      const workersBefore = serveChildren(first.process.pid).workers.sort();
      const second = await secondServe(first.port, env);
      assert.equal(second.code, 1, second.stderr);
      const errors = second.stderr.split("\n").filter((line) => / ERROR /.test(line));
      assert.equal(errors.length, 1, second.stderr);
      assert.match(errors[0], new RegExp(`Port ${first.port} is in use`));
      // The first serve is untouched.
      assert.deepEqual(serveChildren(first.process.pid).workers.sort(), workersBefore);
    } finally {
      assert.equal(await first.stop(), 0);
    }
  });
}

Deno.test("serve refuses a port held by a listener that shares it (SO_REUSEPORT), like an orphaned nginx", async () => {
  const port = freePort();
  const holder = Deno.listen(
    { hostname: "0.0.0.0", port, reusePort: true } as Deno.TcpListenOptions,
  );
  try {
    const second = await secondServe(port);
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, new RegExp(`Port ${port} is in use`));
  } finally {
    holder.close();
  }
});
