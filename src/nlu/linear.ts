/**
 * Multinomial logistic regression (softmax) over sparse hashed features,
 * trained by stochastic gradient descent: the learned part of the matcher.
 *
 * Why hand-written: the models are small (tens of thousands of features,
 * tens of classes), must train in seconds on a 2-core machine with no
 * native add-on and no model download, and must be deterministic (a fixed
 * seed, a fixed order). No npm package we found trains sparse softmax
 * regression in plain JavaScript; the whole algorithm is the ~100 lines
 * below.
 *
 * Sparse on purpose: each feature keeps weights only for the classes it was
 * seen with or confused with, so memory grows with what the content says,
 * not with features x classes. The gradient for a class the sample's
 * features never point at is left out (its probability is near 1/C and
 * falls as training goes on); classes that compete get their negative
 * weights, which is what makes the model discriminative.
 *
 * Example:
 *   const m = trainSoftmax([{ x: extract('papers interview'), y: 0 }, ...], ['hearing.documents', ...]);
 *   m.predict(extract('which documents for the hearing')) // Float64Array of probabilities
 */

import type { SparseVector } from './features.js';

/** One training example: raw feature counts (features.ts toSparse) and a class index. */
export interface Sample {
  x: SparseVector;
  y: number;
  /** How much the example counts (default 1). */
  weight?: number;
  /** Samples of one group (an example and its Latin-letter copy) are never each other's neighbours in cross-validation. */
  group?: number;
  /** A message of a language Lotse does not serve (its thresholds are its own: learned.ts). */
  unserved?: boolean;
}

export interface TrainOptions {
  epochs: number;
  /** Initial learning rate; it decays as 1/(1 + epoch/2). */
  lr: number;
  /** L2 penalty on the weights that are updated. */
  l2: number;
  seed: number;
}

/** 4 epochs: on the starter pack 4, 6 and 12 gave the same held-out accuracy (0.892-0.893), at a third of the time. */
export const DEFAULT_TRAIN: TrainOptions = { epochs: 4, lr: 1.0, l2: 1e-6, seed: 20261201 };

/** The serialisable state of a trained model (typed arrays: v8.serialize keeps them compact). */
export interface LinearModelData {
  classes: string[];
  /** Feature hashes, ascending. */
  hashes: Uint32Array;
  idf: Float32Array;
  /** Weights of feature i are cls/w[offsets[i] .. offsets[i+1]). */
  offsets: Uint32Array;
  /** Class of each weight: one byte a weight when there are at most 256 classes (model-cache.ts compactData), two otherwise. */
  cls: Uint8Array | Uint16Array;
  w: Float32Array;
  /** Weight of a feature never seen in training (it still dilutes the message's length). */
  unknownIdf: number;
  /** Per class: the score of a message the model knows nothing about (the learned prior). */
  bias: Float32Array;
}

/**
 * Where each run of hashes with the same top 16 bits starts (65,537 offsets,
 * 256 kB a model): a lookup then binary-searches a handful of hashes
 * instead of 250,000, which was an eighth of the matching time (three
 * models, a few hundred features a message). Built once per hash list.
 */
const buckets = new WeakMap<Uint32Array, Uint32Array>();
function bucketsOf(hashes: Uint32Array): Uint32Array {
  let b = buckets.get(hashes);
  if (!b) {
    b = new Uint32Array(65537);
    let k = 0;
    for (let top = 0; top < 65536; top++) {
      b[top] = k;
      while (k < hashes.length && hashes[k]! >>> 16 === top) k++;
    }
    b[65536] = hashes.length;
    buckets.set(hashes, b);
  }
  return b;
}

/** Position of hash `h` in an ascending list of feature hashes, or -1. */
export function indexOfHash(hashes: Uint32Array, h: number): number {
  return findHash(hashes, bucketsOf(hashes), h);
}

