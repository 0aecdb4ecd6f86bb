/**
 * What the serving benchmark compares and how it loads it: the three stacks (ours, the Python
 * reference, the ceiling), the request bodies, and the wrk scenarios.
 *
 * @module
 */

import { ROOT } from "./command.ts";
import {
  irisLikeRecords,
  SAMPLE_PAYLOAD_RECORDS,
  toCsv,
  toJsonInstances,
  toNumpyCsv,
} from "./data.ts";
import { referenceStack } from "./reference.ts";
import type { StackFigures } from "./report.ts";
import type { StackSpec } from "./stack.ts";
import type { LoadResult } from "./wrk.ts";
import { PERMISSION_FLAGS } from "../serving/self_command.ts";

/** The stacks a run compares. */
export type StackName = "ours" | "reference" | "ceiling";

/** The request bodies, as files for wrk and curl. */
export interface Payloads {
  /** One CSV record. */
  readonly one: string;
  /** 100 CSV records. */
  readonly hundred: string;
  /** The same 100 records as a SageMaker JSON request. */
  readonly hundredJson: string;
  /** 200,000 CSV records: 4.8 MB. */
  readonly batch: string;
  /** 46,000 CSV records in numpy's `%.18e`: 4.6 MB. */
  readonly numpyBatch: string;
  /** The classic sample's `payload.csv`: 15 iris records in numpy's `%.18e`. */
  readonly samplePayload: string;
  /** 30 CSV records, short decimals. */
  readonly thirty: string;
  /** The same 30 records in numpy's `%.18e`. */
  readonly thirtyNumpy: string;
}

/** Records in the batch payload. */
export const BATCH_RECORDS = 200_000;

/** Records in the `%.18e` batch payload (100 bytes a record). */
export const NUMPY_BATCH_RECORDS = 46_000;

/** Writes the request bodies into `dir`. */
export async function writePayloads(dir: string): Promise<Payloads> {
  const records = irisLikeRecords(BATCH_RECORDS, 2);
  const paths: Payloads = {
    one: `${dir}/one.csv`,
    hundred: `${dir}/hundred.csv`,
    hundredJson: `${dir}/hundred.json`,
    batch: `${dir}/batch.csv`,
    numpyBatch: `${dir}/numpy-batch.csv`,
    samplePayload: `${dir}/payload.csv`,
    thirty: `${dir}/thirty.csv`,
    thirtyNumpy: `${dir}/thirty-numpy.csv`,
  };
  await Deno.writeTextFile(paths.one, toCsv(records.slice(0, 1), false));
  await Deno.writeTextFile(paths.hundred, toCsv(records.slice(0, 100), false));
  await Deno.writeTextFile(paths.hundredJson, toJsonInstances(records.slice(0, 100)));
  await Deno.writeTextFile(paths.batch, toCsv(records, false));
  await Deno.writeTextFile(paths.numpyBatch, toNumpyCsv(records.slice(0, NUMPY_BATCH_RECORDS)));
  await Deno.writeTextFile(
    paths.samplePayload,
    toNumpyCsv(SAMPLE_PAYLOAD_RECORDS.map((features) => ({ label: 0, features }))),
  );
  await Deno.writeTextFile(paths.thirty, toCsv(records.slice(0, 30), false));
  await Deno.writeTextFile(paths.thirtyNumpy, toNumpyCsv(records.slice(0, 30)));
  return paths;
}

/** A program and the arguments before its command (`train` or `serve`). */
export interface OursCommand {
  /** The executable. */
  readonly command: string;
  /** Its arguments before the command. */
  readonly args: readonly string[];
}

/** How ours runs: `deno run main.ts`, or the compiled executable when one is given. */
export function oursCommand(executable: string | undefined): OursCommand {
  return executable === undefined
    ? { command: Deno.execPath(), args: ["run", ...PERMISSION_FLAGS, "main.ts"] }
    : { command: executable, args: [] };
}

/**
 * The three stacks in the order of their first cold start: the reference and ours each on the
 * model trained under `<work>/<name>`, and the ceiling.
 */
export function stackSpecs(work: string, workers: number, ours: OursCommand): StackSpec[] {
  return [
    referenceStack(`${work}/reference`, `${work}/reference-run`, workers),
    {
      name: "ours",
      command: ours.command,
      args: [...ours.args, "serve"],
      env: { SAGEMAKER_BASE_DIR: `${work}/ours`, MODEL_SERVER_WORKERS: String(workers) },
      cwd: ROOT,
    },
    {
      name: "ceiling",
      command: Deno.execPath(),
      args: ["run", ...PERMISSION_FLAGS, "bench/ceiling.ts", "serve"],
      env: { MODEL_SERVER_WORKERS: String(workers) },
      cwd: ROOT,
    },
  ];
}

