/**
 * Topic matching for one language.
 *
 * Retrieval: every topic's example phrasings, keywords and title become
 * token sets (normalised, lightly stemmed). A typed word finds the known
 * words it could be (exact, inflected, or with typos: fuzzy.ts). Each word
 * weighs its inverse topic frequency, so "the" or "د" count little and
 * "Ladung" or "e-card" a lot; words the pack has never seen count fully
 * against every topic, which is what makes "bitcoin price" an honest "I
 * don't know".
 *
 * Scores per topic:
 *   coverage: how much of the message the topic's vocabulary explains;
 *   phrase:   the weighted Dice overlap with its closest example phrasing.
 *
 * (fuse.js used to re-rank close calls on the whole message. Since the
 * learned models carry most of the score it changed top-1 on the own
 * held-out set by one message in 1,131 and cost half of the matching time,
 * so it is gone: bench/README.md.)
 */
import { FuzzyVocabulary } from './fuzzy.js';
import { stem, tokenize } from './normalize.js';

export interface TopicDocs {
  topic: string;
  title: string;
  examples: string[];
  keywords: string[];
}

interface Phrase {
  tokens: string[];
  weight: number;
}

interface TopicIndex {
  topic: string;
  phrases: Phrase[];
  vocab: Set<string>;
  /** word -> the phrases (indexes into `phrases`) that hold it: a message's words find their phrases instead of every phrase being asked for every word. */
  phrasesOf: Map<string, number[]>;
}

export interface Scored {
  topic: string;
  score: number;
  coverage: number;
  phrase: number;
}

export interface LangMatch {
  ranked: Scored[];
  /** Share of the message's weight that the language's vocabulary knows (for language detection). */
  known: number;
  tokens: number;
}

/** Weight of an unknown word relative to a word of one topic (tuned on the dev set: 0.6-0.8 best). */
export const UNKNOWN_FACTOR = 0.8;
const MAX_WORDS = 24;
/** Words a matcher remembers the candidates of (per generation: LanguageMatcher.resolve). */
const WORD_CACHE = 4096;
const NO_TOPICS: number[] = [];

/** A typed word: the known words it may be (with the topics that hold each) and its weight. */
interface Resolved {
  w: string;
  cands: { word: string; sim: number; topics: number[] }[];
  weight: number;
}

export function keys(text: string): string[] {
  return [
    ...new Set(
      tokenize(text)
        .map(stem)
        .filter((t) => t.length > 0),
    ),
  ];
}

export class LanguageMatcher {
  private readonly topics: TopicIndex[] = [];
  private readonly idf = new Map<string, number>();
  private readonly fuzzy: FuzzyVocabulary;
  private readonly unknownIdf: number;
  /** word -> topics (indexes) whose vocabulary holds it */
  private readonly postings = new Map<string, number[]>();
  private readonly byTopic = new Map<string, TopicIndex>();
  private scratch = new Float64Array(0);
  private mark = new Uint8Array(0);
  /** Per phrase of one topic: the overlap so far, and the best similarity of the current word. */
  private overlapOf = new Float64Array(0);
  private wordSim = new Float64Array(0);
  private recent = new Map<string, Resolved>();
  private older = new Map<string, Resolved>();

