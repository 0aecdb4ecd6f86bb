/**
 * The split search of the CART learner: from a node's class histogram, the split with the best
 * Gini or entropy decrease, and scikit-learn's rules for when a node stays a leaf.
 *
 * A histogram counts the node's rows per class and global bin (class-major), so a feature's
 * candidate thresholds are its bin boundaries, scanned left to right with running class counts.
 *
 * @module
 */

import { createRandom } from "../random.ts";
import type { BinnedFeatures } from "./binning.ts";
import type { ResolvedParams } from "./hyperparameters.ts";

/** scikit-learn's `EPSILON` (`np.finfo("double").eps`) used in its leaf and decrease tests. */
const EPSILON = 2.220446049250313e-16;

/** Where {@linkcode SplitSearch.find} records the best split of a node. */
export interface SplitTarget {
  /** The feature the node tests. */
  splitFeature: number;
  /** The feature's last bin that goes to the left child. */
  splitBin: number;
  /** Weighted impurity decrease of the split, scikit-learn's formula. */
  improvement: number;
}

/** Impurity of weighted class counts `w` whose sum is `total`. */
function impurity(criterion: "gini" | "entropy", w: Float64Array, total: number): number {
  if (total <= 0) return 0;
  let result = criterion === "gini" ? 1 : 0;
  for (let k = 0; k < w.length; k++) {
    const p = w[k] / total;
    if (criterion === "gini") result -= p * p;
    else if (p > 0) result -= p * Math.log2(p);
  }
  return result;
}

/** The bins a split search scans: how many each feature has and where they start. */
export type SearchBins = Pick<BinnedFeatures, "binCounts" | "binOffsets" | "columns">;

/** The summed class weight of rows labelled `labels`, as the split search needs it. */
export function totalWeightOf(labels: Int32Array, classWeight: Float64Array): number {
  let totalWeight = 0;
  for (let i = 0; i < labels.length; i++) totalWeight += classWeight[labels[i]];
  return totalWeight;
}

/** Whether a search with `params` over `columns` features searches them all (draws none). */
export function drawsNoFeatures(params: ResolvedParams, columns: number): boolean {
  return params.maxFeatures >= columns;
}

/** One feature of a node, as the split search scans it. */
interface FeatureScan {
  /** The feature. */
  readonly feature: number;
  /** Rows of the node. */
  readonly rows: number;
  /** The feature's bins. */
  readonly bins: number;
  /** Where its bins start in the global bin numbering. */
  readonly offset: number;
}

/**
 * Finds the best split of each node of one fit; it owns the seeded feature draws. Without draws
 * (every feature searched at every node) a search depends on nothing but the node, so a row
 * worker's own search finds the same split, bit for bit, as the main thread's.
 */
export class SplitSearch {
  private readonly binned: SearchBins;
  private readonly params: ResolvedParams;
  private readonly classCount: number;
  /** Bins of all features: the length of one class's row of a histogram. */
  private readonly totalBins: number;
  private readonly random: () => number;
  private readonly featureOrder: Int32Array;
  private readonly totalWeight: number;
  private readonly leftCounts: Float64Array;
  private readonly weighted: Float64Array;
  private readonly weightedRight: Float64Array;
  /** The best threshold found so far in one {@linkcode SplitSearch.find}. */
  private readonly best = { proxy: -Infinity, feature: -1, bin: -1 };

  /**
   * Prepares the search over `binned`'s bins for rows whose class weights sum to `totalWeight`
   * ({@linkcode totalWeightOf} the labels).
   */
  constructor(binned: SearchBins, params: ResolvedParams, options: { totalWeight: number }) {
    const classCount = params.classWeight.length;
    this.binned = binned;
    this.params = params;
    this.classCount = classCount;
    this.totalBins = binned.binOffsets[binned.columns];
    this.random = createRandom(params.seed);
    this.featureOrder = new Int32Array(binned.columns);
    for (let c = 0; c < binned.columns; c++) this.featureOrder[c] = c;
    this.totalWeight = options.totalWeight;
    this.leftCounts = new Float64Array(classCount);
    this.weighted = new Float64Array(classCount);
    this.weightedRight = new Float64Array(classCount);
  }

  /** Weighted impurity of unweighted class counts. */
  private nodeImpurity(counts: Float64Array): { impurity: number; weight: number } {
    const w = this.weighted;
    let weight = 0;
    for (let k = 0; k < this.classCount; k++) {
      w[k] = counts[k] * this.params.classWeight[k];
      weight += w[k];
    }
    return { impurity: impurity(this.params.criterion, w, weight), weight };
  }

