import assert from "node:assert/strict";
import { reservePorts } from "../../serving/ports.ts";

Deno.test("reservePorts() returns distinct free loopback ports", () => {
  const ports = reservePorts(4);
  assert.equal(new Set(ports).size, 4);
  for (const port of ports) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port });
    listener.close();
  }
});

Deno.test("reservePorts() takes ports from the safe range and skips busy ones", () => {
  const [low] = reservePorts(1);
  const busy = Deno.listen({ hostname: "127.0.0.1", port: low });
  try {
    const ports = reservePorts(2, [low, low + 50]);
    assert.equal(ports.length, 2);
    assert.ok(!ports.includes(low));
    for (const port of ports) assert.ok(port > low && port <= low + 50);
  } finally {
    busy.close();
  }
});

Deno.test("reservePorts() says so when the range has too few free ports", () => {
  const [low] = reservePorts(1);
  const busy = Deno.listen({ hostname: "127.0.0.1", port: low });
  try {
    assert.throws(() => reservePorts(1, [low, low]), /Only 0 free ports in \d+-\d+ for 1 workers/);
  } finally {
    busy.close();
  }
});
