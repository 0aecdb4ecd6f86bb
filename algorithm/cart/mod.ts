/**
 * Our CART decision-tree classifier (`algorithm=cart`, the default), with scikit-learn's
 * hyperparameters, defaults and split rules.
 *
 * How it learns: every feature is first binned (`binning.ts`): a feature with at most
 * `max_bins` distinct values keeps one bin per value, so its splits are exact, the same
 * candidate thresholds as scikit-learn; a feature with more gets `max_bins` quantile bins. A
 * node's split search (`split_search.ts`) then reads a class-count histogram per feature instead
 * of sorting its rows, and the larger child's histogram is the parent's minus the smaller
 * child's (`tree_builder.ts`), so each level of the tree only touches the rows of the smaller
 * children. Without `max_leaf_nodes` the tree grows depth first; with it, best first by impurity
 * decrease, as scikit-learn does (`fit.ts`). On several cores, the passes over nodes of many rows
 * (counting a histogram, moving the rows of a split) are shared by Web Workers on rows in shared
 * memory (`row_workers.ts`); counts are integers, so the tree is the same byte for byte.
 *
 * A threshold lies halfway between the largest training value left of it and the smallest right
 * of it, and a record goes left when `value <= threshold`.
 *
 * NaN rule: NaN is treated as larger than every number, in training and in prediction alike, so a
 * NaN feature always goes to the right child (`NaN <= threshold` is false).
 *
 * The fitted tree is flat typed arrays (`model.ts`), saved as base64 of their bytes
 * (`format.ts`).
 *
 * @module
 */

import type {
  Algorithm,
  BinnedDataset,
  BinnedInput,
  Dataset,
  FitOptions,
  Model,
} from "../types.ts";
import type { HyperparameterValues } from "../hyperparameters.ts";
import { fitBinnedTree, type FittedTree, fitTree } from "./fit.ts";
import { loadTree, saveTree } from "./format.ts";
import { CART_HYPERPARAMETERS } from "./hyperparameters.ts";
import { CartModel } from "./model.ts";

export type { CartParams } from "./hyperparameters.ts";
export { CartModel, type CartModelInfo, type FlatTree } from "./model.ts";
export { CART_FORMAT } from "./format.ts";

function modelOf(
  fitted: FittedTree,
  data: { features: { columns: number }; classes: readonly string[] },
): CartModel {
  return new CartModel(fitted.tree, {
    featureCount: data.features.columns,
    classes: data.classes,
    depth: fitted.depth,
    leaves: fitted.leaves,
    params: fitted.params,
    nodeRows: fitted.nodeRows,
  });
}

/**
 * Our CART decision tree behind the {@linkcode Algorithm} interface (`algorithm=cart`).
 *
 * @example
 * ```ts
 * const model = await cart.fit(dataset, parseHyperparameters({ max_depth: "5" }, cart.hyperparameters));
 * const labels = model.predict(matrix);
 * ```
 */
export const cart: Algorithm = {
  name: "cart",
  hyperparameters: CART_HYPERPARAMETERS,

  async fit(data: Dataset, params: HyperparameterValues, options?: FitOptions): Promise<Model> {
    return modelOf(await fitTree(data, params, options), data);
  },

  binnedInput(params: HyperparameterValues): BinnedInput {
    return { maxBins: Number(params.max_bins) };
  },

  async fitBinned(
    data: BinnedDataset,
    params: HyperparameterValues,
    options?: FitOptions,
  ): Promise<Model> {
    return modelOf(await fitBinnedTree(data, params, options), data);
  },

  save: saveTree,
  load: loadTree,
};
