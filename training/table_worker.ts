/**
 * The program of a thread (a Web Worker) that reads a whole channel into a table of numbers, so
 * that the validation channel is read while the main thread reads the training channel. It gets
 * one request and answers with the table (its arrays transferred, not copied) or the error's
 * class, message and line. It is bundled into `table_worker_bundle.ts`
 * (`scripts/bundle_workers.ts`), which the program starts it from.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { CsvError } from "../codecs/csv_options.ts";
import type { ChannelConfig } from "../sagemaker/input_config.ts";
import type { SageMakerPaths } from "../sagemaker/paths.ts";
import { ChannelError } from "../sagemaker/channels.ts";
import { type ChannelTable, readChannelTable, type TableSetup } from "./channel_data.ts";

/** What the main thread sends: the channel to read and how. */
export interface TableRequest {
  /** Where the channel's files are. */
  readonly paths: SageMakerPaths;
  /** The channel. */
  readonly channel: ChannelConfig;
  /** The header and label column. */
  readonly setup: TableSetup;
  /** Features each record must have. */
  readonly features?: number;
  /** Milliseconds between progress lines. */
  readonly progressIntervalMs?: number;
}

/** What the thread answers: the table, or the error of the read. */
export type TableReply =
  | { readonly ok: true; readonly table: ChannelTable }
  | {
    readonly ok: false;
    readonly kind: "CsvError" | "ChannelError" | "Error";
    readonly message: string;
    readonly line?: number;
  };

self.onmessage = async (event: MessageEvent<TableRequest>) => {
  const { paths, channel, setup, features, progressIntervalMs } = event.data;
  let reply: TableReply;
  try {
    const table = await readChannelTable(paths, channel, setup, { features, progressIntervalMs });
    reply = { ok: true, table };
    self.postMessage(reply, {
      transfer: [table.features.data.buffer as ArrayBuffer, table.labelIds.buffer as ArrayBuffer],
    });
  } catch (error) {
    const { message } = error as Error;
    reply = error instanceof CsvError
      ? { ok: false, kind: "CsvError", message, line: error.line }
      : { ok: false, kind: error instanceof ChannelError ? "ChannelError" : "Error", message };
    self.postMessage(reply);
  }
};
