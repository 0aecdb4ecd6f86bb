/**
 * Cutting a channel's files into byte ranges at line ends, for a parallel read: each range
 * starts at the start of a line, so that every record lies in one range, whatever its line end
 * (`\n` or `\r\n`). CSV lines never hold a line break (a quote is closed on its own line).
 *
 * @module
 */

import { checkSameHeader, type HeaderRow } from "./first_line.ts";
import type { ByteRange } from "./range_reader.ts";
import { checkFileEncoding } from "./text_encoding.ts";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const textDecoder = new TextDecoder();

/** Bytes looked at a time for a line end. */
const PROBE_BYTES = 64 * 1024;

/** Whether a file starts with the two bytes of gzip (it is then read as a stream). */
export async function isGzipFile(path: string): Promise<boolean> {
  const file = await Deno.open(path, { read: true });
  try {
    const head = new Uint8Array(2);
    let length = 0;
    while (length < 2) {
      const count = await file.read(head.subarray(length));
      if (count === null) break;
      length += count;
    }
    return length === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    file.close();
  }
}

/** The offset after the first line end at or after `position`, or `size` without one. */
async function lineStartAfter(file: Deno.FsFile, position: number, size: number): Promise<number> {
  const buffer = new Uint8Array(PROBE_BYTES);
  await file.seek(position, Deno.SeekMode.Start);
  while (position < size) {
    const count = await file.read(buffer);
    if (count === null) break;
    const newline = buffer.subarray(0, count).indexOf(NEWLINE);
    if (newline !== -1) return position + newline + 1;
    position += count;
  }
  return size;
}

/**
 * The first line of a file that the CSV reader does not skip as blank (spaces and tabs, and
 * one `\r` at its end), without its line end, its 1-based number and the offset after it;
 * undefined for a file of blank lines. It is the line a header is read from.
 */
export async function firstNonBlankLine(
  path: string,
): Promise<{ line: Uint8Array; number: number; end: number } | undefined> {
  const file = await Deno.open(path, { read: true });
  try {
    let pending = new Uint8Array(0);
    let offset = 0;
    let number = 1;
    const buffer = new Uint8Array(PROBE_BYTES);
    while (true) {
      const count = await file.read(buffer);
      const done = count === null;
      const bytes = concat(pending, buffer.subarray(0, count ?? 0));
      let start = 0;
      while (true) {
        let newline = bytes.indexOf(NEWLINE, start);
        if (newline === -1) {
          if (!done) break;
          if (start === bytes.length) return undefined;
          newline = bytes.length;
        }
        let end = newline;
        if (end > start && bytes[end - 1] === CARRIAGE_RETURN) end--;
        if (!isBlank(bytes, start, end)) {
          return {
            line: bytes.slice(start, end),
            number,
            end: offset + Math.min(newline + 1, bytes.length),
          };
        }
        start = newline + 1;
        number++;
        if (start >= bytes.length && done) return undefined;
      }
      offset += start;
      pending = bytes.slice(start);
      if (done) return undefined;
    }
  } finally {
    file.close();
  }
}

/** The number of line ends in the first `end` bytes of a file. */
export function countLineEnds(path: string, end: number): number {
  const file = Deno.openSync(path, { read: true });
  try {
    const buffer = new Uint8Array(1 << 20);
    let lines = 0;
    for (let position = 0; position < end;) {
      const count = file.readSync(buffer.subarray(0, Math.min(buffer.length, end - position)));
      if (count === null || count === 0) break;
      position += count;
      for (
        let i = buffer.indexOf(NEWLINE);
        i !== -1 && i < count;
        i = buffer.indexOf(NEWLINE, i + 1)
      ) {
        lines++;
      }
    }
    return lines;
  } finally {
    file.close();
  }
}

/** A file to cut, from `start` (the start of a line) to its end. */
export interface FilePart {
  /** The file. */
  readonly path: string;
  /** The byte its first range starts at. */
  readonly start: number;
  /** Its size. */
  readonly size: number;
}

/**
 * Cuts each part into ranges of about `rangeBytes`, each ending after a line end (or at the end
 * of the file). A part from a file's start must not be UTF-16 or UTF-32 text. With `header`, no
 * file is cut before the end of its header line, and every range after a file's first gets that
 * line, which must match `firstHeader` (the first file's) when that is given.
 */
export async function planRanges(
  parts: readonly FilePart[],
  options: { rangeBytes: number; header: boolean; firstHeader?: HeaderRow },
): Promise<ByteRange[]> {
  const ranges: ByteRange[] = [];
  for (const part of parts) {
    if (part.start >= part.size) continue;
    const file = await Deno.open(part.path, { read: true });
    try {
      if (part.start === 0) await checkFileEncoding(file, part.path);
      let headerLine: Uint8Array | undefined;
      let firstCut = part.start;
      if (options.header) {
        const first = await firstNonBlankLine(part.path);
        if (first === undefined) {
          ranges.push({ path: part.path, start: part.start, end: part.size });
          continue;
        }
        headerLine = first.line;
        if (options.firstHeader !== undefined) {
          const text = textDecoder.decode(first.line);
          checkSameHeader(options.firstHeader, { text, number: first.number }, part.path);
        }
        firstCut = Math.max(firstCut, first.end);
      }
      let start = part.start;
      while (start < part.size) {
        const target = Math.max(start + options.rangeBytes, firstCut) - 1;
        const end = target >= part.size ? part.size : await lineStartAfter(file, target, part.size);
        ranges.push({ path: part.path, start, end, ...(start > 0 ? { headerLine } : {}) });
        start = end;
      }
    } finally {
      file.close();
    }
  }
  return ranges;
}

function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== SPACE && bytes[i] !== TAB) return false;
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
