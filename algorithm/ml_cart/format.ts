/**
 * The ml-cart model's payload in the model file: what `DecisionTreeClassifier.toJSON()` gives,
 * checked before ml-cart reads it. ml-cart itself checks only the `name` field, so a damaged
 * tree would load and then answer 500s (a leaf without a distribution) or wrong labels (a split
 * on a feature that does not exist compares `undefined`, which always goes right).
 *
 * A node is either a leaf, with `distribution` `[[p0, p1, ...]]` (one probability per class
 * index, at most as many as the model's classes; their sum may round a little above 1), or a
 * split, with an integer `splitColumn` below the feature count, a finite `splitValue` (a record
 * goes left when its value is below it) and both children.
 *
 * @module
 */

import type { ModelHeader } from "../types.ts";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A JSON value for a message, cut to its first 40 characters. */
function shown(value: unknown): string {
  const text = value === undefined ? "missing" : JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** Checks a leaf's `distribution`; returns a problem or undefined. */
function distributionProblem(distribution: unknown, classCount: number): string | undefined {
  if (
    !Array.isArray(distribution) || distribution.length !== 1 || !Array.isArray(distribution[0])
  ) {
    return `distribution ${shown(distribution)} is not one row of class probabilities`;
  }
  const row: unknown[] = distribution[0];
  if (row.length < 1 || row.length > classCount) {
    return `distribution has ${row.length} class probabilities, the model has ${classCount} classes`;
  }
  let total = 0;
  for (const [k, p] of row.entries()) {
    if (typeof p !== "number" || !(p >= 0 && p < Infinity)) {
      return `distribution value ${shown(p)} of class ${k} is not a finite number >= 0`;
    }
    total += p;
  }
  return total > 0 ? undefined : "distribution is all zeros";
}

/** Checks a split node's fields; returns a problem or undefined. */
function splitProblem(node: Record<string, unknown>, featureCount: number): string | undefined {
  const column = node.splitColumn;
  if (typeof column !== "number" || !Number.isInteger(column) || column < 0) {
    return `splitColumn ${shown(column)} is not a feature index`;
  }
  if (column >= featureCount) {
    return `splitColumn ${column} is out of range: the model has ${featureCount} features`;
  }
  if (typeof node.splitValue !== "number" || !Number.isFinite(node.splitValue)) {
    return `splitValue ${shown(node.splitValue)} is not a finite number`;
  }
  for (const side of ["left", "right"]) {
    if (!isRecord(node[side])) return `${side} child ${shown(node[side])} is not a node`;
  }
  return undefined;
}

/**
 * Checks a saved ml-cart classifier against the model file's header and throws an error naming
 * the first damaged node by its path from the root (`root.left.right`) and what is wrong.
 */
export function checkMlCartPayload(saved: unknown, header: ModelHeader): void {
  if (!isRecord(saved)) throw new Error("Damaged ml-cart model: expected an object");
  if (saved.name !== "DTClassifier") {
    throw new Error(`Damaged ml-cart model: name ${shown(saved.name)}, expected "DTClassifier"`);
  }
  if (!isRecord(saved.options)) throw new Error("Damaged ml-cart model: options is not an object");
  const classCount = header.classes.length;
  // Iterative, so that a deep (or maliciously deep) tree cannot overflow the stack here.
  const stack: { node: unknown; path: string }[] = [{ node: saved.root, path: "root" }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    let problem: string | undefined;
    if (!isRecord(node)) problem = `${shown(node)} is not a node`;
    else if (node.distribution !== undefined) {
      problem = distributionProblem(node.distribution, classCount);
    } else {
      problem = splitProblem(node, header.featureCount);
      if (problem === undefined) {
        stack.push({ node: node.right, path: `${path}.right` });
        stack.push({ node: node.left, path: `${path}.left` });
      }
    }
    if (problem !== undefined) {
      const where = path.length > 200
        ? `${path.slice(0, 200)}… (depth ${path.split(".").length - 1})`
        : path;
      throw new Error(`Damaged ml-cart model: node ${where}: ${problem}`);
    }
  }
}
