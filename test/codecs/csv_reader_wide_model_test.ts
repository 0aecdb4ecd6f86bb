import assert from "node:assert/strict";
import { writeSyntheticModel } from "../../bench/synthetic_models.ts";
import { invoke, makeBaseDir, startServer } from "../support/process.ts";

Deno.test("a 100,000-feature model answers a 2-record CSV request with 200", async () => {
  const base = await makeBaseDir();
  await writeSyntheticModel(`${base}/model`, { leaves: 8, tag: "wide", featureCount: 100_000 });
  const server = await startServer(base);
  try {
    // 2 × 200 KB: past the size up to which a body is read whole, so it is read as a stream.
    const record = new Array(100_000).fill("0").join(",") + "\n";
    const answer = await invoke(server.url, record + record);
    assert.equal(answer.status, 200, answer.text);
    assert.equal(answer.text, "b-wide\nb-wide\n");
  } finally {
    await server.stop();
    await Deno.remove(base, { recursive: true });
  }
});
