/**
 * Class labels: strings in the data, small integers for the algorithm.
 *
 * @module
 */

/** Sorts labels the way scikit-learn's `np.unique` would for the column's type. */
export function sortClasses(classes: string[]): string[] {
  const numeric = classes.every((label) => label !== "" && Number.isFinite(Number(label)));
  return numeric
    ? [...classes].sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0))
    : [...classes].sort();
}
