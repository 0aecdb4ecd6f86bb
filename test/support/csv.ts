/**
 * Test support: a whole CSV text through the streaming reader in one push, as a small request
 * body is read.
 *
 * @module
 */

import { type CsvReadOptions, type CsvTable, CsvTableReader } from "../../codecs/csv_reader.ts";

/** Reads a whole CSV body into a table; throws the reader's `CsvError` for a malformed record. */
export function parseCsvTable(bytes: Uint8Array, options: CsvReadOptions = {}): CsvTable {
  const reader = new CsvTableReader(options);
  reader.push(bytes);
  return reader.finish();
}
