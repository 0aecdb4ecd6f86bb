import assert from "node:assert/strict";
import { HttpError } from "../../serving/errors.ts";
import { Router, type RouteTable } from "../../serving/routes.ts";

const answer = (text: string) => () => Promise.resolve(new Response(text));

const table: RouteTable = {
  "/ping": { GET: answer("ping") },
  "/models": { GET: answer("list"), POST: answer("load") },
  "/models/{name}": {
    GET: (_request, params) => Promise.resolve(new Response(`describe ${params.name}`)),
  },
  "/models/{name}/invoke": {
    POST: (_request, params) => Promise.resolve(new Response(`invoke ${params.name}`)),
  },
};

function call(router: Router, method: string, path: string): Promise<Response> {
  return router.route(new Request(`http://worker${path}`, { method }), path);
}

Deno.test("Router finds exact paths and patterns with URL-decoded parameters", async () => {
  const router = new Router(table);
  assert.equal(await (await call(router, "GET", "/ping")).text(), "ping");
  assert.equal(await (await call(router, "POST", "/models")).text(), "load");
  assert.equal(await (await call(router, "GET", "/models/a%2Eb")).text(), "describe a.b");
  assert.equal(await (await call(router, "POST", "/models/m-1/invoke")).text(), "invoke m-1");
  assert.equal(router.match("/models/")?.params.name, "");
});

Deno.test("Router answers an unknown path with 404 and a method it does not take with 405", () => {
  const router = new Router(table);
  assert.throws(
    () => call(router, "GET", "/models/a/b/c"),
    (error: unknown) =>
      error instanceof HttpError && error.status === 404 &&
      error.message === "No route for GET /models/a/b/c",
  );
  assert.throws(
    () => call(router, "PUT", "/models"),
    (error: unknown) =>
      error instanceof HttpError && error.status === 405 &&
      error.message === "Use GET or POST for /models, not PUT" &&
      error.headers?.allow === "GET, POST",
  );
  assert.throws(
    () => call(router, "constructor", "/ping"),
    (error: unknown) => error instanceof HttpError && error.status === 405,
  );
});
