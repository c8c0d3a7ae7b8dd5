/**
 * Nearest neighbours among the distress detector's training messages: of
 * the few messages written most like this one, how many were crises?
 *
 * Why beside the linear model (learned.ts): a linear model adds up
 * features, so "I don't want to live" pulls "I don't want to live in this
 * camp, can I move?" towards a crisis whatever follows. The closest
 * examples see the whole message: the look-alikes in safety.yaml
 * (`notDistress`) are nearer to it than any crisis message. On the own
 * held-out set the two together notice 0.957 of crises at 3 % false alarms,
 * the linear model alone 0.930 (bench/README.md).
 *
 * The index is an inverted list per feature of the distress model (the same
 * hashes and inverse document frequencies), with each message's normalised
 * tf-idf weight quantised to a byte. Features found in more than
 * COMMON_SHARE of the messages ("^a", "ال") are left out of the lists: they
 * still count in a message's length, but would make every lookup touch
 * thousands of messages for almost no similarity.
 *
 * Example:
 *   const idx = buildNeighbours(samples, distressModel.data);
 *   idx.crisisShare(extract('i have collected all my pills'))   // 1 when the 5 closest were crises
 */
import type { SparseVector } from './features.js';
import { type LinearModelData, type Sample, type Weighed, weigh } from './linear.js';

/** How many neighbours vote. */
export const NEIGHBOURS = 5;
/**
 * Pseudo-similarity of "no crisis": the share is smoothed towards 0, so
 * that five faint neighbours (a short message in a small pack: "am i
 * ready" among 300 examples) say little, and close neighbours say a lot.
 */
const PRIOR_WEIGHT = 0.5;
/** Features in more than this share of the messages get no posting list. */
const COMMON_SHARE = 0.02;

/** The serialisable index (typed arrays, stored in the model cache). */
export interface NeighbourData {
  /** Posting list of feature i (the distress model's feature order) is samples/weights[offsets[i] .. offsets[i+1]). */
  offsets: Uint32Array;
  /** Two bytes a posting when there are at most 65,536 training messages (model-cache.ts compactData), four otherwise. */
  samples: Uint16Array | Uint32Array;
  /** Normalised tf-idf weight x 255. */
  weights: Uint8Array;
  /** 1 for a crisis message. */
  labels: Uint8Array;
}

/** Builds the index of the distress training messages (labels: sample.y === 1). */
export function buildNeighbourData(samples: Sample[], model: LinearModelData): NeighbourData {
  const F = model.hashes.length;
  const vecs = samples.map((s) => weigh(model, s.x));
  const df = new Uint32Array(F);
  for (const v of vecs) for (const i of v.f) df[i]!++;
  const maxDf = Math.max(50, COMMON_SHARE * samples.length);
  const offsets = new Uint32Array(F + 1);
  for (let i = 0; i < F; i++) offsets[i + 1] = offsets[i]! + (df[i]! <= maxDf ? df[i]! : 0);
  const total = offsets[F]!;
  const out = new Uint32Array(total);
  const weights = new Uint8Array(total);
  const fill = offsets.slice(0, F);
  vecs.forEach((v, s) => {
    for (let k = 0; k < v.f.length; k++) {
      const i = v.f[k]!;
      if (df[i]! > maxDf) continue;
      const at = fill[i]!++;
      out[at] = s;
      weights[at] = Math.max(1, Math.round(v.w[k]! * 255));
    }
  });
  return { offsets, samples: out, weights, labels: Uint8Array.from(samples, (s) => (s.y === 1 ? 1 : 0)) };
}

export class Neighbours {
  private readonly sims: Float32Array;
  /** The closest messages of a lookup and their similarities, best first. */
  private readonly best = new Uint32Array(NEIGHBOURS);
  private readonly bestSim = new Float64Array(NEIGHBOURS);
  /** The training messages a lookup touched (reused: a few thousand a message). */
  private readonly touched: Uint32Array;

  constructor(
    private readonly d: NeighbourData,
    private readonly model: LinearModelData,
  ) {
    this.sims = new Float32Array(d.labels.length);
    this.touched = new Uint32Array(d.labels.length);
  }

