/**
 * The serving benchmark's command line: what a run measures, how long and how often.
 *
 * @module
 */

/** How a run is configured; see {@linkcode USAGE}. */
export interface BenchOptions {
  /** Seconds of each wrk run. */
  seconds: number;
  /** wrk runs per stack and scenario, interleaved across stacks; the median is reported. */
  rounds: number;
  /** Cold starts per stack; the median is reported. */
  coldStarts: number;
  /** 5 MB requests per stack; the median is reported. */
  batchRepeats: number;
  /** Workers of every stack (`MODEL_SERVER_WORKERS`). */
  workers: number;
  /** Row counts of the training comparison; empty for none. */
  trainingRows: number[];
  /** Records of the train-job comparison (ours vs the sample's train.py); 0 for none. */
  trainJobRows: number;
  /** Runs of each train job; the median is reported. */
  trainJobRuns: number;
  /** Save the report under `bench/results/`. */
  save: boolean;
  /** Install missing Debian packages with apt-get (as root). */
  install: boolean;
  /** Run ours from this executable (`deno task compile`) instead of `deno run main.ts`. */
  oursExecutable?: string;
  /**
   * Run only the 30-record group (1 record beside 30, 30 records, 30 in `%.18e`) on ours: no
   * reference, ceiling, 5 MB requests or training, for quick A/B runs of that ratio.
   */
  onlyThirty: boolean;
}

/** The command line help. */
export const USAGE = `Usage: deno task bench [options]

  --quick             1-second runs, one round, one cold start, one 5 MB request,
                      10k-row training only; prints but does not save (add --save)
  --duration <s>      seconds of each wrk run (default 3)
  --rounds <n>        interleaved wrk runs per stack and scenario (default 3)
  --cold-starts <n>   cold starts per stack (default 3)
  --batch-repeats <n> 5 MB requests per stack (default 5)
  --workers <n>       workers of every stack (default: the number of cores)
  --training-rows <a,b,...>  training sizes (default 10000,100000,1000000)
  --train-job-rows <n>  records of the whole-train-job comparison (default 200000, 0: none)
  --no-training       skip the training comparisons
  --save / --no-save  write bench/results/serving-<date>.md (default: save unless --quick)
  --no-install        do not apt-get missing packages; say what to install and stop
  --ours <path>       run ours from a compiled executable (deno task compile) instead of
                      deno run main.ts
  --only-thirty       only the 30-record group on ours (1 record beside 30 records, short
                      and %.18e), one cold start; prints but does not save (add --save)
  --help              this text`;

/** The options that take one positive integer. */
type CountOption = "seconds" | "rounds" | "coldStarts" | "batchRepeats" | "workers";

/** The flag of each {@linkcode CountOption}. */
const COUNT_FLAGS: ReadonlyMap<string, CountOption> = new Map([
  ["--duration", "seconds"],
  ["--rounds", "rounds"],
  ["--cold-starts", "coldStarts"],
  ["--batch-repeats", "batchRepeats"],
  ["--workers", "workers"],
]);

function defaultOptions(cores: number): BenchOptions {
  return {
    seconds: 3,
    rounds: 3,
    coldStarts: 3,
    batchRepeats: 5,
    workers: Math.max(1, cores),
    trainingRows: [10_000, 100_000, 1_000_000],
    trainJobRows: 200_000,
    trainJobRuns: 3,
    save: true,
    install: true,
    onlyThirty: false,
  };
}

/** Shortens every step to a smoke run: one second, one round, one of everything. */
function makeQuick(options: BenchOptions): void {
  options.seconds = 1;
  options.rounds = 1;
  options.coldStarts = 1;
  options.batchRepeats = 1;
  options.trainingRows = [10_000];
  options.trainJobRows = 20_000;
  options.trainJobRuns = 1;
}

function positive(name: string, text: string): number {
  const number = Number(text);
  if (!Number.isInteger(number) || number < 1) {
    throw new Error(`Invalid ${name} ${JSON.stringify(text)}: expected a positive integer`);
  }
  return number;
}

/** Splits `--name=value` into name and value; a bare `--name` has no value. */
function splitArgument(argument: string): [string, string | undefined] {
  const equals = argument.indexOf("=");
  return equals < 0
    ? [argument, undefined]
    : [argument.slice(0, equals), argument.slice(equals + 1)];
}

/** Parses the command line; throws with a message naming the argument it cannot use. */
export function parseOptions(args: readonly string[], cores: number): BenchOptions {
  const options = defaultOptions(cores);
  let save: boolean | undefined;
  const rest = [...args];
  while (rest.length > 0) {
    const argument = rest.shift()!;
    const [name, inline] = splitArgument(argument);
    const value = (): string => {
      const text = inline ?? rest.shift();
      if (text === undefined) throw new Error(`Missing a value after ${name}`);
      return text;
    };
    const count = COUNT_FLAGS.get(name);
    if (count !== undefined) {
      options[count] = positive(name, value());
      continue;
    }
    switch (name) {
      case "--quick":
        makeQuick(options);
        save ??= false;
        break;
      case "--training-rows":
        options.trainingRows = value().split(",").map((text) => positive(name, text));
        break;
      case "--train-job-rows": {
        const text = value();
        options.trainJobRows = text === "0" ? 0 : positive(name, text);
        break;
      }
      case "--no-training":
        options.trainingRows = [];
        options.trainJobRows = 0;
        break;
      case "--save":
      case "--no-save":
        save = name === "--save";
        break;
      case "--only-thirty":
        options.onlyThirty = true;
        options.coldStarts = 1;
        options.trainingRows = [];
        options.trainJobRows = 0;
        save ??= false;
        break;
      case "--no-install":
        options.install = false;
        break;
      case "--ours": {
        const path = value();
        options.oursExecutable = path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
        break;
      }
      case "--help":
        break;
      default:
        throw new Error(`Unknown argument ${JSON.stringify(argument)}`);
    }
  }
  options.save = save ?? true;
  return options;
}
