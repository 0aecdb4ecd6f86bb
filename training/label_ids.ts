/**
 * Class labels gathered batch by batch as indices, for the binned read.
 *
 * @module
 */

/**
 * A label array in shared memory: the tree fit moves labels with the rows on several threads,
 * and takes shared labels as they are instead of copying them (30 MiB at 8 M rows).
 */
function sharedIds(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(length * 4));
}

/** Labels gathered batch by batch into one growing array (in shared memory). */
export class LabelIds {
  /** The labels so far, in `ids[0, length)`. */
  ids: Int32Array;
  /** The number of labels so far. */
  length = 0;

  /** Starts with room for `capacity` labels. */
  constructor(capacity: number) {
    this.ids = sharedIds(Math.max(1024, capacity));
  }

  /** Appends a batch of labels, growing the array by half when it is full. */
  append(batch: Int32Array): void {
    this.#reserve(batch.length);
    this.ids.set(batch, this.length);
    this.length += batch.length;
  }

  /** Appends a batch of labels, each turned into `map[label]`. */
  appendMapped(batch: Int32Array, map: Int32Array): void {
    this.#reserve(batch.length);
    const ids = this.ids;
    let at = this.length;
    for (let i = 0; i < batch.length; i++) ids[at++] = map[batch[i]];
    this.length = at;
  }

  #reserve(count: number): void {
    if (this.length + count <= this.ids.length) return;
    const grown = sharedIds(Math.max(this.length + count, Math.ceil(this.ids.length * 1.5)));
    grown.set(this.ids.subarray(0, this.length));
    this.ids = grown;
  }
}
