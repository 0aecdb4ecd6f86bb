import assert from "node:assert/strict";
import { resolveResourceConfig } from "../../sagemaker/resource_config.ts";

Deno.test("resolveResourceConfig() defaults to one host when there is no file", () => {
  const config = resolveResourceConfig(undefined, { source: "r.json" });
  assert.equal(config.currentHost, "algo-1");
  assert.deepEqual(config.hosts, ["algo-1"]);
  assert.equal(config.isLeader, true);
});

Deno.test("resolveResourceConfig() makes the first sorted host the one that trains", () => {
  const file = { current_host: "algo-2", hosts: ["algo-2", "algo-1"] };
  const config = resolveResourceConfig(file, { source: "r.json" });
  assert.equal(config.leader, "algo-1");
  assert.equal(config.isLeader, false);
  const first = resolveResourceConfig({ ...file, current_host: "algo-1" }, { source: "r.json" });
  assert.equal(first.isLeader, true);
});

Deno.test("resolveResourceConfig() lets SM_CURRENT_HOST and SM_HOSTS win over the file", () => {
  const config = resolveResourceConfig(
    { current_host: "algo-1", hosts: ["algo-1"] },
    { source: "r.json", toolkit: { currentHost: "b", hosts: '["a","b"]' } },
  );
  assert.equal(config.currentHost, "b");
  assert.equal(config.isLeader, false);
  assert.equal(config.source, "r.json and SM_HOSTS and SM_CURRENT_HOST");
});

Deno.test("resolveResourceConfig() rejects unusable values naming where they came from", () => {
  assert.throws(
    () => resolveResourceConfig({ hosts: ["algo-1"] }, { source: "r.json" }),
    /Config file r\.json: current_host must be a host name/,
  );
  assert.throws(
    () => resolveResourceConfig({ current_host: "algo-1", hosts: [] }, { source: "r.json" }),
    /Config file r\.json: hosts must be a non-empty list of host names/,
  );
  assert.throws(
    () =>
      resolveResourceConfig({ current_host: "algo-3", hosts: ["algo-1"] }, { source: "r.json" }),
    /Current host algo-3 is not one of the hosts algo-1/,
  );
  assert.throws(
    () => resolveResourceConfig(undefined, { source: "r.json", toolkit: { hosts: "algo-1" } }),
    /SM_HOSTS is not valid JSON/,
  );
});
