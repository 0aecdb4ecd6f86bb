/**
 * Reading the validation channel on a thread of its own (`table_worker.ts`) while the main
 * thread reads the training channel, whose first records keep one core busy and the other idle.
 *
 * The thread does not know the training channel's number of features yet, so it takes it from
 * the validation channel's first record. When the two differ, or the thread's read fails, the
 * channel is read again on the main thread with the training channel's count: the error is
 * then the one a read after the training channel gives (the same file, line and field).
 *
 * @module
 */

import { ChannelError } from "../sagemaker/channels.ts";
import type { ChannelConfig } from "../sagemaker/input_config.ts";
import type { SageMakerPaths } from "../sagemaker/paths.ts";
import { type ChannelTable, readChannelTable, type TableSetup } from "./channel_data.ts";
import { type ChannelHeader, checkFeatureColumns } from "./first_line.ts";
import type { TableReply, TableRequest } from "./table_worker.ts";
import { TABLE_WORKER_SOURCE } from "./table_worker_bundle.ts";

/** The thread's module, as a `data:` URL. */
const TABLE_WORKER_URL = `data:text/javascript;base64,${btoa(TABLE_WORKER_SOURCE)}`;

/** Options of {@linkcode startValidationRead}. */
export interface ValidationReadOptions {
  /** The header and label column. */
  readonly setup: TableSetup;
  /** Stops the read: the thread is ended at once. */
  readonly signal?: AbortSignal;
  /** Milliseconds between progress lines. */
  readonly progressIntervalMs?: number;
}

/** A validation read under way; {@linkcode ValidationRead.close} ends its thread. */
export interface ValidationRead {
  /**
   * The channel's table, its records checked to have `features` features each, and its header
   * to name the feature columns of `trainingHeader` in the same order.
   */
  table(features: number, options?: { trainingHeader?: ChannelHeader }): Promise<ChannelTable>;
  /** Ends the thread, when the table is not wanted. */
  close(): void;
}

/**
 * Starts reading `channel` on a thread. A pipe is read on the main thread, when the table is
 * asked for: the thread could not read it again for an error.
 */
export function startValidationRead(
  paths: SageMakerPaths,
  channel: ChannelConfig,
  options: ValidationReadOptions,
): ValidationRead {
  const { setup, signal, progressIntervalMs } = options;
  const readHere = (features: number, trainingHeader?: ChannelHeader) =>
    readChannelTable(paths, channel, setup, {
      signal,
      features,
      progressIntervalMs,
      trainingHeader,
    });
  if (channel.inputMode === "Pipe") {
    return {
      table: (features, options = {}) => readHere(features, options.trainingHeader),
      close: () => {},
    };
  }
  const worker = new Worker(TABLE_WORKER_URL, { type: "module", name: `read-${channel.name}` });
  const reply = Promise.withResolvers<TableReply>();
  reply.promise.catch(() => {});
  const close = () => {
    worker.terminate();
    signal?.removeEventListener("abort", stop);
  };
  const stop = () => {
    close();
    reply.reject(signal!.reason);
  };
  signal?.addEventListener("abort", stop, { once: true });
  worker.onmessage = (event: MessageEvent<TableReply>) => {
    close();
    reply.resolve(event.data);
  };
  worker.onerror = (event: ErrorEvent) => {
    event.preventDefault();
    close();
    reply.reject(
      new ChannelError(`Cannot read channel ${channel.name}: its thread failed: ${event.message}`),
    );
  };
  const request: TableRequest = {
    paths,
    channel,
    setup: { header: setup.header, labelColumn: setup.labelColumn },
    progressIntervalMs,
  };
  worker.postMessage(request);
  return {
    async table(features, options = {}): Promise<ChannelTable> {
      const { trainingHeader } = options;
      const answer = await reply.promise;
      if (answer.ok && answer.table.features.columns === features) {
        // The header is the first line read: its error comes before any other.
        if (trainingHeader !== undefined && answer.table.header !== undefined) {
          checkFeatureColumns(trainingHeader, answer.table.header);
        }
        return answer.table;
      }
      // The read a sequential job does, for its error.
      return await readHere(features, trainingHeader);
    },
    close,
  };
}
