/**
 * Every error answer names its request id, in its body and its `X-Request-Id` header, whatever
 * its status and content type, from nginx or a worker, in single- and multi-model mode.
 */
import assert from "node:assert/strict";
import { makeBaseDir, startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetCsv } from "../support/datasets.ts";
import { writeSyntheticModel } from "../../bench/synthetic_models.ts";

interface Case {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly status: number;
}

const CSV = { "content-type": "text/csv" };

const SINGLE: Case[] = [
  { name: "unknown route", method: "GET", path: "/nowhere", status: 404 },
  { name: "wrong method", method: "GET", path: "/invocations", status: 405 },
  {
    name: "body over the limit",
    method: "POST",
    path: "/invocations",
    body: "1,2,3,4\n".repeat(200_000),
    headers: CSV,
    status: 413,
  },
  {
    name: "unreadable type",
    method: "POST",
    path: "/invocations",
    body: "x",
    headers: { "content-type": "image/png" },
    status: 415,
  },
  {
    name: "unproducible Accept",
    method: "POST",
    path: "/invocations",
    body: "1,2,3,4\n",
    headers: { ...CSV, accept: "image/png" },
    status: 406,
  },
  {
    name: "bad record",
    method: "POST",
    path: "/invocations",
    body: "1,x,3,4\n",
    headers: CSV,
    status: 400,
  },
];

/** Requests nginx refuses before a worker sees them (without nginx, Deno reads them). */
const NGINX_ONLY: Case[] = [
  {
    name: "headers too large",
    method: "GET",
    path: "/ping",
    headers: { "x-padding": "a".repeat(20_000) },
    status: 400,
  },
  { name: "URI too long", method: "GET", path: `/ping?${"a".repeat(20_000)}`, status: 414 },
];

const MULTI: Case[] = [
  {
    name: "unknown model",
    method: "POST",
    path: "/models/nope/invoke",
    body: "0,0,0,0\n",
    headers: CSV,
    status: 404,
  },
  {
    name: "no default model",
    method: "POST",
    path: "/invocations",
    body: "0,0,0,0\n",
    headers: CSV,
    status: 404,
  },
  {
    name: "bad load",
    method: "POST",
    path: "/models",
    body: '{"model_name": "a", "url": "relative"}',
    headers: { "content-type": "application/json" },
    status: 400,
  },
  { name: "unload unknown", method: "DELETE", path: "/models/nope", status: 404 },
];

async function check(url: string, cases: Case[], label: string): Promise<void> {
  for (const item of cases) {
    for (const accept of [undefined, "text/csv", "application/json", "application/jsonlines"]) {
      const headers: Record<string, string> = { ...item.headers };
      if (accept !== undefined && item.status !== 406) headers.accept = accept;
      const response = await fetch(`${url}${item.path}`, {
        method: item.method,
        body: item.body,
        headers,
      });
      const text = await response.text();
      const where = `${label} ${item.name} (Accept ${accept}): ${text}`;
      assert.equal(response.status, item.status, where);
      const id = response.headers.get("x-request-id");
      assert.ok(id !== null && id.length > 0, `${where}: no X-Request-Id`);
      assert.ok(text.includes(id), `${where}: the body does not name ${id}`);
    }
  }
}

for (const mode of ["nginx", "embedded"] as const) {
  const env = {
    MODEL_SERVER_WORKERS: "1",
    SAGEMAKER_MAX_PAYLOAD_IN_MB: "1",
    ...(mode === "embedded" ? { PATH: "/nonexistent" } : {}),
  };

  Deno.test(`serve (${mode}) names the request id in every error answer`, async () => {
    const base = await trainedBaseDir(readDatasetCsv("iris"));
    const server = await startServer(base, env);
    try {
      await check(server.url, mode === "nginx" ? [...SINGLE, ...NGINX_ONLY] : SINGLE, mode);
    } finally {
      await server.stop();
      await Deno.remove(base, { recursive: true });
    }
  });

  Deno.test(`serve (${mode}, multi-model) names the request id in every error answer`, async () => {
    const base = await makeBaseDir();
    await writeSyntheticModel(`${base}/models/m/model`, { leaves: 4, tag: "m" });
    const server = await startServer(base, { ...env, SAGEMAKER_MULTI_MODEL: "true" });
    try {
      await check(server.url, [...SINGLE.slice(0, 1), ...MULTI], `${mode} multi-model`);
    } finally {
      await server.stop();
      await Deno.remove(base, { recursive: true });
    }
  });
}
