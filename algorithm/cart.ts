/**
 * Our CART decision-tree classifier (`algorithm=cart`, the default), with scikit-learn's
 * hyperparameters, defaults and split rules.
 *
 * How it learns: every feature is first binned (see `cart_binning.ts`): a feature with at most
 * `max_bins` distinct values keeps one bin per value, so its splits are exact, the same candidate
 * thresholds as scikit-learn; a feature with more gets `max_bins` quantile bins. A node's split
 * search then reads a class-count histogram per feature instead of sorting its rows, and the
 * larger child's histogram is the parent's minus the smaller child's, so each level of the tree
 * only touches the rows of the smaller children. Without `max_leaf_nodes` the tree grows depth
 * first; with it, best first by impurity decrease, as scikit-learn does.
 *
 * A threshold lies halfway between the largest training value left of it and the smallest right
 * of it, and a record goes left when `value <= threshold`.
 *
 * NaN rule: NaN is treated as larger than every number, in training and in prediction alike, so a
 * NaN feature always goes to the right child (`NaN <= threshold` is false).
 *
 * The fitted tree is flat typed arrays: `feature`, `threshold`, `left`, `right` per node and the
 * class-weighted class counts `value` (node-major). Leaves have `left = right = -1` and
 * `feature = -2`, as in scikit-learn. Predicting one record is a few array reads per level.
 *
 * @module
 */

import { binFeatures, type BinnedFeatures } from "./cart_binning.ts";
import { createRandom } from "./random.ts";
import type { HyperparameterSpecs, HyperparameterValues } from "./hyperparameters.ts";
import {
  type Algorithm,
  AlgorithmError,
  type Dataset,
  type FitOptions,
  type Matrix,
  type Model,
  type ModelHeader,
} from "./types.ts";

/** scikit-learn's `EPSILON` (`np.finfo("double").eps`) used in its leaf and decrease tests. */
const EPSILON = 2.220446049250313e-16;

/** Histograms of frontier nodes kept for the subtraction trick are capped at this many bytes. */
const HISTOGRAM_BUDGET_BYTES = 128 * 1024 * 1024;

/** Milliseconds of work between two yields to the event loop during fit. */
const YIELD_EVERY_MS = 100;

/** Parses a count-or-fraction like scikit-learn's `min_samples_split` (int >= 2 or float <= 1). */
function parseMinSamplesSplit(text: string): number {
  const value = Number(text);
  if (/^\+?\d+$/.test(text)) {
    if (!Number.isSafeInteger(value) || value < 2) throw new Error("out of range");
    return value;
  }
  if (!Number.isFinite(value) || value <= 0 || value > 1) throw new Error("out of range");
  return value;
}

/** Parses a count-or-fraction like scikit-learn's `min_samples_leaf` (int >= 1 or float < 1). */
function parseMinSamplesLeaf(text: string): number {
  const value = Number(text);
  if (/^\+?\d+$/.test(text)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new Error("out of range");
    return value;
  }
  if (!Number.isFinite(value) || value <= 0 || value >= 1) throw new Error("out of range");
  return value;
}

/** Parses `max_features`: sqrt, log2, none, an int >= 1 or a float in (0, 1]. */
function parseMaxFeatures(text: string): string | number | null {
  const lower = text.toLowerCase();
  if (lower === "sqrt" || lower === "log2") return lower;
  if (lower === "none" || lower === "null" || lower === "") return null;
  const value = Number(text);
  if (/^\+?\d+$/.test(text)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new Error("out of range");
    return value;
  }
  if (!Number.isFinite(value) || value <= 0 || value > 1) throw new Error("out of range");
  // A fraction of 1.0 means every feature; keeping it apart from the integer 1 needs null.
  return value === 1 ? null : value;
}

/** Parses `class_weight`: balanced or none. */
function parseClassWeight(text: string): string | null {
  const lower = text.toLowerCase();
  if (lower === "balanced") return "balanced";
  if (lower === "none" || lower === "null" || lower === "") return null;
  throw new Error("not a class weight");
}

