/**
 * The `text/csv` answer to `/invocations`.
 *
 * @module
 */

import type { PredictionEncoder, PredictionSet } from "./predictions.ts";

/** The class labels as CSV fields, per class list (a model's list never changes). */
const csvNames = new WeakMap<readonly string[], string[]>();

/**
 * Quotes a CSV field when it holds a comma, a quote or a line break, or starts or ends with a
 * space or tab (which a reader trims from an unquoted field).
 */
function csvField(text: string): string {
  return /[",\r\n]|^[ \t]|[ \t]$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The `text/csv` answer: one line per record, in order.
 * - a label alone: `setosa`;
 * - with probabilities: the label, then one probability per class in the model's class order:
 *   `setosa,0.98,0.02,0`;
 * - a record that could not be read (error-marker mode): one quoted field starting with
 *   `error: `, for example `"error: Cannot parse line 3, field 2: ""x"" is not a number"`.
 *
 * Explanations have no CSV form: the server refuses them for a CSV answer (406), so this encoder
 * never sees them.
 */
export const CSV_PREDICTION_ENCODER: PredictionEncoder = {
  contentType: "text/csv",
  head: "",
  tail: "",
  records(set: PredictionSet, start: number, end: number): string {
    const { classes, labels, probabilities, errors } = set;
    const first = set.first ?? 0;
    let names = csvNames.get(classes);
    if (names === undefined) {
      names = classes.map(csvField);
      csvNames.set(classes, names);
    }
    const width = classes.length;
    let out = "";
    for (let i = start; i < end; i++) {
      const error = errors === undefined || errors.size === 0 ? undefined : errors.get(first + i);
      if (error !== undefined) {
        out += `"error: ${error.replaceAll('"', '""')}"\n`;
        continue;
      }
      out += names[labels[i]];
      if (probabilities !== undefined) {
        for (let c = 0; c < width; c++) out += "," + probabilities[i * width + c];
      }
      out += "\n";
    }
    return out;
  },
};
