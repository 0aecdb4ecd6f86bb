/**
 * SageMaker Clarify online explanations against the real program, behind nginx and without it:
 * the `X-Amzn-SageMaker-Enable-Explanations` header never changes an answer, and with the
 * deployment of docs/deployment.md (`SAGEMAKER_DEFAULT_PROBABILITIES=true`, JSON Lines answers)
 * Clarify's synthetic requests get the probabilities where its `ProbabilityAttribute` reads them.
 *
 * @module
 */

import assert from "node:assert/strict";
import { invoke, startServer, trainedBaseDir } from "../support/process.ts";
import { readDatasetCsv, readDatasetLines } from "../support/datasets.ts";

const IRIS = readDatasetLines("iris");
const FEATURES = IRIS.map((line) => line.slice(line.indexOf(",") + 1).split(",").map(Number));
/** `label_headers` of the doc's `ClarifyInferenceConfig`. */
const LABEL_HEADERS = ["setosa", "versicolor", "virginica"];
/** Values Clarify's callers send: JMESPath literals and an expression. */
const ENABLE_EXPLANATIONS = ["`true`", "`false`", "[0].probabilities.setosa > `0.5`", ""];

/** Clarify's `ContentTemplate '{"features":$features}'`, one record a line, 1,000 of them. */
function clarifyBody(records: number): string {
  let body = "";
  for (let i = 0; i < records; i++) {
    body += JSON.stringify({ features: FEATURES[i % FEATURES.length] }) + "\n";
  }
  return body;
}

/** What Clarify's `ProbabilityAttribute: "probabilities.*"` reads of one answer line. */
function probabilityAttribute(line: string): number[] {
  return Object.values(JSON.parse(line).probabilities as Record<string, number>);
}

for (const mode of ["nginx", "embedded"]) {
  Deno.test(`Clarify in ${mode} mode: Enable-Explanations changes nothing; default probabilities as documented`, async (t) => {
    const base = await trainedBaseDir(readDatasetCsv("iris"));
    // The environment of the doc's Clarify deployment.
    const server = await startServer(base, {
      SAGEMAKER_DEFAULT_PROBABILITIES: "true",
      SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT: "application/jsonlines",
      ...(mode === "embedded" ? { PATH: "/nonexistent" } : {}),
    });
    try {
      await server.waitForLog(`mode=${mode}`);
      const url = server.url;

      await t.step(
        "a request with X-Amzn-SageMaker-Enable-Explanations is answered as one without",
        async () => {
          const cases: [string, string, Record<string, string>][] = [
            ["CSV", "5.1,3.5,1.4,0.2\n6.3,2.8,5.1,1.5\n", {
              "content-type": "text/csv",
              accept: "text/csv",
            }],
            ["JSON Lines", clarifyBody(3), { "content-type": "application/jsonlines" }],
            ["JSON Lines, probabilities=false", clarifyBody(3), {
              "content-type": "application/jsonlines",
              "x-amzn-sagemaker-custom-attributes": "probabilities=false",
            }],
          ];
          for (const [name, body, headers] of cases) {
            const plain = await invoke(url, body, headers);
            assert.equal(plain.status, 200, `${name}: ${plain.text}`);
            for (const value of ENABLE_EXPLANATIONS) {
              const answer = await invoke(url, body, {
                ...headers,
                "x-amzn-sagemaker-enable-explanations": value,
              });
              assert.equal(answer.status, 200, `${name}, ${value}: ${answer.text}`);
              assert.equal(answer.headers.get("content-type"), plain.headers.get("content-type"));
              assert.equal(answer.text, plain.text, `${name}, ${value}`);
            }
          }
        },
      );

      await t.step(
        '1,000 {"features": [...]} lines: probabilities.* in label_headers order',
        async () => {
          const answer = await invoke(url, clarifyBody(1000), {
            "content-type": "application/jsonlines",
          });
          assert.equal(answer.status, 200, answer.text.slice(0, 200));
          assert.equal(answer.headers.get("content-type"), "application/jsonlines");
          const lines = answer.text.trim().split("\n");
          assert.equal(lines.length, 1000);
          for (const line of lines) {
            const parsed = JSON.parse(line);
            assert.deepEqual(Object.keys(parsed), ["label", "probabilities"]);
            assert.deepEqual(Object.keys(parsed.probabilities), LABEL_HEADERS);
            const values = probabilityAttribute(line);
            assert.ok(Math.abs(values.reduce((a, b) => a + b, 0) - 1) < 1e-9, line);
            // The label is the most probable class.
            assert.equal(values[LABEL_HEADERS.indexOf(parsed.label)], Math.max(...values), line);
          }
          // The CSV answer is label,p0,p1,p2: index 1 is the first class's probability.
          const csv = await invoke(url, "5.1,3.5,1.4,0.2\n", {
            "content-type": "text/csv",
            accept: "text/csv",
          });
          assert.equal(csv.text, "setosa,1,0,0\n");
          // probabilities=false still turns them off.
          const off = await invoke(url, clarifyBody(2), {
            "content-type": "application/jsonlines",
            "x-amzn-sagemaker-custom-attributes": "probabilities=false",
          });
          assert.equal(off.text, '"setosa"\n"setosa"\n');
        },
      );
    } finally {
      await server.stop();
      await Deno.remove(base, { recursive: true });
    }
  });
}