/** The hyperparameters `algorithm=cart` accepts, with scikit-learn's defaults. */
export const CART_HYPERPARAMETERS: HyperparameterSpecs = {
  criterion: {
    kind: "choice",
    default: "gini",
    values: ["gini", "entropy", "log_loss"],
    doc: "Impurity measure of a split: gini, or entropy (log_loss is the same as entropy)",
  },
  max_depth: {
    kind: "integer",
    default: null,
    min: 1,
    nullable: true,
    doc: "Maximum depth of the tree; none grows until leaves are pure or too small to split",
  },
  min_samples_split: {
    kind: "custom",
    default: 2,
    accepted: "an integer >= 2, or a fraction of the rows in (0, 1]",
    parse: parseMinSamplesSplit,
    doc: "Fewest rows a node needs to be split",
  },
  min_samples_leaf: {
    kind: "custom",
    default: 1,
    accepted: "an integer >= 1, or a fraction of the rows in (0, 1)",
    parse: parseMinSamplesLeaf,
    doc: "Fewest rows each child of a split must get",
  },
  max_leaf_nodes: {
    kind: "integer",
    default: null,
    min: 2,
    nullable: true,
    doc: "Maximum number of leaves, grown best first by impurity decrease; none for no limit",
  },
  min_impurity_decrease: {
    kind: "number",
    default: 0,
    min: 0,
    doc: "A node is split only if the weighted impurity decrease is at least this much",
  },
  max_features: {
    kind: "custom",
    default: null,
    accepted: "sqrt, log2, none, an integer >= 1, or a fraction of the features in (0, 1]",
    parse: parseMaxFeatures,
    doc: "Features drawn at random at each split; none for all of them",
  },
  random_state: {
    kind: "integer",
    default: null,
    min: 0,
    max: 4_294_967_295,
    nullable: true,
    doc: "Seed of the feature draws; none for a different tree each time",
  },
  class_weight: {
    kind: "custom",
    default: null,
    accepted: "balanced or none",
    parse: parseClassWeight,
    doc: "balanced weighs each class by rows / (classes * rows of the class)",
  },
  max_bins: {
    kind: "integer",
    default: 256,
    min: 2,
    max: 65_536,
    doc: "Histogram bins per feature; a feature with at most this many distinct values " +
      "is split exactly, like scikit-learn",
  },
};

/** Hyperparameters after resolving fractions and words against the data. */
interface ResolvedParams {
  criterion: "gini" | "entropy";
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  maxLeafNodes: number;
  minImpurityDecrease: number;
  maxFeatures: number;
  seed: number;
  classWeight: Float64Array;
  maxBins: number;
}

function resolveParams(
  params: HyperparameterValues,
  rows: number,
  columns: number,
  classCounts: Float64Array,
): ResolvedParams {
  const leafParam = Number(params.min_samples_leaf ?? 1);
  const minSamplesLeaf = Number.isInteger(leafParam) && leafParam >= 1
    ? leafParam
    : Math.ceil(leafParam * rows);
  const splitParam = Number(params.min_samples_split ?? 2);
  let minSamplesSplit = Number.isInteger(splitParam) && splitParam >= 2
    ? splitParam
    : Math.max(2, Math.ceil(splitParam * rows));
  minSamplesSplit = Math.max(minSamplesSplit, 2 * minSamplesLeaf);
  const featuresParam = params.max_features ?? null;
  let maxFeatures: number;
  if (featuresParam === null) maxFeatures = columns;
  else if (featuresParam === "sqrt") maxFeatures = Math.max(1, Math.floor(Math.sqrt(columns)));
  else if (featuresParam === "log2") maxFeatures = Math.max(1, Math.floor(Math.log2(columns)));
  else if (typeof featuresParam === "number" && Number.isInteger(featuresParam)) {
    if (featuresParam > columns) {
      throw new Error(
        `Invalid hyperparameter max_features=${featuresParam}: the data has ${columns} features`,
      );
    }
    maxFeatures = featuresParam;
  } else maxFeatures = Math.max(1, Math.floor(Number(featuresParam) * columns));
  const classCount = classCounts.length;
  const classWeight = new Float64Array(classCount).fill(1);
  if (params.class_weight === "balanced") {
    // scikit-learn: n_samples / (n_classes * bincount(y)), over the classes present.
    let present = 0;
    for (let k = 0; k < classCount; k++) if (classCounts[k] > 0) present++;
    for (let k = 0; k < classCount; k++) {
      classWeight[k] = classCounts[k] > 0 ? rows / (present * classCounts[k]) : 1;
    }
  }
  const seed = params.random_state === null || params.random_state === undefined
    ? Math.floor(Math.random() * 4_294_967_296)
    : Number(params.random_state);
  return {
    criterion: params.criterion === "entropy" || params.criterion === "log_loss"
      ? "entropy"
      : "gini",
    maxDepth: params.max_depth === null || params.max_depth === undefined
      ? 2_147_483_647
      : Number(params.max_depth),
    minSamplesSplit,
    minSamplesLeaf,
    maxLeafNodes: params.max_leaf_nodes === null || params.max_leaf_nodes === undefined
      ? Infinity
      : Number(params.max_leaf_nodes),
    minImpurityDecrease: Number(params.min_impurity_decrease ?? 0),
    maxFeatures,
    seed,
    classWeight,
    maxBins: Number(params.max_bins ?? 256),
  };
}

/** The fitted tree as flat arrays; node 0 is the root. */
export interface FlatTree {
  /** Number of nodes. */
  readonly nodes: number;
  /** Number of classes; `value` has `nodes * classCount` entries. */
  readonly classCount: number;
  /** Feature tested at each node; -2 at a leaf. */
  readonly feature: Int32Array;
  /** A record goes left when its feature value is <= the threshold. */
  readonly threshold: Float64Array;
  /** Left child of each node; -1 at a leaf. */
  readonly left: Int32Array;
  /** Right child of each node; -1 at a leaf. */
  readonly right: Int32Array;
  /** Class-weighted training class counts of each node, node-major. */
  readonly value: Float64Array;
}

