import assert from "node:assert/strict";
import {
  defaultHyperparameters,
  describeAccepted,
  type HyperparameterSpecs,
  parseHyperparameter,
  parseHyperparameters,
} from "../../algorithm/hyperparameters.ts";

const SPECS: HyperparameterSpecs = {
  depth: { kind: "integer", default: null, min: 1, nullable: true, doc: "depth" },
  leaves: { kind: "integer", default: 10, min: 2, max: 100, doc: "leaves" },
  rate: { kind: "number", default: 0.5, min: 0, max: 1, doc: "rate" },
  criterion: { kind: "choice", default: "gini", values: ["gini", "entropy"], doc: "criterion" },
  verbose: { kind: "boolean", default: false, doc: "verbose" },
  odd: {
    kind: "custom",
    default: 1,
    accepted: "an odd integer",
    parse(text: string) {
      const value = Number(text);
      if (!Number.isInteger(value) || value % 2 === 0) throw new Error("even");
      return value;
    },
    doc: "odd",
  },
};

Deno.test("parseHyperparameters() fills defaults for names not given", () => {
  assert.deepEqual(parseHyperparameters({}, SPECS), defaultHyperparameters(SPECS));
  assert.deepEqual(parseHyperparameters({ leaves: "20" }, SPECS).leaves, 20);
});

Deno.test("parseHyperparameters() rejects an unknown name, listing the accepted ones", () => {
  assert.throws(
    () => parseHyperparameters({ depht: "3" }, SPECS),
    /^Error: Unknown hyperparameter depht: accepted ones are criterion, depth, leaves, odd, rate, verbose$/,
  );
});

Deno.test("parseHyperparameter() parses integers within range and none when nullable", () => {
  assert.equal(parseHyperparameter("depth", "7", SPECS.depth), 7);
  assert.equal(parseHyperparameter("depth", "None", SPECS.depth), null);
  assert.throws(
    () => parseHyperparameter("depth", "0", SPECS.depth),
    /^Error: Invalid hyperparameter depth: expected an integer >= 1, or none; found "0"$/,
  );
  assert.throws(() => parseHyperparameter("depth", "2.5", SPECS.depth), /depth: .*; found "2\.5"$/);
  assert.throws(
    () => parseHyperparameter("leaves", "none", SPECS.leaves),
    /expected an integer from 2 to 100; found "none"$/,
  );
  assert.throws(() => parseHyperparameter("leaves", "101", SPECS.leaves), /from 2 to 100/);
});

Deno.test("parseHyperparameter() parses numbers, choices, booleans and custom values", () => {
  assert.equal(parseHyperparameter("rate", "0.25", SPECS.rate), 0.25);
  assert.throws(() => parseHyperparameter("rate", "", SPECS.rate), /a number from 0 to 1/);
  assert.throws(() => parseHyperparameter("rate", "NaN", SPECS.rate), /rate: .*; found "NaN"$/);
  assert.equal(parseHyperparameter("criterion", "entropy", SPECS.criterion), "entropy");
  assert.throws(
    () => parseHyperparameter("criterion", "mse", SPECS.criterion),
    /expected one of gini, entropy/,
  );
  assert.equal(parseHyperparameter("verbose", "True", SPECS.verbose), true);
  assert.equal(parseHyperparameter("verbose", "0", SPECS.verbose), false);
  assert.throws(() => parseHyperparameter("verbose", "yes", SPECS.verbose), /true or false/);
  assert.equal(parseHyperparameter("odd", "3", SPECS.odd), 3);
  assert.throws(() => parseHyperparameter("odd", "4", SPECS.odd), /expected an odd integer/);
});

Deno.test("parseHyperparameter() accepts JSON numbers as SageMaker's strings", () => {
  assert.equal(parseHyperparameter("leaves", 12, SPECS.leaves), 12);
  assert.equal(parseHyperparameter("verbose", true, SPECS.verbose), true);
});

Deno.test("describeAccepted() describes every kind for messages and README tables", () => {
  assert.equal(describeAccepted(SPECS.depth), "an integer >= 1, or none");
  assert.equal(describeAccepted(SPECS.rate), "a number from 0 to 1");
  assert.equal(describeAccepted(SPECS.criterion), "one of gini, entropy");
  assert.equal(describeAccepted(SPECS.verbose), "true or false");
  assert.equal(describeAccepted(SPECS.odd), "an odd integer");
});
