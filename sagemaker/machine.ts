/**
 * What the container has to run on: its memory limit (the cgroup's, as SageMaker's serverless
 * endpoints and `docker run --memory` set it) and the worker count that fits it.
 *
 * @module
 */

/** Memory one worker is planned with: its runtime, the model and a request's slices. */
export const WORKER_MEMORY_BYTES = 256 * 1024 * 1024;

/** Memory kept for nginx and the supervisor before workers are counted. */
export const SUPERVISOR_MEMORY_BYTES = 128 * 1024 * 1024;

/** The cgroup v2 and v1 files that hold a container's memory limit, below the cgroup root. */
const LIMIT_FILES = ["memory.max", "memory/memory.limit_in_bytes"];

/**
 * The memory the container may use: the cgroup v2 or v1 limit when one is set (and below the
 * machine's memory), else the machine's total memory. `cgroupRoot` is for tests.
 */
export function containerMemoryBytes(cgroupRoot = "/sys/fs/cgroup"): number {
  const total = Deno.systemMemoryInfo().total;
  for (const file of LIMIT_FILES) {
    try {
      const text = Deno.readTextFileSync(`${cgroupRoot}/${file}`).trim();
      const limit = Number(text);
      if (/^\d+$/.test(text) && limit > 0 && limit < total) return limit;
    } catch {
      // no such limit here ("max" in cgroup v2 is no limit either)
    }
  }
  return total;
}

/**
 * The default number of workers: one per CPU, but no more than the memory holds at
 * {@linkcode WORKER_MEMORY_BYTES} each after {@linkcode SUPERVISOR_MEMORY_BYTES}, and at least one.
 *
 * @example
 * ```ts
 * defaultWorkerCount(4, 1024 ** 3); // 3: a 1 GB serverless endpoint
 * defaultWorkerCount(4, 16 * 1024 ** 3); // 4
 * ```
 */
export function defaultWorkerCount(cpus: number, memoryBytes: number): number {
  const fit = Math.floor((memoryBytes - SUPERVISOR_MEMORY_BYTES) / WORKER_MEMORY_BYTES);
  return Math.max(1, Math.min(cpus, fit));
}
