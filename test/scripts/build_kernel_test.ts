import assert from "node:assert/strict";
import { buildKernel, KERNEL_MODULE, KERNEL_SOURCE } from "../../scripts/build_kernel.ts";

Deno.test(`${KERNEL_MODULE} is a fresh compile of ${KERNEL_SOURCE}`, async () => {
  const committed = await Deno.readTextFile(new URL(`../../${KERNEL_MODULE}`, import.meta.url));
  assert.ok(
    committed === await buildKernel(),
    `${KERNEL_MODULE} is stale: run deno run -A scripts/build_kernel.ts`,
  );
});
