/**
 * The program's version, from `deno.json`.
 *
 * @module
 */

import denoConfig from "./deno.json" with { type: "json" };

/** The version printed by `--version` and in the start-up line. */
export const VERSION: string = denoConfig.version;
