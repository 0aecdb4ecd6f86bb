import assert from "node:assert/strict";
import { makeBaseDir } from "../support/process.ts";
import { readDatasetCsv } from "../support/datasets.ts";
import { exists } from "../support/lifecycle.ts";
import { sageMakerPaths } from "../../sagemaker/paths.ts";
import { runTrainJob } from "../../train.ts";
import {
  assertStoppedBy,
  feedPipe,
  ML_CART_FITTING,
  pipeChannel,
  signalWhen,
  slowMlCartJob,
} from "./stopped_job.ts";

Deno.test("SIGTERM while a Pipe-mode channel is still streaming stops within seconds, leaves no model, writes the failure", async () => {
  const base = await makeBaseDir();
  const fifo = await pipeChannel(base);
  let writer: Deno.FsFile | undefined;
  try {
    const result = await signalWhen(base, "SIGTERM", {
      ready: /reading channel channel=training mode=Pipe/,
      inProgress: async () => {
        writer = await feedPipe(fifo);
      },
    });
    await assertStoppedBy(base, "SIGTERM", result);
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
    const result = await signalWhen(base, "SIGTERM", {
      ready: /reading channel channel=training mode=Pipe/,
      inProgress: () => new Promise((resolve) => setTimeout(resolve, 200)),
    });
    await assertStoppedBy(base, "SIGTERM", result);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("SIGTERM during ml-cart's fit (synchronous, seconds long) stops the job within 2 s", async () => {
  const base = await makeBaseDir();
  try {
    await slowMlCartJob(base);
    const result = await signalWhen(base, "SIGTERM", {
      ready: ML_CART_FITTING,
      inProgress: () => new Promise((resolve) => setTimeout(resolve, 300)),
    });
    await assertStoppedBy(base, "SIGTERM", result);
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
