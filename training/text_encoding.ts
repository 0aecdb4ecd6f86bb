/**
 * Recognising a channel file saved as UTF-16 or UTF-32 text (Excel's "Unicode text", Windows
 * PowerShell's `>`, Notepad's "Unicode"): the CSV reader would see a NUL byte beside every
 * character and fail on the first value with `"\u00001\u0000" is not a number`, which does not
 * say what is wrong. UTF-8 (and ASCII) CSV text never holds a NUL byte.
 *
 * @module
 */

import { ChannelError } from "../sagemaker/channels.ts";

/** Bytes at the start of a file looked at for NUL bytes. */
export const ENCODING_PROBE_BYTES = 1024;

/** An encoding of two or four bytes a character, which the CSV reader does not read. */
export type WideEncoding = "UTF-16" | "UTF-32";

/**
 * The encoding the first bytes of a file show when it is UTF-16 or UTF-32 text: a byte order
 * mark (`FF FE`, `FE FF`, `FF FE 00 00`, `00 00 FE FF`), or NUL bytes at its start laid out as
 * those encodings lay out an ASCII character. Undefined for anything else (UTF-8 and ASCII
 * among it).
 */
export function wideEncodingOf(start: Uint8Array): WideEncoding | undefined {
  const [b0, b1, b2, b3] = start;
  const four = start.length >= 4;
  if (four && b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0) return "UTF-32";
  if (four && b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) return "UTF-32";
  if (start.length >= 2 && ((b0 === 0xff && b1 === 0xfe) || (b0 === 0xfe && b1 === 0xff))) {
    return "UTF-16";
  }
  if (start.subarray(0, ENCODING_PROBE_BYTES).indexOf(0) === -1) return undefined;
  // Without a byte order mark: an ASCII character is one byte and three NULs (UTF-32), or one
  // byte and one NUL (UTF-16), in either order. Other NUL bytes are left to the CSV reader.
  if (four && b1 === 0 && b2 === 0 && (b0 === 0) !== (b3 === 0)) return "UTF-32";
  if (start.length >= 2 && (b0 === 0) !== (b1 === 0)) return "UTF-16";
  return undefined;
}

/**
 * Fails when `start`, the first bytes of `source` (decompressed), show UTF-16 or UTF-32 text,
 * naming the file and the encoding.
 */
export function checkTextEncoding(start: Uint8Array, source: string): void {
  const encoding = wideEncodingOf(start);
  if (encoding === undefined) return;
  throw new ChannelError(
    `Cannot read ${source}: it is ${encoding} text, save it as UTF-8 (or ASCII)`,
  );
}

/**
 * Reads the first bytes of `file` (open at its start; `path` names it in the error) and checks
 * them as {@linkcode checkTextEncoding}. The file is left where the reads ended.
 */
export async function checkFileEncoding(file: Deno.FsFile, path: string): Promise<void> {
  const start = new Uint8Array(ENCODING_PROBE_BYTES);
  let length = 0;
  while (length < start.length) {
    const count = await file.read(start.subarray(length));
    if (count === null) break;
    length += count;
  }
  checkTextEncoding(start.subarray(0, length), path);
}
