/**
 * Grows a tree from its root candidate: splits are committed one at a time in the sequential
 * order (best first or depth first, `frontier.ts`), while the jobs of the candidates that come
 * next (`node_job.ts`) run ahead on the row workers and, whenever the next one is not ready, on
 * this thread. A job depends only on its node, and different nodes' rows are disjoint, so jobs
 * may run in any order at once; node ids, the leaf count, the `max_leaf_nodes` stop and searches
 * that draw features happen only at the commit, so the tree is the one the sequential order
 * grows, byte for byte. A job done for a node that is never split leaves its rows a valid block
 * (in another order, which no split depends on), and the node a leaf.
 *
 * When the next candidate is large and there is nothing else to do (no job under way, none ready
 * to start), all threads share each of its passes instead, as for the root.
 *
 * @module
 */

import type { Frontier } from "./frontier.ts";
import { JOBS_PER_WORKER } from "./node_job.ts";
import type { RowWorkers } from "./row_workers.ts";
import type { Candidate, TreeBuilder } from "./tree_builder.ts";

/** How far ahead of the next candidate the frontier is searched for work to run ahead. */
const LOOK_AHEAD = 256;

/** How {@linkcode growFrontier} grows. */
export interface GrowOptions {
  /** Stop once the tree has this many leaves (`Infinity` for no limit). */
  readonly maxLeaves: number;
  /** The row workers, started on the builder's rows, or null to use this thread only. */
  readonly workers: RowWorkers | null;
  /** Called after each commit; it may throw to stop the fit. */
  readonly progress: () => Promise<void>;
}

/**
 * Splits candidates from `frontier` (which holds the root) until it is empty or the tree has
 * `maxLeaves` leaves; returns once no job runs any more.
 */
export async function growFrontier(
  builder: TreeBuilder,
  frontier: Frontier,
  options: GrowOptions,
): Promise<void> {
  const { workers, maxLeaves, progress } = options;
  // Per worker, the candidates whose jobs it was given, oldest first.
  const running: Candidate[][] = Array.from(
    { length: workers === null ? 0 : workers.threads - 1 },
    () => [],
  );

  /** Takes the results of the jobs the workers have finished. */
  const collect = () => {
    for (let w = 0; w < running.length; w++) {
      while (running[w].length > 0) {
        const result = workers!.finished(w);
        if (result === null) break;
        builder.finish(running[w].shift()!, result);
      }
    }
  };
  /** Waits for every job under way. */
  const drain = async () => {
    for (let w = 0; w < running.length; w++) {
      while (running[w].length > 0) {
        await workers!.waitJob(w);
        collect();
      }
    }
  };
  /** The first candidate ahead whose job may start now, or null. */
  const nextReady = (): Candidate | null => {
    const commits = Number.isFinite(maxLeaves) ? maxLeaves - builder.leaves : LOOK_AHEAD;
    for (const candidate of frontier.ahead(Math.min(commits, LOOK_AHEAD))) {
      if (candidate.state === "idle" && candidate.searched && candidate.histogram !== null) {
        return candidate;
      }
    }
    return null;
  };
  /** Hands the candidates ahead to the workers that have room for a job. */
  const feed = () => {
    for (let w = 0; w < running.length; w++) {
      while (running[w].length < JOBS_PER_WORKER) {
        const candidate = nextReady();
        if (candidate === null) return;
        builder.plan(candidate);
        workers!.startJob(w, candidate.plan!.job);
        candidate.state = "running";
        candidate.worker = w;
        running[w].push(candidate);
      }
    }
  };

  while (frontier.size > 0 && builder.leaves < maxLeaves) {
    collect();
    const next = frontier.peek();
    if (next.state === "idle") {
      // Sharing each pass pays only when the threads would otherwise have nothing to do. `next`
      // is marked running meanwhile so that nextReady() looks past it.
      next.state = "running";
      const alone = builder.isLarge(next) && running.every((jobs) => jobs.length === 0) &&
        nextReady() === null;
      next.state = "idle";
      await builder.countHistogram(next, { shared: alone });
      builder.plan(next);
      next.state = "running";
      if (!alone) feed();
      await builder.runHere(next, { shared: alone });
    } else if (next.state === "running") {
      feed();
      const other = nextReady();
      if (other !== null) {
        builder.plan(other);
        await builder.runHere(other, { shared: false });
      } else {
        await workers!.waitJob(next.worker);
        collect();
      }
      continue;
    }
    feed();
    frontier.pop();
    frontier.push(builder.commit(next));
    await progress();
  }
  await drain();
  for (const candidate of frontier.all()) builder.discard(candidate);
}
