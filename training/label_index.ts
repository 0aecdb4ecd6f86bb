/**
 * The labels of one read numbered in the order they are first seen, found by their text or, for
 * the first few short ones, by their bytes, so that a record's label costs no string: most
 * tasks have a handful of classes.
 *
 * @module
 */

import { decodeLabel } from "../codecs/labels.ts";

/** Labels recognised by their bytes (the first ones seen; most tasks have fewer). */
const MAX_KNOWN_LABELS = 16;

/** The longest label recognised by its bytes. */
const MAX_KNOWN_LENGTH = 64;

/** Labels numbered from 0 in first-seen order. */
export class LabelIndex {
  readonly #ids = new Map<string, number>();
  readonly #knownBytes: Uint8Array[] = [];
  readonly #knownIds: number[] = [];

  /** The number of `label`; the next one when it is new. */
  idOf(label: string): number {
    let id = this.#ids.get(label);
    if (id === undefined) {
      id = this.#ids.size;
      this.#ids.set(label, id);
    }
    return id;
  }

  /**
   * The number of the label `bytes[start, end)`, found by its bytes when it was seen before; -1
   * for bytes that are not UTF-8 (the caller then fails naming the line).
   */
  idOfBytes(bytes: Uint8Array, start: number, end: number): number {
    const length = end - start;
    const known = this.#knownBytes;
    for (let k = 0; k < known.length; k++) {
      const candidate = known[k];
      if (candidate.length !== length) continue;
      let i = 0;
      while (i < length && candidate[i] === bytes[start + i]) i++;
      if (i === length) return this.#knownIds[k];
    }
    const label = decodeLabel(bytes, start, end);
    if (label === undefined) return -1;
    const id = this.idOf(label);
    if (known.length < MAX_KNOWN_LABELS && length <= MAX_KNOWN_LENGTH) {
      known.push(bytes.slice(start, end));
      this.#knownIds.push(id);
    }
    return id;
  }

  /** The labels in the order of their numbers. */
  names(): string[] {
    return [...this.#ids.keys()];
  }
}
