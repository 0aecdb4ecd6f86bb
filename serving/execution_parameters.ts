/**
 * `GET /execution-parameters`: what a batch transform job asks before it sends records.
 *
 * @module
 */

import { BATCH_PAYLOAD_CAP_MB } from "../sagemaker/serving_config.ts";

/** The answer SageMaker batch transform reads. */
export interface ExecutionParameters {
  /** Requests the job may send at once. */
  readonly MaxConcurrentTransforms: number;
  /** Always `MULTI_RECORD`: one request may hold many records, one a line. */
  readonly BatchStrategy: "MULTI_RECORD";
  /** Largest request in MB, at most 100. */
  readonly MaxPayloadInMB: number;
}

/**
 * Builds the answer from the serving configuration; `MaxPayloadInMB` is capped at 100 and
 * `MaxConcurrentTransforms * MaxPayloadInMB` never exceeds 100.
 *
 * @example
 * ```ts
 * executionParameters({ maxConcurrentTransforms: 2, maxPayloadMB: 6 });
 * // { MaxConcurrentTransforms: 2, BatchStrategy: "MULTI_RECORD", MaxPayloadInMB: 6 }
 * ```
 */
export function executionParameters(
  config: { readonly maxConcurrentTransforms: number; readonly maxPayloadMB: number },
): ExecutionParameters {
  const payload = Math.min(config.maxPayloadMB, BATCH_PAYLOAD_CAP_MB);
  const concurrent = Math.max(
    1,
    Math.min(config.maxConcurrentTransforms, Math.floor(BATCH_PAYLOAD_CAP_MB / payload)),
  );
  return {
    MaxConcurrentTransforms: concurrent,
    BatchStrategy: "MULTI_RECORD",
    MaxPayloadInMB: payload,
  };
}