  constructor(
    readonly lang: string,
    docs: TopicDocs[],
  ) {
    const df = new Map<string, number>();
    for (const d of docs) {
      const phrases: Phrase[] = [];
      const add = (text: string) => {
        const k = keys(text);
        if (k.length) phrases.push({ tokens: k, weight: 0 });
      };
      add(d.title);
      d.examples.forEach(add);
      d.keywords.forEach(add);
      const vocab = new Set(phrases.flatMap((p) => p.tokens));
      for (const w of vocab) df.set(w, (df.get(w) ?? 0) + 1);
      const phrasesOf = new Map<string, number[]>();
      phrases.forEach((p, pi) => {
        for (const w of p.tokens) {
          let l = phrasesOf.get(w);
          if (!l) phrasesOf.set(w, (l = []));
          l.push(pi);
        }
      });
      this.topics.push({ topic: d.topic, phrases, vocab, phrasesOf });
    }
    // BM25's inverse document frequency: words found in many topics ("what",
    // "شو", "د") weigh almost nothing, so they cannot outvote the one word
    // that carries the question.
    const n = Math.max(docs.length, 1);
    for (const [w, f] of df) this.idf.set(w, Math.max(0.05, Math.log((n - f + 0.5) / (f + 0.5) + 1)));
    // A word the pack has never seen weighs like a word of one topic, a bit
    // less: dialect forms and typos the fuzzy lookup misses must not drown the
    // words it did find.
    this.unknownIdf = UNKNOWN_FACTOR * Math.log((n - 1 + 0.5) / 1.5 + 1);
    for (const t of this.topics) for (const p of t.phrases) p.weight = p.tokens.reduce((s, w) => s + (this.idf.get(w) ?? 0), 0);
    this.topics.forEach((t, i) => {
      this.byTopic.set(t.topic, t);
      for (const w of t.vocab) {
        let l = this.postings.get(w);
        if (!l) this.postings.set(w, (l = []));
        l.push(i);
      }
    });
    this.fuzzy = new FuzzyVocabulary(this.idf.keys());
    this.mark = new Uint8Array(this.topics.length);
    const maxPhrases = Math.max(0, ...this.topics.map((t) => t.phrases.length));
    this.overlapOf = new Float64Array(maxPhrases);
    this.wordSim = new Float64Array(maxPhrases);
  }

  /**
   * German-style compounds ("Hausregeln", "Deutschkurs"): when a long word is
   * unknown, split it into two known words (with an optional linking "s").
   */
  private decompound(w: string): { word: string; sim: number }[] {
    if (w.length < 8 || !/^[a-z]+$/.test(w)) return [];
    let tailOnly: { word: string; sim: number }[] = [];
    for (let i = 3; i <= w.length - 4; i++) {
      const head = w.slice(0, i);
      const tail = w.slice(i);
      const t = this.idf.has(tail) ? tail : undefined;
      if (!t) continue;
      const headOk = this.idf.has(head) ? head : head.endsWith('s') && this.idf.has(head.slice(0, -1)) ? head.slice(0, -1) : undefined;
      if (headOk)
        return [
          { word: t, sim: 0.85 },
          { word: headOk, sim: 0.7 },
        ];
      // The last part carries the meaning ("Haus|regeln"): keep the longest known one.
      if (!tailOnly.length) tailOnly = [{ word: t, sim: 0.75 }];
    }
    return tailOnly;
  }

  /**
   * What a typed word may be (its candidates and its weight), from a cache
   * of the words typed lately: people write the same words again and again
   * ("termin", "interview", "wann"), and a fuzzy lookup of a word costs as
   * much as the rest of its matching. Two generations of at most
   * WORD_CACHE words each: a word asked within the last one or two
   * generations is answered from memory, the rest are forgotten. Only a
   * function of the word and this matcher's (immutable) vocabulary, so it
   * never changes an answer.
   */
  private resolve(w: string): Resolved {
    let r = this.recent.get(w);
    if (r) return r;
    r = this.older.get(w);
    if (!r) {
      let cands = this.fuzzy.lookup(w, 4);
      if (!cands.length) cands = this.decompound(w);
      const best = cands[0];
      // A word's weight: that of what it most likely is, or full weight when unknown.
      const weight = best ? (this.idf.get(best.word) ?? this.unknownIdf) : this.unknownIdf;
      r = { w, cands: cands.map((c) => ({ word: c.word, sim: c.sim, topics: this.postings.get(c.word) ?? NO_TOPICS })), weight };
    }
    if (this.recent.size >= WORD_CACHE) {
      this.older = this.recent;
      this.recent = new Map();
    }
    this.recent.set(w, r);
    return r;
  }

  vocabularySize(): number {
    return this.idf.size;
  }

