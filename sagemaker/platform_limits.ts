/**
 * SageMaker's platform limits, and warnings for settings that go past them. Such settings
 * are accepted (a local run may want them) but the platform would cut the request anyway.
 *
 * @module
 */

import type { ServingConfig } from "./serving_config.ts";

/** Seconds SageMaker waits for a real-time invocation. */
export const REALTIME_TIMEOUT_SECONDS = 60;

/** Bytes SageMaker accepts in a real-time request body (6 MiB). */
export const REALTIME_BODY_BYTES = 6 * 1024 * 1024;

/** Megabytes SageMaker allows for one batch transform request. */
export const BATCH_PAYLOAD_MB = 100;

/** One warning per setting that exceeds what SageMaker allows. */
export function platformLimitWarnings(config: ServingConfig): string[] {
  const warnings: string[] = [];
  // The variable that set the timeout (MODEL_SERVER_TIMEOUT or SAGEMAKER_MODEL_SERVER_TIMEOUT).
  const timeoutName = config.sources.timeoutSeconds?.replace(/^env /, "") ?? "MODEL_SERVER_TIMEOUT";
  if (!config.batch && config.timeoutSeconds > REALTIME_TIMEOUT_SECONDS) {
    warnings.push(
      `${timeoutName}=${config.timeoutSeconds} exceeds SageMaker's ` +
        `${REALTIME_TIMEOUT_SECONDS} s limit for real-time invocations: ` +
        `the platform gives up on the request first`,
    );
  }
  if (!config.batch && config.bodyLimitBytes > REALTIME_BODY_BYTES) {
    warnings.push(
      `The body limit of ${config.bodyLimitBytes} bytes (SAGEMAKER_MAX_PAYLOAD_IN_MB) exceeds ` +
        `SageMaker's ${REALTIME_BODY_BYTES} bytes for real-time requests`,
    );
  }
  if (config.batch && config.maxPayloadMB > BATCH_PAYLOAD_MB) {
    warnings.push(
      `SAGEMAKER_MAX_PAYLOAD_IN_MB=${config.maxPayloadMB} exceeds SageMaker's ` +
        `${BATCH_PAYLOAD_MB} MB limit for batch transform requests`,
    );
  }
  return warnings;
}
