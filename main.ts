/**
 * The one entry point of the image. SageMaker runs it with `train` or `serve`.
 *
 * ```sh
 * deno run --allow-read --allow-write --allow-env --allow-run --allow-net --allow-sys main.ts train
 * deno run --allow-read --allow-write --allow-env --allow-run --allow-net --allow-sys main.ts serve
 * ```
 *
 * @module
 */

import { Command, CommanderError } from "commander";
import { log, LOG_LEVELS, type LogLevel } from "./log.ts";
import { sageMakerPaths } from "./sagemaker/paths.ts";
import { runTrainJob } from "./train.ts";
import { serve } from "./serve.ts";
import { runWorkerProcess } from "./serving/worker_process.ts";
import { VERSION } from "./version.ts";

/** Exit code for a command line that cannot be understood. */
const USAGE_EXIT_CODE = 2;

function configureLogging(env: Record<string, string>): void {
  const level = (env.LOG_LEVEL ?? "info").toLowerCase();
  const format = (env.LOG_FORMAT ?? "text").toLowerCase();
  log.configure({
    level: LOG_LEVELS.includes(level as LogLevel) ? level as LogLevel : "info",
    format: format === "json" ? "json" : "text",
  });
  if (!LOG_LEVELS.includes(level as LogLevel)) {
    log.warn(`Ignoring LOG_LEVEL=${level}: expected one of ${LOG_LEVELS.join(", ")}`);
  }
}

/** Builds the command line interface; each action resolves with the process exit code. */
export function buildCli(env: Record<string, string>, exit: (code: number) => void): Command {
  const program = new Command("sagemaker-tree")
    .description("A decision-tree classifier packaged for Amazon SageMaker: train or serve")
    .version(VERSION, "-V, --version")
    .exitOverride()
    .configureOutput({ writeErr: (text) => Deno.stderr.writeSync(new TextEncoder().encode(text)) })
    .showHelpAfterError();
  program.command("train")
    .description("Train on input/data/training under SAGEMAKER_BASE_DIR (default /opt/ml)")
    .action(async () => exit(await runTrainJob(sageMakerPaths(env))));
  program.command("serve")
    .description("Serve /ping and /invocations with nginx and worker processes")
    .action(async () => exit(await serve(env)));
  program.command("worker", { hidden: true })
    .description("One serving worker (started by serve)")
    .requiredOption("--index <n>", "worker number", Number)
    .requiredOption("--port <n>", "port to listen on", Number)
    .option("--public", "share the public port with the other workers")
    .action(async (options: { index: number; port: number; public?: boolean }) =>
      exit(await runWorkerProcess(env, { ...options, public: options.public === true }))
    );
  return program;
}

/** Runs the CLI with `args` and returns the exit code. */
export async function main(args: string[]): Promise<number> {
  const env = Deno.env.toObject();
  configureLogging(env);
  let code = 0;
  const program = buildCli(env, (exitCode) => (code = exitCode));
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
