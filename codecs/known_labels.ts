/**
 * Label strings found again by their bytes: a training file repeats a few labels millions of
 * times, and comparing a few bytes costs less than building the same string again.
 *
 * @module
 */

import { decodeLabel } from "./labels.ts";

/** Labels recognised by their bytes (the first ones seen; most tasks have fewer). */
const MAX_KNOWN_LABELS = 16;

/** The longest label kept. */
const MAX_KNOWN_LENGTH = 64;

/**
 * Decodes unquoted label fields, returning the same string for the same bytes.
 *
 * @example
 * ```ts
 * const labels = new KnownLabels();
 * const bytes = new TextEncoder().encode("cat,1\ncat,2\n");
 * labels.decode(bytes, 0, 3) === labels.decode(bytes, 6, 9); // true, decoded once
 * ```
 */
export class KnownLabels {
  #bytes: Uint8Array[] = [];
  #texts: string[] = [];

  /**
   * The label `bytes[start, end)`, as {@linkcode decodeLabel} reads it: `undefined` for bytes
   * that are not UTF-8.
   */
  decode(bytes: Uint8Array, start: number, end: number): string | undefined {
    const length = end - start;
    const known = this.#bytes;
    for (let k = 0; k < known.length; k++) {
      const candidate = known[k];
      if (candidate.length !== length) continue;
      let i = 0;
      while (i < length && candidate[i] === bytes[start + i]) i++;
      if (i === length) return this.#texts[k];
    }
    const label = decodeLabel(bytes, start, end);
    if (label !== undefined && known.length < MAX_KNOWN_LABELS && length <= MAX_KNOWN_LENGTH) {
      known.push(bytes.slice(start, end));
      this.#texts.push(label);
    }
    return label;
  }
}
