/**
 * Declaring and parsing hyperparameters. SageMaker hands every value over as a string;
 * each algorithm declares what it accepts and this module turns strings into checked values.
 *
 * @module
 */

/** A parsed hyperparameter value. `null` stands for scikit-learn's `None`. */
export type HyperparameterValue = string | number | boolean | null;

/** Parsed hyperparameters by name. */
export type HyperparameterValues = Record<string, HyperparameterValue>;

/** How one hyperparameter is written, checked and defaulted. */
export type HyperparameterSpec =
  | {
    /** A whole number within `[min, max]`; `none` is accepted when `nullable`. */
    kind: "integer";
    default: number | null;
    min?: number;
    max?: number;
    nullable?: boolean;
    doc: string;
  }
  | {
    /** A finite number within `[min, max]`. */
    kind: "number";
    default: number;
    min?: number;
    max?: number;
    doc: string;
  }
  | {
    /** One of a fixed list of words. */
    kind: "choice";
    default: string;
    values: readonly string[];
    doc: string;
  }
  | {
    /** `true` or `false`. */
    kind: "boolean";
    default: boolean;
    doc: string;
  }
  | {
    /** Anything else: `parse` returns the value or throws; `accepted` describes valid input. */
    kind: "custom";
    default: HyperparameterValue;
    accepted: string;
    parse(text: string): HyperparameterValue;
    doc: string;
  };

/** Hyperparameter declarations by name. */
export type HyperparameterSpecs = Record<string, HyperparameterSpec>;

/** Characters of a name or value that messages show; longer ones are cut and counted. */
const SHOWN_CHARACTERS = 100;

/**
 * Cuts `text` to its first 100 characters plus `… (N characters)`, so that a message naming a
 * huge value keeps its reason inside the 1,024 characters SageMaker shows of a failure.
 */
export function shorten(text: string): string {
  return text.length <= SHOWN_CHARACTERS
    ? text
    : `${text.slice(0, SHOWN_CHARACTERS)}… (${text.length} characters)`;
}

/** A raw hyperparameter value as messages show it: its JSON text, shortened. */
export function showValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  if (Array.isArray(value)) return `an array ${shorten(json)}`;
  if (value !== null && typeof value === "object") return `an object ${shorten(json)}`;
  return shorten(json);
}

/** Words that mean "no value", as scikit-learn users write `None`. */
const NONE_WORDS = new Set(["none", "null", ""]);

/** Describes the values a spec accepts, for error messages and README tables. */
export function describeAccepted(spec: HyperparameterSpec): string {
  switch (spec.kind) {
    case "integer": {
      const range = spec.max === undefined
        ? `an integer >= ${spec.min ?? "-inf"}`
        : `an integer from ${spec.min ?? "-inf"} to ${spec.max}`;
      return spec.nullable ? `${range}, or none` : range;
    }
    case "number":
      return spec.max === undefined
        ? `a number >= ${spec.min ?? "-inf"}`
        : `a number from ${spec.min ?? "-inf"} to ${spec.max}`;
    case "choice":
      return `one of ${spec.values.join(", ")}`;
    case "boolean":
      return "true or false";
    case "custom":
      return spec.accepted;
  }
}

/**
 * Parses one value written as a string (SageMaker's contract for `hyperparameters.json`) or a
 * JSON number or boolean (`SM_HPS`) against its spec. Throws an `Error` whose message starts
 * with the hyperparameter and what it accepts, then shows the value found (cut when long).
 */
export function parseHyperparameter(
  name: string,
  raw: unknown,
  spec: HyperparameterSpec,
): HyperparameterValue {
  if (typeof raw !== "string" && typeof raw !== "number" && typeof raw !== "boolean") {
    throw new Error(
      `Invalid hyperparameter ${shorten(name)}: expected a string, number or boolean; ` +
        `found ${showValue(raw)}`,
    );
  }
  const text = String(raw).trim();
  const fail = (): never => {
    throw new Error(
      `Invalid hyperparameter ${shorten(name)}: expected ${describeAccepted(spec)}; ` +
        `found ${showValue(raw)}`,
    );
  };
  switch (spec.kind) {
    case "integer": {
      if (spec.nullable && NONE_WORDS.has(text.toLowerCase())) return null;
      if (!/^[+-]?\d+$/.test(text)) return fail();
      const value = Number(text);
      if (!Number.isSafeInteger(value)) return fail();
      if (spec.min !== undefined && value < spec.min) return fail();
      if (spec.max !== undefined && value > spec.max) return fail();
      return value;
    }
    case "number": {
      const value = text === "" ? NaN : Number(text);
      if (!Number.isFinite(value)) return fail();
      if (spec.min !== undefined && value < spec.min) return fail();
      if (spec.max !== undefined && value > spec.max) return fail();
      return value;
    }
    case "choice":
      return spec.values.includes(text) ? text : fail();
    case "boolean": {
      const lower = text.toLowerCase();
      if (lower === "true" || lower === "1") return true;
      if (lower === "false" || lower === "0") return false;
      return fail();
    }
    case "custom":
      try {
        return spec.parse(text);
      } catch {
        return fail();
      }
  }
}

/** The default value of every declared hyperparameter. */
export function defaultHyperparameters(specs: HyperparameterSpecs): HyperparameterValues {
  const values: HyperparameterValues = {};
  for (const [name, spec] of Object.entries(specs)) values[name] = spec.default;
  return values;
}

/**
 * Parses raw hyperparameters against the specs: every declared one gets a value (given or
 * default), and an undeclared name fails with a message listing the accepted names.
 */
export function parseHyperparameters(
  raw: Record<string, unknown>,
  specs: HyperparameterSpecs,
): HyperparameterValues {
  const values = defaultHyperparameters(specs);
  for (const [name, value] of Object.entries(raw)) {
    // Own names only: `constructor` or `toString` must not find Object.prototype's.
    if (!Object.hasOwn(specs, name)) {
      throw new Error(
        `Unknown hyperparameter ${shorten(name)}: accepted ones are ${
          Object.keys(specs).sort().join(", ")
        }`,
      );
    }
    values[name] = parseHyperparameter(name, value, specs[name]);
  }
  return values;
}
