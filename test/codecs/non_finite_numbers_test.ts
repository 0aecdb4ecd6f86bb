/**
 * Infinities and numbers too large for a double are refused with a 400 naming the record and
 * field, in every request content type, through a real server (nginx and a worker).
 */
import assert from "node:assert/strict";
import { invoke, startServer, trainedBaseDir } from "../support/process.ts";

const TRAINING = "a,1,2\na,1.5,2.5\nb,8,9\nb,8.5,9.5\n";

Deno.test("a request holding an infinity gets a 400 naming the record and field", async () => {
  const base = await trainedBaseDir(TRAINING);
  const server = await startServer(base, { MODEL_SERVER_WORKERS: "1" });
  try {
    const huge = "9".repeat(400);
    const cases: { type: string; body: string; message: string }[] = [
      {
        type: "text/csv",
        body: "1,2\n8,inf\n",
        message: 'Cannot parse line 2, field 2: "inf" is not a finite number',
      },
      {
        type: "text/csv",
        body: "-Infinity,2\n",
        message: 'Cannot parse line 1, field 1: "-Infinity" is not a finite number',
      },
      {
        type: "text/csv",
        body: "1,2\n3,4\n1e999,2\n",
        message: 'Cannot parse line 3, field 1: "1e999" is not a finite number',
      },
      {
        type: "text/csv",
        body: `1,${huge}\n`,
        message: `Cannot parse line 1, field 2: "${"9".repeat(40)}..." is not a finite number`,
      },
      {
        type: "application/json",
        body: `{"instances": [[1, 2], [3, 1e999]]}`,
        message: "Cannot parse record 2, field 2: the number is too large (not finite)",
      },
      {
        type: "application/json",
        body: `[[-${huge}, 2]]`,
        message: "Cannot parse record 1, field 1: the number is too large (not finite)",
      },
      {
        type: "application/jsonlines",
        body: "[1, 2]\n[-1e999, 2]\n",
        message: "Cannot parse line 2, field 1: the number is too large (not finite)",
      },
    ];
    for (const { type, body, message } of cases) {
      const answer = await invoke(server.url, body, { "content-type": type, accept: "text/csv" });
      assert.equal(answer.status, 400, `${type} ${body.slice(0, 40)}: ${answer.text}`);
      const id = answer.headers.get("x-request-id");
      assert.equal(answer.text, `${message} (request id ${id})\n`);
    }
    // NaN and empty fields stay missing values and get a prediction.
    const missing = await invoke(server.url, "nan,2\n,9\n", { "content-type": "text/csv" });
    assert.equal(missing.status, 200, missing.text);
    assert.equal(missing.text.trim().split("\n").length, 2);
  } finally {
    assert.equal(await server.stop(), 0);
    await Deno.remove(base, { recursive: true });
  }
});
