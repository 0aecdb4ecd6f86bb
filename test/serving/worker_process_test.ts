import assert from "node:assert/strict";
import { parseLeftovers } from "../../serving/worker_process.ts";

Deno.test("parseLeftovers() reads the pids and folders serve names on a worker's stdin", () => {
  assert.deepEqual(
    parseLeftovers('@leftovers {"pids":[4242],"dirs":["/tmp/sagemaker-nginx-x"]}'),
    { pids: [4242], dirs: ["/tmp/sagemaker-nginx-x"] },
  );
});

Deno.test("parseLeftovers() ignores other lines, broken JSON, and pids or folders it must never touch", () => {
  assert.equal(parseLeftovers("hello"), undefined);
  assert.equal(parseLeftovers("@leftovers {not json"), undefined);
  assert.equal(parseLeftovers("@leftovers null"), undefined);
  assert.deepEqual(
    parseLeftovers('@leftovers {"pids":[0,1,-5,"7",12.5,99],"dirs":["/",3,"/tmp/a"]}'),
    { pids: [99], dirs: ["/tmp/a"] },
  );
});
