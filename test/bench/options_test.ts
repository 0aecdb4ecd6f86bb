import assert from "node:assert/strict";
import { parseOptions } from "../../bench/options.ts";

Deno.test("parseOptions() gives the bounded defaults and --quick shortens everything", () => {
  const defaults = parseOptions([], 2);
  assert.deepStrictEqual([defaults.seconds, defaults.rounds, defaults.workers, defaults.save], [
    3,
    3,
    2,
    true,
  ]);
  const quick = parseOptions(["--quick"], 2);
  assert.deepStrictEqual([quick.seconds, quick.rounds, quick.coldStarts, quick.save], [
    1,
    1,
    1,
    false,
  ]);
  assert.deepStrictEqual([defaults.trainJobRows, defaults.trainJobRuns], [200_000, 3]);
  assert.deepStrictEqual([quick.trainJobRows, quick.trainJobRuns], [20_000, 1]);
  assert.deepStrictEqual(parseOptions(["--no-training"], 2).trainJobRows, 0);
  assert.deepStrictEqual(parseOptions(["--train-job-rows", "50000"], 2).trainJobRows, 50_000);
  assert.deepStrictEqual(parseOptions(["--quick", "--save", "--duration=2"], 2).save, true);
  assert.deepStrictEqual(parseOptions(["--training-rows", "10000,20000"], 2).trainingRows, [
    10000,
    20000,
  ]);
});

Deno.test("parseOptions() --only-thirty runs the 30-record group alone, without training", () => {
  const only = parseOptions(["--only-thirty", "--rounds", "5"], 2);
  assert.deepStrictEqual(
    [
      only.onlyThirty,
      only.rounds,
      only.coldStarts,
      only.trainingRows,
      only.trainJobRows,
      only.save,
    ],
    [true, 5, 1, [], 0, false],
  );
  assert.strictEqual(parseOptions([], 2).onlyThirty, false);
});

Deno.test("parseOptions() names an argument it cannot use", () => {
  assert.throws(() => parseOptions(["--rounds", "0"], 2), /Invalid --rounds/);
  assert.throws(() => parseOptions(["--fast"], 2), /Unknown argument "--fast"/);
  assert.throws(() => parseOptions(["--workers"], 2), /Missing a value after --workers/);
  assert.throws(() => parseOptions(["constructor"], 2), /Unknown argument "constructor"/);
});
