import assert from "node:assert/strict";
import { bundleRangeWorker } from "../../scripts/bundle_range_worker.ts";

Deno.test("range_worker_bundle.ts is a fresh bundle of range_worker.ts", async () => {
  const committed = await Deno.readTextFile(
    new URL("../../training/range_worker_bundle.ts", import.meta.url),
  );
  assert.ok(
    committed === await bundleRangeWorker(),
    "range_worker_bundle.ts is stale: run deno run -A scripts/bundle_range_worker.ts",
  );
});
