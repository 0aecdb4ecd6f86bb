/**
 * The frontier of a growing tree: the candidates waiting to be split, in the order the
 * sequential fit splits them. Best first (with `max_leaf_nodes`) it is a max-heap by impurity
 * decrease, earlier node first on ties, as in scikit-learn; depth first it is a stack.
 *
 * Besides the next candidate, a frontier lists those that come after it, so that their jobs can
 * run ahead on other threads (`grow.ts`).
 *
 * @module
 */

import type { Candidate } from "./tree_builder.ts";

/** The candidates waiting to be split, in the sequential order. */
export interface Frontier {
  /** Number of candidates waiting. */
  readonly size: number;
  /** The candidate the sequential fit splits next. */
  peek(): Candidate;
  /** Removes and returns the candidate the sequential fit splits next. */
  pop(): Candidate;
  /** Adds the children of a committed split (left first). */
  push(children: Candidate[]): void;
  /**
   * The candidates in the order they would be split if no split added any, the next one first,
   * stopping after `limit`; depth first it goes on into the children that jobs done ahead found.
   */
  ahead(limit: number): Iterable<Candidate>;
  /** Every candidate waiting. */
  all(): Iterable<Candidate>;
}

function before(a: Candidate, b: Candidate): boolean {
  return a.improvement > b.improvement || (a.improvement === b.improvement && a.node < b.node);
}

/** A binary heap whose top is the item that comes `before` every other. */
class BinaryHeap<T> {
  /** The items in heap order: `items[0]` is the top. */
  readonly items: T[] = [];
  readonly #before: (a: T, b: T) => boolean;

  constructor(before: (a: T, b: T) => boolean) {
    this.#before = before;
  }

  add(item: T): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  /** Removes and returns the top item; the heap must not be empty. */
  take(): T {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length === 0) return top;
    items[0] = last;
    for (let i = 0;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let best = i;
      if (l < items.length && this.#before(items[l], items[best])) best = l;
      if (r < items.length && this.#before(items[r], items[best])) best = r;
      if (best === i) return top;
      [items[i], items[best]] = [items[best], items[i]];
      i = best;
    }
  }
}

/** A max-heap of candidates by improvement (earlier node first on ties). */
export class CandidateHeap implements Frontier {
  readonly #heap = new BinaryHeap<Candidate>(before);

  /** Number of candidates waiting. */
  get size(): number {
    return this.#heap.items.length;
  }

  /** The best candidate. */
  peek(): Candidate {
    return this.#heap.items[0];
  }

  /** Adds the children of a committed split. */
  push(children: Candidate[]): void {
    for (const child of children) this.#heap.add(child);
  }

  /** Removes and returns the best candidate. */
  pop(): Candidate {
    return this.#heap.take();
  }

  /**
   * The `limit` best candidates, best first (a walk of the heap's top, not a sort), the
   * children that done jobs found among them as if they were in the heap already (as they will
   * be, unless the tree reaches its leaf limit first).
   */
  *ahead(limit: number): Iterable<Candidate> {
    const items = this.#heap.items;
    if (items.length === 0) return;
    // What may come next: heap positions whose parents were listed, and children of listed
    // done candidates (position -1). The next best is always one of them: a small heap of them.
    const open = new BinaryHeap<{ candidate: Candidate; at: number }>((a, b) =>
      before(a.candidate, b.candidate)
    );
    open.add({ candidate: items[0], at: 0 });
    for (let listed = 0; listed < limit && open.items.length > 0; listed++) {
      const { candidate, at } = open.take();
      yield candidate;
      if (at >= 0) {
        if (2 * at + 1 < items.length) open.add({ candidate: items[2 * at + 1], at: 2 * at + 1 });
        if (2 * at + 2 < items.length) open.add({ candidate: items[2 * at + 2], at: 2 * at + 2 });
      }
      if (candidate.state !== "done") continue;
      for (const child of [candidate.leftChild, candidate.rightChild]) {
        if (child !== null && child.searched) open.add({ candidate: child, at: -1 });
      }
    }
  }

  /** Every candidate waiting. */
  all(): Iterable<Candidate> {
    return this.#heap.items;
  }
}

/** A stack of candidates: the depth-first order. */
export class CandidateStack implements Frontier {
  readonly #items: Candidate[] = [];

  /** Number of candidates waiting. */
  get size(): number {
    return this.#items.length;
  }

  /** The last candidate pushed. */
  peek(): Candidate {
    return this.#items[this.#items.length - 1];
  }

  /** Removes and returns the last candidate pushed. */
  pop(): Candidate {
    return this.#items.pop()!;
  }

  /** Adds the children of a split so that the left one comes out first. */
  push(children: Candidate[]): void {
    for (let i = children.length - 1; i >= 0; i--) this.#items.push(children[i]);
  }

  /**
   * The candidates in depth-first order: each one followed by the subtree its done jobs
   * found (children of a done job come right after it in the sequential order).
   */
  *ahead(limit: number): Iterable<Candidate> {
    const pending: Candidate[] = [...this.#items];
    for (let listed = 0; listed < limit && pending.length > 0; listed++) {
      const next = pending.pop()!;
      yield next;
      if (next.state !== "done") continue;
      if (next.rightChild !== null) pending.push(next.rightChild);
      if (next.leftChild !== null) pending.push(next.leftChild);
    }
  }

  /** Every candidate waiting. */
  all(): Iterable<Candidate> {
    return this.#items;
  }
}
