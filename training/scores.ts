/**
 * Scoring a trained model on a channel, and the metric lines and `metrics.json` fields that
 * report it.
 *
 * @module
 */

/** Scores of a model on one channel. */
export interface ChannelScores {
  /** Records scored. */
  readonly rows: number;
  /** Share of records predicted right. */
  readonly accuracy: number;
  /** Unweighted mean of the per-class F1 scores (scikit-learn's `f1_score(average="macro")`). */
  readonly macroF1: number;
  /** Precision, recall, F1 and support of every class, by label. */
  readonly perClass: Record<
    string,
    { precision: number; recall: number; f1: number; support: number }
  >;
}

/**
 * Accuracy, macro F1 and per-class scores of `predicted` against the true `labels`, both
 * indices into `classes`.
 */
export function scorePredictions(
  predicted: Int32Array,
  truth: { readonly labels: Int32Array; readonly classes: readonly string[] },
): ChannelScores {
  const { labels: actual, classes } = truth;
  const k = classes.length;
  const truePositives = new Float64Array(k);
  const predictedCount = new Float64Array(k);
  const actualCount = new Float64Array(k);
  let right = 0;
  for (let i = 0; i < actual.length; i++) {
    predictedCount[predicted[i]]++;
    actualCount[actual[i]]++;
    if (predicted[i] === actual[i]) {
      right++;
      truePositives[actual[i]]++;
    }
  }
  const perClass: ChannelScores["perClass"] = {};
  let f1Sum = 0;
  let present = 0;
  for (let c = 0; c < k; c++) {
    if (actualCount[c] === 0 && predictedCount[c] === 0) continue;
    const precision = predictedCount[c] === 0 ? 0 : truePositives[c] / predictedCount[c];
    const recall = actualCount[c] === 0 ? 0 : truePositives[c] / actualCount[c];
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perClass[classes[c]] = { precision, recall, f1, support: actualCount[c] };
    f1Sum += f1;
    present++;
  }
  return {
    rows: actual.length,
    accuracy: actual.length === 0 ? 0 : right / actual.length,
    macroF1: present === 0 ? 0 : f1Sum / present,
    perClass,
  };
}

/** Rounds a score to six decimals, as `metrics.json` and the model file store it. */
export function round(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** Scores as written to `metrics.json` (snake_case, like the metric names). */
export function scoresJson(scores: ChannelScores): Record<string, unknown> {
  return {
    rows: scores.rows,
    accuracy: round(scores.accuracy),
    macro_f1: round(scores.macroF1),
    per_class: Object.fromEntries(
      Object.entries(scores.perClass).map(([label, s]) => [label, {
        precision: round(s.precision),
        recall: round(s.recall),
        f1: round(s.f1),
        support: s.support,
      }]),
    ),
  };
}

/** The metric lines SageMaker's metric definitions scrape, `name=value;` one per line. */
export function metricLines(metrics: Record<string, number>): string[] {
  return Object.entries(metrics).map(([name, value]) =>
    name.endsWith("_seconds") ? `${name}=${value.toFixed(3)};` : `${name}=${value.toFixed(4)};`
  );
}

/**
 * The model's global feature importances for `metrics.json`, rounded like the scores, or
 * undefined when the model does not compute them.
 */
export function importancesJson(
  model: { featureImportances?(): Float64Array },
): number[] | undefined {
  const importances = model.featureImportances?.();
  return importances === undefined ? undefined : Array.from(importances, round);
}
