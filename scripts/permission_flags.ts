/**
 * Prints the program's permission flags on one line, space-separated, for the image's bundle
 * variant: its launcher runs `deno run --no-config`, with no `deno.json` beside the bundle to
 * take `-P=program` from.
 *
 * ```sh
 * deno run scripts/permission_flags.ts
 * ```
 *
 * @module
 */

import { PERMISSION_FLAGS } from "../serving/self_command.ts";

console.log(PERMISSION_FLAGS.join(" "));
