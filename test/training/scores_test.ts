import assert from "node:assert/strict";
import { scorePredictions } from "../../training/scores.ts";

Deno.test("scorePredictions() matches scikit-learn's accuracy and macro F1", () => {
  // sklearn: accuracy_score([0,0,1,1,2], [0,1,1,1,0]) == 0.6
  //          f1_score(..., average="macro") == (0.5 + 0.8 + 0) / 3
  const scores = scorePredictions(
    new Int32Array([0, 1, 1, 1, 0]),
    { labels: new Int32Array([0, 0, 1, 1, 2]), classes: ["a", "b", "c"] },
  );
  assert.equal(scores.rows, 5);
  assert.equal(scores.accuracy, 0.6);
  assert.ok(Math.abs(scores.macroF1 - 1.3 / 3) < 1e-12, String(scores.macroF1));
  assert.deepEqual(scores.perClass.a, { precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
  assert.equal(scores.perClass.b.recall, 1);
  assert.deepEqual(scores.perClass.c, { precision: 0, recall: 0, f1: 0, support: 1 });
});

Deno.test("scorePredictions() leaves out classes neither predicted nor present", () => {
  const scores = scorePredictions(new Int32Array([0, 1]), {
    labels: new Int32Array([0, 1]),
    classes: ["a", "b", "c"],
  });
  assert.equal(scores.macroF1, 1);
  assert.deepEqual(Object.keys(scores.perClass), ["a", "b"]);
});
