/**
 * The one entry point of the image. SageMaker runs it with `train` or `serve`.
 *
 * ```sh
 * deno run -P=program main.ts train    # -P=program: the permission set of deno.json
 * deno run -P=program main.ts serve
 * ```
 *
 * `serve` starts copies of this program with the internal command
 * `worker --index N --port P [--public] [--watch-stdin] [--heartbeat]` (see
 * `serving/self_command.ts`; `--watch-stdin`: exit when stdin ends, that is when the supervisor
 * is gone; `--heartbeat`: tell the supervisor twice a second that the worker is alive).
 *
 * @module
 */

import type { Command } from "commander";
import { log } from "./log.ts";
import { readLogConfig } from "./sagemaker/log_config.ts";
import { VERSION } from "./version.ts";

/** Exit code for a command line that cannot be understood. */
const USAGE_EXIT_CODE = 2;

/** The options of the internal `worker` command, or undefined if `args` are not valid. */
export function parseWorkerArgs(
  args: readonly string[],
):
  | { index: number; port: number; public: boolean; watchStdin?: boolean; heartbeat?: boolean }
  | undefined {
  let index: number | undefined;
  let port: number | undefined;
  let shared = false;
  let watchStdin = false;
  let heartbeat = false;
  for (let i = 0; i < args.length; i++) {
    const value = Number(args[i + 1]);
    if (args[i] === "--index" && Number.isInteger(value) && value >= 0) [index, i] = [value, i + 1];
    else if (args[i] === "--port" && Number.isInteger(value) && value >= 0) {
      [port, i] = [value, i + 1];
    } else if (args[i] === "--public") shared = true;
    else if (args[i] === "--watch-stdin") watchStdin = true;
    else if (args[i] === "--heartbeat") heartbeat = true;
    else return undefined;
  }
  return index === undefined || port === undefined ? undefined : {
    index,
    port,
    public: shared,
    ...(watchStdin ? { watchStdin } : {}),
    ...(heartbeat ? { heartbeat } : {}),
  };
}

/** Builds the command line interface; each action reports its exit code through `exit`. */
async function buildCli(
  env: Record<string, string>,
  exit: (code: number) => void,
): Promise<Command> {
  const { Command } = await import("commander");
  const program = new Command("sagemaker-tree")
    .description("A decision-tree classifier packaged for Amazon SageMaker: train or serve")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)) })
    .showHelpAfterError();
  program.command("train")
    .description("Train on input/data/training under SAGEMAKER_BASE_DIR (default /opt/ml)")
    .action(async () => {
      const { runTrainJob } = await import("./train.ts");
      const { sageMakerPaths } = await import("./sagemaker/paths.ts");
      exit(await runTrainJob(sageMakerPaths(env)));
    });
  program.command("serve")
    .description("Serve /ping and /invocations with nginx and worker processes")
    .action(async () => exit(await (await import("./serve.ts")).serve(env)));
  return program;
}

/** Runs the CLI with `args` and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const env = Deno.env.toObject();
  const logging = readLogConfig(env);
  log.configure(logging);
  for (const warning of logging.warnings) log.warn(warning);
  // Start-up time is part of a cold start: loading commander alone costs about 70 ms, so the
  // serving commands, which need no parsing, skip it (`deno task bench` measures cold starts).
  if (args.length === 1 && args[0] === "serve") return (await import("./serve.ts")).serve(env);
  if (args[0] === "worker") {
    const options = parseWorkerArgs(args.slice(1));
    if (options === undefined) {
      log.error(`Invalid worker arguments: ${args.slice(1).join(" ")}`);
      return USAGE_EXIT_CODE;
    }
    return (await import("./serving/worker_process.ts")).runWorkerProcess(env, options);
  }
  const { CommanderError } = await import("commander");
  let code = 0;
  const program = await buildCli(env, (exitCode) => (code = exitCode));
  if (args.length === 0) {
    program.outputHelp({ error: true });
    return USAGE_EXIT_CODE;
  }
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version") return 0;
    return USAGE_EXIT_CODE;
  }
  return code;
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
