import assert from "node:assert/strict";
import {
  isWorker,
  parsePss,
  parseStat,
  parseVmRss,
  processTree,
} from "../../bench/process_tree.ts";

Deno.test("parseStat() keeps spaces and parentheses inside the command name", () => {
  assert.deepStrictEqual(parseStat("42 (a (b) c) S 7 42 42 0 -1"), {
    pid: 42,
    ppid: 7,
    name: "a (b) c",
    state: "S",
  });
});

Deno.test("parseVmRss() reads KiB and gives 0 for a zombie without VmRSS", () => {
  assert.deepStrictEqual(
    parseVmRss("Name:\tdeno\nVmHWM:\t  90000 kB\nVmRSS:\t   65216 kB\n"),
    65216,
  );
  assert.deepStrictEqual(parseVmRss("Name:\tdeno\nState:\tZ (zombie)\n"), 0);
});

Deno.test("isWorker() picks the non-nginx leaves of a serving tree", () => {
  const all = [
    { pid: 1, ppid: 0, name: "init", state: "S" },
    { pid: 10, ppid: 1, name: "python3", state: "S" }, // serve.py
    { pid: 11, ppid: 10, name: "nginx", state: "S" },
    { pid: 12, ppid: 11, name: "nginx", state: "S" },
    { pid: 13, ppid: 10, name: "gunicorn", state: "S" }, // master
    { pid: 14, ppid: 13, name: "gunicorn", state: "S" },
    { pid: 15, ppid: 13, name: "gunicorn", state: "S" },
    { pid: 99, ppid: 1, name: "other", state: "S" },
  ];
  const tree = processTree(10, all);
  assert.deepStrictEqual(tree.map((process) => process.pid), [10, 11, 13, 12, 14, 15]);
  assert.deepStrictEqual(tree.filter((process) => isWorker(process, tree)).map((p) => p.pid), [
    14,
    15,
  ]);
});

Deno.test("parsePss() reads the Pss line of smaps_rollup in KiB", () => {
  const rollup = "55d0-7ffd ---p 00000000 00:00 0 [rollup]\nRss:  71234 kB\nPss:  40321 kB\n";
  assert.equal(parsePss(rollup), 40321);
  assert.equal(parsePss("Rss: 1 kB\n"), 0);
});
