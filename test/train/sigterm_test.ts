import assert from "node:assert/strict";
import { PERMISSION_FLAGS } from "../../serving/self_command.ts";
import { MAIN, makeBaseDir } from "../support/process.ts";

/** Rows of random features with random labels: a tree that fits noise takes seconds to grow. */
function noiseCsv(rows: number, features: number): string {
  let seed = 12345;
  function next(): number {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  }
  const lines: string[] = new Array(rows);
  for (let r = 0; r < rows; r++) {
    let line = String(Math.floor(next() * 3));
    for (let c = 0; c < features; c++) line += "," + next().toFixed(5);
    lines[r] = line;
  }
  return lines.join("\n") + "\n";
}

/** Starts `main.ts train`, waits for `ready` in its output, sends SIGTERM and waits for the exit. */
async function terminateWhen(base: string, ready: RegExp, delayMs: number) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...PERMISSION_FLAGS, MAIN, "train"],
    env: { SAGEMAKER_BASE_DIR: base },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  let exited = false;
  const status = child.status.then((status) => {
    exited = true;
    return status;
  });
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) output += text;
  };
  const collected = Promise.all([collect(child.stdout), collect(child.stderr)]);
  const deadline = Date.now() + 60_000;
  while (!ready.test(output)) {
    if (exited || Date.now() > deadline) {
      await status;
      await collected;
      throw new Error(`train never showed ${ready}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  assert.equal(exited, false, `train finished before SIGTERM; make the data bigger:\n${output}`);
  const sent = performance.now();
  child.kill("SIGTERM");
  const { code } = await status;
  const seconds = (performance.now() - sent) / 1000;
  await collected;
  return { code, seconds, output };
}

async function assertStopped(
  base: string,
  result: { code: number; seconds: number; output: string },
) {
  assert.equal(result.code, 1, result.output);
  assert.ok(result.seconds < 5, `took ${result.seconds.toFixed(1)} s to stop`);
  const failure = await Deno.readTextFile(`${base}/output/failure`);
  assert.equal(failure.trim(), "Training was stopped by SIGTERM before it finished");
  const left = [...Deno.readDirSync(`${base}/model`)].map((entry) => entry.name);
  assert.deepEqual(left, [], "the model folder must stay empty (no partial or temporary file)");
  assert.match(result.output, /received SIGTERM: stopping training/);
}

Deno.test("SIGTERM during a long fit stops within seconds, leaves no model, writes the failure", async () => {
  const base = await makeBaseDir();
  try {
    // About 4 s of fitting on the test machine (1.9 s for 40,000 rows; max_bins=4096 keeps
    // every value, and random labels make the tree grow until every leaf is pure).
    await Deno.writeTextFile(`${base}/input/data/training/noise.csv`, noiseCsv(80_000, 10));
    await Deno.writeTextFile(
      `${base}/input/config/hyperparameters.json`,
      JSON.stringify({ max_bins: "4096" }),
    );
    const result = await terminateWhen(base, /^training: rows=80000 /m, 300);
    await assertStopped(base, result);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("SIGTERM while waiting for a Pipe-mode writer stops the job", async () => {
  const base = await makeBaseDir();
  try {
    await Deno.writeTextFile(
      `${base}/input/config/inputdataconfig.json`,
      JSON.stringify({ training: { TrainingInputMode: "Pipe" } }),
    );
    const made = await new Deno.Command("mkfifo", { args: [`${base}/input/data/training_0`] })
      .output();
    assert.equal(made.code, 0);
    const result = await terminateWhen(base, /reading channel channel=training mode=Pipe/, 200);
    await assertStopped(base, result);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
