/**
 * Synthetic iris-like data for the serving benchmark: three classes, four features with three
 * decimals each, so one record is exactly 24 bytes and 200,000 records make a 4.8 MB request
 * (under the classic sample's 5 MiB nginx limit).
 *
 * @module
 */

import { createRandom } from "../algorithm/random.ts";

/** The class labels, as strings like the sample's iris data. */
export const CLASSES: readonly string[] = ["setosa", "versicolor", "virginica"];

const CENTRES: readonly (readonly number[])[] = [
  [5.0, 3.4, 1.5, 0.2],
  [5.9, 2.8, 4.3, 1.3],
  [6.6, 3.0, 5.6, 2.0],
];

/** One labelled record: the class index and four features in [0, 9.999]. */
export interface IrisLikeRecord {
  /** Index into {@linkcode CLASSES}. */
  readonly label: number;
  /** The four features. */
  readonly features: readonly number[];
}

/** Makes `count` records from three overlapping Gaussian clouds, the same for the same seed. */
export function irisLikeRecords(count: number, seed: number): IrisLikeRecord[] {
  const random = createRandom(seed);
  function gaussian(): number {
    const u = Math.max(random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
  const records: IrisLikeRecord[] = [];
  for (let i = 0; i < count; i++) {
    const label = i % CLASSES.length;
    const features = CENTRES[label].map((centre) =>
      Math.min(9.999, Math.max(0, centre + 0.45 * gaussian()))
    );
    records.push({ label, features });
  }
  return records;
}

/** Formats records as headerless CSV: the label first when `withLabels`, then the features. */
export function toCsv(records: readonly IrisLikeRecord[], withLabels: boolean): string {
  const lines: string[] = [];
  for (const record of records) {
    const features = record.features.map((value) => value.toFixed(3)).join(",");
    lines.push(withLabels ? `${CLASSES[record.label]},${features}` : features);
  }
  return lines.join("\n") + "\n";
}

/**
 * One value as numpy's `%.18e` (`np.savetxt`'s default): 19 significant digits and an exponent
 * of at least two digits, as in `5.099999999999999645e+00`.
 */
export function numpyText(value: number): string {
  const text = value.toExponential(18);
  const e = text.indexOf("e");
  const exponent = text.slice(e + 2);
  return `${text.slice(0, e + 2)}${exponent.length < 2 ? "0" : ""}${exponent}`;
}

/** Formats records as headerless CSV with every feature in numpy's `%.18e`. */
export function toNumpyCsv(records: readonly IrisLikeRecord[]): string {
  return records.map((record) => record.features.map(numpyText).join(",")).join("\n") + "\n";
}

/**
 * The classic sample's `payload.csv`: the same 15 iris records as `local-test/payload.csv`,
 * written as the sample writes them, with numpy's `%.18e`.
 */
export const SAMPLE_PAYLOAD_RECORDS: readonly (readonly number[])[] = [
  [5.1, 3.5, 1.4, 0.2],
  [5.4, 3.7, 1.5, 0.2],
  [5.4, 3.4, 1.7, 0.2],
  [4.8, 3.1, 1.6, 0.2],
  [5, 3.5, 1.3, 0.3],
  [7, 3.2, 4.7, 1.4],
  [5, 2, 3.5, 1],
  [5.9, 3.2, 4.8, 1.8],
  [5.5, 2.4, 3.8, 1.1],
  [5.5, 2.6, 4.4, 1.2],
  [6.3, 3.3, 6, 2.5],
  [6.5, 3.2, 5.1, 2],
  [6.9, 3.2, 5.7, 2.3],
  [7.4, 2.8, 6.1, 1.9],
  [6.7, 3.1, 5.6, 2.4],
];

/** Formats records as a SageMaker JSON request: `{"instances": [[...], ...]}`. */
export function toJsonInstances(records: readonly IrisLikeRecord[]): string {
  const instances = records.map((record) =>
    record.features.map((value) => Number(value.toFixed(3)))
  );
  return JSON.stringify({ instances });
}

/**
 * Lays out a SageMaker-like tree under `baseDir` (hyperparameters, the training channel with
 * one CSV file, empty `model/` and `output/`), as both `main.ts train` and the reference's
 * `train.py` expect it.
 */
export async function writeTrainingTree(
  baseDir: string,
  trainingCsv: string,
  hyperparameters: Record<string, string>,
): Promise<void> {
  await Deno.mkdir(`${baseDir}/input/config`, { recursive: true });
  await Deno.mkdir(`${baseDir}/input/data/training`, { recursive: true });
  await Deno.mkdir(`${baseDir}/model`, { recursive: true });
  await Deno.mkdir(`${baseDir}/output`, { recursive: true });
  await Deno.writeTextFile(
    `${baseDir}/input/config/hyperparameters.json`,
    JSON.stringify(hyperparameters),
  );
  await Deno.writeTextFile(`${baseDir}/input/data/training/train.csv`, trainingCsv);
}
