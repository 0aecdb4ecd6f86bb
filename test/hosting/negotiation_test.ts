/**
 * Content negotiation through the real program: `main.ts serve`, with nginx and without it.
 */
import assert from "node:assert/strict";
import { invoke, startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetCsv } from "../support/datasets.ts";

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`serve (${mode}) never answers in a type Accept gives q=0`, async () => {
    const base = await trainedBaseDir(readDatasetCsv("iris"));
    const server = await startServer(base, {
      MODEL_SERVER_WORKERS: "1",
      ...(mode === "embedded" ? { PATH: "/nonexistent" } : {}),
    });
    try {
      await server.waitForLog(`mode=${mode}`);
      const record = "5.1,3.5,1.4,0.2\n";
      const csvExcluded = await invoke(server.url, record, {
        "content-type": "text/csv",
        accept: "text/csv;q=0, */*",
      });
      assert.equal(csvExcluded.status, 200);
      assert.equal(csvExcluded.headers.get("content-type"), "application/json");
      assert.deepEqual(JSON.parse(csvExcluded.text), { predictions: ["setosa"] });
      const nothing = await invoke(server.url, record, {
        "content-type": "text/csv",
        accept: "text/csv;q=0, application/*;q=0",
      });
      assert.equal(nothing.status, 406);
      assert.match(nothing.text, /Cannot answer with Accept/);
    } finally {
      await server.stop();
      await Deno.remove(base, { recursive: true });
    }
  });
}
