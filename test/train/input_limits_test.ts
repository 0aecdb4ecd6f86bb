import assert from "node:assert/strict";
import { makeBaseDir, spawnTrain } from "../support/process.ts";
import { gzip, type JobSpec, removeJob, runJobs } from "./job.ts";

const TRAINING = "input/data/training";
const encoder = new TextEncoder();

/** 20 MiB of feature values and no line break: longer than the 16 MiB a line may have. */
const NO_LINE_BREAK = encoder.encode("1,".repeat(10 * 1024 * 1024));

const CASES: Record<string, { spec: JobSpec; failure: RegExp }> = {
  "a file without line breaks": {
    spec: { files: { [`${TRAINING}/a.csv`]: NO_LINE_BREAK } },
    failure: /^Cannot parse .*\/training\/a\.csv line 1: the line is longer than 16777216 bytes$/,
  },
  "a file without line breaks after a first record": {
    spec: {
      files: {
        [`${TRAINING}/a.csv`]: new Uint8Array([...encoder.encode("a,1\n\n"), ...NO_LINE_BREAK]),
      },
    },
    failure: /^Cannot parse .*\/training\/a\.csv line 3: the line is longer than 16777216 bytes$/,
  },
  "a small gzip file inflating to a line without breaks": {
    spec: {
      prepare: async (base) => {
        const zeros = new Uint8Array(64 * 1024 * 1024).fill(0x30);
        await Deno.writeFile(`${base}/${TRAINING}/a.csv.gz`, await gzip(zeros));
      },
    },
    failure:
      /^Cannot parse .*\/training\/a\.csv\.gz line 1: the line is longer than 16777216 bytes$/,
  },
  "an empty label": {
    spec: { files: { [`${TRAINING}/a.csv`]: "a,1,2\nb,3,4\n,5,6\n" } },
    failure: /^Cannot parse .*\/training\/a\.csv line 3, field 1: the label is empty$/,
  },
  "an empty quoted label": {
    spec: { files: { [`${TRAINING}/a.csv`]: 'a,1,2\n"",3,4\nb,5,6\n' } },
    failure: /^Cannot parse .*\/training\/a\.csv line 2, field 1: the label is empty$/,
  },
  "a link out of the channel folder": {
    spec: {
      files: { [`${TRAINING}/a.csv`]: "a,1\nb,2\n", "elsewhere/b.csv": "a,1\nb,2\n" },
      prepare: (base) => Deno.symlink(`${base}/elsewhere/b.csv`, `${base}/${TRAINING}/b.csv`),
    },
    failure:
      /^Refusing .*\/training\/b\.csv of channel training: it is a link to .*\/elsewhere\/b\.csv, outside the channel folder .*\/training$/,
  },
};

Deno.test("train fails naming the file and line on input past the limits", async (t) => {
  const names = Object.keys(CASES);
  const outcomes = await runJobs(names.map((name) => CASES[name].spec), 2);
  for (const [i, name] of names.entries()) {
    await t.step(name, () => {
      const outcome = outcomes[i];
      const context = `stdout:\n${outcome.stdout}\nstderr:\n${outcome.stderr}`;
      assert.equal(outcome.code, 1, context);
      assert.ok(outcome.failure !== undefined, `no output/failure\n${context}`);
      assert.match(outcome.failure.trimEnd(), CASES[name].failure);
      assert.equal(outcome.model, undefined, "a failed job wrote a model");
    });
  }
  await Promise.all(outcomes.map(removeJob));
});

Deno.test("train follows a link that stays inside the channel folder", async () => {
  const [outcome] = await runJobs([{
    files: { [`${TRAINING}/data/a.csv`]: "a,1\nb,2\na,1\nb,2\n" },
    prepare: (base) => Deno.symlink(`${base}/${TRAINING}/data/a.csv`, `${base}/${TRAINING}/b.csv`),
  }]);
  assert.equal(outcome.code, 0, outcome.stderr);
  assert.match(outcome.stdout, /training: rows=8 /);
  await removeJob(outcome);
});

Deno.test("SIGTERM while an endless gzip stream is decompressed stops the job within seconds", async () => {
  const base = await makeBaseDir();
  await Deno.writeTextFile(
    `${base}/input/config/inputdataconfig.json`,
    JSON.stringify({ training: { TrainingInputMode: "Pipe" } }),
  );
  const fifo = `${base}/input/data/training_0`;
  assert.equal((await new Deno.Command("mkfifo", { args: [fifo] }).output()).code, 0);
  // A few records, then gzip members of 64 MiB of blank lines each, for ever: the job
  // decompresses and reads them as fast as it can until it is stopped.
  const records = await gzip("a,1\nb,2\n");
  const blank = await gzip(new Uint8Array(64 * 1024 * 1024).fill(0x0a));
  const child = spawnTrain(base);
  let output = "";
  const collected = Promise.all([child.stdout, child.stderr].map(async (stream) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) output += text;
  }));
  let inflated = 0;
  const writing = (async () => {
    using writer = await Deno.open(fifo, { write: true });
    try {
      await writer.write(records);
      while (true) {
        for (let offset = 0; offset < blank.length;) {
          offset += await writer.write(blank.subarray(offset));
        }
        inflated += 64;
      }
    } catch {
      // The job closed the pipe.
    }
  })();
  try {
    const deadline = Date.now() + 60_000;
    while (inflated < 256 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.match(output, /decompressing gzip/);
    assert.ok(inflated >= 256, `only ${inflated} MiB inflated in 60 s:\n${output}`);
    const sent = performance.now();
    child.kill("SIGTERM");
    const { code } = await child.status;
    const seconds = (performance.now() - sent) / 1000;
    await collected;
    await writing;
    assert.equal(code, 1, output);
    assert.ok(seconds < 3, `took ${seconds.toFixed(1)} s to stop:\n${output}`);
    const failure = await Deno.readTextFile(`${base}/output/failure`);
    assert.equal(failure.trim(), "Training was stopped by SIGTERM before it finished");
  } finally {
    await Deno.remove(base, { recursive: true });
  }
});
