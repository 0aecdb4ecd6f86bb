/**
 * `scripts/install-deps.sh` on a PATH with fake `deno` and `id`: what it does when nginx is
 * missing and it does not run as root.
 *
 * @module
 */
import assert from "node:assert/strict";

const REPO = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const DENO_VERSION = Deno.readTextFileSync(`${REPO}/.deno-version`).trim();

Deno.test("install-deps.sh without root names what is missing instead of failing in apt-get", async () => {
  const dir = await Deno.makeTempDir({ prefix: "install_deps_test_" });
  try {
    const bin = `${dir}/bin`;
    await Deno.mkdir(bin);
    for (const tool of ["bash", "cat", "cut", "head", "dirname"]) {
      const found = ["/usr/bin", "/bin"].map((d) => `${d}/${tool}`).find((p) => exists(p));
      assert.ok(found, `Cannot find ${tool} in /usr/bin or /bin`);
      await Deno.symlink(found, `${bin}/${tool}`);
    }
    const fakes = {
      deno:
        `#!/bin/bash\necho "deno ${DENO_VERSION} (stable, release, x86_64-unknown-linux-gnu)"\n`,
      id: "#!/bin/bash\necho 1000\n",
      "apt-get": `#!/bin/bash\necho "apt-get $*" >>"${dir}/calls.log"\n`,
      ps: "#!/bin/bash\n",
      curl: "#!/bin/bash\n",
    };
    for (const [name, text] of Object.entries(fakes)) {
      await Deno.writeTextFile(`${bin}/${name}`, text, { mode: 0o755 });
    }
    const output = await new Deno.Command(`${bin}/bash`, {
      args: [`${REPO}/scripts/install-deps.sh`],
      clearEnv: true,
      env: { PATH: bin, HOME: dir },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 1);
    assert.equal(
      stderr,
      "install-deps.sh: nginx-light missing; apt-get needs root: run this as root, or install them yourself\n",
    );
    assert.ok(!exists(`${dir}/calls.log`), "apt-get was called");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}
