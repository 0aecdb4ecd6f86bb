import assert from "node:assert/strict";
import { adviseMlCart } from "../../../algorithm/ml_cart/advice.ts";

Deno.test("adviseMlCart fits small data, warns with the estimate, refuses large data", () => {
  assert.equal(adviseMlCart(1000, 20).action, "fit");
  const warn = adviseMlCart(4000, 20); // 72 s * 0.16 = 11.5 s
  assert.equal(warn.action, "warn");
  assert.match(warn.message, /about 12 s for 4000 rows/);
  const refuse = adviseMlCart(10_000, 20);
  assert.equal(refuse.action, "refuse");
  assert.equal(Math.round(refuse.seconds), 72);
});
