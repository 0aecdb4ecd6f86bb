/**
 * npm:ml-cart plugged in as a second algorithm (`algorithm=ml-cart`). It shows how any npm
 * model fits the {@linkcode Algorithm} interface: convert the typed arrays to what the library
 * wants, and wrap its model so that it predicts indices and probabilities.
 *
 * ml-cart re-scans the data for every candidate threshold, so its fit time grows with the
 * square of the rows; `advice.ts` warns (with the estimated time) above 10 s and refuses above
 * 5,000 rows unless `allow_slow=true`. Its fit is synchronous, so it runs in a Web Worker
 * (`fit_in_worker.ts`) that a stop request terminates at once.
 *
 * The library is imported on first use: importing it costs about 20 ms, which every serving
 * worker would otherwise pay at start-up even for a `cart` model.
 *
 * @module
 */

import type { DecisionTreeClassifier } from "ml-cart";
import {
  type Algorithm,
  AlgorithmError,
  type Dataset,
  type FitOptions,
  type Matrix,
  type Model,
  type ModelHeader,
} from "../types.ts";
import type { HyperparameterSpecs, HyperparameterValues } from "../hyperparameters.ts";
import { adviseMlCart, ML_CART_MAX_ROWS } from "./advice.ts";
import { checkMlCartPayload } from "./format.ts";

const hyperparameters: HyperparameterSpecs = {
  max_depth: {
    kind: "integer",
    default: null,
    min: 1,
    nullable: true,
    doc: "Maximum depth of the tree; none grows until leaves are pure",
  },
  min_samples_split: {
    kind: "integer",
    default: 3,
    min: 2,
    doc: "ml-cart's minNumSamples: a node with at most this many rows becomes a leaf",
  },
  allow_slow: {
    kind: "boolean",
    default: false,
    doc: `Train even above ${ML_CART_MAX_ROWS} rows, where ml-cart takes minutes`,
  },
};

interface TreeNode {
  classify(row: number[]): { to1DArray(): number[] };
}

class MlCartModel implements Model {
  readonly featureCount: number;
  readonly classes: readonly string[];
  readonly tree: DecisionTreeClassifier;

  constructor(tree: DecisionTreeClassifier, header: ModelHeader) {
    this.tree = tree;
    this.featureCount = header.featureCount;
    this.classes = header.classes;
  }

  predict(features: Matrix): Int32Array {
    const probabilities = this.predictProba(features);
    const classCount = this.classes.length;
    const out = new Int32Array(features.rows);
    for (let r = 0; r < features.rows; r++) {
      let best = 0;
      for (let k = 1; k < classCount; k++) {
        if (probabilities[r * classCount + k] > probabilities[r * classCount + best]) best = k;
      }
      out[r] = best;
    }
    return out;
  }

  predictProba(features: Matrix): Float64Array {
    if (features.columns !== this.featureCount) {
      throw new AlgorithmError(
        400,
        `Cannot predict: expected ${this.featureCount} features per record, found ${features.columns}`,
      );
    }
    const classCount = this.classes.length;
    const out = new Float64Array(features.rows * classCount);
    const root = (this.tree as unknown as { root: TreeNode }).root;
    for (let r = 0; r < features.rows; r++) {
      const row = Array.from(
        features.data.subarray(r * features.columns, (r + 1) * features.columns),
      );
      const distribution = root.classify(row).to1DArray();
      for (let k = 0; k < distribution.length && k < classCount; k++) {
        out[r * classCount + k] = distribution[k];
      }
    }
    return out;
  }

  describe(): Record<string, string | number> {
    return { algorithm: "ml-cart", classes: this.classes.length };
  }
}

/** npm:ml-cart's `DecisionTreeClassifier` behind the {@linkcode Algorithm} interface. */
export const mlCart: Algorithm = {
  name: "ml-cart",
  hyperparameters,

  async fit(data: Dataset, params: HyperparameterValues, options?: FitOptions): Promise<Model> {
    const { rows, columns } = data.features;
    const advice = adviseMlCart(rows, columns);
    if (advice.action === "refuse" && params.allow_slow !== true) throw new Error(advice.message);
    if (advice.action !== "fit") options?.log?.(`warning: ${advice.message}`);
    const { fitInWorker } = await import("./fit_in_worker.ts");
    options?.log?.(`ml-cart: fitting ${rows} rows x ${columns} features in a worker`);
    const json = await fitInWorker({
      options: {
        gainFunction: "gini",
        maxDepth: params.max_depth === null ? Infinity : Number(params.max_depth),
        minNumSamples: Number(params.min_samples_split),
      },
      data: data.features.data,
      columns,
      labels: data.labels,
    }, options?.signal);
    return await mlCart.load(JSON.parse(json), { featureCount: columns, classes: data.classes });
  },

  save(model: Model): unknown {
    return (model as MlCartModel).tree.toJSON();
  },

  async load(saved: unknown, header: ModelHeader): Promise<Model> {
    checkMlCartPayload(saved, header);
    const { DecisionTreeClassifier } = await import("ml-cart");
    // deno-lint-ignore no-explicit-any
    const tree = DecisionTreeClassifier.load(saved as any);
    return new MlCartModel(tree, header);
  },
};
