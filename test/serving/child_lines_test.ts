import assert from "node:assert/strict";
import { forwardLines } from "../../serving/child_lines.ts";

function streamOf(chunks: string[]): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  return ReadableStream.from(chunks.map((chunk) => encoder.encode(chunk)));
}

async function linesOf(chunks: string[]): Promise<string[]> {
  const lines: string[] = [];
  await forwardLines(streamOf(chunks), (line) => lines.push(line));
  return lines;
}

Deno.test("forwardLines() joins lines cut across chunks and keeps a last line without a line end", async () => {
  assert.deepEqual(await linesOf(["a\nb", "c\n\nd", "", "e"]), ["a", "bc", "", "de"]);
  assert.deepEqual(await linesOf(["one\n"]), ["one"]);
  assert.deepEqual(await linesOf([]), []);
});

Deno.test("forwardLines() decodes a character cut across chunks", async () => {
  const bytes = new TextEncoder().encode("ünï\n");
  const stream = ReadableStream.from([bytes.subarray(0, 1), bytes.subarray(1)]);
  const lines: string[] = [];
  await forwardLines(stream, (line) => lines.push(line));
  assert.deepEqual(lines, ["ünï"]);
});

Deno.test("forwardLines() ends with what it has when the stream fails", async () => {
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulls++ === 0) controller.enqueue(new TextEncoder().encode("last words\nhalf"));
      else controller.error(new Error("the child went away"));
    },
  });
  const lines: string[] = [];
  await forwardLines(stream, (line) => lines.push(line));
  assert.deepEqual(lines, ["last words", "half"]);
});
