/**
 * A loaded model is one snapshot: the real program (`main.ts serve`, 2 workers,
 * `SAGEMAKER_MULTI_MODEL=true`) keeps answering with the bytes it validated at load time,
 * whatever happens to the user's files afterwards. And a `url` that names no readable model
 * file gets a 4xx naming the problem.
 */
import assert from "node:assert/strict";
import { makeBaseDir, type ServerHandle, startServer, workerPids } from "../support/process.ts";
import { writeSyntheticModel } from "../../bench/synthetic_models.ts";

const ZEROS = "0,0,0,0\n";

async function call(
  server: ServerHandle,
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    body,
    // Fresh connections, so that both workers answer.
    headers: {
      "content-type": body?.startsWith("{") ? "application/json" : "text/csv",
      connection: "close",
    },
  });
  return { status: response.status, text: await response.text() };
}

function load(server: ServerHandle, name: string, url: string) {
  return call(server, "POST", "/models", JSON.stringify({ model_name: name, url }));
}

async function answers(server: ServerHandle, name: string, times: number): Promise<Set<string>> {
  const seen = new Set<string>();
  for (let i = 0; i < times; i++) {
    const answer = await call(server, "POST", `/models/${name}/invoke`, ZEROS);
    seen.add(`${answer.status} ${answer.text.trim()}`);
  }
  return seen;
}

/** The shared registry folder a worker process was given (read from its environment). */
function registryOf(pid: number): string {
  const output = new Deno.Command("cat", { args: [`/proc/${pid}/environ`] }).outputSync();
  const variables = new TextDecoder().decode(output.stdout).split("\0");
  const found = variables.find((line) => line.startsWith("SAGEMAKER_MULTI_MODEL_REGISTRY="));
  assert.ok(found !== undefined, "the worker names its registry folder");
  return found.slice(found.indexOf("=") + 1);
}

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`multi-model (${mode}): every worker serves the model as loaded, whatever happens to its file`, async () => {
    const base = await makeBaseDir();
    const root = `${base}/models`;
    const dir = await writeSyntheticModel(`${root}/m/model`, { leaves: 8, tag: "old" });
    const server = await startServer(base, {
      SAGEMAKER_MULTI_MODEL: "true",
      ...(mode === "embedded" ? { PATH: "/nonexistent" } : {}),
    });
    try {
      await server.waitForLog(`mode=${mode}`);
      assert.equal((await load(server, "m", dir)).status, 200);
      // Replaced on disk: no worker may pick up the new bytes.
      await writeSyntheticModel(dir, { leaves: 8, tag: "new" });
      assert.deepEqual([...await answers(server, "m", 12)], ["200 b-old"]);
      const registry = registryOf(workerPids(server)[0]);
      assert.equal(JSON.parse((await call(server, "GET", "/models/m")).text).modelUrl, dir);
      // Deleted, then a worker restarted: the restarted worker still has the snapshot.
      await Deno.remove(`${dir}/model.json`);
      const [victim] = workerPids(server);
      Deno.kill(victim, "SIGKILL");
      await server.waitForLog("worker restarted", 20_000);
      assert.deepEqual([...await answers(server, "m", 12)], ["200 b-old"]);
      // Unloading removes the snapshot; loading again reads the user's files anew.
      assert.equal((await call(server, "DELETE", "/models/m")).status, 200);
      const left = [...Deno.readDirSync(registry)].map((item) => item.name);
      assert.deepEqual(left, [], "no model copy is left after unloading");
      await writeSyntheticModel(dir, { leaves: 8, tag: "new" });
      assert.equal((await load(server, "m", dir)).status, 200);
      assert.deepEqual([...await answers(server, "m", 6)], ["200 b-new"]);
    } finally {
      await server.stop();
      await Deno.remove(base, { recursive: true });
    }
  });
}

Deno.test("multi-model: a url with a NUL, a model.json that is a folder or a FIFO gets a 4xx naming it", async () => {
  const base = await makeBaseDir();
  const root = `${base}/models`;
  await Deno.mkdir(`${root}/folder/model.json`, { recursive: true });
  await Deno.mkdir(`${root}/fifo`, { recursive: true });
  new Deno.Command("mkfifo", { args: [`${root}/fifo/model.json`] }).outputSync();
  const server = await startServer(base, { SAGEMAKER_MULTI_MODEL: "true" });
  try {
    const nul = await load(server, "a", `${root}/a\u0000b`);
    assert.equal(nul.status, 400, nul.text);
    assert.match(nul.text, /NUL|control character/);
    const folder = await load(server, "b", `${root}/folder`);
    assert.ok(folder.status >= 400 && folder.status < 500, folder.text);
    assert.match(folder.text, /model\.json.*(is a folder|not a regular file)/);
    const fifo = await load(server, "c", `${root}/fifo`);
    assert.ok(fifo.status >= 400 && fifo.status < 500, fifo.text);
    assert.match(fifo.text, /not a regular file/);
    for (const answer of [nul, folder, fifo]) assert.match(answer.text, /request_id|request id/);
  } finally {
    await server.stop();
    await Deno.remove(base, { recursive: true });
  }
});
