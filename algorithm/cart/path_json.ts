/**
 * A cart tree's decision paths written straight as JSON text, byte for byte what
 * `JSON.stringify` writes for the path explanation objects of `explain.ts`, without building
 * them. Everything about a node (its id, feature, threshold, where it leads) and a leaf (its
 * class counts and probabilities) is the same for every record, so its text is made once, on
 * first use; per record only the values of the tested features are formatted, each once.
 *
 * @module
 */

import type { ClassValues } from "../types.ts";
import type { FlatTree } from "./flat_tree.ts";

/** What the writer needs of a cart model. */
export interface PathTree {
  /** The flat tree. */
  readonly tree: FlatTree;
  /** Class probabilities of each node, node-major. */
  readonly probabilities: Float64Array;
  /** The class labels. */
  readonly classes: readonly string[];
  /** Number of features every record must have. */
  readonly featureCount: number;
}

/** Values of node `node` (`k` per node, node-major) by class label. */
export function byClass(
  classes: readonly string[],
  values: Float64Array,
  offset: number,
): ClassValues {
  const out: ClassValues = {};
  for (let c = 0; c < classes.length; c++) out[classes[c]] = values[offset + c];
  return out;
}

/**
 * `parts` joined into one flat string. V8 keeps the result of `+` (and of a template) as a tree
 * of its parts and walks that tree each time the string is copied; the kept texts are copied
 * into every answer that passes there, so they are joined once into plain strings (an answer
 * then turns into bytes about 4 times faster).
 */
function flat(parts: string[]): string {
  return parts.join("");
}

/** Where a record goes from a node: left, right with a value, right with the value missing. */
const LEFT = 0;
const RIGHT = 1;
const MISSING = 2;

/**
 * Writes the fields of path explanations as JSON text. The text between two record values is
 * the same for every record that passes there: the end of one step (threshold, direction) and
 * the start of the next (node, feature), or the leaf's fields. Each such link is made on first
 * use and kept, so a record's text is a few dozen pieces, half of them its values.
 */
export class PathJsonWriter {
  readonly #model: PathTree;
  /** The text after a node's value, by `node * 3 + way` (`LEFT`, `RIGHT`, `MISSING`). */
  readonly #links: (string | undefined)[];
  #start: string | undefined;
  /** The record's value texts by feature, valid where `#stamp` holds the current record. */
  readonly #values: string[];
  readonly #stamp: Float64Array;
  #record = 0;

  /** Prepares to write the paths of `model`'s tree. */
  constructor(model: PathTree) {
    this.#model = model;
    this.#links = new Array(model.tree.nodes * 3);
    this.#values = new Array(model.featureCount).fill("");
    this.#stamp = new Float64Array(model.featureCount);
  }

  /**
   * The path explanation of the record at `base` in `data` as the JSON text of its fields,
   * without the outer braces: `"kind":"path","path":[...],"leaf":7,...`.
   */
  fields(data: Float64Array, base: number): string {
    const { feature, threshold, left, right } = this.#model.tree;
    const record = ++this.#record;
    let out = this.#start ??= flat(['"kind":"path","path":[', this.#entry(0)]);
    let node = 0;
    while (left[node] >= 0) {
      const f = feature[node];
      const value = data[base + f];
      if (this.#stamp[f] !== record) {
        this.#stamp[f] = record;
        // JSON writes a number as String() does, and NaN and the infinities as null.
        this.#values[f] = Number.isFinite(value) ? String(value) : "null";
      }
      const way = value <= threshold[node] ? LEFT : value !== value ? MISSING : RIGHT;
      out += this.#values[f];
      out += this.#links[node * 3 + way] ?? this.#link(node, way);
      node = way === LEFT ? left[node] : right[node];
    }
    return out;
  }

  /** The text from after `node`'s value to the next value (or the end) on the way `way`. */
  #link(node: number, way: number): string {
    const { threshold, left, right } = this.#model.tree;
    const child = way === LEFT ? left[node] : right[node];
    const text = flat([
      `,"threshold":${JSON.stringify(threshold[node])},"direction":`,
      way === LEFT ? '"left"' : '"right"',
      `,"missing":${way === MISSING}}`,
      left[child] >= 0 ? "," : "",
      this.#entry(child),
    ]);
    this.#links[node * 3 + way] = text;
    return text;
  }

  /** The text a node starts with: a step up to its value, or a leaf's fields. */
  #entry(node: number): string {
    const { tree, probabilities, classes } = this.#model;
    if (tree.left[node] >= 0) {
      return `{"node":${node},"feature":${tree.feature[node]},"value":`;
    }
    const k = tree.classCount;
    return `],"leaf":${node},"class_counts":${
      JSON.stringify(byClass(classes, tree.value, node * k))
    },"probabilities":${JSON.stringify(byClass(classes, probabilities, node * k))}`;
  }
}
