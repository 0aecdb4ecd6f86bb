import assert from "node:assert/strict";
import { cart } from "../../algorithm/cart/mod.ts";
import { parseHyperparameters } from "../../algorithm/mod.ts";
import type { BinnedDataset } from "../../algorithm/mod.ts";
import { createRandom } from "../../algorithm/random.ts";
import { resolveHyperparameters } from "../../sagemaker/hyperparameters.ts";
import { defaultChannelConfig } from "../../sagemaker/input_config.ts";
import { sageMakerPaths } from "../../sagemaker/paths.ts";
import {
  type BinnedReadOptions,
  readBinnedTrainingDataset,
} from "../../training/binned_channel.ts";
import { makeBaseDir } from "../support/process.ts";

/** Records with a label, a decimal, an integer and a value that is sometimes `nan`. */
function records(rows: number, seed: number, options: { quoted?: boolean } = {}): string[] {
  const random = createRandom(seed);
  const lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const a = Math.round(random() * 1000) / 100;
    const b = Math.floor(random() * 50);
    const c = random() < 0.05 ? "nan" : (random() * 2 - 1).toFixed(4);
    const label = a + b / 10 > 8 ? "yes" : b > 25 ? "maybe" : "no";
    const shown = options.quoted && r % 7 === 0 ? `"${label}"` : label;
    lines.push(`${shown},${a},${options.quoted && r % 11 === 0 ? ` "${b}" ` : b},${c}`);
  }
  return lines;
}

/** Runs `run` with what it writes to stdout gathered into `lines`. */
async function captureStdout<T>(lines: string[], run: () => Promise<T>): Promise<T> {
  const stdout = Deno.stdout.writeSync;
  Deno.stdout.writeSync = (bytes: Uint8Array) => {
    lines.push(...new TextDecoder().decode(bytes).split("\n").filter((line) => line !== ""));
    return bytes.length;
  };
  try {
    return await run();
  } finally {
    Deno.stdout.writeSync = stdout;
  }
}

/** Small edge sample and ranges, so that a few thousand records take the parallel path. */
const PARALLEL: BinnedReadOptions = {
  edgeSampleRows: 500,
  parallel: { workers: 3, minBytes: 1, rangeBytes: 4096 },
};
const SEQUENTIAL: BinnedReadOptions = { edgeSampleRows: 500, parallel: false };

async function withFiles(
  files: Record<string, string>,
  run: (base: string) => Promise<void>,
): Promise<void> {
  const base = await makeBaseDir();
  try {
    for (const [name, text] of Object.entries(files)) {
      const path = `${base}/input/data/training/${name}`;
      await Deno.mkdir(path.replace(/\/[^/]*$/, ""), { recursive: true });
      await Deno.writeTextFile(path, text);
    }
    await run(base);
  } finally {
    await Deno.remove(base, { recursive: true });
  }
}

async function read(
  base: string,
  options: BinnedReadOptions,
  hyperparameters: Record<string, string> = {},
): Promise<BinnedDataset> {
  return await readBinnedTrainingDataset(
    sageMakerPaths({ SAGEMAKER_BASE_DIR: base }),
    defaultChannelConfig("training"),
    resolveHyperparameters(hyperparameters),
    { maxBins: 256 },
    options,
  );
}

/** Reads both ways, checks that the datasets are the same, and that they fit the same tree. */
async function assertSameRead(
  base: string,
  hyperparameters: Record<string, string> = {},
): Promise<BinnedDataset> {
  const lines: string[] = [];
  const parallel = await captureStdout(lines, () => read(base, PARALLEL, hyperparameters));
  assert.ok(
    lines.some((line) => line.includes("reading in parallel")),
    "the parallel path was not taken",
  );
  const sequential = await read(base, SEQUENTIAL, hyperparameters);
  const { codes, ...features } = parallel.features;
  const { codes: expectedCodes, ...expectedFeatures } = sequential.features;
  assert.deepEqual(features, expectedFeatures);
  assert.ok(codes.length === expectedCodes.length && codes.every((c, i) => c === expectedCodes[i]));
  assert.deepEqual(parallel.labels, sequential.labels);
  assert.deepEqual(parallel.classes, sequential.classes);
  const params = parseHyperparameters(
    { max_leaf_nodes: "30", random_state: "0" },
    cart.hyperparameters,
  );
  const model = await cart.fitBinned!(parallel, params);
  const expected = await cart.fitBinned!(sequential, params);
  assert.deepEqual(cart.save(model), cart.save(expected));
  return parallel;
}