/** A record of the node being grown: its rows and, when searched, its best split. */
interface Candidate {
  node: number;
  start: number;
  end: number;
  depth: number;
  /** Unweighted class counts. */
  counts: Float64Array;
  /** Class histogram over the global bins, class-major, or null when it was not kept. */
  histogram: Int32Array | null;
  splitFeature: number;
  splitBin: number;
  improvement: number;
}

/**
 * Builds the class histogram of rows `[start, end)` into `histogram` (class-major). The rows
 * are in node order: the builder keeps every node's rows contiguous.
 */
function fillHistogram(
  histogram: Int32Array,
  binned: BinnedFeatures,
  labels: Int32Array,
  start: number,
  end: number,
): void {
  histogram.fill(0);
  const { codes, columns, binOffsets, stride } = binned;
  const totalBins = binOffsets[columns];
  for (let i = start; i < end; i++) {
    const base = i * stride;
    const classBase = labels[i] * totalBins;
    for (let c = 0; c < columns; c++) {
      histogram[classBase + binOffsets[c] + codes[base + c]]++;
    }
  }
}

function subtractHistogram(target: Int32Array, minus: Int32Array): void {
  for (let i = 0; i < target.length; i++) target[i] -= minus[i];
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

/** Grows a tree on binned data. */
class TreeBuilder {
  readonly binned: BinnedFeatures;
  readonly labels: Int32Array;
  readonly params: ResolvedParams;
  readonly classCount: number;
  /** The rows' bin codes as 32-bit words, moved so that every node's rows are contiguous. */
  readonly words: Uint32Array;
  readonly wordsPerRow: number;
  /** Labels in the same (node) order as `words`. */
  readonly rowLabels: Int32Array;
  scratchWords = new Uint32Array(0);
  scratchLabels = new Int32Array(0);
  readonly random: () => number;
  readonly featureOrder: Int32Array;
  readonly histogramLength: number;
  readonly totalWeight: number;
  readonly leftCounts: Float64Array;
  readonly weighted: Float64Array;
  readonly weightedRight: Float64Array;
  spareHistograms: Int32Array[] = [];
  liveHistogramBytes = 0;
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  nodes = 0;
  leaves = 0;
  depth = 0;

  constructor(
    binned: BinnedFeatures,
    labels: Int32Array,
    params: ResolvedParams,
    classCount: number,
  ) {
    this.binned = binned;
    this.labels = labels;
    this.params = params;
    this.classCount = classCount;
    const codes = binned.codes;
    this.words = new Uint32Array(codes.buffer, codes.byteOffset, codes.byteLength / 4);
    this.wordsPerRow = binned.rows === 0 ? 0 : this.words.length / binned.rows;
    this.rowLabels = Int32Array.from(labels);
    this.random = createRandom(params.seed);
    this.featureOrder = new Int32Array(binned.columns);
    for (let c = 0; c < binned.columns; c++) this.featureOrder[c] = c;
    this.histogramLength = binned.binOffsets[binned.columns] * classCount;
    let totalWeight = 0;
    for (let i = 0; i < labels.length; i++) totalWeight += params.classWeight[labels[i]];
    this.totalWeight = totalWeight;
    this.leftCounts = new Float64Array(classCount);
    this.weighted = new Float64Array(classCount);
    this.weightedRight = new Float64Array(classCount);
    const capacity = 1024;
    this.feature = new Int32Array(capacity);
    this.threshold = new Float64Array(capacity);
    this.left = new Int32Array(capacity);
    this.right = new Int32Array(capacity);
    this.value = new Float64Array(capacity * classCount);
  }

  takeHistogram(): Int32Array {
    this.liveHistogramBytes += this.histogramLength * 4;
    return this.spareHistograms.pop() ?? new Int32Array(this.histogramLength);
  }

  releaseHistogram(histogram: Int32Array | null): void {
    if (histogram === null) return;
    this.liveHistogramBytes -= this.histogramLength * 4;
    if (this.spareHistograms.length < 8) this.spareHistograms.push(histogram);
  }

  /** Appends a node (as a leaf) and returns its id. */
  addNode(counts: Float64Array, depth: number): number {
    if (this.nodes === this.feature.length) this.grow();
    const id = this.nodes++;
    this.feature[id] = -2;
    this.threshold[id] = -2;
    this.left[id] = -1;
    this.right[id] = -1;
    const k = this.classCount;
    for (let j = 0; j < k; j++) this.value[id * k + j] = counts[j] * this.params.classWeight[j];
    this.leaves++;
    if (depth > this.depth) this.depth = depth;
    return id;
  }

  grow(): void {
    const capacity = this.feature.length * 2;
    const feature = new Int32Array(capacity);
    feature.set(this.feature);
    this.feature = feature;
    const threshold = new Float64Array(capacity);
    threshold.set(this.threshold);
    this.threshold = threshold;
    const left = new Int32Array(capacity);
    left.set(this.left);
    this.left = left;
    const right = new Int32Array(capacity);
    right.set(this.right);
    this.right = right;
    const value = new Float64Array(capacity * this.classCount);
    value.set(this.value);
    this.value = value;
  }

  /** Weighted impurity of unweighted class counts. */
  nodeImpurity(counts: Float64Array): { impurity: number; weight: number } {
    const w = this.weighted;
    let weight = 0;
    for (let k = 0; k < this.classCount; k++) {
      w[k] = counts[k] * this.params.classWeight[k];
      weight += w[k];
    }
    return { impurity: impurity(this.params.criterion, w, weight), weight };
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
   * Finds the best split of a candidate from its histogram and records it. Returns false when
   * the node must stay a leaf (no valid split, or too small an impurity decrease).
   */
  searchSplit(candidate: Candidate): boolean {
    const histogram = candidate.histogram!;
    const { binCounts, binOffsets, columns } = this.binned;
    const totalBins = binOffsets[columns];
    const k = this.classCount;
    const cw = this.params.classWeight;
    const minLeaf = this.params.minSamplesLeaf;
    const gini = this.params.criterion === "gini";
    const counts = candidate.counts;
    let n = 0;
    for (let j = 0; j < k; j++) n += counts[j];
    const left = this.leftCounts;
    let bestProxy = -Infinity;
    let bestFeature = -1;
    let bestBin = -1;
    const featureOrder = this.featureOrder;
    const drawAll = this.params.maxFeatures >= columns;
    let visited = 0;
    for (let i = 0; i < columns; i++) {
      if (!drawAll) {
        if (visited >= this.params.maxFeatures && bestFeature >= 0) break;
        const pick = i + Math.floor(this.random() * (columns - i));
        const swap = featureOrder[i];
        featureOrder[i] = featureOrder[pick];
        featureOrder[pick] = swap;
      }
      const f = featureOrder[i];
      const bins = binCounts[f];
      if (bins < 2) continue;
      const offset = binOffsets[f];
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
        if (proxy > bestProxy) {
          bestProxy = proxy;
          bestFeature = f;
          bestBin = b;
        }
      }
      // A feature counts towards max_features only if it is not constant in this node.
      if (splittable) visited++;
    }
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
    candidate.splitFeature = bestFeature;
    candidate.splitBin = bestBin;
    candidate.improvement = improvement;
    return true;
  }

  /**
   * Moves the rows of `[start, end)` whose code of feature `f` is <= `bin` before the others,
   * keeping their order, and returns where the right rows start.
   */
  partition(start: number, end: number, f: number, bin: number, rightRows: number): number {
    const { codes, stride } = this.binned;
    const words = this.words;
    const labels = this.rowLabels;
    const perRow = this.wordsPerRow;
    if (this.scratchLabels.length < rightRows) {
      this.scratchLabels = new Int32Array(rightRows);
      this.scratchWords = new Uint32Array(rightRows * perRow);
    }
    const scratch = this.scratchWords;
    const scratchLabels = this.scratchLabels;
    let write = start;
    let aside = 0;
    for (let i = start; i < end; i++) {
      const from = i * perRow;
      if (codes[i * stride + f] <= bin) {
        if (write !== i) {
          const to = write * perRow;
          for (let w = 0; w < perRow; w++) words[to + w] = words[from + w];
          labels[write] = labels[i];
        }
        write++;
      } else {
        const to = aside * perRow;
        for (let w = 0; w < perRow; w++) scratch[to + w] = words[from + w];
        scratchLabels[aside++] = labels[i];
      }
    }
    words.set(scratch.subarray(0, aside * perRow), write * perRow);
    labels.set(scratchLabels.subarray(0, aside), write);
    return write;
  }

  /** Makes a node for rows `[start, end)`; returns a candidate if it can be split. */
  prepare(
    start: number,
    end: number,
    depth: number,
    counts: Float64Array,
    histogram: Int32Array | null,
  ): Candidate | null {
    const node = this.addNode(counts, depth);
    const candidate: Candidate = {
      node,
      start,
      end,
      depth,
      counts,
      histogram,
      splitFeature: -1,
      splitBin: -1,
      improvement: 0,
    };
    if (histogram === null) {
      candidate.histogram = this.takeHistogram();
      fillHistogram(candidate.histogram, this.binned, this.rowLabels, start, end);
    }
    if (!this.searchSplit(candidate)) {
      this.releaseHistogram(candidate.histogram);
      return null;
    }
    if (this.liveHistogramBytes > HISTOGRAM_BUDGET_BYTES) {
      this.releaseHistogram(candidate.histogram);
      candidate.histogram = null;
    }
    return candidate;
  }

  /** Splits a candidate's node; returns the children that can be split further. */
  split(candidate: Candidate): Candidate[] {
    const { columns, binOffsets, binLow, binHigh } = this.binned;
    const totalBins = binOffsets[columns];
    const f = candidate.splitFeature;
    const b = candidate.splitBin;
    const k = this.classCount;
    if (candidate.histogram === null) {
      candidate.histogram = this.takeHistogram();
      fillHistogram(
        candidate.histogram,
        this.binned,
        this.rowLabels,
        candidate.start,
        candidate.end,
      );
    }
    const histogram = candidate.histogram;
    // The threshold lies between the highest value left and the lowest value right of it.
    const offset = binOffsets[f];
    let next = b + 1;
    for (;; next++) {
      let inBin = 0;
      for (let j = 0; j < k; j++) inBin += histogram[j * totalBins + offset + next];
      if (inBin > 0) break;
    }
    const low = binHigh[offset + b];
    const high = binLow[offset + next];
    let threshold = low / 2 + high / 2;
    if (threshold === high || !Number.isFinite(threshold)) threshold = low;
    const leftCounts = new Float64Array(k);
    const rightCounts = new Float64Array(k);
    for (let bin = 0; bin <= b; bin++) {
      for (let c = 0; c < k; c++) leftCounts[c] += histogram[c * totalBins + offset + bin];
    }
    let rightRows = 0;
    for (let c = 0; c < k; c++) {
      rightCounts[c] = candidate.counts[c] - leftCounts[c];
      rightRows += rightCounts[c];
    }
    // Partition the rows: left when the bin code is <= b.
    const middle = this.partition(candidate.start, candidate.end, f, b, rightRows);
    const depth = candidate.depth + 1;
    const needLeft = !this.isLeafBySize(leftCounts, depth);
    const needRight = !this.isLeafBySize(rightCounts, depth);
    let leftHistogram: Int32Array | null = null;
    let rightHistogram: Int32Array | null = null;
    const leftSmaller = middle - candidate.start <= candidate.end - middle;
    if (needLeft || needRight) {
      const small = this.takeHistogram();
      if (leftSmaller) {
        fillHistogram(small, this.binned, this.rowLabels, candidate.start, middle);
      } else fillHistogram(small, this.binned, this.rowLabels, middle, candidate.end);
      const needSmall = leftSmaller ? needLeft : needRight;
      const needLarge = leftSmaller ? needRight : needLeft;
      let large: Int32Array | null = null;
      if (needLarge) {
        subtractHistogram(histogram, small);
        large = histogram;
      } else this.releaseHistogram(histogram);
      let smallKept: Int32Array | null = small;
      if (!needSmall) {
        this.releaseHistogram(small);
        smallKept = null;
      }
      leftHistogram = leftSmaller ? smallKept : large;
      rightHistogram = leftSmaller ? large : smallKept;
    } else this.releaseHistogram(histogram);
    candidate.histogram = null;
    const node = candidate.node;
    this.leaves--; // the node stops being a leaf
    this.feature[node] = f;
    this.threshold[node] = threshold;
    const children: Candidate[] = [];
    this.left[node] = this.nodes;
    if (needLeft) {
      const child = this.prepare(candidate.start, middle, depth, leftCounts, leftHistogram);
      if (child !== null) children.push(child);
    } else this.addNode(leftCounts, depth);
    this.right[node] = this.nodes;
    if (needRight) {
      const child = this.prepare(middle, candidate.end, depth, rightCounts, rightHistogram);
      if (child !== null) children.push(child);
    } else this.addNode(rightCounts, depth);
    return children;
  }

  tree(): FlatTree {
    const n = this.nodes;
    return {
      nodes: n,
      classCount: this.classCount,
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      value: this.value.slice(0, n * this.classCount),
    };
  }
}

/** A max-heap of candidates by improvement (earlier node first on ties). */
class CandidateHeap {
  items: Candidate[] = [];

  get size(): number {
    return this.items.length;
  }

  static before(a: Candidate, b: Candidate): boolean {
    return a.improvement > b.improvement || (a.improvement === b.improvement && a.node < b.node);
  }

  push(item: Candidate): void {
    const items = this.items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!CandidateHeap.before(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): Candidate {
    const items = this.items;
    const top = items[0];
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && CandidateHeap.before(items[l], items[best])) best = l;
        if (r < items.length && CandidateHeap.before(items[r], items[best])) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best], items[i]];
        i = best;
      }
    }
    return top;
  }
}

