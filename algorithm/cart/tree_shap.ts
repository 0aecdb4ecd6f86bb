/**
 * Exact TreeSHAP with the path-dependent expectation (Lundberg, Erion and Lee 2018,
 * "Consistent individualized feature attribution for tree ensembles"), computed leaf by leaf.
 *
 * The value of a set S of known features is the tree's expected output when the record follows
 * the splits on features in S and, at a split on any other feature, goes both ways weighted by
 * the children's training cover. That value is a sum over leaves, and each leaf's term is a
 * product over the distinct features on its path: feature j contributes `z_j` (the product of
 * the cover fractions of its splits on the path) when unknown, and `o_j` (1 if the record
 * passes all of them, else 0) when known. The Shapley values of such a product have a closed
 * form (Algorithm 2's `extend`/`unwind` compute the same sums incrementally): with `d` distinct
 * features on the path, A those the record passes, B the others, `w(s) = s! (d-s-1)! / d!` and
 * `e_m(Z)` the elementary symmetric polynomials of the `z` of a set Z,
 *
 * - a feature of B gets `-prod(z_B) * sum_s w(s) e_{|A|-s}(z_A)`, the same for all of them;
 * - a feature i of A gets `(1 - z_i) * prod(z_B) * sum_s w(s) e_{|A|-1-s}(z_{A \ i})`,
 *
 * each times the leaf's class probabilities. Each leaf's features, `z` and the interval of
 * values that pass its splits are computed once per model, so a record costs, per leaf, `d`
 * comparisons and O(|A|^2) for the polynomials: O(leaves x d^2) at worst, with no walk of the
 * inner nodes.
 *
 * @module
 */

import type { FlatTree } from "./flat_tree.ts";

/** Computes SHAP values of one tree, record by record; it owns scratch space. */
export class TreeShap {
  private readonly classCount: number;
  /** Class probabilities of each node, node-major. */
  private readonly probabilities: Float64Array;
  /** Training cover of each node: the sum of its class-weighted class counts. */
  readonly cover: Float64Array;
  /** The expected class probabilities over the training covers: the SHAP base values. */
  readonly baseValues: Float64Array;
  /** Leaf ids, and where each leaf's distinct path features start in the arrays below. */
  private readonly leaves: Int32Array;
  private readonly leafStart: Int32Array;
  /** Per leaf, the distinct features on its path (the phi rows its shares go to). */
  private readonly pathFeature: Int32Array;
  /**
   * Per leaf and distinct feature on its path, side by side for the record's tests: the
   * feature, the largest threshold the path goes right of (the value must be > it; NaN when
   * none), the smallest it goes left of (the value must be <= it; NaN when none), and its `z`.
   */
  private readonly packed: Float64Array;
  /** `w(s)` of `d` features at `d * (maxFeatures + 1) + s`. */
  private readonly weights: Float64Array;
  private readonly maxFeatures: number;
  private readonly zKnown: Float64Array;
  private readonly known: Uint8Array;
  private readonly poly: Float64Array;
  private readonly quotient: Float64Array;
  private readonly shares: Float64Array;

  /** Prepares to explain `tree`, whose records have `featureCount` features. */
  constructor(tree: FlatTree, probabilities: Float64Array, featureCount: number) {
    const k = tree.classCount;
    this.classCount = k;
    this.probabilities = probabilities;
    // Leaves' covers from their counts, inner nodes' as the sum of their children's (children
    // come after their parent), so that covers add up exactly whatever the file says.
    const cover = new Float64Array(tree.nodes);
    let leafCount = 0;
    for (let node = tree.nodes - 1; node >= 0; node--) {
      if (tree.left[node] >= 0) {
        cover[node] = cover[tree.left[node]] + cover[tree.right[node]];
        continue;
      }
      leafCount++;
      for (let c = 0; c < k; c++) cover[node] += tree.value[node * k + c];
    }
    this.cover = cover;
    this.baseValues = new Float64Array(k);
    const walk = collectPaths(tree, cover, featureCount, leafCount);
    this.leaves = walk.leaves;
    this.leafStart = walk.leafStart;
    this.pathFeature = walk.feature;
    this.packed = new Float64Array(walk.feature.length * 4);
    for (let i = 0; i < walk.feature.length; i++) {
      this.packed[i * 4] = walk.feature[i];
      this.packed[i * 4 + 1] = walk.low[i];
      this.packed[i * 4 + 2] = walk.high[i];
      this.packed[i * 4 + 3] = walk.zero[i];
    }
    for (const leaf of this.leaves) {
      const weight = cover[leaf] / cover[0];
      for (let c = 0; c < k; c++) this.baseValues[c] += weight * probabilities[leaf * k + c];
    }
    const m = walk.maxFeatures;
    this.maxFeatures = m;
    this.weights = new Float64Array((m + 1) * (m + 1));
    const factorial = [1];
    for (let i = 1; i <= m; i++) factorial.push(factorial[i - 1] * i);
    for (let d = 1; d <= m; d++) {
      for (let s = 0; s < d; s++) {
        this.weights[d * (m + 1) + s] = (factorial[s] * factorial[d - s - 1]) / factorial[d];
      }
    }
    this.zKnown = new Float64Array(m + 1);
    this.known = new Uint8Array(m + 1);
    this.poly = new Float64Array(m + 2);
    this.quotient = new Float64Array(m + 2);
    this.shares = new Float64Array(m + 1);
  }