  /** Whether every feature is searched at every node: no draws, so no order between searches. */
  get drawsNothing(): boolean {
    return drawsNoFeatures(this.params, this.binned.columns);
  }

  /** Whether a node is a leaf before any split search (scikit-learn's first test). */
  isLeafBySize(counts: Float64Array, depth: number): boolean {
    let n = 0;
    for (let k = 0; k < this.classCount; k++) n += counts[k];
    const p = this.params;
    if (depth >= p.maxDepth || n < p.minSamplesSplit || n < 2 * p.minSamplesLeaf) return true;
    return this.nodeImpurity(counts).impurity <= EPSILON;
  }

  /**
   * Scans the thresholds of one feature with running class counts, raising {@linkcode best}
   * where a threshold beats it; returns whether any threshold splits the node's `rows` rows.
   */
  private scanFeature(
    histogram: Int32Array,
    counts: Float64Array,
    scan: FeatureScan,
  ): boolean {
    const totalBins = this.totalBins;
    const k = this.classCount;
    const cw = this.params.classWeight;
    const minLeaf = this.params.minSamplesLeaf;
    const gini = this.params.criterion === "gini";
    const { feature: f, rows: n, bins, offset } = scan;
    const best = this.best;
    const left = this.leftCounts;
    left.fill(0);
    let nLeft = 0;
    let splittable = false;
    for (let b = 0; b < bins - 1; b++) {
      let inBin = 0;
      for (let j = 0; j < k; j++) {
        const c = histogram[j * totalBins + offset + b];
        left[j] += c;
        inBin += c;
      }
      if (inBin === 0) continue;
      nLeft += inBin;
      const nRight = n - nLeft;
      if (nRight === 0) break;
      splittable = true;
      if (nLeft < minLeaf) continue;
      if (nRight < minLeaf) break;
      let proxy: number;
      if (gini) {
        let wl = 0;
        let wr = 0;
        let sl = 0;
        let sr = 0;
        for (let j = 0; j < k; j++) {
          const l = left[j] * cw[j];
          const r = (counts[j] - left[j]) * cw[j];
          wl += l;
          wr += r;
          sl += l * l;
          sr += r * r;
        }
        proxy = sl / wl + sr / wr;
      } else {
        let wl = 0;
        let wr = 0;
        let sl = 0;
        let sr = 0;
        for (let j = 0; j < k; j++) {
          const l = left[j] * cw[j];
          const r = (counts[j] - left[j]) * cw[j];
          wl += l;
          wr += r;
          if (l > 0) sl += l * Math.log(l);
          if (r > 0) sr += r * Math.log(r);
        }
        proxy = sl - wl * Math.log(wl) + sr - wr * Math.log(wr);
      }
      if (proxy > best.proxy) {
        best.proxy = proxy;
        best.feature = f;
        best.bin = b;
      }
    }
    return splittable;
  }

  /**
   * {@linkcode SplitSearch.scanFeature} for Gini with at most four classes (most problems), the
   * running counts in locals instead of an array: the same arithmetic in the same order (a class
   * that is not there adds exact zeros), so the same split, bit for bit, 1.5-1.9x faster
   * (`bench/split_search.ts`).
   */
  private scanGiniFewClasses(
    histogram: Int32Array,
    counts: Float64Array,
    scan: FeatureScan,
  ): boolean {
    const totalBins = this.totalBins;
    const k = this.classCount;
    const cw = this.params.classWeight;
    const minLeaf = this.params.minSamplesLeaf;
    const { feature: f, rows: n, bins, offset } = scan;
    const best = this.best;
    // Per class: weight, count, and where its row of the histogram starts (a missing class
    // reads class 0's row, times a weight and count of 0).
    const w0 = cw[0];
    const w1 = k > 1 ? cw[1] : 0;
    const w2 = k > 2 ? cw[2] : 0;
    const w3 = k > 3 ? cw[3] : 0;
    const n0 = counts[0];
    const n1 = k > 1 ? counts[1] : 0;
    const n2 = k > 2 ? counts[2] : 0;
    const n3 = k > 3 ? counts[3] : 0;
    const at1 = k > 1 ? totalBins : 0;
    const at2 = k > 2 ? 2 * totalBins : 0;
    const at3 = k > 3 ? 3 * totalBins : 0;
    const on1 = k > 1 ? 1 : 0;
    const on2 = k > 2 ? 1 : 0;
    const on3 = k > 3 ? 1 : 0;
    let left0 = 0;
    let left1 = 0;
    let left2 = 0;
    let left3 = 0;
    let nLeft = 0;
    let splittable = false;
    for (let b = 0; b < bins - 1; b++) {
      const at = offset + b;
      const c0 = histogram[at];
      const c1 = histogram[at + at1] * on1;
      const c2 = histogram[at + at2] * on2;
      const c3 = histogram[at + at3] * on3;
      left0 += c0;
      left1 += c1;
      left2 += c2;
      left3 += c3;
      const inBin = c0 + c1 + c2 + c3;
      if (inBin === 0) continue;
      nLeft += inBin;
      const nRight = n - nLeft;
      if (nRight === 0) break;
      splittable = true;
      if (nLeft < minLeaf) continue;
      if (nRight < minLeaf) break;
      const l0 = left0 * w0;
      const l1 = left1 * w1;
      const l2 = left2 * w2;
      const l3 = left3 * w3;
      const r0 = (n0 - left0) * w0;
      const r1 = (n1 - left1) * w1;
      const r2 = (n2 - left2) * w2;
      const r3 = (n3 - left3) * w3;
      const wl = 0 + l0 + l1 + l2 + l3;
      const wr = 0 + r0 + r1 + r2 + r3;
      const sl = 0 + l0 * l0 + l1 * l1 + l2 * l2 + l3 * l3;
      const sr = 0 + r0 * r0 + r1 * r1 + r2 * r2 + r3 * r3;
      const proxy = sl / wl + sr / wr;
      if (proxy > best.proxy) {
        best.proxy = proxy;
        best.feature = f;
        best.bin = b;
      }
    }
    return splittable;
  }

