/**
 * Groups the questions of the co-creation loop by similarity, per language
 * (issue 16.4), with Lotse's own features (src/nlu/features.ts: character
 * 3- to 5-grams inside words, light stems and stem pairs), so "wann ist mein
 * interview", "wann ist das Interview?" and "wan ist mein intervju" meet.
 *
 * Deterministic, whatever order the rows come in:
 * 1. texts that normalise to the same string (normalize.ts) are one phrasing;
 * 2. phrasings are ordered by how many asked them (most first), then by how
 *    many different people, then by their normalised text;
 * 3. in that order, each phrasing joins the group whose first (most asked)
 *    phrasing is most similar to it (cosine of the weighted features), if
 *    that similarity is at least `GROUP_SIMILARITY`, and starts a group
 *    otherwise (leader clustering).
 * Languages never mix: a group is one language's.
 */
import { extract, type FeatureOptions, normalize } from '../nlu/features.js';
import type { QuestionKind, QuestionRow } from '../store/questions.js';

/** Cosine similarity from which a phrasing joins a group (set on the starter pack's paraphrases: they sit at 0.35-0.8, different questions below 0.25). */
export const GROUP_SIMILARITY = 0.35;

/** Characters and stems; no phonetic skeletons (they join unrelated short words across scripts). */
const GROUP_FEATURES: FeatureOptions = { chars: true, words: true, skeleton: false };

/** A group of similar questions in one language, before anything is suppressed. */
export interface QuestionGroup {
  /** Stable for the same leading phrasing: language and a hash of its normalised text. */
  id: string;
  lang: string;
  /** The group's phrasings, most asked first: the masked text as first written, and how often. */
  phrasings: { text: string; n: number }[];
  /** Every question of the group (for counts per week and kind). */
  rows: QuestionRow[];
  /** How many different conversations asked (the k-anonymity rule counts these). */
  people: number;
  byKind: Record<QuestionKind, number>;
  /** For "not helpful" ones: the topics whose answers did not help, most frequent first. */
  answeredAs: { topic: string; n: number }[];
}

type Vec = Map<number, number>;

/** Features weighted 1 + log(count) and scaled to length 1. */
function vector(text: string): Vec {
  const raw = extract(text, GROUP_FEATURES);
  const v: Vec = new Map();
  let sum = 0;
  for (const [k, c] of raw) {
    const w = 1 + Math.log(c);
    v.set(k, w);
    sum += w * w;
  }
  const norm = Math.sqrt(sum) || 1;
  for (const [k, w] of v) v.set(k, w / norm);
  return v;
}

/** FNV-1a of a string, as 8 hex digits (stable group ids). */
function hash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

interface Phrasing {
  key: string;
  /** Filled once all rows are in. */
  text: string;
  rows: QuestionRow[];
  people: Set<string>;
  vec: Vec;
}

const byCountThenKey = (a: { n: number; k: string }, b: { n: number; k: string }) => b.n - a.n || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);

/** The groups of one language's questions (see the file comment); largest first. */
function groupLanguage(lang: string, rows: QuestionRow[], threshold: number): QuestionGroup[] {
  const phrasings = new Map<string, Phrasing>();
  for (const r of rows) {
    const key = normalize(r.text);
    if (!key) continue; // only punctuation or emoji: nothing to learn from
    let p = phrasings.get(key);
    if (!p) {
      p = { key, text: r.text, rows: [], people: new Set(), vec: new Map() };
      phrasings.set(key, p);
    }
    p.rows.push(r);
    p.people.add(r.who);
  }
  // The text shown is the way of writing it most used (ties: the first in code order), whatever order the rows came in.
  for (const p of phrasings.values()) {
    const ways = new Map<string, number>();
    for (const r of p.rows) ways.set(r.text, (ways.get(r.text) ?? 0) + 1);
    p.text = [...ways].map(([k, n]) => ({ k, n })).sort(byCountThenKey)[0]!.k;
  }
  const ordered = [...phrasings.values()].sort((a, b) => b.rows.length - a.rows.length || b.people.size - a.people.size || (a.key < b.key ? -1 : 1));
  const groups: { leader: Phrasing; members: Phrasing[] }[] = [];
  // Leaders' features as posting lists: a phrasing's cosine with every leader it shares a feature
  // with, summed over the shared features only (exact, and fast when most share none).
  const postings = new Map<number, { g: number; w: number }[]>();
  const dots = new Float64Array(ordered.length);
  for (const p of ordered) {
    p.vec = vector(p.key);
    const touched: number[] = [];
    for (const [k, w] of p.vec)
      for (const e of postings.get(k) ?? []) {
        if (dots[e.g] === 0) touched.push(e.g);
        dots[e.g] = dots[e.g]! + w * e.w;
      }
    let best = -1;
    let bestSim = threshold;
    // Ties go to the older (larger) group: leaders are visited in the order they were made.
    for (const g of touched.sort((a, b) => a - b)) {
      if (dots[g]! >= bestSim && (best === -1 || dots[g]! > bestSim)) {
        best = g;
        bestSim = dots[g]!;
      }
      dots[g] = 0;
    }
    if (best >= 0) groups[best]!.members.push(p);
    else {
      for (const [k, w] of p.vec) {
        const list = postings.get(k);
        if (list) list.push({ g: groups.length, w });
        else postings.set(k, [{ g: groups.length, w }]);
      }
      groups.push({ leader: p, members: [p] });
    }
  }
  return groups
    .map((g): QuestionGroup => {
      const all = g.members.flatMap((m) => m.rows).sort((a, b) => a.at - b.at);
      const people = new Set(all.map((r) => r.who));
      const answered = new Map<string, number>();
      for (const r of all) if (r.kind === 'not-helpful' && r.topic) answered.set(r.topic, (answered.get(r.topic) ?? 0) + 1);
      return {
        id: `${lang}-${hash(g.leader.key)}`,
        lang,
        phrasings: g.members.map((m) => ({ text: m.text, n: m.rows.length })),
        rows: all,
        people: people.size,
        byKind: {
          unanswered: all.filter((r) => r.kind === 'unanswered').length,
          'not-helpful': all.filter((r) => r.kind === 'not-helpful').length,
        },
        answeredAs: [...answered]
          .map(([k, n]) => ({ k, n }))
          .sort(byCountThenKey)
          .map(({ k, n }) => ({ topic: k, n })),
      };
    })
    .sort((a, b) => b.rows.length - a.rows.length || b.people - a.people || (a.id < b.id ? -1 : 1));
}

/** All questions grouped per language (languages in code order), each language's groups largest first. */
export function groupQuestions(rows: QuestionRow[], threshold = GROUP_SIMILARITY): QuestionGroup[] {
  const byLang = new Map<string, QuestionRow[]>();
  for (const r of rows) {
    const list = byLang.get(r.lang);
    if (list) list.push(r);
    else byLang.set(r.lang, [r]);
  }
  return [...byLang.keys()].sort().flatMap((lang) => groupLanguage(lang, byLang.get(lang)!, threshold));
}