function findHash(hashes: Uint32Array, b: Uint32Array, h: number): number {
  const top = h >>> 16;
  let lo = b[top]!;
  let hi = b[top + 1]! - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = hashes[mid]!;
    if (v === h) return mid;
    if (v < h) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** A small deterministic PRNG (mulberry32) for the shuffles. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class LinearModel {
  readonly classes: string[];
  private readonly d: LinearModelData;
  private readonly scores: Float64Array;

  constructor(data: LinearModelData) {
    this.d = data;
    this.classes = data.classes;
    this.scores = new Float64Array(data.classes.length);
  }

  get data(): LinearModelData {
    return this.d;
  }

  /** Class probabilities for raw feature counts (a fresh array the caller may keep). */
  predict(x: Map<number, number> | SparseVector): Float64Array {
    return this.predictWeighed(weigh(this.d, x));
  }

  /**
   * Class probabilities for a message already weighed on this model's
   * features (`weigh`): the distress model and its neighbour index share
   * one weighing instead of each binary-searching the same hashes.
   */
  predictWeighed(q: Weighed): Float64Array {
    const { offsets, cls, w, bias } = this.d;
    const s = this.scores;
    for (let c = 0; c < s.length; c++) s[c] = bias[c]!;
    const { f, w: qw } = q;
    const n = f.length;
    for (let k = 0; k < n; k++) {
      const i = f[k]!;
      const v = qw[k]!;
      const end = offsets[i + 1]!;
      for (let j = offsets[i]!; j < end; j++) s[cls[j]!]! += v * w[j]!;
    }
    return softmax(s);
  }
}

/** A message on one model's features: feature indexes and their normalised tf-idf weights (unknown features count in the length only). */
export interface Weighed {
  f: Int32Array;
  w: Float64Array;
}

/**
 * A message as normalised tf-idf weights on a model's features (hash order
 * as given: the sums that use them run in the same order every time).
 */
export function weigh(model: LinearModelData, x: Map<number, number> | SparseVector): Weighed {
  if (x instanceof Map) {
    const ids = new Uint32Array(x.size);
    const values = new Float32Array(x.size);
    let k = 0;
    x.forEach((c, h) => {
      ids[k] = h;
      values[k++] = c;
    });
    return weighVector(model, ids, values);
  }
  return weighVector(model, x.ids, x.values);
}

function weighVector(model: LinearModelData, ids: Uint32Array, values: Float32Array): Weighed {
  const { hashes, idf, unknownIdf } = model;
  const b = bucketsOf(hashes);
  const n = ids.length;
  const f = new Int32Array(n);
  const w = new Float64Array(n);
  let m = 0;
  let norm = 0;
  for (let k = 0; k < n; k++) {
    const c = values[k]!;
    const i = findHash(hashes, b, ids[k]!);
    const v = (c === 1 ? 1 : 1 + Math.log(c)) * (i >= 0 ? idf[i]! : unknownIdf);
    norm += v * v;
    if (i >= 0) {
      f[m] = i;
      w[m++] = v;
    }
  }
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < m; k++) w[k]! /= norm;
  return { f: f.subarray(0, m), w: w.subarray(0, m) };
}

function softmax(s: Float64Array): Float64Array {
  let max = -Infinity;
  for (const v of s) if (v > max) max = v;
  const out = new Float64Array(s.length);
  let z = 0;
  for (let i = 0; i < s.length; i++) z += out[i] = Math.exp(s[i]! - max);
  for (let i = 0; i < s.length; i++) out[i]! /= z;
  return out;
}

/**
 * Weights during training: an open-addressing table keyed by
 * feature * C + class (no Map: millions of lookups per second), and per
 * feature the list of its table slots, for scoring a sample sparsely.
 */
class WeightTable {
  readonly keys: Int32Array;
  readonly vals: Float32Array;
  readonly rows: number[][];
  private readonly mask: number;
  private used = 0;

  constructor(
    features: number,
    private readonly C: number,
  ) {
    let cap = 1 << 16;
    while (cap < features * 24 && cap < 1 << 24) cap <<= 1;
    this.keys = new Int32Array(cap).fill(-1);
    this.vals = new Float32Array(cap);
    this.mask = cap - 1;
    this.rows = Array.from({ length: features }, () => []);
  }

