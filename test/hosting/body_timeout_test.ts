/**
 * `MODEL_SERVER_TIMEOUT` covers reading the body, with nginx and without it: a client that
 * stalls after its headers, or a body that never yields a record, gets an answer within the
 * timeout and a small margin. Against the real program (`main.ts serve`).
 */
import assert from "node:assert/strict";
import { invoke, type ServerHandle, startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetCsv } from "../support/datasets.ts";

const TIMEOUT_SECONDS = 2;
/** What an answer may take past the timeout: the 100 ms watchdog, scheduling on a busy CI box. */
const MARGIN_MS = 2_500;

/** Sends `head` (headers and the start of a body) and no more; returns the answer's first line and body. */
async function stalledRequest(
  server: ServerHandle,
  head: string,
): Promise<{ statusLine: string; text: string; ms: number }> {
  const started = Date.now();
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
  try {
    await connection.write(new TextEncoder().encode(head));
    const decoder = new TextDecoder();
    let text = "";
    const buffer = new Uint8Array(4096);
    const giveUp = setTimeout(() => connection.close(), 30_000);
    try {
      while (true) {
        const read = await connection.read(buffer).catch(() => null);
        if (read === null) break;
        text += decoder.decode(buffer.subarray(0, read));
        // One answer is all we wait for: its headers and its one-line body.
        const end = text.indexOf("\r\n\r\n");
        if (end !== -1 && text.indexOf("\n", end + 4) !== -1) break;
      }
    } finally {
      clearTimeout(giveUp);
    }
    return { statusLine: text.split("\r\n")[0], text, ms: Date.now() - started };
  } finally {
    try {
      connection.close();
    } catch {
      // closed by the give-up timer
    }
  }
}

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`serve (${mode}) answers a request whose body stalls within MODEL_SERVER_TIMEOUT`, async () => {
    const base = await trainedBaseDir(readDatasetCsv("iris"));
    const server = await startServer(base, {
      MODEL_SERVER_WORKERS: "1",
      MODEL_SERVER_TIMEOUT: String(TIMEOUT_SECONDS),
      ...(mode === "embedded" ? { PATH: "/nonexistent" } : {}),
    });
    try {
      await server.waitForLog(`mode=${mode}`);
      const heads = {
        "whole body": "Content-Length: 1000",
        "streamed body": "Content-Length: 1000000",
        "chunked body": "Transfer-Encoding: chunked",
      };
      for (const [name, framing] of Object.entries(heads)) {
        const start = framing.startsWith("Transfer") ? "8\r\n1,2,3,4\n\r\n" : "1,2,3,4\n";
        const answer = await stalledRequest(
          server,
          `POST /invocations HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\n` +
            `X-Request-Id: stalled-1\r\n${framing}\r\n\r\n${start}`,
        );
        if (mode === "embedded") {
          assert.match(answer.statusLine, /^HTTP\/1\.1 408/, `${name}: ${answer.text}`);
          assert.match(answer.text, /did not arrive within MODEL_SERVER_TIMEOUT=2 s/, name);
          assert.match(answer.text, /stalled-1/, `${name} names the request id`);
        } else {
          // nginx ends a 408 by closing the connection, without an answer, and logs it.
          assert.equal(answer.text, "", name);
          await server.waitForLog(/status=408 .*request_id=stalled-1/, 5_000);
        }
        assert.ok(
          answer.ms < TIMEOUT_SECONDS * 1000 + MARGIN_MS,
          `${name} answered after ${answer.ms} ms`,
        );
      }
      // The worker is still there for the next request.
      assert.equal((await invoke(server.url, "5.1,3.5,1.4,0.2\n")).text.trim(), "setosa");
    } finally {
      await server.stop();
      await Deno.remove(base, { recursive: true });
    }
  });

  Deno.test(`serve (${mode}) gives up on an endless line within MODEL_SERVER_TIMEOUT`, async () => {
    const base = await trainedBaseDir(readDatasetCsv("iris"));
    const server = await startServer(base, {
      MODEL_SERVER_WORKERS: "1",
      MODEL_SERVER_TIMEOUT: String(TIMEOUT_SECONDS),
      SAGEMAKER_MAX_PAYLOAD_IN_MB: "100",
      ...(mode === "embedded" ? { PATH: "/nonexistent" } : {}),
    });
    try {
      await server.waitForLog(`mode=${mode}`);
      for (const type of ["text/csv", "application/jsonlines"]) {
        // 60 MB without a newline: one record that never ends.
        const body = new Uint8Array(60 * 1024 * 1024).fill(0x31);
        if (type !== "text/csv") body[0] = 0x5b;
        const started = Date.now();
        const answer = await invoke(server.url, body, { "content-type": type });
        const ms = Date.now() - started;
        assert.ok(answer.status >= 400 && answer.status < 600, `${type}: ${answer.status}`);
        // Uploading 60 MB takes a moment of its own; the worker's part is bounded by the timeout.
        assert.ok(ms < TIMEOUT_SECONDS * 1000 + 2 * MARGIN_MS, `${type}: answered after ${ms} ms`);
      }
    } finally {
      await server.stop();
      await Deno.remove(base, { recursive: true });
    }
  });
}

Deno.test("serve (embedded, multi-model) answers a POST /models whose body stalls with 408 within MODEL_SERVER_TIMEOUT", async () => {
  const base = await trainedBaseDir(readDatasetCsv("iris"));
  const server = await startServer(base, {
    MODEL_SERVER_WORKERS: "1",
    MODEL_SERVER_TIMEOUT: String(TIMEOUT_SECONDS),
    SAGEMAKER_MULTI_MODEL: "true",
    PATH: "/nonexistent",
  });
  try {
    await server.waitForLog("mode=embedded");
    const answer = await stalledRequest(
      server,
      `POST /models HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n` +
        `X-Request-Id: stalled-load\r\nContent-Length: 1000\r\n\r\n{"model_name": "iris",`,
    );
    assert.match(answer.statusLine, /^HTTP\/1\.1 408/, answer.text);
    assert.match(answer.text, /did not arrive within MODEL_SERVER_TIMEOUT=2 s/);
    assert.match(answer.text, /stalled-load/);
    assert.ok(answer.ms < TIMEOUT_SECONDS * 1000 + MARGIN_MS, `answered after ${answer.ms} ms`);
  } finally {
    await server.stop();
    await Deno.remove(base, { recursive: true });
  }
});
