import assert from "node:assert/strict";
import { cart } from "../../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../../algorithm/hyperparameters.ts";
import { createRandom } from "../../algorithm/random.ts";
import type { Dataset, Explanation, Matrix, Model } from "../../algorithm/types.ts";
import type { StoredModel } from "../../model_store.ts";
import { readServingConfig } from "../../sagemaker/serving_config.ts";
import { handleInvocation } from "../../serving/invocations.ts";
import { createHandler } from "../../serving/worker.ts";

const COLUMNS = 5;
const CLASSES = ["no", "10", 'say "yes"', "peut-être"];

/** A tree grown on random data (a few hundred nodes) with class labels JSON escapes or reorders. */
async function randomTree(seed: number): Promise<Model> {
  const random = createRandom(seed);
  const rows = 2000;
  const data = new Float64Array(rows * COLUMNS);
  for (let i = 0; i < data.length; i++) data[i] = Math.round(random() * 1e6) / 1e4;
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const x = data.subarray(r * COLUMNS, (r + 1) * COLUMNS);
    labels[r] = Math.floor((x[0] / 25 + x[1] / 40 + random() * 2) % CLASSES.length);
  }
  const dataset: Dataset = { features: { data, rows, columns: COLUMNS }, labels, classes: CLASSES };
  return await cart.fit(dataset, parseHyperparameters({ random_state: "1" }, cart.hyperparameters));
}

/** `rows` records as lists of numbers (null: missing); every 97th one has a feature too many. */
function randomRecords(seed: number, rows: number): (number | null)[][] {
  const random = createRandom(seed);
  return Array.from({ length: rows }, (_, r) => {
    const values = Array.from({ length: COLUMNS + (r % 97 === 5 ? 1 : 0) }, () => {
      const pick = random();
      return pick < 0.05 ? null : pick < 0.1 ? -0 : Math.round(random() * 1e8) / 1e6;
    });
    return values;
  });
}

/**
 * The answer entries as the objects of `model.explain` through JSON.stringify give them: the
 * label, then the explanation's fields; undefined for a bad record (it gets an error marker).
 */
function expectedEntries(model: Model, records: (number | null)[][], kind: "path" | "shap") {
  return records.map((values) => {
    if (values.length !== COLUMNS) return undefined;
    const row: Matrix = {
      data: Float64Array.from(values, (v) => v ?? NaN),
      rows: 1,
      columns: COLUMNS,
    };
    const label = JSON.stringify(model.classes[model.predict(row)[0]]);
    const fields = JSON.stringify(model.explain!(row, { kind })[0]);
    return fields === "{}" ? `{"label":${label}}` : `{"label":${label},${fields.slice(1)}`;
  });
}

async function explained(
  model: Model,
  body: string,
  types: { content: string; accept: string; kind?: string },
): Promise<string> {
  const request = new Request("http://worker/invocations", {
    method: "POST",
    body,
    headers: { "content-type": types.content, accept: types.accept },
  });
  const answer = await handleInvocation(
    request,
    { model, algorithm: "cart", bodyLimitBytes: 1e8, responseLimitBytes: 1e8 },
    { attributes: { explain: types.kind ?? "path", badRecords: "mark" } },
  );
  assert.equal(answer.status, 200);
  return await answer.text();
}

/** Checks `entries` against `expected`, entry by entry: exact text, or an error marker. */
function assertEntries(entries: string[], expected: (string | undefined)[], where: string): void {
  assert.equal(entries.length, expected.length, where);
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] === undefined) {
      assert.match(
        entries[i],
        /^\{"error":"Cannot parse (line|record) \d+: expected 5 features, found 6/,
        `${where}, record ${i}`,
      );
    } else assert.equal(entries[i], expected[i], `${where}, record ${i}`);
  }
}

