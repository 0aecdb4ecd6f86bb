/**
 * The serving benchmark: our server, the classic Python sample (`bench/reference/`) and a
 * trivial Deno handler (`bench/ceiling.ts`) side by side in one sitting, loaded with wrk on
 * loopback, plus the training rows of the learner benchmark. Prints a Markdown report and saves
 * it as `bench/results/serving-<date>.md`.
 *
 * ```sh
 * deno task bench            # the full run, about 5 minutes
 * deno task bench --quick    # a 1-second smoke run, nothing saved
 * deno task bench --help
 * ```
 *
 * The modules: `options.ts` (the command line), `runner.ts` (the steps of a run),
 * `scenarios.ts` (the stacks, bodies and loads), `reference.ts` (the Python stack's packages),
 * `stack.ts` (starting and stopping a stack), `report.ts` (targets and Markdown).
 *
 * @module
 */

import { ROOT, say } from "./command.ts";
import { type BenchOptions, parseOptions, USAGE } from "./options.ts";
import { type BenchReport, evaluateTargets, renderReport } from "./report.ts";
import { runBenchmark, stopAllStacks } from "./runner.ts";

/** The longest a run may take before the watchdog stops it. */
const WATCHDOG_MS = 20 * 60_000;

function readOptions(): BenchOptions {
  try {
    return parseOptions(Deno.args, navigator.hardwareConcurrency);
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    Deno.exit(2);
  }
}

/** Stops every stack when the run is interrupted or runs too long. */
function guardStacks(): () => void {
  const interrupt = () => {
    say("interrupted: stopping the stacks");
    stopAllStacks().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", interrupt);
  Deno.addSignalListener("SIGTERM", interrupt);
  const watchdog = setTimeout(() => {
    say("the run took more than 20 minutes: stopping");
    stopAllStacks().finally(() => Deno.exit(1));
  }, WATCHDOG_MS);
  return () => clearTimeout(watchdog);
}

async function saveReport(report: BenchReport, markdown: string): Promise<void> {
  const path = `${ROOT}/bench/results/serving-${report.startedAt.slice(0, 10)}.md`;
  await Deno.mkdir(`${ROOT}/bench/results`, { recursive: true });
  await Deno.writeTextFile(path, markdown);
  say(`saved ${path}`);
}

if (import.meta.main) {
  const options = readOptions();
  if (Deno.args.includes("--help")) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const unguard = guardStacks();
  try {
    const report = await runBenchmark(options);
    const markdown = renderReport(report);
    console.log(markdown);
    const misses = evaluateTargets(report).filter((target) => target.verdict === "MISS");
    say(`${misses.length} target(s) missed`);
    if (options.save) await saveReport(report, markdown);
  } catch (error) {
    console.error(`bench failed: ${(error as Error).message}`);
    Deno.exitCode = 1;
  } finally {
    unguard();
    await stopAllStacks();
  }
}
