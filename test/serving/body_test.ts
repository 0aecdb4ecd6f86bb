import assert from "node:assert/strict";
import { bodyChunks, CLIENT_CLOSED_STATUS, readBody } from "../../serving/body.ts";
import { HttpError } from "../../serving/errors.ts";

/** A request whose body sends `first`, then fails as a body read fails when the client left. */
function cutRequest(first: string, error: Error, headers: Record<string, string> = {}): Request {
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent) return controller.error(error);
      sent = true;
      controller.enqueue(new TextEncoder().encode(first));
    },
  });
  return new Request("http://worker/invocations", { method: "POST", body, headers });
}

function isClientClosed(error: unknown): boolean {
  return error instanceof HttpError && error.status === CLIENT_CLOSED_STATUS &&
    error.message === "The client closed the connection before the whole request body arrived";
}

Deno.test("readBody() answers a client that left mid-body with 499, not an unexpected error", async () => {
  const gone = new Deno.errors.BadResource("Cannot read body as underlying resource unavailable");
  await assert.rejects(
    readBody(cutRequest("1,2\n", gone, { "content-length": "100" }), 1000),
    isClientClosed,
  );
  await assert.rejects(readBody(cutRequest("1,2\n", gone), 1000), isClientClosed);
  const reset = new Deno.errors.ConnectionReset("connection reset");
  await assert.rejects(readBody(cutRequest("1,2\n", reset), 1000), isClientClosed);
});

Deno.test("bodyChunks() answers a client that left mid-body with 499 and rethrows other errors", async () => {
  const read = async (request: Request) => {
    for await (const _ of bodyChunks(request, 1000)) { /* read on */ }
  };
  const gone = new Deno.errors.BadResource("Cannot read request body");
  await assert.rejects(read(cutRequest("1,2\n", gone)), isClientClosed);
  const other = new TypeError("something else");
  await assert.rejects(read(cutRequest("1,2\n", other)), (error) => error === other);
});
