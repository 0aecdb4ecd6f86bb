/**
 * The training rows of the benchmark table come from the learner benchmark (`bench/learner/`,
 * issue 4), which fits our tree and scikit-learn's on the same synthetic files. This module is
 * the one place that knows how to call it.
 *
 * @module
 */

import type { TrainingRow } from "./report.ts";

/** Where the learner benchmark lives. */
export const LEARNER_MODULE: URL = new URL("./learner/run.ts", import.meta.url);

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs the learner benchmark at each row count (20 features) and returns one row each, or a
 * sentence saying why there are no training figures.
 */
export async function measureTraining(
  rowCounts: readonly number[],
  options: { log?: (line: string) => void } = {},
): Promise<TrainingRow[] | string> {
  if (rowCounts.length === 0) return "Training figures were not asked for (--no-training).";
  if (!(await exists(LEARNER_MODULE))) {
    return `Training figures pending: ${LEARNER_MODULE.pathname} (the learner benchmark, ` +
      "issue 4) does not exist yet.";
  }
  const learner = await import(LEARNER_MODULE.href);
  if (typeof learner.benchmarkLearner !== "function") {
    return `Training figures pending: ${LEARNER_MODULE.pathname} exports no benchmarkLearner().`;
  }
  const rows: TrainingRow[] = [];
  for (const count of rowCounts) {
    options.log?.(`training: ${count.toLocaleString("en-US")} rows x 20 features`);
    const result = await learner.benchmarkLearner({ rows: count });
    rows.push(result as TrainingRow);
  }
  return rows;
}
