/**
 * The fitted cart tree as flat arrays: the one shape the builder writes, the model predicts with,
 * the explainers walk and the file format stores.
 *
 * @module
 */

/** The fitted tree as flat arrays; node 0 is the root. */
export interface FlatTree {
  /** Number of nodes. */
  readonly nodes: number;
  /** Number of classes; `value` has `nodes * classCount` entries. */
  readonly classCount: number;
  /** Feature tested at each node; -2 at a leaf. */
  readonly feature: Int32Array;
  /** A record goes left when its feature value is <= the threshold. */
  readonly threshold: Float64Array;
  /** Left child of each node; -1 at a leaf. */
  readonly left: Int32Array;
  /** Right child of each node; -1 at a leaf. */
  readonly right: Int32Array;
  /** Class-weighted training class counts of each node, node-major. */
  readonly value: Float64Array;
}
