/**
 * Log lines of multi-model invocations, with nginx and without: the access line and the error
 * line name the model SageMaker targets (`X-Amzn-SageMaker-Target-Model`), and the error line
 * the real path.
 *
 * @module
 */

import assert from "node:assert/strict";
import { makeBaseDir, startServer } from "../support/process.ts";
import { writeSyntheticModel } from "../../bench/synthetic_models.ts";

type LogLine = Record<string, unknown>;

function jsonLines(logs: string): LogLine[] {
  return logs.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line));
}

type Server = Awaited<ReturnType<typeof startServer>>;

/**
 * A multi-model server (nginx in front, or embedded: no nginx on PATH) with model `m-1` loaded,
 * and the folder it serves from; `env` adds to its environment.
 */
async function serveModelM1(
  mode: "nginx" | "embedded",
  env: Record<string, string>,
): Promise<{ base: string; server: Server }> {
  const base = await makeBaseDir();
  await writeSyntheticModel(`${base}/models/m-1/model`, { leaves: 8, tag: "m-1" });
  const server = await startServer(base, {
    SAGEMAKER_MULTI_MODEL: "true",
    ...env,
    ...(mode === "embedded" ? { PATH: "/nonexistent" } : {}),
  });
  try {
    await server.waitForLog(env.LOG_FORMAT === "json" ? `"mode":"${mode}"` : `mode=${mode}`);
    const load = await fetch(`${server.url}/models`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model_name: "m-1", url: `${base}/models/m-1/model` }),
    });
    assert.equal(load.status, 200, await load.text());
    return { base, server };
  } catch (error) {
    await server.stop();
    await Deno.remove(base, { recursive: true });
    throw error;
  }
}

/** The first JSON log line of `server` that `match` accepts, waiting up to 10 s for it. */
async function findLogLine(server: Server, match: (line: LogLine) => boolean): Promise<LogLine> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const found = jsonLines(server.logs()).find(match);
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`No matching log line; log so far:\n${server.logs()}`);
}

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`multi-model in ${mode} mode: access and error lines name the target model and the real path`, async () => {
    const { base, server } = await serveModelM1(mode, { LOG_FORMAT: "json" });
    try {
      const headers = {
        "content-type": "text/csv",
        "x-amzn-sagemaker-target-model": "m-1.tar.gz",
        "x-amzn-sagemaker-inference-id": `mm-${mode}-ok`,
      };
      const ok = await fetch(`${server.url}/models/m-1/invoke`, {
        method: "POST",
        headers,
        body: "0,0,0,0\n",
      });
      assert.equal(ok.status, 200, await ok.text());
      const bad = await fetch(`${server.url}/models/m-1/invoke`, {
        method: "POST",
        headers: { ...headers, "x-amzn-sagemaker-inference-id": `mm-${mode}-bad` },
        body: "0,0\n",
      });
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), / \(request id mm-\w+-bad\)\n$/);

      const find = (match: (line: LogLine) => boolean) => findLogLine(server, match);
      const access = await find((l) => l.message === "access" && l.request_id === `mm-${mode}-ok`);
      assert.equal(access.path, "/models/m-1/invoke");
      assert.equal(access.target_model, "m-1.tar.gz");
      const failed = await find((l) =>
        l.message === "request failed" && l.request_id === `mm-${mode}-bad`
      );
      assert.equal(failed.path, "/models/m-1/invoke");
      assert.equal(failed.target_model, "m-1.tar.gz");
      assert.equal(failed.status, 400);
      const failedAccess = await find((l) =>
        l.message === "access" && l.request_id === `mm-${mode}-bad`
      );
      assert.equal(failedAccess.target_model, "m-1.tar.gz");
    } finally {
      assert.equal(await server.stop(), 0);
      await Deno.remove(base, { recursive: true });
    }
  });
}

/** `text` as HTTP sends it: its UTF-8 bytes, one character each (`fetch` takes such strings). */
function headerBytes(text: string): string {
  return String.fromCharCode(...new TextEncoder().encode(text));
}

// SageMaker's TargetModel may hold spaces and any printable Unicode character.
const ODD_TARGET = "sub dir/ünï status=999.tar.gz";

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`multi-model in ${mode} mode: a target model with spaces and Unicode is logged as sent`, async () => {
    const { base, server } = await serveModelM1(mode, { LOG_FORMAT: "json" });
    try {
      const bad = await fetch(`${server.url}/models/m-1/invoke`, {
        method: "POST",
        headers: {
          "content-type": "text/csv",
          "x-amzn-sagemaker-target-model": headerBytes(ODD_TARGET),
          "x-amzn-sagemaker-inference-id": `odd-${mode}`,
        },
        body: "0,0\n",
      });
      assert.equal(bad.status, 400, await bad.text());
      const find = (match: (line: LogLine) => boolean) => findLogLine(server, match);
      const failed = await find((l) =>
        l.message === "request failed" && l.request_id === `odd-${mode}`
      );
      assert.equal(failed.target_model, ODD_TARGET);
      const access = await find((l) => l.message === "access" && l.request_id === `odd-${mode}`);
      assert.equal(access.target_model, ODD_TARGET);
    } finally {
      assert.equal(await server.stop(), 0);
      await Deno.remove(base, { recursive: true });
    }
  });
}

Deno.test("multi-model with nginx and text logs: a target model with spaces stays one field of the access line", async () => {
  const { base, server } = await serveModelM1("nginx", {});
  try {
    const answer = await fetch(`${server.url}/models/m-1/invoke`, {
      method: "POST",
      headers: {
        "content-type": "text/csv",
        "x-amzn-sagemaker-target-model": "a b status=999",
        "x-amzn-sagemaker-inference-id": "odd-text",
      },
      body: "0,0,0,0\n",
    });
    assert.equal(answer.status, 200, await answer.text());
    const deadline = Date.now() + 10_000;
    let line: string | undefined;
    while (line === undefined && Date.now() < deadline) {
      line = server.logs().split("\n").find((l) => / access .*request_id=odd-text /.test(l));
      if (line === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(line !== undefined, `No access line; log so far:\n${server.logs()}`);
    assert.match(line, / target_model="a b status=999" remote=/);
  } finally {
    assert.equal(await server.stop(), 0);
    await Deno.remove(base, { recursive: true });
  }
});
