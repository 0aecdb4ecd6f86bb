import assert from "node:assert/strict";
import { parseCsvTable } from "../support/csv.ts";
import { invoke, startServer, trainedBaseDir } from "../support/process.ts";

/** Labels that need CSV quoting (a quote, spaces around, a comma), and one that does not. */
const LABELS = ['say "hi"', " spaced ", "a,b", "plain"];
const QUOTED = ['"say ""hi"""', '" spaced "', '"a,b"', "plain"];

Deno.test("quoted labels are trained unquoted and answered correctly escaped in CSV, JSON and JSON Lines", async () => {
  const rows = [];
  for (let i = 0; i < 40; i++) rows.push(`${QUOTED[i % 4]},${i % 4},${i % 2}`);
  const base = await trainedBaseDir(rows.join("\n") + "\n");
  const server = await startServer(base);
  try {
    const body = "0,0\n1,1\n2,0\n3,1\n";
    const csv = await invoke(server.url, body, { "content-type": "text/csv", accept: "text/csv" });
    assert.equal(csv.status, 200, csv.text);
    assert.equal(csv.text, `${QUOTED.join("\n")}\n`);
    // The answer reads back as the labels by the same CSV rules, one line a record.
    const back = parseCsvTable(new TextEncoder().encode(csv.text.replaceAll("\n", ",0\n")), {
      labelColumn: 0,
    });
    assert.deepEqual(back.labels, LABELS);

    const json = await invoke(server.url, body, {
      "content-type": "text/csv",
      accept: "application/json",
    });
    assert.equal(json.status, 200, json.text);
    assert.deepEqual(JSON.parse(json.text).predictions, LABELS);

    const lines = await invoke(server.url, body, {
      "content-type": "text/csv",
      accept: "application/jsonlines",
    });
    assert.equal(lines.status, 200, lines.text);
    assert.deepEqual(lines.text.trimEnd().split("\n").map((line) => JSON.parse(line)), LABELS);
  } finally {
    await server.stop();
    await Deno.remove(base, { recursive: true });
  }
});
