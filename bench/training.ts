/**
 * The training rows of the benchmark table come from the learner benchmark
 * (`bench/learner/run.ts`, issue 4), which fits our tree, scikit-learn's and xgboost's on the same
 * synthetic files (20 features, at most 1,000 leaves). This module is the one place that knows
 * how to call it and how to read its figures.
 *
 * @module
 */

import type { TrainingRow } from "./report.ts";

/** Where the learner benchmark lives. */
export const LEARNER_MODULE: URL = new URL("./learner/run.ts", import.meta.url);

/** What {@linkcode measureTraining} found: the rows of our table and the learner's own report. */
export interface TrainingFigures {
  /** One row per size: ours next to scikit-learn. */
  readonly rows: TrainingRow[];
  /** The learner benchmark's Markdown report, unchanged. */
  readonly markdown: string;
}

function parseRowsLabel(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([kM]?)$/.exec(text.trim());
  if (match === null) return NaN;
  const scale = match[2] === "M" ? 1_000_000 : match[2] === "k" ? 1_000 : 1;
  return Math.round(Number(match[1]) * scale);
}

/**
 * Reads our rows out of the learner benchmark's Markdown table, whose lines look like
 * `| 10k | cart (ours) | 0.120 | 1.0x | 0.9012 | ...` (rows, learner, fit seconds, fit vs
 * ours, hold-out accuracy, ...). Sizes without both a `cart (ours)` and a `scikit-learn` line are
 * left out.
 */
export function parseLearnerTable(markdown: string): TrainingRow[] {
  const found = new Map<number, { ours?: [number, number]; sklearn?: [number, number] }>();
  for (const line of markdown.split("\n")) {
    const cells = line.split("|").map((cell) => cell.trim());
    if (cells.length < 7) continue;
    const rows = parseRowsLabel(cells[1]);
    const seconds = Number(cells[3]);
    const accuracy = Number(cells[5]);
    if (!Number.isFinite(rows) || !Number.isFinite(seconds) || !Number.isFinite(accuracy)) {
      continue;
    }
    const entry = found.get(rows) ?? {};
    if (cells[2] === "cart (ours)") entry.ours = [seconds, accuracy];
    if (cells[2] === "scikit-learn") entry.sklearn = [seconds, accuracy];
    found.set(rows, entry);
  }
  const rows: TrainingRow[] = [];
  for (const [count, entry] of found) {
    if (entry.ours === undefined || entry.sklearn === undefined) continue;
    rows.push({
      rows: count,
      oursSeconds: entry.ours[0],
      oursAccuracy: entry.ours[1],
      sklearnSeconds: entry.sklearn[0],
      sklearnAccuracy: entry.sklearn[1],
    });
  }
  return rows.sort((a, b) => a.rows - b.rows);
}

async function exists(url: URL): Promise<boolean> {
  try {
    await Deno.stat(url);
    return true;
  } catch {
    return false;
  }
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
  if (!(await exists(LEARNER_MODULE))) {
    return `Training figures pending: ${LEARNER_MODULE.pathname} (the learner benchmark, ` +
      "issue 4) does not exist.";
  }
  const learner = await import(LEARNER_MODULE.href);
  if (typeof learner.runLearnerBench !== "function") {
    return `Training figures pending: ${LEARNER_MODULE.pathname} exports no runLearnerBench().`;
  }
  const markdown: string = await learner.runLearnerBench({
    sizes: [...rowCounts],
    references: true,
    loadLeaves: null,
    log: options.log,
  });
  const rows = parseLearnerTable(markdown);
  if (rows.length === 0) {
    return "Training figures missing: cannot read the learner benchmark's table:\n\n" + markdown;
  }
  return { rows, markdown };
}
