/**
 * Test support: text in the encodings a training file may arrive in by mistake.
 *
 * @module
 */

/**
 * `text` in UTF-16 or UTF-32 (`bytes` a character), little endian unless `bigEndian`, with a
 * byte order mark when `bom`.
 */
export function encodeWide(
  text: string,
  options: { bytes: 2 | 4; bigEndian?: boolean; bom?: boolean },
): Uint8Array {
  const codes = [...(options.bom ? "\ufeff" : ""), ...text].map((c) => c.codePointAt(0)!);
  const out = new Uint8Array(codes.length * options.bytes);
  const view = new DataView(out.buffer);
  codes.forEach((code, i) => {
    if (options.bytes === 2) view.setUint16(i * 2, code, !options.bigEndian);
    else view.setUint32(i * 4, code, !options.bigEndian);
  });
  return out;
}

/** `text` (code points up to U+00FF) as Latin-1 bytes, one byte a character: not UTF-8. */
export function encodeLatin1(text: string): Uint8Array {
  return Uint8Array.from(text, (character) => character.charCodeAt(0));
}
