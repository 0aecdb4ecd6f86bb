import assert from "node:assert/strict";
import { checkMlCartPayload } from "../../../algorithm/ml_cart/format.ts";
import { mlCart } from "../../../algorithm/ml_cart/mod.ts";
import { parseHyperparameters } from "../../../algorithm/hyperparameters.ts";
import { readDataset } from "../../support/datasets.ts";

type Node = Record<string, unknown>;

/** ml-cart's saved iris tree (depth <= 3: the root and both its children split). */
async function savedIris(): Promise<Node> {
  const iris = readDataset("iris");
  const model = await mlCart.fit(iris, parseHyperparameters({}, mlCart.hyperparameters));
  return JSON.parse(JSON.stringify(mlCart.save(model)));
}

/** The first leaf found going left then right from `node`, and its path. */
function firstLeaf(node: Node, path = "root"): [Node, string] {
  if (node.distribution !== undefined) return [node, path];
  return firstLeaf(node.left as Node, `${path}.left`);
}

const HEADER = { featureCount: 4, classes: ["setosa", "versicolor", "virginica"] };

Deno.test("ml-cart load refuses a tampered tree, naming the node and what is damaged", async () => {
  const good = await savedIris();
  checkMlCartPayload(good, HEADER);
  const [, leafPath] = firstLeaf(good.root as Node);
  const tamperings: [string, (saved: Node) => void, RegExp][] = [
    [
      "not an object",
      (s) => (s.root = 7),
      /^Error: Damaged ml-cart model: node root: 7 is not a node$/,
    ],
    ["another name", (s) => (s.name = "X"), /name "X", expected "DTClassifier"$/],
    ["no options", (s) => delete s.options, /options is not an object$/],
    [
      "a distribution that is not an array",
      (s) => (firstLeaf(s.root as Node)[0].distribution = 5),
      new RegExp(
        `^Error: Damaged ml-cart model: node ${
          leafPath.replaceAll(".", "\\.")
        }: distribution 5 is not one row of class probabilities$`,
      ),
    ],
    [
      "more class probabilities than classes",
      (s) => (firstLeaf(s.root as Node)[0].distribution = [[0.25, 0.25, 0.25, 0.25]]),
      /distribution has 4 class probabilities, the model has 3 classes$/,
    ],
    [
      "a probability that is a string",
      (s) => (firstLeaf(s.root as Node)[0].distribution = [[1, "0"]]),
      /distribution value "0" of class 1 is not a finite number >= 0$/,
    ],
    [
      "an all-zero distribution",
      (s) => (firstLeaf(s.root as Node)[0].distribution = [[0, 0]]),
      /distribution is all zeros$/,
    ],
    [
      "a splitColumn out of range",
      (s) => ((s.root as Node).splitColumn = 4),
      /^Error: Damaged ml-cart model: node root: splitColumn 4 is out of range: the model has 4 features$/,
    ],
    [
      "a splitColumn that is not an integer",
      (s) => ((s.root as Node).splitColumn = 1.5),
      /node root: splitColumn 1\.5 is not a feature index$/,
    ],
    [
      "a null splitValue",
      (s) => (((s.root as Node).right as Node).splitValue = null),
      /node root\.right: splitValue null is not a finite number$/,
    ],
    [
      "a missing child",
      (s) => delete ((s.root as Node).right as Node).left,
      /node root\.right: left child missing is not a node$/,
    ],
  ];
  for (const [name, tamper, message] of tamperings) {
    const saved = structuredClone(good);
    tamper(saved);
    await assert.rejects(async () => await mlCart.load(saved, HEADER), message, name);
  }
});

Deno.test("ml-cart load still reads the tree it saved", async () => {
  const saved = await savedIris();
  const iris = readDataset("iris");
  const model = await mlCart.load(saved, HEADER);
  assert.equal(model.predict(iris.features).length, 150);
});

Deno.test("checkMlCartPayload() walks a very deep tree without overflowing the stack", () => {
  const leaf = { distribution: [[1]] };
  let root: Node = leaf;
  for (let i = 0; i < 100_000; i++) {
    root = { splitColumn: 0, splitValue: i, left: leaf, right: root };
  }
  checkMlCartPayload({ name: "DTClassifier", options: {}, root }, HEADER);
});
