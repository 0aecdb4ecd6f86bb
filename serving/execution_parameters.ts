/**
 * `GET /execution-parameters`: what a batch transform job asks before it sends records.
 *
 * @module
 */

import type { BatchLimits } from "../sagemaker/platform_limits.ts";

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
 * Builds the answer from the batch limits of the serving configuration (`batchLimits` in
 * `sagemaker/platform_limits.ts` keeps them within SageMaker's caps).
 *
 * @example
 * ```ts
 * executionParameters({ maxConcurrentTransforms: 2, maxPayloadMB: 6 });
 * // { MaxConcurrentTransforms: 2, BatchStrategy: "MULTI_RECORD", MaxPayloadInMB: 6 }
 * ```
 */
export function executionParameters(limits: BatchLimits): ExecutionParameters {
  return {
    MaxConcurrentTransforms: limits.maxConcurrentTransforms,
    BatchStrategy: "MULTI_RECORD",
    MaxPayloadInMB: limits.maxPayloadMB,
  };
}