/** Waits for a macrotask every {@linkcode YIELD_EVERY_MS} and stops when the signal aborts. */
function createCheckpoint(signal: AbortSignal | undefined): () => Promise<void> {
  let last = performance.now();
  return async function checkpoint(): Promise<void> {
    const now = performance.now();
    if (now - last < YIELD_EVERY_MS) return;
    await new Promise((resolve) => setTimeout(resolve, 0));
    last = performance.now();
    if (signal?.aborted) throw signal.reason;
  };
}

/** Effective hyperparameters recorded in the model file. */
type EffectiveParams = Record<string, string | number | null>;

/** Fits a flat CART tree; exported for tests and benchmarks that want the raw arrays. */
export async function fitTree(
  data: Dataset,
  params: HyperparameterValues,
  options: FitOptions = {},
): Promise<{ tree: FlatTree; depth: number; leaves: number; params: EffectiveParams }> {
  const { features, labels, classes } = data;
  const { rows, columns } = features;
  if (rows === 0) throw new Error("Cannot fit a tree to 0 rows");
  if (labels.length !== rows) {
    throw new Error(`Cannot fit a tree: ${rows} rows but ${labels.length} labels`);
  }
  if (features.data.length !== rows * columns) {
    throw new Error(
      `Cannot fit a tree: expected ${rows * columns} feature values, found ${features.data.length}`,
    );
  }
  const classCount = classes.length;
  const classCounts = new Float64Array(classCount);
  for (let i = 0; i < rows; i++) {
    const y = labels[i];
    if (!(y >= 0 && y < classCount)) {
      throw new Error(`Cannot fit a tree: label ${y} of row ${i} is not a class index`);
    }
    classCounts[y]++;
  }
  options.signal?.throwIfAborted();
  const resolved = resolveParams(params, rows, columns, classCounts);
  const checkpoint = createCheckpoint(options.signal);
  const started = performance.now();
  const binned = await binFeatures(features, resolved.maxBins, { checkpoint });
  options.log?.(
    `cart: binned ${rows} rows x ${columns} features in ${
      Math.round(performance.now() - started)
    } ms`,
  );
  const builder = new TreeBuilder(binned, labels, resolved, classCount);
  const bestFirst = Number.isFinite(resolved.maxLeafNodes);
  const root = builder.isLeafBySize(classCounts, 0)
    ? (builder.addNode(classCounts, 0), null)
    : builder.prepare(0, rows, 0, classCounts, null);
  if (root !== null) {
    if (bestFirst) {
      const heap = new CandidateHeap();
      heap.push(root);
      while (heap.size > 0 && builder.leaves < resolved.maxLeafNodes) {
        for (const child of builder.split(heap.pop())) heap.push(child);
        await checkpoint();
      }
      for (const rest of heap.items) builder.releaseHistogram(rest.histogram);
    } else {
      const stack: Candidate[] = [root];
      while (stack.length > 0) {
        const children = builder.split(stack.pop()!);
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
        await checkpoint();
      }
    }
  }
  options.log?.(
    `cart: grew ${builder.leaves} leaves, depth ${builder.depth} in ${
      Math.round(performance.now() - started)
    } ms`,
  );
  return {
    tree: builder.tree(),
    depth: builder.depth,
    leaves: builder.leaves,
    params: {
      criterion: resolved.criterion,
      max_depth: Number.isFinite(resolved.maxDepth) && resolved.maxDepth < 2_147_483_647
        ? resolved.maxDepth
        : null,
      min_samples_split: resolved.minSamplesSplit,
      min_samples_leaf: resolved.minSamplesLeaf,
      max_leaf_nodes: bestFirst ? resolved.maxLeafNodes : null,
      min_impurity_decrease: resolved.minImpurityDecrease,
      max_features: resolved.maxFeatures,
      random_state: resolved.seed,
      class_weight: params.class_weight === "balanced" ? "balanced" : null,
      max_bins: resolved.maxBins,
    },
  };
}

