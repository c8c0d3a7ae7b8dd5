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

/** A message as hashed features and their raw counts (parallel arrays, hashes ascending, unique). */
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

function bump(counts: Map<number, number>, h: number): void {
  counts.set(h, (counts.get(h) ?? 0) + 1);
}

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
  const maps = opts.map(() => new Map<number, number>());
  const chars = maps.filter((_, i) => opts[i]!.chars);
  const words = maps.filter((_, i) => opts[i]!.words);
  const skel = maps.filter((_, i) => opts[i]!.skeleton);
  const buf: number[] = [];
  let prev: string | undefined;
  for (const tok of tokens) {
    if (chars.length) for (const h of grams(tok, 3, 5, SEED.c, buf)) for (const m of chars) bump(m, h);
    if (words.length) {
      const s = stem(tok);
      const hw = fnv1a(s, SEED.w);
      const hs = prev !== undefined ? fnv1a(`${prev} ${s}`, SEED.s) : undefined;
      for (const m of words) {
        bump(m, hw);
        if (hs !== undefined) bump(m, hs);
      }
      prev = s;
    }
    if (skel.length && hasSkeleton(tok))
      for (const k of skeletonVariants(tok)) if (k.length >= 2) for (const h of grams(k, 2, 4, SEED.k, buf)) for (const m of skel) bump(m, h);
  }
  return maps;
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