  /** The slot of (feature, class), created when `grow` and there is room; -1 otherwise. */
  slot(f: number, c: number, grow: boolean): number {
    const key = f * this.C + c;
    let h = Math.imul(key, 0x9e3779b1) & this.mask;
    for (;;) {
      const k = this.keys[h]!;
      if (k === key) return h;
      if (k === -1) {
        // Keep a quarter free so probes stay short; a full table stops adding weights.
        if (!grow || this.used > this.keys.length * 0.75) return -1;
        this.keys[h] = key;
        this.used++;
        this.rows[f]!.push(h);
        return h;
      }
      h = (h + 1) & this.mask;
    }
  }

  classOf(slot: number): number {
    return this.keys[slot]! % this.C;
  }
}

/**
 * Trains a softmax model. Deterministic: the same samples in the same order
 * and the same options give the same weights.
 */
export function trainSoftmax(samples: Sample[], classes: string[], opts: TrainOptions = DEFAULT_TRAIN): LinearModel {
  const C = classes.length;
  // Feature dictionary and document frequencies.
  const index = new Map<number, number>();
  const df: number[] = [];
  for (const s of samples)
    for (const h of s.x.ids) {
      let i = index.get(h);
      if (i === undefined) {
        index.set(h, (i = df.length));
        df.push(0);
      }
      df[i]!++;
    }
  const N = samples.length;
  const F = df.length;
  const idf = new Float32Array(F);
  for (let i = 0; i < F; i++) idf[i] = Math.log((N + 1) / (df[i]! + 1)) + 1;
  const unknownIdf = Math.log(N + 1) + 1;
  // Each sample as feature indexes and normalised tf-idf values.
  const X = samples.map((s) => {
    const f = new Int32Array(s.x.ids.length);
    const v = new Float32Array(s.x.ids.length);
    let k = 0;
    let norm = 0;
    for (let j = 0; j < s.x.ids.length; j++) {
      const h = s.x.ids[j]!;
      const c = s.x.values[j]!;
      const i = index.get(h)!;
      f[k] = i;
      v[k] = (1 + Math.log(c)) * idf[i]!;
      norm += v[k]! * v[k]!;
      k++;
    }
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < k; j++) v[j]! /= norm;
    return { f, v, y: s.y, weight: s.weight ?? 1 };
  });
  const order = X.map((_, i) => i);
  const rand = prng(opts.seed);
  const shuffle = () => {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
  };
  if (F * C <= DENSE_LIMIT) return compact(index, idf, unknownIdf, classes, trainDense(X, F, C, opts, order, shuffle));
  // Large packs (thousands of topics): features found in many examples
  // ("^wh", "ال") point at hundreds of classes and carry almost nothing; they
  // keep diluting a message's length but get no weights, which keeps every
  // row short. Two passes are enough at this size.
  const commonDf = Math.max(50, 0.02 * N);
  const X2 = X.map((x) => {
    const keep = [...x.f].map((fi, k) => [fi, k] as const).filter(([fi]) => df[fi]! <= commonDf);
    return { f: Int32Array.from(keep.map(([fi]) => fi)), v: Float32Array.from(keep.map(([, k]) => x.v[k]!)), y: x.y, weight: x.weight };
  });
  const table = new WeightTable(F, C);
  const { vals, rows } = table;
  const bias = new Float32Array(C);
  const scores = new Float64Array(C);
  const mark = new Uint8Array(C);
  for (let epoch = 0; epoch < Math.min(opts.epochs, SPARSE_EPOCHS); epoch++) {
    shuffle();
    const lr = opts.lr / (1 + epoch / 2);
    for (const n of order) {
      const { f, v, y, weight } = X2[n]!;
      const touched: number[] = [];
      for (let k = 0; k < f.length; k++) {
        const vk = v[k]!;
        for (const sl of rows[f[k]!]!) {
          const c = table.classOf(sl);
          if (!mark[c]) {
            mark[c] = 1;
            touched.push(c);
          }
          scores[c]! += vk * vals[sl]!;
        }
      }
      if (!mark[y]) {
        mark[y] = 1;
        touched.push(y);
      }
      // Softmax over the touched classes; the others score 0 (their bias is
      // left out: large packs have near-equal shares).
      let max = 0;
      for (const c of touched) if (scores[c]! > max) max = scores[c]!;
      let z = (C - touched.length) * Math.exp(-max);
      for (const c of touched) z += Math.exp(scores[c]! - max);
      for (const c of touched) {
        const p = Math.exp(scores[c]! - max) / z;
        const g = (p - (c === y ? 1 : 0)) * weight;
        scores[c] = 0;
        mark[c] = 0;
        if (Math.abs(g) < 1e-2) continue;
        // New weights only for the right class or a strong competitor: rows stay short.
        const grow = c === y || g > 0.05;
        for (let k = 0; k < f.length; k++) {
          const sl = table.slot(f[k]!, c, grow);
          if (sl < 0) continue;
          vals[sl] = vals[sl]! - lr * (g * v[k]! + opts.l2 * vals[sl]!);
        }
      }
    }
  }
  return compact(index, idf, unknownIdf, classes, {
    bias,
    read: (i, emit) => {
      for (const sl of rows[i]!) emit(table.classOf(sl), vals[sl]!);
    },
  });
}

