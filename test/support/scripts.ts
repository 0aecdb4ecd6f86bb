/**
 * Test support: a shell script run on a PATH of a few real tools and fakes, so that a test
 * decides what the script finds installed.
 *
 * @module
 */

import { exists } from "./lifecycle.ts";

/** What {@linkcode runWithTools} ran. */
export interface ScriptRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `bash script args...` in `dir` (its `bin` folder is the whole PATH, `dir` the HOME): `tools`
 * are linked from `/usr/bin` or `/bin`, and `fakes` are written as executables by name.
 */
export async function runWithTools(
  dir: string,
  command: { script: string; args?: readonly string[] },
  options: {
    tools: readonly string[];
    fakes: Readonly<Record<string, string>>;
    env?: Readonly<Record<string, string>>;
  },
): Promise<ScriptRun> {
  const bin = `${dir}/bin`;
  await Deno.mkdir(bin);
  for (const tool of options.tools) {
    const found = ["/usr/bin", "/bin"].map((d) => `${d}/${tool}`).find((p) => exists(p));
    if (found === undefined) throw new Error(`Cannot find ${tool} in /usr/bin or /bin`);
    await Deno.symlink(found, `${bin}/${tool}`);
  }
  for (const [name, text] of Object.entries(options.fakes)) {
    await Deno.writeTextFile(`${bin}/${name}`, text, { mode: 0o755 });
  }
  const output = await new Deno.Command(`${bin}/bash`, {
    args: [command.script, ...command.args ?? []],
    clearEnv: true,
    env: { PATH: bin, HOME: dir, ...options.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return {
    code: output.code,
    stdout: text.decode(output.stdout),
    stderr: text.decode(output.stderr),
  };
}
