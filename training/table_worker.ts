/**
 * The program of a thread (a Web Worker) that reads a whole channel into a table of numbers, so
 * that the validation channel is read while the main thread reads the training channel. It gets
 * one request and answers with the table (its arrays transferred, not copied) or the error's
 * message. It is bundled into `table_worker_bundle.ts` (`scripts/bundle_workers.ts`), which the
 * program starts it from.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import type { ChannelConfig } from "../sagemaker/input_config.ts";
import type { SageMakerPaths } from "../sagemaker/paths.ts";
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

/**
 * What the thread answers: the table, or that the read failed (the main thread reads the channel
 * again for the exact error, so the message is only for the record).
 */
export type TableReply =
  | { readonly ok: true; readonly table: ChannelTable }
  | { readonly ok: false; readonly message: string };

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
    reply = { ok: false, message: (error as Error).message };
    self.postMessage(reply);
  }
};
