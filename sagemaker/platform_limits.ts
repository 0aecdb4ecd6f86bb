/**
 * SageMaker's platform limits, in one place, and warnings for settings that go past them. Such
 * settings are accepted (a local run may want them) but the platform would cut the request
 * anyway.
 *
 * @module
 */

/** Seconds SageMaker waits for a real-time invocation. */
export const REALTIME_TIMEOUT_SECONDS = 60;

/** Seconds SageMaker allows an asynchronous invocation. */
export const ASYNC_TIMEOUT_SECONDS = 3600;

/** Megabytes SageMaker allows in an asynchronous invocation's payload (1 GB). */
export const ASYNC_PAYLOAD_MB = 1024;

/** Bytes SageMaker accepts in a real-time request body (6 MiB). */
export const REALTIME_BODY_BYTES = 6 * 1024 * 1024;

/**
 * Bytes SageMaker passes back from a real-time invocation (6 MB); serverless endpoints pass
 * 4 MB. The default answer limit is at least this.
 */
export const REALTIME_RESPONSE_BYTES = 6 * 1024 * 1024;

/**
 * SageMaker's cap, in MB, on `MaxPayloadInMB` of a batch transform request, and on
 * `MaxConcurrentTransforms * MaxPayloadInMB`.
 */
export const BATCH_PAYLOAD_MB = 100;

/** Characters SageMaker passes in `X-Amzn-SageMaker-Custom-Attributes`. */
export const CUSTOM_ATTRIBUTES_MAX_LENGTH = 1024;

/** What a batch transform job is told it may send: the answer of `/execution-parameters`. */
export interface BatchLimits {
  /** `MaxPayloadInMB`: the body limit, capped at {@linkcode BATCH_PAYLOAD_MB}. */
  readonly maxPayloadMB: number;
  /** `MaxConcurrentTransforms`: lowered so that it times `maxPayloadMB` stays within the cap. */
  readonly maxConcurrentTransforms: number;
}

/**
 * The batch limits to announce for a body limit of `payloadMB` and a wish of `concurrent`
 * requests at once: both within {@linkcode BATCH_PAYLOAD_MB}, at least one request.
 *
 * @example
 * ```ts
 * batchLimits(30, 8); // { maxPayloadMB: 30, maxConcurrentTransforms: 3 }
 * ```
 */
export function batchLimits(payloadMB: number, concurrent: number): BatchLimits {
  const maxPayloadMB = Math.min(payloadMB, BATCH_PAYLOAD_MB);
  return {
    maxPayloadMB,
    maxConcurrentTransforms: Math.max(
      1,
      Math.min(concurrent, Math.floor(BATCH_PAYLOAD_MB / maxPayloadMB)),
    ),
  };
}

/** The settings {@linkcode platformLimitWarnings} checks. */
export interface ServingLimits {
  /** True in a batch transform job. */
  readonly batch: boolean;
  /** Request timeout in seconds. */
  readonly timeoutSeconds: number;
  /** Largest accepted request body in bytes. */
  readonly bodyLimitBytes: number;
  /** `SAGEMAKER_MAX_PAYLOAD_IN_MB` as set, or its default. */
  readonly maxPayloadMB: number;
  /** Where each value came from: `env <VARIABLE>` names the variable that set it. */
  readonly sources: Readonly<Record<string, string>>;
}

/** One warning per setting that exceeds what SageMaker allows. */
export function platformLimitWarnings(limits: ServingLimits): string[] {
  const warnings: string[] = [];
  // The variable that set the timeout (MODEL_SERVER_TIMEOUT or SAGEMAKER_MODEL_SERVER_TIMEOUT).
  const timeoutName = limits.sources.timeoutSeconds?.replace(/^env /, "") ?? "MODEL_SERVER_TIMEOUT";
  if (!limits.batch && limits.timeoutSeconds > REALTIME_TIMEOUT_SECONDS) {
    warnings.push(
      `${timeoutName}=${limits.timeoutSeconds} exceeds SageMaker's ` +
        `${REALTIME_TIMEOUT_SECONDS} s limit for real-time invocations: ` +
        `the platform gives up on the request first (asynchronous endpoints allow up to ` +
        `${ASYNC_TIMEOUT_SECONDS} s)`,
    );
  }
  if (!limits.batch && limits.bodyLimitBytes > REALTIME_BODY_BYTES) {
    warnings.push(
      `The body limit of ${limits.bodyLimitBytes} bytes (SAGEMAKER_MAX_PAYLOAD_IN_MB) exceeds ` +
        `SageMaker's ${REALTIME_BODY_BYTES} bytes for real-time requests (asynchronous ` +
        `endpoints allow up to ${ASYNC_PAYLOAD_MB} MB)`,
    );
  }
  if (limits.batch && limits.maxPayloadMB > BATCH_PAYLOAD_MB) {
    warnings.push(
      `SAGEMAKER_MAX_PAYLOAD_IN_MB=${limits.maxPayloadMB} exceeds SageMaker's ` +
        `${BATCH_PAYLOAD_MB} MB limit for batch transform requests`,
    );
  }
  return warnings;
}
