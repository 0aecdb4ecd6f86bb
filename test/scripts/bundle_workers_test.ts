import assert from "node:assert/strict";
import { bundlePath, bundleWorker, WORKER_BUNDLES } from "../../scripts/bundle_workers.ts";

for (const bundle of WORKER_BUNDLES) {
  Deno.test(`${bundle.output} is a fresh bundle of ${bundle.entry}`, async () => {
    const committed = await Deno.readTextFile(bundlePath(bundle));
    assert.ok(
      committed === await bundleWorker(bundle),
      `${bundle.output} is stale: run deno run -A scripts/bundle_workers.ts`,
    );
  });
}
