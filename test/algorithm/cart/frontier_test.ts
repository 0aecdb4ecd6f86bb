import assert from "node:assert/strict";
import { CandidateHeap, CandidateStack } from "../../../algorithm/cart/frontier.ts";
import type { Candidate } from "../../../algorithm/cart/tree_builder.ts";

function candidate(node: number, improvement: number): Candidate {
  return {
    node,
    start: 0,
    end: 0,
    depth: 0,
    counts: new Float64Array(2),
    histogram: null,
    searched: true,
    splitFeature: 0,
    splitBin: 0,
    improvement,
    state: "idle",
    worker: -1,
    plan: null,
    leftChild: null,
    rightChild: null,
  };
}

/** Improvements with ties, in a scrambled order. */
function scrambled(count: number): Candidate[] {
  return Array.from({ length: count }, (_, i) => candidate(i, ((i * 7919) % 13) / 4));
}

Deno.test("CandidateHeap.ahead() lists candidates in the order pop() takes them", () => {
  for (const count of [0, 1, 2, 9, 50]) {
    const heap = new CandidateHeap();
    heap.push(scrambled(count));
    for (const limit of [0, 1, 5, count]) {
      const listed = [...heap.ahead(limit)].map((c) => c.node);
      const copy = new CandidateHeap();
      copy.push([...heap.all()]);
      const popped: number[] = [];
      while (copy.size > 0 && popped.length < limit) popped.push(copy.pop().node);
      assert.deepEqual(listed, popped, `${count} candidates, limit ${limit}`);
    }
  }
});

Deno.test("CandidateHeap pops the best improvement first, the earlier node on ties", () => {
  const heap = new CandidateHeap();
  heap.push([candidate(3, 1), candidate(1, 2), candidate(2, 2), candidate(0, 0.5)]);
  const order: number[] = [];
  while (heap.size > 0) order.push(heap.pop().node);
  assert.deepEqual(order, [1, 2, 3, 0]);
});

Deno.test("CandidateHeap.ahead() lists the children of done jobs among the candidates by improvement", () => {
  const heap = new CandidateHeap();
  const done = candidate(0, 5);
  done.state = "done";
  done.leftChild = candidate(-1, 4);
  done.rightChild = { ...candidate(-1, 9), searched: false };
  heap.push([done, candidate(1, 3)]);
  assert.deepEqual([...heap.ahead(10)].map((c) => c.improvement), [5, 4, 3]);
});

Deno.test("CandidateStack pops the left child first and lists done jobs' children depth first", () => {
  const stack = new CandidateStack();
  const [a, b] = [candidate(1, 0), candidate(2, 0)];
  stack.push([a, b]);
  assert.equal(stack.peek(), a);
  a.state = "done";
  a.leftChild = candidate(-1, 1);
  a.rightChild = candidate(-1, 2);
  a.leftChild.state = "done";
  a.leftChild.rightChild = candidate(-1, 3);
  const order = [...stack.ahead(10)];
  assert.deepEqual(order, [a, a.leftChild, a.leftChild.rightChild, a.rightChild, b]);
  assert.deepEqual([...stack.ahead(2)], [a, a.leftChild]);
  assert.equal(stack.pop(), a);
  assert.equal(stack.pop(), b);
  assert.equal(stack.size, 0);
});
