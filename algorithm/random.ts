/**
 * A small seeded random number generator, so that `random_state` gives the same tree on every
 * machine (and benchmarks the same data).
 *
 * @module
 */

/** Returns a deterministic generator of numbers in [0, 1) for `seed` (mulberry32). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
