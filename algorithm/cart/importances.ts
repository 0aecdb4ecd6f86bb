/**
 * Global feature importances of a cart tree, as scikit-learn's `feature_importances_`: each
 * split adds its weighted impurity decrease to the feature it tests, `N_t * impurity(t) -
 * N_left * impurity(left) - N_right * impurity(right)` with `N` the class-weighted training
 * rows of a node, and the totals are normalised to sum 1 (all 0 for a tree without a split).
 *
 * @module
 */

import type { FlatTree } from "./flat_tree.ts";

/** Gini or entropy (base 2) of the class-weighted counts of node `node`, and their sum. */
function nodeImpurity(tree: FlatTree, node: number, entropy: boolean): [number, number] {
  const k = tree.classCount;
  let total = 0;
  for (let c = 0; c < k; c++) total += tree.value[node * k + c];
  if (!(total > 0)) return [0, 0];
  let impurity = entropy ? 0 : 1;
  for (let c = 0; c < k; c++) {
    const p = tree.value[node * k + c] / total;
    if (!entropy) impurity -= p * p;
    else if (p > 0) impurity -= p * Math.log2(p);
  }
  return [impurity, total];
}

/**
 * The importance of each of `featureCount` features in `tree`, grown with `criterion`
 * (`entropy`; anything else counts as `gini`).
 */
export function featureImportances(
  tree: FlatTree,
  featureCount: number,
  criterion: unknown,
): Float64Array {
  const entropy = criterion === "entropy";
  const importances = new Float64Array(featureCount);
  for (let node = 0; node < tree.nodes; node++) {
    const l = tree.left[node];
    if (l < 0) continue;
    const [impurity, weight] = nodeImpurity(tree, node, entropy);
    const [leftImpurity, leftWeight] = nodeImpurity(tree, l, entropy);
    const [rightImpurity, rightWeight] = nodeImpurity(tree, tree.right[node], entropy);
    importances[tree.feature[node]] += weight * impurity - leftWeight * leftImpurity -
      rightWeight * rightImpurity;
  }
  let sum = 0;
  for (let f = 0; f < featureCount; f++) {
    // A split of (almost) no decrease can round to a tiny negative; importances are >= 0.
    if (!(importances[f] > 0)) importances[f] = 0;
    sum += importances[f];
  }
  if (sum > 0) { for (let f = 0; f < featureCount; f++) importances[f] /= sum; }
  return importances;
}
