/**
 * Multi-model endpoints with real processes: `main.ts serve` with nginx and 2 workers and
 * `SAGEMAKER_MULTI_MODEL=true`, driven over HTTP as SageMaker drives it.
 *
 * Every synthetic model labels its classes with its own name (`b-m-007`), so each answer shows
 * which model produced it; a record of zeros always gets class `b`.
 */
import assert from "node:assert/strict";
import {
  makeBaseDir,
  runMain,
  type ServerHandle,
  startServer,
  trainedBaseDir,
} from "../support/process.ts";
import { writeSyntheticModel } from "../../bench/synthetic_models.ts";
import { readDatasetCsv } from "../support/datasets.ts";

const ZEROS = "0,0,0,0\n";

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

async function request(
  server: ServerHandle,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit = { method, headers };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers = { "content-type": "application/json", ...headers };
  }
  const response = await fetch(`${server.url}${path}`, init);
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** The error message of an answer, whether it came as one text line or in the JSON shape. */
function messageOf(answer: Answer): string {
  try {
    return String(JSON.parse(answer.text).error);
  } catch {
    return answer.text;
  }
}

function loadModel(server: ServerHandle, name: string, url: string): Promise<Answer> {
  return request(server, "POST", "/models", { model_name: name, url });
}

function invokeModel(
  server: ServerHandle,
  name: string,
  body = ZEROS,
  headers: Record<string, string> = { "content-type": "text/csv" },
): Promise<Answer> {
  return request(server, "POST", `/models/${name}/invoke`, body, headers);
}

/** Runs `task` over `items` with at most `limit` at once, keeping the order of the results. */
async function mapLimit<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  }));
  return results;
}

/** Lists every model by following `nextPageToken`; returns the names and the page sizes. */
async function listAll(server: ServerHandle, maxResults: number) {
  const names: string[] = [];
  const pages: number[] = [];
  let token: string | undefined;
  do {
    const query = `max_results=${maxResults}` +
      (token === undefined ? "" : `&next_page_token=${encodeURIComponent(token)}`);
    const answer = await request(server, "GET", `/models?${query}`);
    assert.equal(answer.status, 200, answer.text);
    const body = JSON.parse(answer.text);
    names.push(...body.models.map((model: { modelName: string }) => model.modelName));
    pages.push(body.models.length);
    token = body.nextPageToken;
  } while (token !== undefined);
  return { names, pages };
}

const names = Array.from({ length: 200 }, (_, i) => `m-${String(i).padStart(3, "0")}`);