const SPARSE_EPOCHS = 2;
/** Weights smaller than this are dropped when a model is stored: 0.02 keeps held-out accuracy (0.893 either way) at a fifth of the memory. */
const PRUNE = 0.02;

/** Dense weights fit in this many floats (64 MB while training); larger packs use the sparse table. */
const DENSE_LIMIT = 16_000_000;

type Vec = { f: Int32Array; v: Float32Array; y: number; weight: number };
/** Calls emit(class, weight) for every weight of feature i. */
type RowReader = (i: number, emit: (c: number, w: number) => void) => void;
interface Trained {
  bias: Float32Array;
  read: RowReader;
}

/** Plain softmax SGD on a dense feature x class matrix: every class gets its gradient. */
function trainDense(X: Vec[], F: number, C: number, opts: TrainOptions, order: number[], shuffle: () => void): Trained {
  const W = new Float32Array(F * C);
  const bias = new Float32Array(C);
  const s = new Float64Array(C);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    shuffle();
    const lr = opts.lr / (1 + epoch / 2);
    for (const n of order) {
      const { f, v, y, weight } = X[n]!;
      for (let c = 0; c < C; c++) s[c] = bias[c]!;
      for (let k = 0; k < f.length; k++) {
        const base = f[k]! * C;
        const vk = v[k]!;
        for (let c = 0; c < C; c++) s[c]! += vk * W[base + c]!;
      }
      let max = -Infinity;
      for (let c = 0; c < C; c++) if (s[c]! > max) max = s[c]!;
      let z = 0;
      for (let c = 0; c < C; c++) z += s[c] = Math.exp(s[c]! - max);
      for (let c = 0; c < C; c++) {
        const g = (s[c]! / z - (c === y ? 1 : 0)) * weight;
        bias[c] = bias[c]! - lr * BIAS_RATE * g;
        if (Math.abs(g) < 1e-4) continue;
        for (let k = 0; k < f.length; k++) {
          const i = f[k]! * C + c;
          W[i] = W[i]! - lr * (g * v[k]! + opts.l2 * W[i]!);
        }
      }
    }
  }
  return {
    bias,
    read: (i, emit) => {
      for (let c = 0; c < C; c++) emit(c, W[i * C + c]!);
    },
  };
}

/** The intercept learns slower than the features, so that it settles on the classes' shares. */
const BIAS_RATE = 0.1;

/** The trained weights, ascending by feature hash, tiny ones dropped. */
function compact(index: Map<number, number>, idf: Float32Array, unknownIdf: number, classes: string[], { bias, read }: Trained): LinearModel {
  const F = index.size;
  const byHash = [...index.entries()].sort((a, b) => a[0] - b[0]);
  const offsets = new Uint32Array(F + 1);
  const clsOut: number[] = [];
  const wOut: number[] = [];
  const hashes = new Uint32Array(F);
  const idfOut = new Float32Array(F);
  byHash.forEach(([h, i], k) => {
    hashes[k] = h;
    idfOut[k] = idf[i]!;
    read(i, (c, w) => {
      if (Math.abs(w) < PRUNE) return;
      clsOut.push(c);
      wOut.push(w);
    });
    offsets[k + 1] = clsOut.length;
  });
  return new LinearModel({ classes, hashes, idf: idfOut, offsets, cls: Uint16Array.from(clsOut), w: Float32Array.from(wOut), unknownIdf, bias });
}
