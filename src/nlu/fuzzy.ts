/**
 * Fuzzy token lookup: which known words could a typed word be?
 *
 * Why not fuse.js here: a fuse.js search over one language's vocabulary
 * (about 3,000 words) takes about 2.5 ms per word on the 2-core reference
 * machine, which alone breaks the 2 ms p99 budget for a whole message. A
 * trigram candidate index plus a bounded edit distance answers the same
 * question in microseconds.
 */

/** Optimal string alignment distance (Damerau-Levenshtein with adjacent transpositions), stopping early above `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (a === b) return 0;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > max) return max + 1;
  // Three rows reused from call to call: the fuzzy lookup calls this for
  // every candidate of every word of every message.
  if (rows[0]!.length < lb + 1) rows = [new Int32Array(lb + 1), new Int32Array(lb + 1), new Int32Array(lb + 1)];
  let [prev2, prev, cur] = rows as [Int32Array, Int32Array, Int32Array];
  prev2.fill(0, 0, lb + 1);
  cur.fill(0, 0, lb + 1);
  for (let j = 0; j <= lb; j++) prev[j] = j;
  for (let i = 1; i <= la; i++) {
    cur[0] = i;
    let rowMin = cur[0]!;
    for (let j = 1; j <= lb; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a.charCodeAt(i - 1) === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === b.charCodeAt(j - 1)) v = Math.min(v, prev2[j - 2]! + 1);
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    [prev2, prev, cur] = [prev, cur, prev2];
  }
  return prev[lb]!;
}

let rows: Int32Array[] = [new Int32Array(64), new Int32Array(64), new Int32Array(64)];

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * Similarity of a typed word to a known word, 0..1. Exact 1; inflected forms
 * sharing a long prefix (документи/документів, Dokumente/Dokumenten) about
 * 0.85; one or two typos by length; otherwise 0.
 */
export function tokenSimilarity(q: string, v: string): number {
  if (q === v) return 1;
  const lq = q.length;
  const lv = v.length;
  const minLen = Math.min(lq, lv);
  const cp = commonPrefix(q, v);
  let best = 0;
  // Inflected forms share most of the longer word ("selbst" is not "selbstmord").
  if (cp >= 4 && cp >= 0.75 * Math.max(lq, lv) && minLen >= 4) best = 0.78 + 0.12 * (cp / Math.max(lq, lv));
  if (minLen >= 4) {
    const allowed = minLen >= 8 ? 2 : 1;
    const d = editDistance(q, v, allowed);
    if (d <= allowed) best = Math.max(best, 1 - d / Math.max(lq, lv) - 0.05);
  }
  return best >= 0.7 ? best : 0;
}

/** A vocabulary with a trigram index for candidate generation. */
export class FuzzyVocabulary {
  /** trigram -> ids (indexes into `list`) of the words of 4 letters or more that hold it */
  private readonly grams = new Map<string, number[]>();
  private readonly words: Set<string>;
  private readonly list: string[];
  /** Per word id: trigrams shared with the word looked up (reset after each lookup). */
  private readonly counts: Uint32Array;

  constructor(words: Iterable<string>) {
    this.words = new Set(words);
    this.list = [...this.words];
    this.list.forEach((w, id) => {
      if (w.length < 4) return;
      for (const g of trigrams(w)) {
        let l = this.grams.get(g);
        if (!l) this.grams.set(g, (l = []));
        l.push(id);
      }
    });
    this.counts = new Uint32Array(this.list.length);
  }

  has(w: string): boolean {
    return this.words.has(w);
  }

  /** Known words similar to `q`, best first (at most `limit`). */
  lookup(q: string, limit = 4): { word: string; sim: number }[] {
    const out: { word: string; sim: number }[] = [];
    if (this.words.has(q)) out.push({ word: q, sim: 1 });
    if (q.length < 4) return out;
    const counts = this.counts;
    const touched: number[] = [];
    const qg = trigrams(q);
    for (const g of qg)
      for (const id of this.grams.get(g) ?? []) {
        if (!counts[id]) touched.push(id);
        counts[id]!++;
      }
    // A word within two edits shares at least a few trigrams; check only those.
    const need = Math.max(1, Math.floor(qg.length / 3));
    for (const id of touched) {
      const n = counts[id]!;
      counts[id] = 0;
      const w = this.list[id]!;
      if (n < need || w === q) continue;
      const sim = tokenSimilarity(q, w);
      if (sim > 0) out.push({ word: w, sim });
    }
    out.sort((a, b) => b.sim - a.sim || a.word.localeCompare(b.word));
    return out.slice(0, limit);
  }
}

function trigrams(w: string): string[] {
  const s = `^${w}$`;
  const out: string[] = [];
  for (let i = 0; i + 3 <= s.length; i++) out.push(s.slice(i, i + 3));
  return out;
}