/** Predictions of up to this many rows are cut from a shared slab (see `labelArray`). */
const SLAB_ROWS = 256;
let labelSlab = new Int32Array(16_384);
let labelSlabUsed = 0;

/**
 * A new Int32Array of `rows` zeros. Small ones are views of a slab, each of memory no other
 * view shares, because allocating a typed array costs about 0.3 µs (a serving worker predicts
 * one row per request; see `bench/one_record.ts`) and a view about 0.03 µs. A slab is freed
 * once no view of it is left.
 */
function labelArray(rows: number): Int32Array {
  if (rows > SLAB_ROWS) return new Int32Array(rows);
  if (labelSlabUsed + rows > labelSlab.length) {
    labelSlab = new Int32Array(labelSlab.length);
    labelSlabUsed = 0;
  }
  const out = labelSlab.subarray(labelSlabUsed, labelSlabUsed + rows);
  labelSlabUsed += rows;
  return out;
}

/** A fitted CART tree, ready to predict. */
export class CartModel implements Model {
  /** Number of features every record must have. */
  readonly featureCount: number;
  /** The class labels; predictions are indices into this list. */
  readonly classes: readonly string[];
  /** The flat tree. */
  readonly tree: FlatTree;
  /** Depth of the deepest leaf (the root alone has depth 0). */
  readonly depth: number;
  /** Number of leaves. */
  readonly leaves: number;
  /** Effective hyperparameters the tree was grown with. */
  readonly params: EffectiveParams;
  /** Class probabilities of each node, node-major. */
  readonly probabilities: Float64Array;
  /** Most probable class of each node (the lowest index on ties, as numpy's argmax). */
  readonly nodeClass: Int32Array;

