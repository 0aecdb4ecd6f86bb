/**
 * `scripts/install-deps.sh` on a PATH of a few real tools and fakes (`deno`, `id`, `apt-get`,
 * `ps`, and `nginx` and `curl` when asked): what it says when something is missing or off PATH.
 *
 * @module
 */
import assert from "node:assert/strict";
import { exists } from "../support/lifecycle.ts";
import { runWithTools } from "../support/scripts.ts";

const REPO = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const DENO_VERSION = Deno.readTextFileSync(`${REPO}/.deno-version`).trim();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** True when the fake apt-get was called. */
  aptCalled: boolean;
}

/** Runs install-deps.sh as uid 1000 (a fake `id`), with only `fakes` among nginx and curl. */
async function runInstallDeps(fakes: readonly ("nginx" | "curl")[]): Promise<Run> {
  const dir = await Deno.makeTempDir({ prefix: "install_deps_test_" });
  try {
    const scripts: Record<string, string> = {
      deno:
        `#!/bin/bash\necho "deno ${DENO_VERSION} (stable, release, x86_64-unknown-linux-gnu)"\n`,
      id: "#!/bin/bash\necho 1000\n",
      "apt-get": `#!/bin/bash\necho "apt-get $*" >>"${dir}/apt.log"\n`,
      ps: "#!/bin/bash\n",
    };
    for (const fake of fakes) scripts[fake] = "#!/bin/bash\n";
    const run = await runWithTools(dir, { script: `${REPO}/scripts/install-deps.sh` }, {
      tools: ["bash", "cat", "cut", "head", "dirname"],
      fakes: scripts,
    });
    return { ...run, aptCalled: exists(`${dir}/apt.log`) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("install-deps.sh without root names what is missing instead of failing in apt-get", async () => {
  const run = await runInstallDeps(["nginx"]);
  assert.equal(run.code, 1);
  assert.equal(
    run.stderr,
    "install-deps.sh: curl missing; apt-get needs root: run this as root, or install them yourself\n",
  );
  assert.equal(run.aptCalled, false);
});

Deno.test("install-deps.sh with everything on PATH installs nothing and says nothing", async () => {
  const run = await runInstallDeps(["nginx", "curl"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout + run.stderr, "");
  assert.equal(run.aptCalled, false);
});

Deno.test({
  name: "install-deps.sh says where nginx is when it is installed in /usr/sbin but not on PATH",
  ignore: !exists("/usr/sbin/nginx"),
  async fn() {
    const run = await runInstallDeps(["curl"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stderr,
      "install-deps.sh: nginx is at /usr/sbin/nginx, not on PATH: add /usr/sbin to PATH, or serve runs without nginx\n",
    );
    assert.equal(run.aptCalled, false);
  },
});