  /**
   * Finds the best split of a node from its class `histogram` and unweighted class `counts`,
   * and records it in `target`. Returns false when the node must stay a leaf (no valid split,
   * or too small an impurity decrease).
   */
  find(histogram: Int32Array, counts: Float64Array, target: SplitTarget): boolean {
    const { binCounts, binOffsets, columns } = this.binned;
    const totalBins = this.totalBins;
    const k = this.classCount;
    const cw = this.params.classWeight;
    let n = 0;
    for (let j = 0; j < k; j++) n += counts[j];
    const best = this.best;
    best.proxy = -Infinity;
    best.feature = -1;
    best.bin = -1;
    const fewClasses = this.params.criterion === "gini" && k <= 4;
    const featureOrder = this.featureOrder;
    const drawAll = drawsNoFeatures(this.params, columns);
    let visited = 0;
    for (let i = 0; i < columns; i++) {
      if (!drawAll) {
        if (visited >= this.params.maxFeatures && best.feature >= 0) break;
        const pick = i + Math.floor(this.random() * (columns - i));
        const swap = featureOrder[i];
        featureOrder[i] = featureOrder[pick];
        featureOrder[pick] = swap;
      }
      const f = featureOrder[i];
      if (binCounts[f] < 2) continue;
      const scan = { feature: f, rows: n, bins: binCounts[f], offset: binOffsets[f] };
      const splittable = fewClasses
        ? this.scanGiniFewClasses(histogram, counts, scan)
        : this.scanFeature(histogram, counts, scan);
      // A feature counts towards max_features only if it is not constant in this node.
      if (splittable) visited++;
    }
    const bestFeature = best.feature;
    const bestBin = best.bin;
    const left = this.leftCounts;
    if (bestFeature < 0) return false;
    // Exact improvement, scikit-learn's formula.
    const offset = binOffsets[bestFeature];
    left.fill(0);
    for (let b = 0; b <= bestBin; b++) {
      for (let j = 0; j < k; j++) left[j] += histogram[j * totalBins + offset + b];
    }
    const wLeft = new Float64Array(k);
    const wRight = this.weightedRight;
    let sumLeft = 0;
    let sumRight = 0;
    for (let j = 0; j < k; j++) {
      wLeft[j] = left[j] * cw[j];
      wRight[j] = (counts[j] - left[j]) * cw[j];
      sumLeft += wLeft[j];
      sumRight += wRight[j];
    }
    const { impurity: parentImpurity, weight } = this.nodeImpurity(counts);
    const improvement = (weight / this.totalWeight) *
      (parentImpurity -
        (sumRight / weight) * impurity(this.params.criterion, wRight, sumRight) -
        (sumLeft / weight) * impurity(this.params.criterion, wLeft, sumLeft));
    if (improvement + EPSILON < this.params.minImpurityDecrease) return false;
    target.splitFeature = bestFeature;
    target.splitBin = bestBin;
    target.improvement = improvement;
    return true;
  }
}
