/**
 * The lines a child process writes, one by one, for the supervisor to log its workers' and
 * nginx's output as its own log lines.
 *
 * @module
 */

/**
 * Calls `onLine` with each line of `stream` (without its `\n`), and with the last one when it
 * has no line end; resolves once the stream ends, or fails because the child went away.
 *
 * @example
 * ```ts
 * const child = new Deno.Command("nginx", { stderr: "piped" }).spawn();
 * await forwardLines(child.stderr, (line) => console.log(`nginx: ${line}`));
 * ```
 */
export async function forwardLines(
  stream: ReadableStream<Uint8Array>,
  onLine: (line: string) => void,
): Promise<void> {
  let pending = "";
  try {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      pending += text;
      let newline = pending.indexOf("\n");
      while (newline !== -1) {
        onLine(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
    }
  } catch {
    // The child went away; whatever it wrote last is below.
  }
  if (pending !== "") onLine(pending);
}