Deno.test("multi-model serve: 200 models loaded, invoked, half unloaded, listed, guarded", async (t) => {
  const base = await makeBaseDir(); // no model/model.json: multi-model mode must not need one
  const root = `${base}/models`;
  for (const name of names) {
    await writeSyntheticModel(`${root}/${name}/model`, { leaves: 8, tag: name });
  }
  await writeSyntheticModel(`${root}/alt/model`, { leaves: 8, tag: "alt" });
  await writeSyntheticModel(`${base}/outside/model`, { leaves: 8, tag: "outside" });
  await Deno.symlink(`${base}/outside`, `${root}/escape`);
  await Deno.symlink(`${base}/outside/model/model.json`, `${root}/alt/linked.json`);
  await Deno.mkdir(`${root}/empty/model`, { recursive: true });
  await Deno.mkdir(`${root}/damaged/model`, { recursive: true });
  await Deno.writeTextFile(`${root}/damaged/model/model.json`, '{"format": "sagemaker-deno');

  const server = await startServer(base, { SAGEMAKER_MULTI_MODEL: "true" });
  try {
    await t.step("/ping answers and the start-up line names multi-model mode", async () => {
      assert.equal((await request(server, "GET", "/ping")).status, 200);
      await server.waitForLog("serving");
      assert.match(server.logs(), /serving .*multi_model=true/);
    });

    await t.step(
      "/invocations has no default model in multi-model mode: 404 with a hint",
      async () => {
        const answer = await request(server, "POST", "/invocations", ZEROS, {
          "content-type": "text/csv",
        });
        assert.equal(answer.status, 404);
        assert.match(answer.text, /multi-model mode: use POST \/models\/\{name\}\/invoke/);
      },
    );

    await t.step("200 models load with 200, and each answers with its own labels", async () => {
      const loads = await mapLimit(
        names,
        8,
        (name) => loadModel(server, name, `${root}/${name}/model`),
      );
      for (const [i, answer] of loads.entries()) {
        assert.equal(answer.status, 200, `${names[i]}: ${answer.text}`);
      }
      // Twice each: nginx spreads the requests, so both workers answer for models they did not load.
      for (const round of [1, 2]) {
        const answers = await mapLimit(names, 8, (name) => invokeModel(server, name));
        for (const [i, answer] of answers.entries()) {
          assert.equal(answer.status, 200, `round ${round}, ${names[i]}: ${answer.text}`);
          assert.equal(answer.text.trim(), `b-${names[i]}`);
        }
      }
    });

    await t.step("invoke follows the hosting rules: JSON in, JSON out", async () => {
      const answer = await invokeModel(
        server,
        "m-042",
        JSON.stringify({ instances: [[0, 0, 0, 0]] }),
        {
          "content-type": "application/json",
          accept: "application/json",
        },
      );
      assert.equal(answer.status, 200, answer.text);
      assert.match(answer.headers.get("content-type") ?? "", /application\/json/);
      assert.match(answer.text, /"b-m-042"/);
      const wrong = await invokeModel(server, "m-042", "x", { "content-type": "image/png" });
      assert.equal(wrong.status, 415);
    });

    await t.step("GET /models/{name} describes a model", async () => {
      const answer = await request(server, "GET", "/models/m-007");
      assert.equal(answer.status, 200, answer.text);
      const body = JSON.parse(answer.text);
      assert.equal(body.modelName, "m-007");
      assert.equal(body.modelUrl, `${root}/m-007/model`);
      assert.equal(body.summary.leaves, 8);
    });

    await t.step("a second load of a loaded name is 409", async () => {
      const again = await loadModel(server, "m-000", `${root}/m-001/model`);
      assert.equal(again.status, 409);
      assert.match(messageOf(again), /Model "m-000" is already loaded/);
      assert.equal((await invokeModel(server, "m-000")).text.trim(), "b-m-000");
    });

    await t.step("concurrent loads of one name: exactly one 200, the others 409", async () => {
      for (const name of ["race-a", "race-b", "race-c"]) {
        const answers = await Promise.all(
          Array.from({ length: 12 }, () => loadModel(server, name, `${root}/m-010/model`)),
        );
        const statuses = answers.map((answer) => answer.status).sort();
        assert.deepEqual(statuses, [200, ...Array(11).fill(409)], name);
      }
    });

    await t.step(
      "unloading half: those answer 404 on every worker, the rest still 200",
      async () => {
        const unloaded = names.filter((_, i) => i % 2 === 1);
        const deletes = await mapLimit(
          unloaded,
          8,
          (name) => request(server, "DELETE", `/models/${name}`),
        );
        for (const answer of deletes) {
          assert.equal(answer.status, 200, answer.text);
        }
        for (const name of unloaded.slice(0, 20)) {
          for (let i = 0; i < 2; i++) {
            const answer = await invokeModel(server, name);
            assert.equal(answer.status, 404, `${name}: ${answer.text}`);
            assert.match(answer.text, new RegExp(`Model "${name}" is not loaded`));
          }
        }
        const again = await request(server, "DELETE", `/models/${unloaded[0]}`);
        assert.equal(again.status, 404);
        const kept = names.filter((_, i) => i % 2 === 0);
        const answers = await mapLimit(kept, 8, (name) => invokeModel(server, name));
        for (const [i, answer] of answers.entries()) {
          assert.equal(answer.text.trim(), `b-${kept[i]}`);
        }
      },
    );

    await t.step("GET /models lists the remaining models by name, page by page", async () => {
      const expected = [...names.filter((_, i) => i % 2 === 0), "race-a", "race-b", "race-c"]
        .sort();
      const { names: listed, pages } = await listAll(server, 30);
      assert.deepEqual(listed, expected);
      assert.deepEqual(pages, [30, 30, 30, 13]);
      const whole = JSON.parse((await request(server, "GET", "/models?max_results=1000")).text);
      assert.equal(whole.models.length, expected.length);
      assert.equal(whole.nextPageToken, undefined);
      assert.equal((await request(server, "GET", "/models?max_results=0")).status, 400);
      assert.equal((await request(server, "GET", "/models?next_page_token=%2F%2F")).status, 400);
    });

    await t.step(
      "unload and reload a name with another url: every worker answers the new one",
      async () => {
        // nginx takes turns between the workers; with 0 or 1 requests between the unload and the
        // reload, one of the two rounds reloads on the worker that did not unload, so the other
        // worker still holds the old copy and must notice the new generation.
        for (const fillers of [0, 1]) {
          const name = `swap-${fillers}`;
          assert.equal((await loadModel(server, name, `${root}/m-020/model`)).status, 200);
          for (let i = 0; i < 4; i++) {
            assert.equal((await invokeModel(server, name)).text.trim(), "b-m-020");
          }
          assert.equal((await request(server, "DELETE", `/models/${name}`)).status, 200);
          for (let i = 0; i < fillers; i++) await request(server, "GET", "/ping");
          assert.equal((await loadModel(server, name, `${root}/alt/model`)).status, 200);
          for (let i = 0; i < 4; i++) {
            assert.equal(
              (await invokeModel(server, name)).text.trim(),
              "b-alt",
              `${name}, call ${i}`,
            );
          }
        }
      },
    );

    await t.step("an unknown model is 404 naming it", async () => {
      for (
        const [method, path] of [
          ["POST", "/models/nope-42/invoke"],
          ["GET", "/models/nope-42"],
          ["DELETE", "/models/nope-42"],
        ]
      ) {
        const answer = method === "POST"
          ? await invokeModel(server, "nope-42")
          : await request(server, method, path);
        assert.equal(answer.status, 404, `${method} ${path}`);
        assert.match(answer.text, /Model "nope-42" is not loaded/);
      }
    });

    await t.step(
      "a url outside the model root is refused with 400, symlinks resolved",
      async () => {
        const cases: [string, string][] = [
          ["out-plain", `${base}/outside/model`],
          ["out-dots", `${root}/../outside/model`],
          ["out-link", `${root}/escape/model`],
          ["out-file-link", `${root}/alt/linked.json`],
          ["out-relative", "models/m-000/model"],
        ];
        for (const [name, url] of cases) {
          const answer = await loadModel(server, name, url);
          assert.equal(answer.status, 400, `${name}: ${answer.text}`);
          assert.match(
            answer.text,
            name === "out-relative" ? /absolute path/ : /outside the model root/,
          );
          assert.equal((await request(server, "GET", `/models/${name}`)).status, 404);
        }
        assert.doesNotMatch(server.logs(), /b-outside|model loaded model=out-/);
      },
    );

    await t.step("a folder without a valid model is 404 or 400 with a clear message", async () => {
      const empty = await loadModel(server, "empty", `${root}/empty/model`);
      assert.equal(empty.status, 404);
      assert.match(empty.text, /holds no model\.json/);
      const missing = await loadModel(server, "missing", `${root}/no-such/model`);
      assert.equal(missing.status, 404);
      assert.match(missing.text, /No model at .*no-such/);
      const damaged = await loadModel(server, "damaged", `${root}/damaged/model`);
      assert.equal(damaged.status, 400);
      assert.match(damaged.text, /Model file .*model\.json is damaged/);
      const names = JSON.parse((await request(server, "GET", "/models?max_results=1000")).text)
        .models.map((model: { modelName: string }) => model.modelName);
      assert.ok(!names.includes("empty") && !names.includes("damaged"));
    });

    await t.step("invalid model names are 400 and never reach the file system", async () => {
      for (const name of ["../etc", "a/b", "", ".hidden", "a b", "x".repeat(201), 7]) {
        const answer = await request(server, "POST", "/models", {
          model_name: name,
          url: `${root}/m-000/model`,
        });
        assert.equal(answer.status, 400, `${JSON.stringify(name)}: ${answer.text}`);
      }
      for (const path of ["/models/..%2Fetc", "/models/bad%20name/invoke", "/models/%0Ainjected"]) {
        const answer = path.endsWith("/invoke")
          ? await request(server, "POST", path, ZEROS, { "content-type": "text/csv" })
          : await request(server, "GET", path);
        assert.equal(answer.status, 400, `${path}: ${answer.text}`);
        assert.match(answer.text, /Invalid model name/);
      }
      assert.doesNotMatch(server.logs(), /\ninjected/);
      const body = await request(server, "POST", "/models", "{not json");
      assert.equal(body.status, 400);
      const url = `${root}/m-000/model`;
      const fields = [
        [{ url }, /^Missing model_name: expected a string/],
        [{ model_name: 7, url }, /^Invalid model_name 7: expected a string/],
        [{ model_name: "n" }, /^Missing url: expected the path of the model folder/],
        [{ model_name: "n", url: ["/a"] }, /^Invalid url \["\/a"\]: expected the path of/],
      ] as const;
      for (const [given, expected] of fields) {
        const answer = await request(server, "POST", "/models", given);
        assert.equal(answer.status, 400, answer.text);
        assert.match(messageOf(answer), expected);
      }
    });
  } finally {
    assert.equal(await server.stop(), 0);
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("multi-model serve: a small budget evicts idle models, logs it, reloads them transparently, 507 for one too big", async () => {
  const base = await makeBaseDir();
  const root = `${base}/models`;
  const big = Array.from({ length: 6 }, (_, i) => `big-${i}`);
  // 4,500 leaves: about 430 KB each, so 2 fit in a budget of 1 MiB per worker.
  for (const name of big) {
    await writeSyntheticModel(`${root}/${name}/model`, { leaves: 4500, tag: name });
  }
  await writeSyntheticModel(`${root}/huge/model`, { leaves: 12_000, tag: "huge" });
  const server = await startServer(base, {
    SAGEMAKER_MULTI_MODEL: "true",
    MODEL_CACHE_MAX_MB: "1",
  });
  try {
    for (const name of big) {
      const answer = await loadModel(server, name, `${root}/${name}/model`);
      assert.equal(answer.status, 200, answer.text);
    }
    // Cycling through 6 models with room for 3 makes every invocation a reload.
    for (let round = 0; round < 3; round++) {
      for (const name of big) {
        const answer = await invokeModel(server, name);
        assert.equal(answer.status, 200, `${name}: ${answer.text}`);
        assert.equal(answer.text.trim(), `b-${name}`);
      }
    }
    const evictions = server.logs().match(/model evicted worker=\d model=big-\d/g) ?? [];
    assert.ok(
      evictions.length >= 12,
      `only ${evictions.length} evictions logged:\n${server.logs()}`,
    );
    assert.match(server.logs(), /model evicted worker=\d model=big-0 .*budget_bytes=1048576/);
    const huge = await loadModel(server, "huge", `${root}/huge/model`);
    assert.equal(huge.status, 507);
    assert.match(messageOf(huge), /more than the model cache budget of 1048576 bytes/);
    assert.equal((await invokeModel(server, "huge")).status, 404);
  } finally {
    assert.equal(await server.stop(), 0);
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("without SAGEMAKER_MULTI_MODEL=true serve still refuses to start without a model", async () => {
  const empty = await makeBaseDir();
  try {
    for (const flag of [{}, { SAGEMAKER_MULTI_MODEL: "false" }] as Record<string, string>[]) {
      const result = await runMain(["serve"], { SAGEMAKER_BASE_DIR: empty, ...flag });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /No model at .*model\/model\.json: run train first/);
    }
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
});

Deno.test("a single-model endpoint has no /models routes and still answers /invocations", async () => {
  const base = await trainedBaseDir(readDatasetCsv("iris"), { max_leaf_nodes: "3" });
  await writeSyntheticModel(`${base}/models/m-1/model`, { leaves: 8, tag: "m-1" });
  const server = await startServer(base);
  try {
    const load = await loadModel(server, "m-1", `${base}/models/m-1/model`);
    assert.equal(load.status, 404);
    assert.match(messageOf(load), /No route for POST \/models/);
    assert.equal((await request(server, "GET", "/models")).status, 404);
    const answer = await request(server, "POST", "/invocations", "5.1,3.5,1.4,0.2\n", {
      "content-type": "text/csv",
    });
    assert.equal(answer.status, 200);
    assert.equal(answer.text.trim(), "setosa");
  } finally {
    assert.equal(await server.stop(), 0);
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("without nginx the workers share the port and still answer for every model", async () => {
  const base = await makeBaseDir();
  const root = `${base}/models`;
  const some = names.slice(0, 20);
  for (const name of some) {
    await writeSyntheticModel(`${root}/${name}/model`, { leaves: 8, tag: name });
  }
  const server = await startServer(base, { SAGEMAKER_MULTI_MODEL: "true", PATH: "/nonexistent" });
  try {
    await server.waitForLog("mode=embedded");
    for (const name of some) {
      assert.equal((await loadModel(server, name, `${root}/${name}/model`)).status, 200);
    }
    // Fresh connections, so the kernel spreads them over both workers.
    for (let round = 0; round < 3; round++) {
      for (const name of some) {
        const response = await fetch(`${server.url}/models/${name}/invoke`, {
          method: "POST",
          headers: { "content-type": "text/csv", connection: "close" },
          body: ZEROS,
        });
        assert.equal((await response.text()).trim(), `b-${name}`);
      }
    }
  } finally {
    assert.equal(await server.stop(), 0);
    await Deno.remove(base, { recursive: true });
  }
});