Deno.test("an explain=path answer is byte for byte the explain() objects through JSON.stringify, in JSON Lines and JSON", async () => {
  const model = await randomTree(1);
  for (const seed of [2, 3]) {
    const records = randomRecords(seed, 700);
    const expected = expectedEntries(model, records, "path");
    const lines = await explained(
      model,
      records.map((values) => JSON.stringify({ features: values })).join("\n"),
      { content: "application/jsonlines", accept: "application/jsonlines" },
    );
    assert.ok(lines.endsWith("\n"));
    assertEntries(lines.slice(0, -1).split("\n"), expected, `JSON Lines, seed ${seed}`);

    const json = await explained(model, JSON.stringify({ instances: records }), {
      content: "application/json",
      accept: "application/json",
    });
    // The JSON answer is the JSON Lines entries, comma-separated in {"predictions": [...]}.
    const good = expected.filter((entry) => entry !== undefined);
    assert.ok(json.startsWith(`{"predictions":[${expected[0] ?? '{"error":'}`));
    assert.ok(json.endsWith("]}\n"));
    for (const entry of good) assert.ok(json.includes(entry));
    const parsed = JSON.parse(json).predictions;
    assert.equal(parsed.length, records.length);
    assert.equal(
      json,
      `{"predictions":[${
        expected.map((entry, i) => entry ?? JSON.stringify(parsed[i])).join(",")
      }]}\n`,
    );
    assert.match(JSON.stringify(parsed[5]), /^\{"error":"Cannot parse record 6: expected 5/);
  }
});

Deno.test("an explained answer encodes a model's own explanation objects as JSON.stringify does", async () => {
  const tree = await randomTree(4);
  // A model of a user's own: explain() only, fresh objects, without any field for a record
  // whose first feature is missing.
  const own: Model = {
    featureCount: tree.featureCount,
    classes: tree.classes,
    predict: (features) => tree.predict(features),
    predictProba: (features) => tree.predictProba(features),
    describe: () => ({}),
    explanations: ["shap"],
    explain(features: Matrix): Explanation[] {
      return tree.explain!(features, { kind: "shap" }).map((explanation, r) =>
        Number.isNaN(features.data[r * COLUMNS]) ? {} as Explanation : explanation
      );
    },
  };
  const records = randomRecords(5, 300);
  const expected = expectedEntries(own, records, "shap");
  assert.ok(records.some((values) => values.length === COLUMNS && values[0] === null));
  const lines = await explained(
    own,
    records.map((values) => JSON.stringify(values)).join("\n"),
    { content: "application/jsonlines", accept: "application/jsonlines", kind: "shap" },
  );
  assertEntries(lines.slice(0, -1).split("\n"), expected, "own model");
});

/** The model the Accept tests explain with, grown once. */
const ACCEPT_TREE = randomTree(3);

/** One record in each request type. */
const ONE_RECORD: Readonly<Record<string, string>> = {
  "text/csv": "1,2,3,4,5\n",
  "application/json": '{"instances": [[1, 2, 3, 4, 5]]}',
  "application/jsonlines": "[1, 2, 3, 4, 5]\n",
};

/** The answer of the worker to one record of `content` asking explain=path, with `accept`. */
async function explainOne(
  content: string,
  accept: string | null,
  env: Record<string, string> = {},
): Promise<{ status: number; type: string | null; text: string }> {
  const stored = {
    model: await ACCEPT_TREE,
    algorithm: { name: "cart" },
  } as unknown as StoredModel;
  const headers: Record<string, string> = {
    "content-type": content,
    "x-amzn-sagemaker-custom-attributes": "explain=path",
  };
  if (accept !== null) headers.accept = accept;
  const answer = await createHandler({ stored, config: readServingConfig(env, 2) })(
    new Request("http://worker/invocations", {
      method: "POST",
      body: ONE_RECORD[content],
      headers,
    }),
  );
  return {
    status: answer.status,
    type: answer.headers.get("content-type"),
    text: await answer.text(),
  };
}

/** Checks that `answer` is a 200 explained answer of one record in `type`. */
function assertExplained(
  answer: { status: number; type: string | null; text: string },
  type: string,
  where: string,
): void {
  assert.equal(answer.status, 200, `${where}: ${answer.text}`);
  assert.equal(answer.type, type, where);
  const entry = type === "application/json"
    ? JSON.parse(answer.text).predictions[0]
    : JSON.parse(answer.text.trim());
  assert.equal(entry.kind, "path", where);
}

Deno.test("explain= with Accept: */* answers JSON, or JSON Lines for a JSON Lines request", async () => {
  assertExplained(await explainOne("text/csv", "*/*"), "application/json", "CSV");
  assertExplained(await explainOne("application/json", "*/*"), "application/json", "JSON");
  assertExplained(
    await explainOne("application/jsonlines", "*/*"),
    "application/jsonlines",
    "JSON Lines",
  );
  // The default answer type is taken when it can carry explanations, passed over when it cannot.
  const jsonl = { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "application/jsonlines" };
  const csv = { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "text/csv" };
  assertExplained(await explainOne("text/csv", "*/*", jsonl), "application/jsonlines", "default");
  assertExplained(await explainOne("text/csv", "*/*", csv), "application/json", "CSV default");
  assertExplained(
    await explainOne("application/jsonlines", "*/*", csv),
    "application/jsonlines",
    "CSV default, JSON Lines request",
  );
});

Deno.test("explain= with Accept: application/* answers the request's JSON type, else JSON", async () => {
  const csv = { SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "text/csv" };
  assertExplained(await explainOne("text/csv", "application/*", csv), "application/json", "CSV");
  assertExplained(
    await explainOne("application/jsonlines", "application/*", csv),
    "application/jsonlines",
    "JSON Lines",
  );
});

Deno.test("explain= with a q-valued Accept list answers its best type that carries explanations", async () => {
  for (
    const [accept, type] of [
      ["text/csv, application/json;q=0.5", "application/json"],
      [
        "text/csv;q=0.9, application/json;q=0.2, application/jsonlines;q=0.5",
        "application/jsonlines",
      ],
      ["text/csv, */*;q=0.1", "application/json"],
    ]
  ) {
    assertExplained(await explainOne("text/csv", accept), type, accept);
  }
});

Deno.test("explain= without Accept answers a type that carries explanations", async () => {
  assertExplained(await explainOne("text/csv", null), "application/json", "CSV");
  assertExplained(
    await explainOne("application/jsonlines", null),
    "application/jsonlines",
    "JSON Lines",
  );
  assertExplained(
    await explainOne("application/json", null, {
      SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "text/csv",
    }),
    "application/json",
    "CSV default",
  );
});

Deno.test("explain= with an Accept that allows no JSON type is a 406 naming the types that can carry it", async () => {
  for (const accept of ["text/csv", "text/*", "text/csv, application/*;q=0", "image/png"]) {
    const answer = await explainOne("application/json", accept);
    assert.equal(answer.status, 406, accept);
    assert.match(
      answer.text,
      new RegExp(
        "^explain=path needs a JSON or JSON Lines answer \\(Accept: application/json or " +
          `application/jsonlines\\), and Accept ${RegExp.escape(JSON.stringify(accept))} ` +
          "allows neither \\(request id ",
      ),
      accept,
    );
  }
  // A q outside RFC 9110 stays the 400 that names it.
  const invalid = await explainOne("text/csv", "application/json;q=2");
  assert.equal(invalid.status, 400);
  assert.match(invalid.text, /^Invalid q-value "2" in Accept entry "application\/json;q=2"/);
});
