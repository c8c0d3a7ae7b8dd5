/**
 * Sparse features of a message for the learned models (learned.ts):
 *
 *   c:  character 3- to 5-grams inside each word, with word boundaries
 *       (typos and inflections share most of them: "dokumente"/"dokumnte");
 *   w:  light stems (normalize.ts) and s: pairs of neighbouring stems
 *       ("not_going", "لا_اريد");
 *   k:  2- to 4-grams of each word's phonetic skeleton (skeleton.ts), which
 *       lets Arabizi, Finglish and translit meet the examples in their own
 *       script.
 *
 * Features are hashed (FNV-1a, 32 bits) rather than kept as strings: a model
 * stores numbers, and an unseen feature costs nothing. Values are
 * 1 + log(count); the models weigh them by inverse document frequency and
 * normalise each message to length 1.
 */
import { normalize, stem, tokenize } from './normalize.js';
import { hasSkeleton, skeletonVariants } from './skeleton.js';

/** Which feature families a model uses. */
export interface FeatureOptions {
  chars: boolean;
  words: boolean;
  skeleton: boolean;
}

export const ALL_FEATURES: FeatureOptions = { chars: true, words: true, skeleton: true };

/** A message as hashed features and their raw counts (parallel arrays, hashes unique; ascending from toSparse, in the order first counted from extractVectors). */
export interface SparseVector {
  ids: Uint32Array;
  values: Float32Array;
}

/** The first words carry the question; a pasted letter must not cost a second of CPU. */
const MAX_TOKENS = 40;