Deno.test("readBinnedTrainingDataset() in parallel reads what the sequential read does", async () => {
  await withFiles({ "train.csv": records(5000, 1).join("\n") + "\n" }, async (base) => {
    const read = await assertSameRead(base);
    assert.equal(read.features.rows, 5000);
  });
});

Deno.test("readBinnedTrainingDataset() in parallel reads several files, CRLF and a last line without a line end", async () => {
  const first = records(2000, 2);
  const second = records(3000, 3);
  const third = records(1500, 4);
  // A class that only the last file has: the classes and their order must not change.
  third[1400] = third[1400].replace(/^[a-z]+/, "rare");
  await withFiles({
    "a.csv": first.join("\n") + "\n",
    "b.csv": "\n" + second.join("\r\n") + "\r\n\r\n",
    "c/d.csv": third.join("\n"),
  }, async (base) => {
    const read = await assertSameRead(base);
    assert.equal(read.features.rows, 6500);
    assert.ok(read.classes.includes("rare"));
  });
});

Deno.test("readBinnedTrainingDataset() in parallel skips each file's header and its repeats", async () => {
  const header = "label,a,b,c";
  const first = records(3000, 5);
  first.splice(2500, 0, header, "  ", header);
  const second = records(3000, 6);
  second.splice(1000, 0, header);
  await withFiles({
    "a.csv": `${header}\r\n${first.join("\r\n")}\r\n`,
    "b.csv": `\n\n${header}\n${second.join("\n")}\n`,
  }, async (base) => {
    const read = await assertSameRead(base, { header: "true", label_column: "label" });
    assert.equal(read.features.rows, 6000);
  });
});

Deno.test("readBinnedTrainingDataset() in parallel reads quoted fields and a label column last", async () => {
  const lines = records(5000, 7, { quoted: true }).map((line) => {
    const [label, ...rest] = line.split(",");
    return [...rest, label].join(",");
  });
  await withFiles({ "train.csv": lines.join("\n") + "\n" }, async (base) => {
    const read = await assertSameRead(base, { label_column: "-1" });
    assert.equal(read.features.rows, 5000);
  });
});

Deno.test("readBinnedTrainingDataset() in parallel with threads started during a sample of several chunks reads what the sequential read does", async () => {
  await withFiles({ "train.csv": records(30_000, 12).join("\n") + "\n" }, async (base) => {
    const options = { ...PARALLEL, edgeSampleRows: 12_000 };
    const lines: string[] = [];
    const parallel = await captureStdout(lines, () => read(base, options));
    assert.ok(lines.some((line) => line.includes("reading in parallel")));
    const sequential = await read(base, { ...options, parallel: false });
    assert.deepEqual(parallel, sequential);
  });
});

