/**
 * `local-test/predict.sh` and `local-test/serve-local.sh IMAGE`, run from a copy of `local-test/`
 * with fake `curl` and `docker` on PATH that only log their arguments: the file check, the port
 * and the port mapping.
 *
 * @module
 */
import assert from "node:assert/strict";

const LOCAL_TEST = new URL("../../local-test/", import.meta.url).pathname;

/** A fake tool: logs its name and arguments, one line a call. */
const FAKE_TOOL = `#!/bin/bash
printf '%s %s\\n' "$(basename "$0")" "$*" >>"$FAKE_LOG"
`;

interface Run {
  code: number;
  stderr: string;
  /** Calls the fakes received, one line each. */
  calls: string[];
}

/** Runs one script of a copy of local-test/ with fake curl and docker first on PATH. */
async function runScript(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<Run> {
  const dir = await Deno.makeTempDir({ prefix: "local_test_scripts_test_" });
  try {
    await Deno.mkdir(`${dir}/local-test/test-dir/model`, { recursive: true });
    await Deno.copyFile(`${LOCAL_TEST}${script}`, `${dir}/local-test/${script}`);
    await Deno.writeTextFile(`${dir}/payload.csv`, "5.1,3.5,1.4,0.2\n");
    await Deno.mkdir(`${dir}/bin`);
    for (const fake of ["curl", "docker"]) {
      await Deno.writeTextFile(`${dir}/bin/${fake}`, FAKE_TOOL, { mode: 0o755 });
    }
    const log = `${dir}/calls.log`;
    await Deno.writeTextFile(log, "");
    const output = await new Deno.Command("bash", {
      args: [`${dir}/local-test/${script}`, ...args],
      cwd: dir,
      clearEnv: true,
      env: { PATH: `${dir}/bin:/usr/bin:/bin`, FAKE_LOG: log, ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const calls = (await Deno.readTextFile(log)).split("\n").filter((line) => line !== "");
    return {
      code: output.code,
      stderr: new TextDecoder().decode(output.stderr),
      calls: calls.map((line) => line.replaceAll(dir, "DIR")),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("predict.sh refuses a file it cannot read, naming it, before calling curl", async () => {
  const run = await runScript("predict.sh", ["missing.csv"]);
  assert.equal(run.code, 2);
  assert.equal(run.stderr, 'predict.sh: cannot read the file "missing.csv"\n');
  assert.deepEqual(run.calls, []);
});

Deno.test("predict.sh posts the file to port 8080 as text/csv by default", async () => {
  const run = await runScript("predict.sh", ["payload.csv"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.calls.length, 1);
  assert.match(run.calls[0], /--data-binary @payload\.csv -H Content-Type: text\/csv /);
  assert.match(run.calls[0], / http:\/\/localhost:8080\/invocations$/);
});

Deno.test("predict.sh takes its port from PORT, else from SAGEMAKER_BIND_TO_PORT", async () => {
  const both = await runScript("predict.sh", ["payload.csv", "application/json"], {
    PORT: "8082",
    SAGEMAKER_BIND_TO_PORT: "8081",
  });
  assert.match(both.calls[0], /Content-Type: application\/json /);
  assert.match(both.calls[0], / http:\/\/localhost:8082\/invocations$/);
  const bound = await runScript("predict.sh", ["payload.csv"], { SAGEMAKER_BIND_TO_PORT: "8081" });
  assert.match(bound.calls[0], / http:\/\/localhost:8081\/invocations$/);
});

Deno.test("serve-local.sh IMAGE maps SAGEMAKER_BIND_TO_PORT, else 8080, to the image's 8080", async () => {
  const plain = await runScript("serve-local.sh", ["my-image"]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.deepEqual(plain.calls, [
    "docker run --rm -p 8080:8080 -v DIR/local-test/test-dir:/opt/ml my-image serve",
  ]);
  const moved = await runScript("serve-local.sh", ["my-image"], { SAGEMAKER_BIND_TO_PORT: "8081" });
  assert.deepEqual(moved.calls, [
    "docker run --rm -p 8081:8080 -v DIR/local-test/test-dir:/opt/ml my-image serve",
  ]);
});