  /** Wraps a flat tree; `load` checks a tree read from a file before it gets here. */
  constructor(
    tree: FlatTree,
    header: ModelHeader,
    info: { depth: number; leaves: number; params: EffectiveParams },
  ) {
    this.tree = tree;
    this.featureCount = header.featureCount;
    this.classes = header.classes;
    this.depth = info.depth;
    this.leaves = info.leaves;
    this.params = info.params;
    const k = tree.classCount;
    this.probabilities = new Float64Array(tree.nodes * k);
    this.nodeClass = new Int32Array(tree.nodes);
    for (let node = 0; node < tree.nodes; node++) {
      let total = 0;
      for (let j = 0; j < k; j++) total += tree.value[node * k + j];
      let best = 0;
      for (let j = 0; j < k; j++) {
        const v = tree.value[node * k + j];
        this.probabilities[node * k + j] = total > 0 ? v / total : 1 / k;
        if (v > tree.value[node * k + best]) best = j;
      }
      this.nodeClass[node] = best;
    }
  }

  /** Finds the leaf of the record starting at `base` in `data`. */
  leafOf(data: Float64Array, base: number): number {
    const { feature, threshold, left, right } = this.tree;
    let node = 0;
    let next = left[0];
    while (next >= 0) {
      node = data[base + feature[node]] <= threshold[node] ? next : right[node];
      next = left[node];
    }
    return node;
  }

