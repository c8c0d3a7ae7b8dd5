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

function addGrams(counts: Map<number, number>, word: string, min: number, max: number, seed: number): void {
  const padded = `^${word}$`;
  for (let n = min; n <= max; n++) {
    if (padded.length < n) break;
    for (let i = 0; i + n <= padded.length; i++) {
      const h = fnv1a(padded.slice(i, i + n), seed);
      counts.set(h, (counts.get(h) ?? 0) + 1);
    }
  }
}

/** The tokens features are made of: normalised words, at most MAX_TOKENS. */
export function featureTokens(text: string): string[] {
  const t = tokenize(text);
  return t.length > MAX_TOKENS ? t.slice(0, MAX_TOKENS) : t;
}

/** Hashed features of a text (raw counts, before weighting). */
export function extract(text: string, opts: FeatureOptions = ALL_FEATURES, tokens: string[] = featureTokens(text)): Map<number, number> {
  const counts = new Map<number, number>();
  const add = (h: number) => counts.set(h, (counts.get(h) ?? 0) + 1);
  let prev: string | undefined;
  for (const tok of tokens) {
    if (opts.chars) addGrams(counts, tok, 3, 5, SEED.c);
    if (opts.words) {
      const s = stem(tok);
      add(fnv1a(s, SEED.w));
      if (prev !== undefined) add(fnv1a(`${prev} ${s}`, SEED.s));
      prev = s;
    }
    if (opts.skeleton && hasSkeleton(tok)) for (const k of skeletonVariants(tok)) if (k.length >= 2) addGrams(counts, k, 2, 4, SEED.k);
  }
  return counts;
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
