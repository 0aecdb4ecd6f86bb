/**
 * The table every request codec reads records into.
 *
 * @module
 */

/** A row-major table of numbers (the same shape as the algorithm's `Matrix`). */
export interface NumberTable {
  /** `rows * columns` values, row-major. */
  readonly data: Float64Array;
  /** Number of records. */
  readonly rows: number;
  /** Number of values per record. */
  readonly columns: number;
}
