/**
 * Class labels: strings in the data, small integers for the algorithm.
 *
 * @module
 */

/** Labels as class indices plus the class names they index. */
export interface EncodedLabels {
  /** The class index of every record. */
  readonly labels: Int32Array;
  /** The distinct labels: sorted numerically when all are numbers, else as strings. */
  readonly classes: string[];
}

/** Sorts labels the way scikit-learn's `np.unique` would for the column's type. */
export function sortClasses(classes: string[]): string[] {
  const numeric = classes.every((label) => label !== "" && Number.isFinite(Number(label)));
  return numeric
    ? [...classes].sort((a, b) => Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0))
    : [...classes].sort();
}

/** Turns string labels into class indices over the sorted distinct labels. */
export function encodeLabels(labels: readonly string[]): EncodedLabels {
  const firstSeen = new Map<string, number>();
  const ids = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    let id = firstSeen.get(labels[i]);
    if (id === undefined) {
      id = firstSeen.size;
      firstSeen.set(labels[i], id);
    }
    ids[i] = id;
  }
  const classes = sortClasses([...firstSeen.keys()]);
  const remap = new Int32Array(classes.length);
  classes.forEach((label, index) => (remap[firstSeen.get(label)!] = index));
  for (let i = 0; i < ids.length; i++) ids[i] = remap[ids[i]];
  return { labels: ids, classes };
}
