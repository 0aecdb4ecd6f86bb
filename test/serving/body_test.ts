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

/** A request whose body sends `first` at once and ends `lateMs` after `deadline`. */
function lateRequest(
  first: string,
  deadline: number,
  lateMs: number,
  headers: Record<string, string> = {},
): Request {
  let sent = false;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(new TextEncoder().encode(first));
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, deadline + lateMs - Date.now()));
      controller.close();
    },
  });
  return new Request("http://worker/invocations", { method: "POST", body, headers });
}

function isLate(error: unknown): boolean {
  return error instanceof HttpError && error.status === 408 &&
    error.message === "The request body did not arrive within MODEL_SERVER_TIMEOUT=1 s";
}

// The watchdog looks every 100 ms; a body that ends between a look and the deadline's next look
// must be late all the same. Several tries with ends spread over the interval catch one that a
// look-only check lets through.
Deno.test({
  name: "readBody() and bodyChunks() answer 408 for a body that ends just after the deadline",
  // The watchdog's interval outlives the test by design (unref'd, shared by every request).
  sanitizeOps: false,
  async fn() {
    for (const lateMs of [5, 25, 45, 65, 85]) {
      const deadline = Date.now() + 20;
      const options = { deadline, timeoutSeconds: 1 };
      await assert.rejects(
        readBody(lateRequest("1,2\n", deadline, lateMs), 1000, options),
        isLate,
        `readBody, ${lateMs} ms late`,
      );
      const declared = Date.now() + 20;
      await assert.rejects(
        readBody(
          lateRequest("1,2\n", declared, lateMs, { "content-length": "4" }),
          1000,
          { deadline: declared, timeoutSeconds: 1 },
        ),
        isLate,
        `readBody with Content-Length, ${lateMs} ms late`,
      );
      const streamed = Date.now() + 20;
      const read = async (request: Request) => {
        const late = { deadline: streamed, timeoutSeconds: 1 };
        for await (const _ of bodyChunks(request, 1000, late)) { /* read on */ }
      };
      await assert.rejects(
        read(lateRequest("1,2\n", streamed, lateMs)),
        isLate,
        `bodyChunks, ${lateMs} ms late`,
      );
    }
  },
});
