/**
 * The training rows of the benchmark table come from the learner benchmark
 * (`bench/learner/run.ts`), which fits our tree, scikit-learn's and xgboost's on the same
 * synthetic files (20 features, at most 1,000 leaves). This module is the one place that knows
 * how to call it; it reads the learner's figures as rows, never from its markdown.
 *
 * @module
 */

import { type LearnerRow, LEARNERS, runLearnerBenchRows } from "./learner/run.ts";
import type { TrainingRow } from "./report.ts";

/** What {@linkcode measureTraining} found: the rows of our table and the learner's own report. */
export interface TrainingFigures {
  /** One row per size: ours next to scikit-learn. */
  readonly rows: TrainingRow[];
  /** The learner benchmark's Markdown report, unchanged. */
  readonly markdown: string;
}

/**
 * Pairs our row with scikit-learn's for each size; sizes without both are left out. Our fit's
 * peak memory and the size of the feature matrix come along for the memory target.
 */
export function trainingRowsOf(rows: readonly LearnerRow[]): TrainingRow[] {
  const found = new Map<number, { ours?: LearnerRow; sklearn?: LearnerRow }>();
  for (const row of rows) {
    const entry = found.get(row.rows) ?? {};
    if (row.learner === LEARNERS.ours) entry.ours = row;
    if (row.learner === LEARNERS.sklearn) entry.sklearn = row;
    found.set(row.rows, entry);
  }
  const paired: TrainingRow[] = [];
  for (const [count, { ours, sklearn }] of found) {
    if (ours === undefined || sklearn === undefined) continue;
    paired.push({
      rows: count,
      oursSeconds: ours.fitSeconds,
      oursAccuracy: ours.accuracy,
      sklearnSeconds: sklearn.fitSeconds,
      sklearnAccuracy: sklearn.accuracy,
      oursPeakBytes: ours.peakBytes,
      oursRssBeforeBytes: ours.rssBeforeBytes,
      matrixBytes: ours.matrixBytes,
    });
  }
  return paired.sort((a, b) => a.rows - b.rows);
}

/**
 * Runs the learner benchmark at the given row counts (20 features, scikit-learn and xgboost as
 * references) and returns its figures, or a sentence saying why there are none.
 */
export async function measureTraining(
  rowCounts: readonly number[],
  options: { log?: (line: string) => void } = {},
): Promise<TrainingFigures | string> {
  if (rowCounts.length === 0) return "Training figures were not asked for (--no-training).";
  const { markdown, rows } = await runLearnerBenchRows({
    sizes: [...rowCounts],
    references: true,
    loadLeaves: null,
    log: options.log,
  });
  const paired = trainingRowsOf(rows);
  if (paired.length === 0) {
    return "Training figures missing: the learner benchmark has no pair of rows:\n\n" + markdown;
  }
  return { rows: paired, markdown };
}