  /**
   * Adds the SHAP values of the record at `base` in `data` to `phi` (`featureCount x
   * classCount`, feature-major); with {@linkcode TreeShap.baseValues} they add up to the
   * record's predicted probabilities.
   */
  explain(data: Float64Array, base: number, phi: Float64Array): void {
    const k = this.classCount;
    const { leaves, leafStart, pathFeature, packed, weights } = this;
    const { zKnown, known, poly, quotient, shares, probabilities } = this;
    const stride = this.maxFeatures + 1;
    for (let l = 0; l < leaves.length; l++) {
      const start = leafStart[l];
      const d = leafStart[l + 1] - start;
      if (d === 0) continue;
      // Which path features the record passes (A), and the product of the others' z (B).
      let a = 0;
      let unknownProduct = 1;
      for (let e = 0, p = start * 4; e < d; e++, p += 4) {
        const x = data[base + packed[p]];
        const high = packed[p + 2];
        // The tree's own tests: `x <= threshold` goes left, anything else (NaN too) right.
        const passes = !(x <= packed[p + 1]) && (high !== high || x <= high);
        known[e] = passes ? 1 : 0;
        if (passes) zKnown[a++] = packed[p + 3];
        else unknownProduct *= packed[p + 3];
      }
      // poly[m]: coefficient of t^m in the product over A of (z + t).
      poly[0] = 1;
      for (let i = 0; i < a; i++) {
        const z = zKnown[i];
        poly[i + 1] = poly[i];
        for (let m = i; m >= 1; m--) poly[m] = poly[m] * z + poly[m - 1];
        poly[0] *= z;
      }
      const w = d * stride;
      let unknownShare = 0;
      if (a < d) {
        let total = 0;
        for (let s = 0; s <= a; s++) total += weights[w + s] * poly[s];
        unknownShare = -unknownProduct * total;
      }
      let i = 0;
      for (let e = 0; e < d; e++) {
        if (known[e] === 0) {
          shares[e] = unknownShare;
          continue;
        }
        const z = zKnown[i++];
        // Divide the polynomial by (t + z): the product over A without this feature.
        quotient[a - 1] = poly[a];
        for (let m = a - 1; m >= 1; m--) quotient[m - 1] = poly[m] - z * quotient[m];
        let total = 0;
        for (let s = 0; s < a; s++) total += weights[w + s] * quotient[s];
        shares[e] = (1 - z) * unknownProduct * total;
      }
      const from = leaves[l] * k;
      for (let e = 0; e < d; e++) {
        const at = pathFeature[start + e] * k;
        const share = shares[e];
        for (let c = 0; c < k; c++) phi[at + c] += share * probabilities[from + c];
      }
    }
  }
}

/** Every leaf's distinct path features with their `z` and intervals, leaf-major. */
interface LeafPaths {
  leaves: Int32Array;
  leafStart: Int32Array;
  feature: Int32Array;
  zero: Float64Array;
  low: Float64Array;
  high: Float64Array;
  maxFeatures: number;
}

/** Walks the tree once, depth first with an explicit stack, and records every leaf's path. */
function collectPaths(
  tree: FlatTree,
  cover: Float64Array,
  featureCount: number,
  leafCount: number,
): LeafPaths {
  const leaves = new Int32Array(leafCount);
  const leafStart = new Int32Array(leafCount + 1);
  const feature: number[] = [];
  const zero: number[] = [];
  const low: number[] = [];
  const high: number[] = [];
  // Per feature along the current path: its z, its interval and how many splits test it.
  const z = new Float64Array(featureCount).fill(1);
  const lo = new Float64Array(featureCount).fill(NaN);
  const hi = new Float64Array(featureCount).fill(NaN);
  const uses = new Int32Array(featureCount);
  const onPath: number[] = [];
  let maxFeatures = 0;
  let leafIndex = 0;
  // A frame per node on the path: 0 arriving, 1 back from the left child, 2 from the right;
  // a feature's state is saved on the way down and restored on the way up.
  const frames: { node: number; state: number; z: number; lo: number; hi: number }[] = [
    { node: 0, state: 0, z: 1, lo: NaN, hi: NaN },
  ];
  const enter = (node: number, child: number, left: boolean) => {
    const f = tree.feature[node];
    const t = tree.threshold[node];
    if (uses[f]++ === 0) onPath.push(f);
    z[f] *= cover[child] / cover[node];
    if (left) hi[f] = hi[f] !== hi[f] || t < hi[f] ? t : hi[f];
    else lo[f] = lo[f] !== lo[f] || t > lo[f] ? t : lo[f];
    frames.push({ node: child, state: 0, z: 1, lo: NaN, hi: NaN });
  };
  const restore = (frame: { node: number; z: number; lo: number; hi: number }) => {
    const f = tree.feature[frame.node];
    z[f] = frame.z;
    lo[f] = frame.lo;
    hi[f] = frame.hi;
    if (--uses[f] === 0) onPath.pop();
  };
  while (frames.length > 0) {
    const frame = frames[frames.length - 1];
    const node = frame.node;
    if (tree.left[node] < 0) {
      leaves[leafIndex] = node;
      leafStart[leafIndex] = feature.length;
      for (const f of onPath) {
        feature.push(f);
        zero.push(z[f]);
        low.push(lo[f]);
        high.push(hi[f]);
      }
      maxFeatures = Math.max(maxFeatures, onPath.length);
      leafIndex++;
      frames.pop();
      continue;
    }
    if (frame.state === 0) {
      const f = tree.feature[node];
      frame.z = z[f];
      frame.lo = lo[f];
      frame.hi = hi[f];
      frame.state = 1;
      enter(node, tree.left[node], true);
    } else if (frame.state === 1) {
      restore(frame);
      frame.state = 2;
      enter(node, tree.right[node], false);
    } else {
      restore(frame);
      frames.pop();
    }
  }
  leafStart[leafCount] = feature.length;
  return {
    leaves,
    leafStart,
    feature: Int32Array.from(feature),
    zero: Float64Array.from(zero),
    low: Float64Array.from(low),
    high: Float64Array.from(high),
    maxFeatures,
  };
}
