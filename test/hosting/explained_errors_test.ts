/**
 * An explained invocation (custom attribute `explain=...`) is answered in JSON only, so its error
 * answers are JSON too when its `Accept` allows JSON (`*\/*`, none, `application/*`), from nginx
 * or from a worker; an `Accept` that rules JSON out keeps the text error.
 */
import assert from "node:assert/strict";
import { startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetCsv } from "../support/datasets.ts";

interface Case {
  readonly name: string;
  readonly body: string;
  readonly attributes: string;
  readonly accept?: string;
  readonly status: number;
  readonly json: boolean;
}

const CASES: Case[] = [
  { name: "bad record", body: "1,x,3,4\n", attributes: "explain=path", status: 400, json: true },
  {
    name: "bad record, Accept */*",
    body: "1,x,3,4\n",
    attributes: "explain=path",
    accept: "*/*",
    status: 400,
    json: true,
  },
  {
    name: "bad record, Accept application/*",
    body: "1,x,3,4\n",
    attributes: "probabilities=true; Explain = PATH",
    accept: "application/*",
    status: 400,
    json: true,
  },
  {
    name: "kind the model does not give",
    body: "1,2,3,4\n",
    attributes: "explain=nonsense",
    accept: "*/*",
    status: 400,
    json: true,
  },
  {
    name: "body over the limit",
    body: "1,2,3,4\n".repeat(200_000),
    attributes: "explain=path",
    accept: "*/*",
    status: 413,
    json: true,
  },
  {
    name: "Accept that rules JSON out",
    body: "1,2,3,4\n",
    attributes: "explain=path",
    accept: "text/csv",
    status: 406,
    json: false,
  },
  // Without explain= a CSV request's errors stay text.
  { name: "bad record, no explain", body: "1,x,3,4\n", attributes: "", status: 400, json: false },
  {
    name: "body over the limit, no explain",
    body: "1,2,3,4\n".repeat(200_000),
    attributes: "errors=mark",
    accept: "*/*",
    status: 413,
    json: false,
  },
];

for (const mode of ["nginx", "embedded"] as const) {
  Deno.test(`serve (${mode}) answers an explained request's errors in JSON`, async () => {
    const base = await trainedBaseDir(readDatasetCsv("iris"));
    const server = await startServer(base, {
      MODEL_SERVER_WORKERS: "1",
      SAGEMAKER_MAX_PAYLOAD_IN_MB: "1",
      ...(mode === "embedded" ? { PATH: "/nonexistent" } : {}),
    });
    try {
      for (const item of CASES) {
        const headers: Record<string, string> = { "content-type": "text/csv" };
        if (item.attributes !== "") headers["x-amzn-sagemaker-custom-attributes"] = item.attributes;
        if (item.accept !== undefined) headers.accept = item.accept;
        const response = await fetch(`${server.url}/invocations`, {
          method: "POST",
          body: item.body,
          headers,
        });
        const text = await response.text();
        const where = `${mode} ${item.name}: ${text}`;
        assert.equal(response.status, item.status, where);
        const id = response.headers.get("x-request-id")!;
        if (item.json) {
          assert.equal(response.headers.get("content-type"), "application/json", where);
          const body = JSON.parse(text);
          assert.equal(body.status, item.status, where);
          assert.equal(body.request_id, id, where);
          assert.equal(typeof body.error, "string", where);
        } else {
          assert.match(response.headers.get("content-type") ?? "", /^text\/plain/, where);
          assert.ok(text.trimEnd().endsWith(`(request id ${id})`), where);
        }
      }
    } finally {
      await server.stop();
      await Deno.remove(base, { recursive: true });
    }
  });
}
