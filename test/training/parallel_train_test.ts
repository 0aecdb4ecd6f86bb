import assert from "node:assert/strict";
import { PERMISSION_FLAGS } from "../../serving/self_command.ts";
import {
  MAIN,
  makeBaseDir,
  ROOT,
  runDeno,
  spawnTrain,
  writeHyperparameters,
} from "../support/process.ts";

/**
 * A channel large enough for the parallel read with its default settings: 100,000 records for
 * the bin edges, then tens of MB. Blocks of generated records, repeated.
 */
function largeCsv(blocks: number): Uint8Array {
  const lines: string[] = [];
  let state = 12345;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  for (let r = 0; r < 10_000; r++) {
    const values = Array.from({ length: 12 }, () => (next() * 100).toFixed(5));
    const label = Number(values[0]) + Number(values[1]) > 100 ? "yes" : "no";
    lines.push(`${label},${values.join(",")}`);
  }
  const block = new TextEncoder().encode(lines.join("\n") + "\n");
  const out = new Uint8Array(block.length * blocks);
  for (let i = 0; i < blocks; i++) out.set(block, i * block.length);
  return out;
}

/** The saved tree without the training's own figures (time, date). */
async function savedTree(base: string): Promise<unknown> {
  const stored = JSON.parse(await Deno.readTextFile(`${base}/model/model.json`));
  delete stored.training;
  return stored;
}

Deno.test("a bundled train job reads a large channel in parallel into the model the sequential read gives", async () => {
  const dir = await Deno.makeTempDir({ prefix: "parallel-train-bundle-" });
  const plain = await makeBaseDir();
  const piped = await makeBaseDir();
  try {
    const bundle = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--platform", "deno", "--output", `${dir}/main.js`, "main.ts"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(bundle.success, new TextDecoder().decode(bundle.stderr));
    const csv = largeCsv(20);
    for (const base of [plain, piped]) {
      await writeHyperparameters(base, { random_state: "0", max_leaf_nodes: "200" });
    }
    await Deno.writeFile(`${plain}/input/data/training/train.csv`, csv);
    // Pipe mode keeps the sequential read (a plain file stands for the pipe): the reference.
    await Deno.writeFile(`${piped}/input/data/training_0`, csv);
    await Deno.writeTextFile(
      `${piped}/input/config/inputdataconfig.json`,
      JSON.stringify({ training: { TrainingInputMode: "Pipe" } }),
    );
    const parallel = await runDeno(
      ["--no-config", ...PERMISSION_FLAGS, `${dir}/main.js`, "train"],
      { SAGEMAKER_BASE_DIR: plain },
    );
    assert.equal(parallel.code, 0, parallel.stderr);
    assert.match(parallel.stdout, /reading in parallel channel=training workers=\d+/);
    assert.match(parallel.stdout, /rows=200000 features=12/);
    const sequential = await runDeno([...PERMISSION_FLAGS, MAIN, "train"], {
      SAGEMAKER_BASE_DIR: piped,
    });
    assert.equal(sequential.code, 0, sequential.stderr);
    assert.doesNotMatch(sequential.stdout, /reading in parallel/);
    assert.deepEqual(await savedTree(plain), await savedTree(piped));
  } finally {
    for (const path of [dir, plain, piped]) await Deno.remove(path, { recursive: true });
  }
});

Deno.test("SIGTERM during a parallel read stops the train job at once and writes the failure", async () => {
  const base = await makeBaseDir();
  try {
    await Deno.writeFile(`${base}/input/data/training/train.csv`, largeCsv(150));
    const child = spawnTrain(base);
    const stderr = new Response(child.stderr).text();
    let stdout = "";
    const decoder = new TextDecoder();
    const reader = child.stdout.getReader();
    while (!stdout.includes("reading in parallel")) {
      const { done, value } = await reader.read();
      if (done) break;
      stdout += decoder.decode(value);
    }
    assert.match(stdout, /reading in parallel/);
    const signalled = performance.now();
    child.kill("SIGTERM");
    const rest = (async () => {
      while (true) {
        const { done, value } = await reader.read();
        if (done) return;
        stdout += decoder.decode(value);
      }
    })();
    const status = await child.status;
    const ms = performance.now() - signalled;
    await rest;
    assert.equal(status.code, 1, await stderr);
    // The read of 110 MB was cut short: it never finished, and the job ended soon after.
    assert.doesNotMatch(stdout, /channel read channel=training/);
    assert.ok(ms < 3_000, `the job took ${ms} ms to stop`);
    assert.equal(
      await Deno.readTextFile(`${base}/output/failure`),
      "Training was stopped by SIGTERM before it finished\n",
    );
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
