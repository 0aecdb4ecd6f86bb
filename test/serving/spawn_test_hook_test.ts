import assert from "node:assert/strict";
import { MISSING_EXECUTABLE, testSpawnCommand } from "../../serving/spawn_test_hook.ts";

const COMMAND = { command: "deno", args: ["run", "main.ts", "worker"] };
const MISSING = { command: MISSING_EXECUTABLE, args: [] };

/** Which of the first 5 starts of worker `index` fail in `env`. */
function failing(env: Record<string, string>, index = 0): number[] {
  return [1, 2, 3, 4, 5].filter((start) =>
    testSpawnCommand(env, COMMAND, { index, start }).command === MISSING_EXECUTABLE
  );
}

Deno.test("testSpawnCommand() fails the start it names, or every start from it with +", () => {
  const hooks = { SERVING_TEST_HOOKS: "true" };
  assert.deepEqual(failing({ ...hooks, SERVING_TEST_SPAWN_FAILS: "0:2" }), [2]);
  assert.deepEqual(failing({ ...hooks, SERVING_TEST_SPAWN_FAILS: "0:3+" }), [3, 4, 5]);
  assert.deepEqual(failing({ ...hooks, SERVING_TEST_SPAWN_FAILS: "1:1+" }, 1), [1, 2, 3, 4, 5]);
  assert.deepEqual(
    testSpawnCommand({ ...hooks, SERVING_TEST_SPAWN_FAILS: "0:1" }, COMMAND, {
      index: 0,
      start: 1,
    }),
    MISSING,
  );
});

Deno.test("testSpawnCommand() leaves the command alone without SERVING_TEST_HOOKS=true, for another worker, or a malformed value", () => {
  assert.deepEqual(failing({ SERVING_TEST_SPAWN_FAILS: "0:1+" }), []);
  assert.deepEqual(failing({ SERVING_TEST_HOOKS: "false", SERVING_TEST_SPAWN_FAILS: "0:1+" }), []);
  const hooks = { SERVING_TEST_HOOKS: "true" };
  assert.deepEqual(failing({ ...hooks, SERVING_TEST_SPAWN_FAILS: "1:1+" }, 0), []);
  for (const value of ["", "0", "0:", "x:1", "0:1-", " 0:1"]) {
    assert.deepEqual(failing({ ...hooks, SERVING_TEST_SPAWN_FAILS: value }), [], value);
  }
  assert.equal(testSpawnCommand({ ...hooks }, COMMAND, { index: 0, start: 1 }), COMMAND);
});