/** One wrk load, run on some of the stacks. */
export interface LoadScenario {
  /** The name in progress lines and notes. */
  readonly name: string;
  /** The stacks it runs on. */
  readonly stacks: readonly StackName[];
  /** Open connections. */
  readonly connections: number;
  /** The body file. */
  readonly bodyPath: string;
  /** The body's content type. */
  readonly contentType: string;
  /** Puts the median result where the report looks for it. */
  readonly store: (figures: StackFigures, result: LoadResult) => void;
}

/**
 * The load scenarios, in order, in groups whose scenarios run interleaved round by round; the
 * JSON one only on the stacks in `jsonStacks`. The 30-record scenarios are grouped with a
 * 1-record run of ours, so that their ratio compares figures taken side by side.
 */
export function loadScenarios(
  payloads: Payloads,
  jsonStacks: readonly StackName[],
): LoadScenario[][] {
  const all: StackName[] = ["ours", "reference", "ceiling"];
  const alone: LoadScenario[] = [
    {
      name: "1-record CSV, 1 conn",
      stacks: all,
      connections: 1,
      bodyPath: payloads.one,
      contentType: "text/csv",
      store: (figures, result) => figures.oneRecordC1 = result,
    },
    {
      name: "1-record CSV, 16 conns",
      stacks: all,
      connections: 16,
      bodyPath: payloads.one,
      contentType: "text/csv",
      store: (figures, result) => figures.oneRecordC16 = result,
    },
    {
      name: "100-record CSV, 16 conns",
      stacks: ["ours", "reference"],
      connections: 16,
      bodyPath: payloads.hundred,
      contentType: "text/csv",
      store: (figures, result) => figures.hundredRecordsC16 = result,
    },
    {
      name: "100-record JSON, 16 conns",
      stacks: jsonStacks,
      connections: 16,
      bodyPath: payloads.hundredJson,
      contentType: "application/json",
      store: (figures, result) => figures.jsonHundredC16 = result,
    },
    {
      name: "sample payload.csv (15 records, %.18e), 16 conns",
      stacks: ["ours", "reference"],
      connections: 16,
      bodyPath: payloads.samplePayload,
      contentType: "text/csv",
      store: (figures, result) => figures.samplePayloadC16 = result,
    },
  ];
  const thirty: LoadScenario[] = [
    {
      name: "1-record CSV beside the 30-record runs, 16 conns",
      stacks: ["ours"],
      connections: 16,
      bodyPath: payloads.one,
      contentType: "text/csv",
      store: (figures, result) => figures.oneRecordBesideThirtyC16 = result,
    },
    {
      name: "30-record CSV, 16 conns",
      stacks: ["ours"],
      connections: 16,
      bodyPath: payloads.thirty,
      contentType: "text/csv",
      store: (figures, result) => figures.thirtyRecordsC16 = result,
    },
    {
      name: "30-record CSV in %.18e, 16 conns",
      stacks: ["ours"],
      connections: 16,
      bodyPath: payloads.thirtyNumpy,
      contentType: "text/csv",
      store: (figures, result) => figures.thirtyNumpyC16 = result,
    },
  ];
  return [...alone.map((scenario) => [scenario]), thirty];
}

/** How the figures were taken, for the notes of every report. */
export const METHOD_NOTES: readonly string[] = [
  "Payloads: synthetic iris-like records, 4 features with 3 decimals (24 bytes a record); " +
  "the 5 MB request is 200,000 records, 4.8 MB, under the sample's 5 MiB nginx limit; the " +
  "%.18e request is 46,000 of them written as numpy's np.savetxt writes them (100 bytes a " +
  "record, 4.6 MB); the sample payload is the classic sample's payload.csv, 15 iris records " +
  "in %.18e; the 30-record requests are the first 30 records, in short decimals and in %.18e.",
  "Each load figure is the median of the interleaved rounds; errors are summed over rounds " +
  "(socket errors, timeouts and non-2xx answers).",
  "The 30-record targets divide by a 1-record run of ours taken in the same rounds, " +
  "interleaved with the 30-record runs, not by the 1-record figure taken minutes earlier: " +
  "each is the median of the rounds' ratios.",
  "The 5 MB requests are timed by curl (total time, answer written to a file), after one " +
  "untimed 5 MB request per worker so that every worker has seen one.",
  "RSS per worker: the mean VmRSS of the tree's leaf processes that are not nginx (Deno " +
  "workers; gunicorn's sync workers); total: every process the stack started, nginx included.",
  "Ours and the ceiling log every request to stdout through nginx (the product default), the " +
  "reference to a file, as the sample does; each stack's output goes to a file by the shell.",
];
