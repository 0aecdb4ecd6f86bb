/**
 * Hyperparameters: `input/config/hyperparameters.json` (every value a string), `SM_HPS` laid
 * over it, split into the container's own (`algorithm`, `header`, `label_column`) and the
 * selected algorithm's, each validated.
 *
 * @module
 */

import {
  type Algorithm,
  ALGORITHMS,
  DEFAULT_ALGORITHM,
  describeAccepted,
  findAlgorithm,
  type HyperparameterSpecs,
  type HyperparameterValues,
  parseHyperparameters,
  shorten,
  showValue,
} from "../algorithm/mod.ts";
import { parseHyperparameter } from "../algorithm/hyperparameters.ts";

/** Names SageMaker itself adds (tuning jobs, SDK estimators); they are logged and ignored. */
export function isPlatformHyperparameter(name: string): boolean {
  return name.startsWith("_") || name.startsWith("sagemaker_");
}

/**
 * Reads a JSON config file holding one object. A missing file gives `undefined` when
 * `optional`; bad JSON or another shape throws an error naming the file.
 */
export async function readJsonFile(
  path: string,
  options: { optional?: boolean } = {},
): Promise<Record<string, unknown> | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && options.optional) return undefined;
    if (error instanceof Deno.errors.NotFound) throw new Error(`Missing config file ${path}`);
    throw new Error(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  return parseJsonObject(text, `Config file ${path}`);
}

/** Parses JSON text that must hold one object; `what` names the file or variable in errors. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${what} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Raw hyperparameters and where each came from. */
export interface RawHyperparameters {
  /** The values as given (strings from the file, any JSON value from `SM_HPS`). */
  readonly values: Record<string, unknown>;
  /** `hyperparameters.json` or `SM_HPS`, by name. */
  readonly sources: Record<string, string>;
}

/**
 * Reads `hyperparameters.json` (optional) and lays `SM_HPS` (the raw text of the variable,
 * a JSON object) over it: a name in both takes its value from `SM_HPS`.
 */
export async function readRawHyperparameters(
  path: string,
  options: { hps?: string } = {},
): Promise<RawHyperparameters> {
  // Maps, then Object.fromEntries: a name such as `__proto__` stays an ordinary own name
  // instead of setting a prototype.
  const values = new Map<string, unknown>();
  const sources = new Map<string, string>();
  const file = await readJsonFile(path, { optional: true });
  for (const [name, value] of Object.entries(file ?? {})) {
    values.set(name, value);
    sources.set(name, "hyperparameters.json");
  }
  if (options.hps !== undefined) {
    for (const [name, value] of Object.entries(parseJsonObject(options.hps, "SM_HPS"))) {
      values.set(name, value);
      sources.set(name, "SM_HPS");
    }
  }
  return { values: Object.fromEntries(values), sources: Object.fromEntries(sources) };
}

/** Hyperparameters of the container itself, read before the algorithm's own. */
export const CONTAINER_HYPERPARAMETERS: HyperparameterSpecs = {
  algorithm: {
    kind: "choice",
    default: DEFAULT_ALGORITHM,
    values: ALGORITHMS.map((algorithm) => algorithm.name),
    doc: "The learning algorithm to train",
  },
  header: {
    kind: "boolean",
    default: false,
    doc: "Whether the first line of every CSV file (or pipe) is a header row to skip",
  },
  label_column: {
    kind: "custom",
    default: 0,
    accepted: "a column number counted from 0 (-1 is the last column), " +
      "or with header=true a column name",
    parse(text: string) {
      if (/^-?\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
      if (text === "") throw new Error("empty");
      return text;
    },
    doc: "The column holding the label; the other columns are the features",
  },
};

/** The algorithm choice plus validated hyperparameters. */
export interface TrainingSetup {
  /** The selected algorithm. */
  readonly algorithm: Algorithm;
  /** Its effective hyperparameters (given values and defaults). */
  readonly hyperparameters: HyperparameterValues;
  /** Whether CSV input starts with a header row. */
  readonly header: boolean;
  /** The label column: a number from 0 (negative counts from the end), or a header name. */
  readonly labelColumn: number | string;
  /** Every effective hyperparameter, the container's and the algorithm's, by name. */
  readonly effective: HyperparameterValues;
}

/**
 * Splits raw hyperparameters into the container's own and the selected algorithm's, validating
 * each. Platform-added names (`_tuning_objective_metric`, `sagemaker_*`) are skipped and
 * returned in `ignored`. An unknown name fails with the list of accepted names.
 */
export function resolveHyperparameters(
  raw: Record<string, unknown>,
): TrainingSetup & { ignored: string[] } {
  const own = new Map<string, unknown>();
  const container: HyperparameterValues = {};
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (isPlatformHyperparameter(name)) {
      ignored.push(name);
    } else if (Object.hasOwn(CONTAINER_HYPERPARAMETERS, name)) {
      container[name] = parseHyperparameter(name, value, CONTAINER_HYPERPARAMETERS[name]);
    } else {
      own.set(name, value);
    }
  }
  const algorithm = findAlgorithm(String(container.algorithm ?? DEFAULT_ALGORITHM));
  for (const name of own.keys()) {
    if (!Object.hasOwn(algorithm.hyperparameters, name)) {
      const accepted = [
        ...Object.keys(CONTAINER_HYPERPARAMETERS),
        ...Object.keys(algorithm.hyperparameters),
      ].sort();
      throw new Error(
        `Unknown hyperparameter ${shorten(name)} for algorithm=${algorithm.name}: ` +
          `accepted ones are ${accepted.join(", ")}`,
      );
    }
  }
  const header = (container.header ?? false) as boolean;
  const labelColumn = (container.label_column ?? 0) as number | string;
  if (typeof labelColumn === "string" && !header) {
    throw new Error(
      `Invalid hyperparameter label_column: expected ` +
        `${describeAccepted(CONTAINER_HYPERPARAMETERS.label_column)} (header is false); ` +
        `found ${showValue(labelColumn)}`,
    );
  }
  const hyperparameters = parseHyperparameters(Object.fromEntries(own), algorithm.hyperparameters);
  return {
    algorithm,
    hyperparameters,
    header,
    labelColumn,
    effective: { algorithm: algorithm.name, header, label_column: labelColumn, ...hyperparameters },
    ignored,
  };
}
