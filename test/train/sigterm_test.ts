import assert from "node:assert/strict";
import { makeBaseDir, spawnTrain } from "../support/process.ts";
import { readDatasetCsv } from "../support/datasets.ts";
import { exists } from "../support/lifecycle.ts";
import { sageMakerPaths } from "../../sagemaker/paths.ts";
import { runTrainJob } from "../../train.ts";

/**
 * Starts `main.ts train`, waits for `ready` in its output, then for `inProgress` (a promise that
 * settles once the job is provably mid-way), sends SIGTERM and waits for the exit.
 */
async function terminateWhen(base: string, ready: RegExp, inProgress: () => Promise<void>) {
  const child = spawnTrain(base);
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
  await inProgress();
  assert.equal(exited, false, `train exited before SIGTERM:\n${output}`);
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

/** Sets up a Pipe-mode training channel and returns the path of its FIFO. */
async function pipeChannel(base: string): Promise<string> {
  await Deno.writeTextFile(
    `${base}/input/config/inputdataconfig.json`,
    JSON.stringify({ training: { TrainingInputMode: "Pipe" } }),
  );
  const fifo = `${base}/input/data/training_0`;
  const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assert.equal(made.code, 0);
  return fifo;
}

Deno.test("SIGTERM while a Pipe-mode channel is still streaming stops within seconds, leaves no model, writes the failure", async () => {
  const base = await makeBaseDir();
  const fifo = await pipeChannel(base);
  let writer: Deno.FsFile | undefined;
  try {
    // 1 MiB of rows is 16 times a FIFO's 64 KiB buffer: once the write returns, the job has
    // read most of it, and it cannot finish while the writer keeps the FIFO open.
    const rows = "0,1.5,2.5\n1,3.5,4.5\n".repeat(1 << 16);
    const result = await terminateWhen(
      base,
      /reading channel channel=training mode=Pipe/,
      async () => {
        writer = await Deno.open(fifo, { write: true });
        const bytes = new TextEncoder().encode(rows);
        for (let offset = 0; offset < bytes.length;) {
          offset += await writer.write(bytes.subarray(offset));
        }
      },
    );
    await assertStopped(base, result);
  } finally {
    writer?.close();
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("SIGTERM while waiting for a Pipe-mode writer stops the job", async () => {
  const base = await makeBaseDir();
  try {
    await pipeChannel(base);
    // No writer ever opens the FIFO, so the job waits on it for as long as the test likes.
    const result = await terminateWhen(
      base,
      /reading channel channel=training mode=Pipe/,
      () => new Promise((resolve) => setTimeout(resolve, 200)),
    );
    await assertStopped(base, result);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("SIGTERM during ml-cart's fit (synchronous, seconds long) stops the job within 2 s", async () => {
  const base = await makeBaseDir();
  try {
    // 3,000 rows x 20 features of noise: ml-cart grows a deep tree for many seconds.
    let state = 7;
    const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
    const lines: string[] = [];
    for (let r = 0; r < 3000; r++) {
      const row = [String(Math.floor(random() * 3))];
      for (let c = 0; c < 20; c++) row.push(random().toFixed(4));
      lines.push(row.join(","));
    }
    await Deno.writeTextFile(`${base}/input/data/training/train.csv`, lines.join("\n") + "\n");
    await Deno.writeTextFile(
      `${base}/input/config/hyperparameters.json`,
      JSON.stringify({ algorithm: "ml-cart" }),
    );
    const result = await terminateWhen(
      base,
      /ml-cart: fitting 3000 rows x 20 features/,
      () => new Promise((resolve) => setTimeout(resolve, 300)),
    );
    await assertStopped(base, result);
    assert.ok(result.seconds < 2, `took ${result.seconds.toFixed(1)} s to stop`);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("SIGTERM while the model is written fails the job: no model, no metrics, the failure written", async () => {
  const base = await makeBaseDir();
  const rename = Deno.rename;
  // The model file is renamed into place once written: the signal arrives just before, after the
  // job's last look at its stop signal before writing.
  Deno.rename = async (from: string | URL, to: string | URL) => {
    if (String(to).endsWith("/model.json")) {
      Deno.kill(Deno.pid, "SIGTERM"); // runTrainJob listens for it: this process lives on
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return rename(from, to);
  };
  try {
    await Deno.writeTextFile(`${base}/input/data/training/iris.csv`, readDatasetCsv("iris"));
    const code = await runTrainJob(sageMakerPaths({ SAGEMAKER_BASE_DIR: base }));
    assert.equal(code, 1);
    const failure = await Deno.readTextFile(`${base}/output/failure`);
    assert.equal(failure.trim(), "Training was stopped by SIGTERM before it finished");
    assert.deepEqual([...Deno.readDirSync(`${base}/model`)].map((entry) => entry.name), []);
    assert.equal(exists(`${base}/output/data/metrics.json`), false);
  } finally {
    Deno.rename = rename;
    await Deno.remove(base, { recursive: true });
  }
});
