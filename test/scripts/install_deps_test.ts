/**
 * `scripts/install-deps.sh` on a PATH of a few real tools and fakes (`deno`, `id`, `apt-get`,
 * `ps`, and `nginx` and `curl` when asked): what it says when something is missing or off PATH.
 *
 * @module
 */
import assert from "node:assert/strict";
import { exists } from "../support/lifecycle.ts";

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
    const bin = `${dir}/bin`;
    await Deno.mkdir(bin);
    for (const tool of ["bash", "cat", "cut", "head", "dirname"]) {
      const found = ["/usr/bin", "/bin"].map((d) => `${d}/${tool}`).find((p) => exists(p));
      assert.ok(found, `Cannot find ${tool} in /usr/bin or /bin`);
      await Deno.symlink(found, `${bin}/${tool}`);
    }
    const scripts: Record<string, string> = {
      deno:
        `#!/bin/bash\necho "deno ${DENO_VERSION} (stable, release, x86_64-unknown-linux-gnu)"\n`,
      id: "#!/bin/bash\necho 1000\n",
      "apt-get": `#!/bin/bash\necho "apt-get $*" >>"${dir}/apt.log"\n`,
      ps: "#!/bin/bash\n",
    };
    for (const fake of fakes) scripts[fake] = "#!/bin/bash\n";
    for (const [name, text] of Object.entries(scripts)) {
      await Deno.writeTextFile(`${bin}/${name}`, text, { mode: 0o755 });
    }
    const output = await new Deno.Command(`${bin}/bash`, {
      args: [`${REPO}/scripts/install-deps.sh`],
      clearEnv: true,
      env: { PATH: bin, HOME: dir },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder();
    return {
      code: output.code,
      stdout: text.decode(output.stdout),
      stderr: text.decode(output.stderr),
      aptCalled: exists(`${dir}/apt.log`),
    };
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