  /** Ranks topics for a message (`q`: its keys, when the caller has them already). */
  match(text: string, limit = 5, allKeys: string[] = keys(text)): LangMatch {
    // Long messages: the first 24 distinct words carry the question.
    const q = allKeys.length > MAX_WORDS ? allKeys.slice(0, MAX_WORDS) : allKeys;
    if (!q.length) return { ranked: [], known: 0, tokens: 0 };
    // Resolve each typed word to the known words it may be.
    const resolved = q.map((w) => this.resolve(w));
    const total = resolved.reduce((s, r) => s + r.weight, 0);
    const knownWeight = resolved.reduce((s, r) => s + (r.cands.length ? r.weight * r.cands[0]!.sim : 0), 0);

    // Coverage from the postings: for each typed word, the best similarity
    // to a word of each topic that holds one of its candidates. Cost grows
    // with the matches found, not with the number of topics.
    // One scratch buffer per matcher (topics x words), reset where touched:
    // no allocation per topic per message.
    const W = resolved.length;
    if (this.scratch.length < this.topics.length * W) this.scratch = new Float64Array(this.topics.length * W);
    const sc = this.scratch;
    const touched: number[] = [];
    resolved.forEach((r, i) => {
      for (const c of r.cands)
        for (const ti of c.topics) {
          const base = ti * W;
          if (!this.mark[ti]) {
            this.mark[ti] = 1;
            touched.push(ti);
            sc.fill(0, base, base + W);
          }
          if (c.sim > sc[base + i]!) sc[base + i] = c.sim;
        }
    });
    const withCov: { ti: number; coverage: number }[] = [];
    for (const ti of touched) {
      this.mark[ti] = 0;
      const base = ti * W;
      let cov = 0;
      for (let i = 0; i < W; i++) cov += sc[base + i]! * resolved[i]!.weight;
      withCov.push({ ti, coverage: total ? cov / total : 0 });
    }
    withCov.sort((a, b) => b.coverage - a.coverage);
    // phrase: best weighted Dice with one example phrasing. Exact pruning: a
    // phrase's overlap is at most the topic's coverage x total (each word
    // counts at most its best similarity in the topic), so its Dice is below
    // 2 x coverage and the topic's score below 0.55 x coverage + 0.45 x
    // min(1, 2 x coverage). Once that bound falls below the best few found,
    // the rest cannot enter the ranking. (The 2 x coverage part is what
    // stops the scan in a large pack, where a word like "the" touches
    // every topic with a coverage of a few hundredths.)
    const scored: Scored[] = [];
    const keep = limit;
    const best: number[] = []; // the `keep` best scores so far, descending
    for (const { ti, coverage } of withCov) {
      if (best.length >= keep && 0.55 * coverage + 0.45 * Math.min(1, 2 * coverage * (1 + 1e-9)) < best[keep - 1]!) break;
      const simOf = sc.subarray(ti * W, ti * W + W);
      const t = this.topics[ti]!;
      // Each phrase's overlap adds, word by word in message order, the best
      // similarity of the word's candidates found in it, times the word's
      // weight (the same sums as asking every phrase about every word).
      const overlapOf = this.overlapOf;
      const wordSim = this.wordSim;
      const hit: number[] = [];
      const hitNow: number[] = [];
      for (let i = 0; i < W; i++) {
        if (!simOf[i]) continue;
        for (const c of resolved[i]!.cands) {
          const list = t.phrasesOf.get(c.word);
          if (!list) continue;
          for (const pi of list)
            if (c.sim > wordSim[pi]!) {
              if (!wordSim[pi]) hitNow.push(pi);
              wordSim[pi] = c.sim;
            }
        }
        const weight = resolved[i]!.weight;
        for (const pi of hitNow) {
          if (!overlapOf[pi]) hit.push(pi);
          overlapOf[pi]! += wordSim[pi]! * weight;
          wordSim[pi] = 0;
        }
        hitNow.length = 0;
      }
      let phrase = 0;
      for (const pi of hit) {
        const overlap = overlapOf[pi]!;
        overlapOf[pi] = 0;
        const dice = (2 * overlap) / (total + t.phrases[pi]!.weight);
        if (dice > phrase) phrase = dice;
      }
      const score = 0.55 * coverage + 0.45 * phrase;
      scored.push({ topic: t.topic, score, coverage, phrase });
      let i = best.length;
      best.push(score);
      while (i > 0 && best[i - 1]! < score) {
        best[i] = best[i - 1]!;
        i--;
      }
      best[i] = score;
      if (best.length > keep) best.length = keep;
    }
    scored.sort((a, b) => b.score - a.score);
    return { ranked: scored.slice(0, limit), known: total ? knownWeight / total : 0, tokens: q.length };
  }
}
