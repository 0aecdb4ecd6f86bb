/**
 * Prints the `deno.json` the image's bundle variant runs with: only the program's permission set
 * and unstable features, taken from the repository's `deno.json`, so that the entry point can say
 * `-P=program` like the tasks do. The bundle inlines its npm packages and needs no imports or
 * lock file (`"lock": false`: the image's files are read-only for uid 1000).
 *
 * ```sh
 * deno run -P=program scripts/bundle_config.ts > /out/lib/sagemaker-tree/deno.json
 * ```
 *
 * @module
 */

import denoConfig from "../deno.json" with { type: "json" };

/** The configuration the bundle runs with. */
export function bundleConfig(): Record<string, unknown> {
  return { permissions: denoConfig.permissions, unstable: denoConfig.unstable, lock: false };
}

if (import.meta.main) console.log(JSON.stringify(bundleConfig(), null, 2));
