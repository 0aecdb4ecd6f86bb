/**
 * Test helpers for training jobs: build a SageMaker tree from a list of files, run
 * `main.ts train` on it as a subprocess, and collect what it left behind.
 *
 * @module
 */

import { makeBaseDir, runMain, type RunResult } from "../support/process.ts";

/** A training job to run: files relative to the base dir, and extra environment. */
export interface JobSpec {
  /** Files to write, by path relative to the base dir (`input/config/...`, `input/data/...`). */
  readonly files?: Record<string, string | Uint8Array>;
  /** Hyperparameters (written as `input/config/hyperparameters.json`). */
  readonly hyperparameters?: Record<string, string>;
  /** Extra environment; `{base}` in a value is replaced by the base dir. */
  readonly env?: Record<string, string>;
  /** Runs after the files are written and before the job starts (for pipes, links...). */
  readonly prepare?: (base: string) => Promise<void> | void;
  /** Runs while the job runs (for example a writer feeding a named pipe). */
  readonly during?: (base: string) => Promise<void>;
}

/** What a finished job left behind. */
export interface JobOutcome extends RunResult {
  /** The base dir (kept for inspection; remove it with {@linkcode removeJob}). */
  readonly base: string;
  /** The text of `output/failure`, if any. */
  readonly failure?: string;
  /** The parsed `model/model.json`, if any. */
  readonly model?: Record<string, unknown>;
  /** The parsed `output/data/metrics.json`, if any. */
  readonly metrics?: Record<string, unknown>;
}

function readOptional(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** Runs `main.ts train` on a fresh tree built from `spec`. */
export async function runJob(spec: JobSpec): Promise<JobOutcome> {
  const base = await makeBaseDir();
  if (spec.hyperparameters !== undefined) {
    await Deno.writeTextFile(
      `${base}/input/config/hyperparameters.json`,
      JSON.stringify(spec.hyperparameters),
    );
  }
  for (const [path, content] of Object.entries(spec.files ?? {})) {
    const full = `${base}/${path}`;
    await Deno.mkdir(full.replace(/\/[^/]*$/, ""), { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(full, content);
    else await Deno.writeFile(full, content);
  }
  await spec.prepare?.(base);
  const env: Record<string, string> = { SAGEMAKER_BASE_DIR: base };
  for (const [name, value] of Object.entries(spec.env ?? {})) {
    env[name] = value.replaceAll("{base}", base);
  }
  const [result] = await Promise.all([runMain(["train"], env), spec.during?.(base)]);
  const model = readOptional(`${env.SM_MODEL_DIR ?? `${base}/model`}/model.json`);
  const metrics = readOptional(
    `${env.SM_OUTPUT_DATA_DIR ?? `${base}/output/data`}/metrics.json`,
  );
  return {
    ...result,
    base,
    failure: readOptional(`${base}/output/failure`),
    model: model === undefined ? undefined : JSON.parse(model),
    metrics: metrics === undefined ? undefined : JSON.parse(metrics),
  };
}

/** Runs jobs with at most `limit` at a time; results keep the order of `specs`. */
export async function runJobs(specs: readonly JobSpec[], limit = 4): Promise<JobOutcome[]> {
  const results: JobOutcome[] = new Array(specs.length);
  let next = 0;
  async function worker() {
    while (next < specs.length) {
      const index = next++;
      results[index] = await runJob(specs[index]);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, specs.length) }, worker));
  return results;
}

/** Removes a job's base dir. */
export async function removeJob(outcome: JobOutcome): Promise<void> {
  await Deno.remove(outcome.base, { recursive: true }).catch(() => {});
}

/** Gzips bytes or text. */
export async function gzip(content: string | Uint8Array): Promise<Uint8Array> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Reads the value of a printed metric line such as `train:accuracy=0.9800;`. */
export function metricFromLog(stdout: string, name: string): number | undefined {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`^${escaped}=([0-9.]+);$`, "m").exec(stdout);
  return match === null ? undefined : Number(match[1]);
}