  /**
   * Similarity-weighted share of crisis messages among the NEIGHBOURS
   * closest training messages, smoothed towards 0 (what a message with no
   * neighbour gets). `skip`
   * leaves out messages (a training message and its Latin copy, in
   * cross-validation).
   */
  crisisShare(x: SparseVector | Map<number, number>, skip?: (sample: number) => boolean): number {
    return this.crisisShareWeighed(weigh(this.model, x), skip);
  }

  /** The same for a message already weighed on the distress model's features (linear.ts weigh), which the model's prediction needs too. */
  crisisShareWeighed(q: Weighed, skip?: (sample: number) => boolean): number {
    const n = this.scatter(q);
    const nb = skip ? this.closestSkipping(n, skip) : this.closest(n);
    const { best, bestSim } = this;
    const labels = this.d.labels;
    let all = 0;
    let crisis = 0;
    for (let k = 0; k < nb; k++) {
      all += bestSim[k]!;
      if (labels[best[k]!]) crisis += bestSim[k]!;
    }
    return crisis / (all + PRIOR_WEIGHT);
  }

  /**
   * Adds the message's similarity to every training message it shares a
   * listed feature with; returns how many it touched (in `touched`). A
   * similarity is never 0 once touched (weights are at least 1), so the
   * similarity itself says whether a message was seen. Small loops on typed
   * arrays only: this runs over a few thousand postings a message, and
   * stays in the optimising compiler's tier.
   */
  private scatter(q: Weighed): number {
    const { offsets, samples, weights } = this.d;
    const { sims, touched } = this;
    const { f, w } = q;
    let nTouched = 0;
    for (let k = 0; k < f.length; k++) {
      const i = f[k]!;
      const qw = w[k]! / 255;
      const end = offsets[i + 1]!;
      for (let j = offsets[i]!; j < end; j++) {
        const s = samples[j]!;
        const old = sims[s]!;
        if (old === 0) touched[nTouched++] = s;
        sims[s] = old + qw * weights[j]!;
      }
    }
    return nTouched;
  }

  /** The NEIGHBOURS best of the touched messages (by insertion into a short sorted list), clearing their similarities; returns how many. */
  private closest(nTouched: number): number {
    const { sims, touched, bestSim } = this;
    let nb = 0;
    for (let t = 0; t < nTouched; t++) {
      const s = touched[t]!;
      const v = sims[s]!;
      sims[s] = 0;
      if (nb < NEIGHBOURS || v > bestSim[NEIGHBOURS - 1]!) nb = this.keep(nb, s, v);
    }
    return nb;
  }

  /** Puts message `s` (similarity `v`) into its place in the sorted best list of `nb`; returns the new length. */
  private keep(nb: number, s: number, v: number): number {
    const { best, bestSim } = this;
    let at = nb < NEIGHBOURS ? nb++ : NEIGHBOURS - 1;
    while (at > 0 && bestSim[at - 1]! < v) {
      best[at] = best[at - 1]!;
      bestSim[at] = bestSim[at - 1]!;
      at--;
    }
    best[at] = s;
    bestSim[at] = v;
    return nb;
  }

  /** closest() leaving out the messages `skip` names (cross-validation). */
  private closestSkipping(nTouched: number, skip: (sample: number) => boolean): number {
    const { sims, touched, bestSim } = this;
    let nb = 0;
    for (let t = 0; t < nTouched; t++) {
      const s = touched[t]!;
      const v = sims[s]!;
      sims[s] = 0;
      if (skip(s)) continue;
      if (nb < NEIGHBOURS || v > bestSim[NEIGHBOURS - 1]!) nb = this.keep(nb, s, v);
    }
    return nb;
  }
}

/**
 * The detector's score: the geometric mean of the linear model's crisis
 * probability and the neighbours' crisis share (plus a little, so that a
 * message with no neighbour is judged by the model alone, damped). Both
 * must point at a crisis for a high score.
 */
export function distressScore(p: number, share: number): number {
  return Math.sqrt(p * (share + 0.01));
}
