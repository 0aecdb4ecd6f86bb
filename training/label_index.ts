/**
 * The labels of one read numbered in the order they are first seen. A record's label is found by
 * its bytes (`KnownLabels`), so that most records cost no new string: most tasks have a handful
 * of classes.
 *
 * @module
 */

import { KnownLabels } from "../codecs/known_labels.ts";

/** Labels numbered from 0 in first-seen order. */
export class LabelIndex {
  readonly #ids = new Map<string, number>();
  readonly #known = new KnownLabels();

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
   * The number of the label `bytes[start, end)`; -1 for bytes that are not UTF-8 (the caller
   * then fails naming the line).
   */
  idOfBytes(bytes: Uint8Array, start: number, end: number): number {
    const label = this.#known.decode(bytes, start, end);
    return label === undefined ? -1 : this.idOf(label);
  }

  /** The labels in the order of their numbers. */
  names(): string[] {
    return [...this.#ids.keys()];
  }
}
