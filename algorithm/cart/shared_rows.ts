/**
 * The rows of a fit in shared memory, so that row workers (`row_workers.ts`) read and move them
 * in place: the codes and labels are used as they are when they already live in a
 * `SharedArrayBuffer`, and copied into one otherwise.
 *
 * The fit reorders codes and labels together. When the codes are the caller's own (shared) but
 * the labels had to be copied, {@linkcode SharedRows.finish} copies the reordered labels back, so
 * that the caller's rows stay consistent; when the codes are copied, the caller's rows keep their
 * order.
 *
 * @module
 */

import type { BinnedFeatures } from "./binning.ts";

/** The rows of a fit in shared memory. */
export interface SharedRows {
  /** The binned features, their codes in shared memory. */
  readonly binned: BinnedFeatures;
  /** The labels in shared memory, in the same order as the codes. */
  readonly labels: Int32Array;
  /** Bytes copied into shared memory (0 when both were shared already). */
  readonly copiedBytes: number;
  /** Copies the rows into shared memory, with `copyLater`; until then they read as zeros. */
  copy(): void;
  /** Puts the caller's labels in the order of its codes when only the labels were copied. */
  finish(): void;
}

function isShared(array: ArrayBufferView): boolean {
  return array.buffer instanceof SharedArrayBuffer;
}

/** A new `SharedArrayBuffer` the size of `codes`, as codes of the same width. */
function sharedCodes(codes: Uint8Array | Uint16Array): Uint8Array | Uint16Array {
  const buffer = new SharedArrayBuffer(codes.byteLength);
  return codes instanceof Uint16Array ? new Uint16Array(buffer) : new Uint8Array(buffer);
}

/**
 * Puts `binned`'s codes and `labels` in shared memory. With `labelsInPlace` false the caller's
 * labels are never written to. With `copyLater` the shared memory is only allocated, so that
 * workers may start on it while {@linkcode SharedRows.copy} copies the rows.
 */
export function shareRows(
  binned: BinnedFeatures,
  labels: Int32Array,
  options: { labelsInPlace: boolean; copyLater?: boolean },
): SharedRows {
  const codesShared = isShared(binned.codes);
  const codes = codesShared ? binned.codes : sharedCodes(binned.codes);
  const reuseLabels = codesShared && options.labelsInPlace && isShared(labels);
  const shared = reuseLabels ? labels : new Int32Array(new SharedArrayBuffer(labels.byteLength));
  const writeBack = codesShared && options.labelsInPlace && !reuseLabels;
  const rows: SharedRows = {
    binned: codesShared ? binned : { ...binned, codes },
    labels: shared,
    copiedBytes: (codesShared ? 0 : codes.byteLength) + (reuseLabels ? 0 : shared.byteLength),
    copy() {
      if (!codesShared) codes.set(binned.codes);
      if (!reuseLabels) shared.set(labels);
    },
    finish() {
      if (writeBack) labels.set(shared);
    },
  };
  if (!options.copyLater) rows.copy();
  return rows;
}
