/**
 * Test helpers for stopping a training job with a signal: start `main.ts train`, wait until it is
 * provably mid-way, send the signal, and check what the stopped job left behind.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawnTrain } from "../support/process.ts";

/** How a signalled `main.ts train` ended. */
export interface StoppedJob {
  /** The exit code. */
  readonly code: number;
  /** Seconds from the signal to the exit. */
  readonly seconds: number;
  /** Its stdout and stderr, interleaved as they came. */
  readonly output: string;
}

/**
 * Starts `main.ts train`, waits for `ready` in its output, then for `inProgress` (a promise that
 * settles once the job is provably mid-way), sends `signal` and waits for the exit.
 */
export async function signalWhen(
  base: string,
  signal: Deno.Signal,
  options: { ready: RegExp; inProgress: () => Promise<void> },
): Promise<StoppedJob> {
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
  while (!options.ready.test(output)) {
    if (exited || Date.now() > deadline) {
      await status;
      await collected;
      throw new Error(`train never showed ${options.ready}:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await options.inProgress();
  assert.equal(exited, false, `train exited before ${signal}:\n${output}`);
  const sent = performance.now();
  child.kill(signal);
  const { code } = await status;
  const seconds = (performance.now() - sent) / 1000;
  await collected;
  return { code, seconds, output };
}

/**
 * Asserts that `signal` stopped the job in `base` as a failed training: exit code 1 within 5 s,
 * `output/failure` naming the signal, an empty model folder, and the signal logged.
 */
export async function assertStoppedBy(
  base: string,
  signal: Deno.Signal,
  job: StoppedJob,
): Promise<void> {
  assert.equal(job.code, 1, job.output);
  assert.ok(job.seconds < 5, `took ${job.seconds.toFixed(1)} s to stop`);
  const failure = await Deno.readTextFile(`${base}/output/failure`);
  assert.equal(failure.trim(), `Training was stopped by ${signal} before it finished`);
  const left = [...Deno.readDirSync(`${base}/model`)].map((entry) => entry.name);
  assert.deepEqual(left, [], "the model folder must stay empty (no partial or temporary file)");
  assert.match(job.output, new RegExp(`received ${signal}: stopping training`));
}

/** Sets up a Pipe-mode training channel in `base` and returns the path of its FIFO. */
export async function pipeChannel(base: string): Promise<string> {
  await Deno.writeTextFile(
    `${base}/input/config/inputdataconfig.json`,
    JSON.stringify({ training: { TrainingInputMode: "Pipe" } }),
  );
  const fifo = `${base}/input/data/training_0`;
  const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assert.equal(made.code, 0);
  return fifo;
}

/**
 * Writes 1 MiB of rows into `fifo` and returns its open writer (the caller closes it). The FIFO
 * holds 64 KiB: once this returns, the job has read most of the rows, and it cannot finish while
 * the writer keeps the FIFO open.
 */
export async function feedPipe(fifo: string): Promise<Deno.FsFile> {
  const writer = await Deno.open(fifo, { write: true });
  const bytes = new TextEncoder().encode("0,1.5,2.5\n1,3.5,4.5\n".repeat(1 << 16));
  for (let offset = 0; offset < bytes.length;) {
    offset += await writer.write(bytes.subarray(offset));
  }
  return writer;
}

/**
 * Sets up `base` for an ml-cart fit that takes many seconds: 3,000 rows x 20 features of seeded
 * noise, on which ml-cart grows a deep tree. The job logs `ML_CART_FITTING` when the fit starts.
 */
export async function slowMlCartJob(base: string): Promise<void> {
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
}

/** The log line of {@linkcode slowMlCartJob} once ml-cart's fit has started. */
export const ML_CART_FITTING = /ml-cart: fitting 3000 rows x 20 features/;
