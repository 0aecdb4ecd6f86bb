/**
 * The code blocks of README.md and docs/*.md are valid code: Python blocks parse with Python's
 * own parser (the SageMaker SDK is not needed for that), JSON blocks parse as JSON and shell
 * blocks pass `bash -n`.
 */
import assert from "node:assert/strict";
import { ROOT } from "./support/process.ts";

/** One fenced code block of a Markdown file. */
interface CodeBlock {
  readonly file: string;
  readonly line: number;
  readonly language: string;
  readonly code: string;
}

/** The fenced code blocks of a Markdown text. */
function codeBlocks(file: string, text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i].match(/^```(\w*)\s*$/);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    blocks.push({ file, line: start + 1, language: open[1], code: body.join("\n") + "\n" });
  }
  return blocks;
}

function markdownFiles(): string[] {
  const docs = [...Deno.readDirSync(`${ROOT}/docs`)]
    .filter((entry) => entry.isFile && entry.name.endsWith(".md"))
    .map((entry) => `docs/${entry.name}`);
  return ["README.md", ...docs.sort()];
}

const BLOCKS = markdownFiles().flatMap((file) =>
  codeBlocks(file, Deno.readTextFileSync(`${ROOT}/${file}`))
);

/** Runs a checker on `code` (on stdin); returns its error output, or "" when it accepts it. */
async function rejection(command: string, args: string[], code: string): Promise<string> {
  const child = new Deno.Command(command, {
    args,
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(code));
  await writer.close();
  const output = await child.output();
  return output.code === 0 ? "" : new TextDecoder().decode(output.stderr).trim() || "rejected";
}

const PYTHON_PARSE = ["-c", "import ast, sys; ast.parse(sys.stdin.read())"];

function pythonRejects(code: string): Promise<string> {
  return rejection("python3", PYTHON_PARSE, code);
}

function bashRejects(code: string): Promise<string> {
  return rejection("bash", ["-n"], code);
}

Deno.test("the checkers reject broken Python, JSON and shell", async () => {
  assert.notEqual(await pythonRejects("predictor.predict([[1, 2]]\n"), "");
  assert.equal(await pythonRejects("predictor.predict([[1, 2]])\n"), "");
  assert.throws(() => JSON.parse('{"a": 1,}'));
  assert.notEqual(await bashRejects("if true; then echo\n"), "");
  assert.equal(await bashRejects("if true; then echo; fi\n"), "");
  const [block] = codeBlocks("x.md", "text\n```python\nx = 1\n```\n");
  assert.deepEqual(block, { file: "x.md", line: 2, language: "python", code: "x = 1\n" });
});

Deno.test("the docs show the SageMaker Python SDK for every way of running the image", () => {
  const python = BLOCKS.filter((block) => block.language === "python")
    .map((block) => block.code).join("\n");
  for (
    const use of [
      "Estimator(",
      "metric_definitions",
      ".deploy(",
      "CSVSerializer()",
      "JSONLinesSerializer()",
      ".transformer(",
      "ServerlessInferenceConfig(",
      "AsyncInferenceConfig(",
      "MultiDataModel(",
      "ClarifyExplainerConfig(",
    ]
  ) assert.ok(python.includes(use), `no Python example uses ${use}`);
});

Deno.test("every Python block of the docs parses", async () => {
  const python = BLOCKS.filter((block) => block.language === "python");
  assert.ok(python.length >= 5, `only ${python.length} Python blocks`);
  for (const block of python) {
    assert.equal(await pythonRejects(block.code), "", `${block.file}:${block.line}`);
  }
});

Deno.test("every JSON block of the docs parses", () => {
  const json = BLOCKS.filter((block) => block.language === "json");
  assert.ok(json.length >= 1);
  for (const block of json) {
    assert.doesNotThrow(() => JSON.parse(block.code), `${block.file}:${block.line}`);
  }
});

Deno.test("every shell block of the docs passes bash -n", async () => {
  const shell = BLOCKS.filter((block) => ["sh", "bash", "shell"].includes(block.language));
  assert.ok(shell.length >= 10, `only ${shell.length} shell blocks`);
  for (const block of shell) {
    assert.equal(await bashRejects(block.code), "", `${block.file}:${block.line}`);
  }
});