/** The message `read` rejects with. */
async function failure(read: Promise<unknown>): Promise<string> {
  try {
    await read;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("the read did not fail");
}

for (
  const [name, bad] of [
    ["a field that is not a number", "no,1,x,3"],
    ["a record with a field too many", "no,1,2,3,4"],
    ["an empty label", ",1,2,3"],
  ]
) {
  Deno.test(`readBinnedTrainingDataset() in parallel names the file and line of ${name}`, async () => {
    const second = records(4000, 8);
    second.splice(3000, 0, bad);
    // A later range fails too: the first failure in reading order is the one reported.
    second.splice(3900, 0, "no,1,y,3");
    await withFiles({
      "a.csv": records(1000, 9).join("\n") + "\n",
      "b.csv": "\r\n" + second.join("\r\n") + "\r\n",
    }, async (base) => {
      const expected = await failure(read(base, SEQUENTIAL));
      assert.match(expected, /b\.csv line 3002\b/);
      assert.equal(await failure(read(base, PARALLEL)), expected);
    });
  });
}

Deno.test("readBinnedTrainingDataset() in parallel names the line of a bad sample record read after its threads started", async () => {
  const lines = records(30_000, 13);
  lines.splice(9_000, 0, "no,1,x,3");
  await withFiles({ "train.csv": lines.join("\n") + "\n" }, async (base) => {
    const options = { ...PARALLEL, edgeSampleRows: 12_000 };
    const expected = await failure(read(base, { ...options, parallel: false }));
    assert.match(expected, /train\.csv line 9001\b/);
    assert.equal(await failure(read(base, options)), expected);
  });
});

Deno.test("readBinnedTrainingDataset() in parallel names a later file whose header has the columns in another order", async () => {
  await withFiles({
    "a.csv": `label,a,b,c\n${records(1000, 14).join("\n")}\n`,
    "b.csv": `label,a,b,c\n${records(2000, 15).join("\n")}\n`,
    "c.csv": `\n"label", a ,b,c\n${records(2000, 16).join("\n")}\n`,
    "d.csv": `label,a,c,b\n${records(2000, 17).join("\n")}\n`,
  }, async (base) => {
    const hyperparameters = { header: "true" };
    const expected = await failure(read(base, SEQUENTIAL, hyperparameters));
    assert.match(
      expected,
      /d\.csv line 1, field 3: the header has "c" where .*a\.csv line 1 has "b" \(every file/,
    );
    assert.equal(await failure(read(base, PARALLEL, hyperparameters)), expected);
  });
});

Deno.test("readBinnedTrainingDataset() in parallel names a later file saved as UTF-16", async () => {
  await withFiles({
    "a.csv": records(1000, 18).join("\n") + "\n",
    "b.csv": records(2000, 19).join("\n") + "\n",
  }, async (base) => {
    const text = records(2000, 20).join("\n") + "\n";
    const utf16 = new Uint8Array(text.length * 2);
    for (let i = 0; i < text.length; i++) utf16[i * 2] = text.charCodeAt(i);
    await Deno.writeFile(`${base}/input/data/training/c.csv`, utf16);
    const expected = await failure(read(base, SEQUENTIAL));
    assert.match(expected, /^Cannot read .*\/c\.csv: it is UTF-16 text, save it as/);
    assert.equal(await failure(read(base, PARALLEL)), expected);
  });
});

Deno.test("readBinnedTrainingDataset() reads gzip on the main thread, and a small channel too", async () => {
  const text = records(5000, 10).join("\n") + "\n";
  const gzip = new Uint8Array(
    await new Response(
      new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  const base = await makeBaseDir();
  try {
    await Deno.writeFile(`${base}/input/data/training/a.csv`, gzip);
    for (const options of [PARALLEL, { edgeSampleRows: 500 }]) {
      const lines: string[] = [];
      const read1 = await captureStdout(lines, () => read(base, options));
      assert.equal(read1.features.rows, 5000);
      assert.ok(!lines.some((line) => line.includes("reading in parallel")), lines.join("\n"));
      await Deno.writeTextFile(`${base}/input/data/training/a.csv`, text);
    }
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});

Deno.test("readBinnedTrainingDataset() in parallel stops at once when aborted, ending its threads", async () => {
  await withFiles({ "train.csv": records(20_000, 11).join("\n") + "\n" }, async (base) => {
    const controller = new AbortController();
    const reason = new Error("stopped by the test");
    const lines: string[] = [];
    const message = await captureStdout(lines, () => {
      const reading = read(base, { ...PARALLEL, signal: controller.signal, progressIntervalMs: 0 });
      // Abort at the first progress line of the parallel part.
      const poll = setInterval(() => {
        if (lines.some((line) => line.includes("reading in parallel"))) {
          clearInterval(poll);
          controller.abort(reason);
        }
      }, 1);
      return failure(reading).finally(() => clearInterval(poll));
    });
    assert.equal(message, reason.message);
  });
});

Deno.test("readBinnedTrainingDataset() in parallel writes progress lines", async () => {
  await withFiles({ "train.csv": records(20_000, 12).join("\n") + "\n" }, async (base) => {
    const lines: string[] = [];
    await captureStdout(lines, () => read(base, { ...PARALLEL, progressIntervalMs: 0 }));
    const progress = lines.filter((line) => line.includes("reading progress"));
    assert.ok(progress.length > 2, lines.join("\n"));
    assert.match(progress.at(-1)!, /rows=20000 .*percent=100\b/);
  });
});
