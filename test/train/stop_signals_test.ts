/**
 * SIGINT, SIGHUP and SIGQUIT stop a training job exactly as SIGTERM does (sigterm_test.ts): at
 * once, exit code 1, `output/failure` naming the signal, nothing left in `model/`. Left to their
 * default action, SIGHUP and SIGQUIT would kill the process with no failure file.
 */

import { makeBaseDir } from "../support/process.ts";
import {
  assertStoppedBy,
  feedPipe,
  ML_CART_FITTING,
  pipeChannel,
  signalWhen,
  slowMlCartJob,
} from "./stopped_job.ts";

for (const signal of ["SIGINT", "SIGHUP", "SIGQUIT"] as const) {
  Deno.test(`${signal} while a Pipe-mode channel is still streaming stops the job like SIGTERM: exit 1, the failure names ${signal}, no model`, async () => {
    const base = await makeBaseDir();
    const fifo = await pipeChannel(base);
    let writer: Deno.FsFile | undefined;
    try {
      const result = await signalWhen(base, signal, {
        ready: /reading channel channel=training mode=Pipe/,
        inProgress: async () => {
          writer = await feedPipe(fifo);
        },
      });
      await assertStoppedBy(base, signal, result);
    } finally {
      writer?.close();
      await Deno.remove(base, { recursive: true });
    }
  });

  Deno.test(`${signal} during ml-cart's fit stops the job like SIGTERM: exit 1, the failure names ${signal}, no model`, async () => {
    const base = await makeBaseDir();
    try {
      await slowMlCartJob(base);
      const result = await signalWhen(base, signal, {
        ready: ML_CART_FITTING,
        inProgress: () => new Promise((resolve) => setTimeout(resolve, 300)),
      });
      await assertStoppedBy(base, signal, result);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  });
}