function fnv1a(s: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

// A different seed per family keeps "c:abc" and "k:abc" apart without building prefixed strings.
const SEED = { c: 0x811c9dc5, w: 0x2f3a91c7, s: 0x6b43a9b5, k: 0x1b873593 } as const;

/** fnv1a of s.slice(start, end), without building the slice (the grams of every word of every message). */
function fnv1aRange(s: string, start: number, end: number, seed: number): number {
  let h = seed >>> 0;
  for (let i = start; i < end; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Counts hashed features in the order they are first seen (what a Map gave,
 * without its per-entry cost: extraction runs for every message and every
 * clause of it). Open addressing with generation stamps, so a reset costs
 * nothing; one scratch table per output, reused from message to message.
 */
class Counter {
  private keys = new Uint32Array(1024);
  private pos = new Int32Array(1024);
  private stamp = new Uint32Array(1024);
  private gen = 1;
  ids = new Uint32Array(1024);
  counts = new Float32Array(1024);
  n = 0;

  reset(): void {
    this.n = 0;
    if (++this.gen === 0xffffffff) {
      this.stamp.fill(0);
      this.gen = 1;
    }
  }

  add(h: number): void {
    const mask = this.keys.length - 1;
    let s = (Math.imul(h, 0x9e3779b1) >>> 0) & mask;
    for (;;) {
      if (this.stamp[s] !== this.gen) {
        const at = this.n++;
        this.stamp[s] = this.gen;
        this.keys[s] = h;
        this.pos[s] = at;
        this.ids[at] = h;
        this.counts[at] = 1;
        if (this.n * 2 > this.keys.length) this.grow();
        return;
      }
      if (this.keys[s] === h) {
        this.counts[this.pos[s]!]!++;
        return;
      }
      s = (s + 1) & mask;
    }
  }

  private grow(): void {
    const cap = this.keys.length * 2;
    const ids = new Uint32Array(cap);
    ids.set(this.ids.subarray(0, this.n));
    const counts = new Float32Array(cap);
    counts.set(this.counts.subarray(0, this.n));
    this.ids = ids;
    this.counts = counts;
    this.keys = new Uint32Array(cap);
    this.pos = new Int32Array(cap);
    this.stamp = new Uint32Array(cap);
    this.gen = 1;
    const mask = cap - 1;
    for (let at = 0; at < this.n; at++) {
      const h = ids[at]!;
      let s = (Math.imul(h, 0x9e3779b1) >>> 0) & mask;
      while (this.stamp[s] === this.gen) s = (s + 1) & mask;
      this.stamp[s] = this.gen;
      this.keys[s] = h;
      this.pos[s] = at;
    }
  }

  /** The features counted since the last reset, in the order first seen. */
  take(): SparseVector {
    return { ids: this.ids.slice(0, this.n), values: this.counts.slice(0, this.n) };
  }
}

const counters: Counter[] = [];

/** Hashes of the character n-grams (min..max) of a word with its boundaries, in the order they are counted. */
function grams(word: string, min: number, max: number, seed: number, out: number[]): number[] {
  out.length = 0;
  const padded = `^${word}$`;
  for (let n = min; n <= max; n++) {
    if (padded.length < n) break;
    for (let i = 0; i + n <= padded.length; i++) out.push(fnv1aRange(padded, i, i + n, seed));
  }
  return out;
}

/** The tokens features are made of: normalised words, at most MAX_TOKENS. */
export function featureTokens(text: string): string[] {
  return capTokens(tokenize(text));
}

/** The first MAX_TOKENS of tokens already made (tokenize): what featureTokens gives for the same text. */
export function capTokens(tokens: string[]): string[] {
  return tokens.length > MAX_TOKENS ? tokens.slice(0, MAX_TOKENS) : tokens;
}

/** Hashed features of a text (raw counts, before weighting). */
export function extract(text: string, opts: FeatureOptions = ALL_FEATURES, tokens: string[] = featureTokens(text)): Map<number, number> {
  return extractMany(tokens, [opts])[0]!;
}

/**
 * The features of one message for several models at once (the topic and
 * distress models use every family, the language model no skeletons):
 * each n-gram and stem is hashed once, and each map gets its features in
 * the order `extract` would have counted them, so the sums over them are
 * the same to the last bit.
 */
export function extractMany(tokens: string[], opts: FeatureOptions[]): Map<number, number>[] {
  return extractVectors(tokens, opts).map((v) => {
    const m = new Map<number, number>();
    for (let i = 0; i < v.ids.length; i++) m.set(v.ids[i]!, v.values[i]!);
    return m;
  });
}

/**
 * The same features as typed arrays in the order first counted (not sorted:
 * linear.ts weigh sums them in this order, as it did over the Map's
 * entries). What the hot paths use: no Map per message.
 */
export function extractVectors(tokens: string[], opts: FeatureOptions[]): SparseVector[] {
  while (counters.length < opts.length) counters.push(new Counter());
  const out = counters.slice(0, opts.length);
  for (const c of out) c.reset();
  const chars = out.filter((_, i) => opts[i]!.chars);
  const words = out.filter((_, i) => opts[i]!.words);
  const skel = out.filter((_, i) => opts[i]!.skeleton);
  const buf: number[] = [];
  let prev: string | undefined;
  for (const tok of tokens) {
    if (chars.length) for (const h of grams(tok, 3, 5, SEED.c, buf)) for (const m of chars) m.add(h);
    if (words.length) {
      const s = stem(tok);
      const hw = fnv1a(s, SEED.w);
      const hs = prev !== undefined ? fnv1a(`${prev} ${s}`, SEED.s) : undefined;
      for (const m of words) {
        m.add(hw);
        if (hs !== undefined) m.add(hs);
      }
      prev = s;
    }
    if (skel.length && hasSkeleton(tok))
      for (const k of skeletonVariants(tok)) if (k.length >= 2) for (const h of grams(k, 2, 4, SEED.k, buf)) for (const m of skel) m.add(h);
  }
  return out.map((c) => c.take());
}

/**
 * Raw counts as two typed arrays (ids ascending): a training example costs
 * 8 bytes a feature instead of a Map entry's ~80, which is what lets a pack
 * with a thousand topics train in memory.
 */
export function toSparse(counts: Map<number, number>): SparseVector {
  const ids = Uint32Array.from(counts.keys()).sort();
  const values = new Float32Array(ids.length);
  for (let i = 0; i < ids.length; i++) values[i] = counts.get(ids[i]!)!;
  return { ids, values };
}

/** normalize() is exported for callers that want to key caches by what features see. */
export { normalize };
