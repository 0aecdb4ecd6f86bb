/**
 * Test support: the public data sets the tests train on (scikit-learn's bundled copies of iris,
 * wine and breast_cancer), kept in `test/testdata/` as headerless CSV with the label first.
 *
 * @module
 */

import type { Dataset } from "../../algorithm/types.ts";

/** The names of the bundled data sets. */
export type DatasetName = "iris" | "wine" | "breast_cancer";

/** The folder that holds the bundled data sets. */
const TESTDATA_DIR: string = new URL("../testdata/", import.meta.url).pathname;

/** The text of a bundled data set, exactly as stored. */
export function readDatasetCsv(name: DatasetName): string {
  return Deno.readTextFileSync(`${TESTDATA_DIR}${name}.csv`);
}

/** The non-empty lines of a bundled data set. */
export function readDatasetLines(name: DatasetName): string[] {
  return readDatasetCsv(name).split("\n").filter((line) => line.trim() !== "");
}

/** A bundled data set as the algorithm sees it: a row-major matrix, label indices and classes. */
export function readDataset(name: DatasetName): Dataset {
  const lines = readDatasetLines(name);
  const columns = lines[0].split(",").length - 1;
  const data = new Float64Array(lines.length * columns);
  const labels = new Int32Array(lines.length);
  const classes: string[] = [];
  lines.forEach((line, r) => {
    const fields = line.split(",");
    let k = classes.indexOf(fields[0]);
    if (k < 0) k = classes.push(fields[0]) - 1;
    labels[r] = k;
    for (let c = 0; c < columns; c++) data[r * columns + c] = Number(fields[c + 1]);
  });
  return { features: { data, rows: lines.length, columns }, labels, classes };
}
