/**
 * The signals that stop the container's process, for `train` and `serve` alike: SIGTERM
 * (SageMaker's stop: `StopTrainingJob`, an endpoint update or deletion), SIGINT (Ctrl-C), SIGHUP
 * (a closed terminal) and SIGQUIT (Ctrl-\). Each is handled as a stop: a training job fails with
 * `output/failure` naming the signal, `serve` stops gracefully. Left to their default action,
 * SIGHUP and SIGQUIT would end the process without a word of why.
 *
 * @module
 */

/** The signals that stop `train` and `serve`. */
export const STOP_SIGNALS: readonly Deno.Signal[] = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT"];
