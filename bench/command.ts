/**
 * The serving benchmark's helper commands (git, apt-get, curl, the version probes) and its
 * progress lines.
 *
 * @module
 */

/** The repository root: where the stacks and the helper commands run. */
export const ROOT: string = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

/** The load generator. */
export const WRK = "/usr/bin/wrk";

/** The client of the 5 MB requests. */
export const CURL = "/usr/bin/curl";

/** The nginx every stack runs behind. */
export const NGINX = "/usr/sbin/nginx";

/** What a finished command printed. */
export interface CommandOutput {
  /** Whether it exited with 0. */
  readonly success: boolean;
  /** Its standard output. */
  readonly stdout: string;
  /** Its standard error, or why it could not start. */
  readonly stderr: string;
}

/** Where and with what a command runs. */
export interface CommandOptions {
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
  /** Working directory; {@linkcode ROOT} by default. */
  readonly cwd?: string;
}

/** Runs a command to its end; a command that cannot start counts as failed. */
export async function runCommand(
  command: string,
  args: string[],
  options: CommandOptions = {},
): Promise<CommandOutput> {
  try {
    const output = await new Deno.Command(command, {
      args,
      env: options.env,
      cwd: options.cwd ?? ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decoder = new TextDecoder();
    return {
      success: output.success,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } catch (error) {
    return { success: false, stdout: "", stderr: String(error) };
  }
}

/** The first line a command prints (stdout, else stderr), for version strings. */
export async function firstLine(command: string, args: string[]): Promise<string> {
  const result = await runCommand(command, args);
  return (result.stdout + result.stderr).trim().split("\n")[0] ?? "";
}

/** Prints a progress line on stderr, so that stdout holds only the report. */
export function say(line: string): void {
  console.error(`[bench] ${line}`);
}