  checkColumns(features: Matrix): void {
    if (features.columns !== this.featureCount) {
      throw new AlgorithmError(
        400,
        `Cannot predict: expected ${this.featureCount} features per record, found ${features.columns}`,
      );
    }
  }

  /** Predicts the class index of every row. */
  predict(features: Matrix): Int32Array {
    this.checkColumns(features);
    const { rows, columns, data } = features;
    const out = labelArray(rows);
    const nodeClass = this.nodeClass;
    for (let r = 0; r < rows; r++) out[r] = nodeClass[this.leafOf(data, r * columns)];
    return out;
  }

  /** Predicts class probabilities from the leaf's class-weighted class fractions. */
  predictProba(features: Matrix): Float64Array {
    this.checkColumns(features);
    const { rows, columns, data } = features;
    const k = this.tree.classCount;
    const out = new Float64Array(rows * k);
    const probabilities = this.probabilities;
    for (let r = 0; r < rows; r++) {
      const leaf = this.leafOf(data, r * columns);
      for (let j = 0; j < k; j++) out[r * k + j] = probabilities[leaf * k + j];
    }
    return out;
  }

  /** A short description for logs. */
  describe(): Record<string, string | number> {
    return { algorithm: "cart", leaves: this.leaves, depth: this.depth, nodes: this.tree.nodes };
  }
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Base64 of the little-endian bytes of a typed array. */
function encodeArray(array: Int32Array | Float64Array): string {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (!LITTLE_ENDIAN) throw new Error("Cannot save a tree on a big-endian machine");
  return bytes.toBase64();
}

/** Decodes a base64 field of the saved model into bytes of the expected length. */
function decodeBytes(saved: Record<string, unknown>, name: string, byteLength: number): Uint8Array {
  const text = saved[name];
  if (typeof text !== "string") throw new Error(`Damaged cart model: ${name} is not a string`);
  let bytes: Uint8Array;
  try {
    bytes = Uint8Array.fromBase64(text);
  } catch {
    throw new Error(`Damaged cart model: ${name} is not valid base64`);
  }
  if (bytes.length !== byteLength) {
    throw new Error(
      `Damaged cart model: ${name} holds ${bytes.length} bytes, expected ${byteLength}`,
    );
  }
  return bytes;
}

/** The format tag and version written by {@linkcode cart}'s `save`. */
export const CART_FORMAT = { format: "cart-tree", version: 1 } as const;

function saveTree(model: Model): unknown {
  if (!(model instanceof CartModel)) throw new Error("Cannot save a model that is not a cart tree");
  const { tree } = model;
  return {
    ...CART_FORMAT,
    nodes: tree.nodes,
    leaves: model.leaves,
    depth: model.depth,
    classCount: tree.classCount,
    featureCount: model.featureCount,
    params: model.params,
    feature: encodeArray(tree.feature),
    threshold: encodeArray(tree.threshold),
    left: encodeArray(tree.left),
    right: encodeArray(tree.right),
    value: encodeArray(tree.value),
  };
}

function loadTree(saved: unknown, header: ModelHeader): Model {
  if (typeof saved !== "object" || saved === null || Array.isArray(saved)) {
    throw new Error("Damaged cart model: expected an object");
  }
  const s = saved as Record<string, unknown>;
  if (s.format !== CART_FORMAT.format || s.version !== CART_FORMAT.version) {
    throw new Error(
      `Cannot load cart model: format ${JSON.stringify(s.format)} version ${
        JSON.stringify(s.version)
      }, expected ${CART_FORMAT.format} version ${CART_FORMAT.version}`,
    );
  }
  const nodes = s.nodes;
  if (typeof nodes !== "number" || !Number.isSafeInteger(nodes) || nodes < 1) {
    throw new Error(
      `Damaged cart model: node count ${JSON.stringify(nodes)} is not an integer >= 1`,
    );
  }
  const k = header.classes.length;
  if (s.classCount !== k) {
    throw new Error(`Damaged cart model: ${s.classCount} classes, the header lists ${k}`);
  }
  if (s.featureCount !== header.featureCount) {
    throw new Error(
      `Damaged cart model: ${s.featureCount} features, the header says ${header.featureCount}`,
    );
  }
  const feature = new Int32Array(decodeBytes(s, "feature", nodes * 4).buffer);
  const threshold = new Float64Array(decodeBytes(s, "threshold", nodes * 8).buffer);
  const left = new Int32Array(decodeBytes(s, "left", nodes * 4).buffer);
  const right = new Int32Array(decodeBytes(s, "right", nodes * 4).buffer);
  const value = new Float64Array(decodeBytes(s, "value", nodes * k * 8).buffer);
  if (!LITTLE_ENDIAN) throw new Error("Cannot load a tree on a big-endian machine");
  // Structure: children come after their parent and every node but the root has one parent,
  // so the arrays form one tree and prediction always reaches a leaf.
  const parents = new Uint8Array(nodes);
  const depthOf = new Int32Array(nodes);
  const featureCount = header.featureCount;
  let leaves = 0;
  let depth = 0;
  for (let i = 0; i < nodes; i++) {
    const l = left[i];
    const r = right[i];
    if (l === -1 && r === -1) {
      leaves++;
      let total = 0;
      for (let j = 0; j < k; j++) {
        const v = value[i * k + j];
        if (!(v >= 0 && v < Infinity)) {
          throw new Error(`Damaged cart model: leaf ${i} has class count ${v}`);
        }
        total += v;
      }
      if (!(total > 0)) throw new Error(`Damaged cart model: leaf ${i} has no training rows`);
      if (depthOf[i] > depth) depth = depthOf[i];
      continue;
    }
    if (!(l > i && l < nodes && r > i && r < nodes && l !== r)) {
      throw new Error(`Damaged cart model: node ${i} has children ${l} and ${r}`);
    }
    if (!(feature[i] >= 0 && feature[i] < featureCount)) {
      throw new Error(
        `Damaged cart model: node ${i} tests feature ${feature[i]} of ${featureCount}`,
      );
    }
    if (threshold[i] !== threshold[i]) {
      throw new Error(`Damaged cart model: node ${i} has threshold NaN`);
    }
    if (parents[l]++ > 0 || parents[r]++ > 0) {
      throw new Error(`Damaged cart model: node ${i} shares a child with another node`);
    }
    depthOf[l] = depthOf[i] + 1;
    depthOf[r] = depthOf[i] + 1;
  }
  for (let i = 1; i < nodes; i++) {
    if (parents[i] !== 1) throw new Error(`Damaged cart model: node ${i} has no parent`);
  }
  if (s.leaves !== leaves || s.depth !== depth) {
    throw new Error(
      `Damaged cart model: it says ${s.leaves} leaves and depth ${s.depth}, ` +
        `the arrays hold ${leaves} leaves and depth ${depth}`,
    );
  }
  const params = typeof s.params === "object" && s.params !== null
    ? s.params as EffectiveParams
    : {};
  return new CartModel(
    { nodes, classCount: k, feature, threshold, left, right, value },
    header,
    { depth, leaves, params },
  );
}

/**
 * Our CART decision tree behind the {@linkcode Algorithm} interface (`algorithm=cart`).
 *
 * @example
 * ```ts
 * const model = await cart.fit(dataset, parseHyperparameters({ max_depth: "5" }, cart.hyperparameters));
 * const labels = model.predict(matrix);
 * ```
 */
export const cart: Algorithm = {
  name: "cart",
  hyperparameters: CART_HYPERPARAMETERS,

  async fit(data: Dataset, params: HyperparameterValues, options?: FitOptions): Promise<Model> {
    const fitted = await fitTree(data, params, options);
    return new CartModel(
      fitted.tree,
      { featureCount: data.features.columns, classes: data.classes },
      fitted,
    );
  },

  save: saveTree,
  load: loadTree,
};
