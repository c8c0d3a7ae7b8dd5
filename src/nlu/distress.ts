/**
 * The distress detector. It runs before everything else on every message,
 * in every served language at once (a person in crisis may switch to their
 * first language), and is tuned for recall: a missed crisis is the worst
 * mistake the bot can make; a false alarm costs a kind word and a button.
 *
 * A phrase from content/<lang>/safety.yaml fires when each of its words
 * appears in the message (exactly, inflected or with a typo) close together.
 */
import { FuzzyVocabulary } from './fuzzy.js';
import { keys } from './matcher.js';
import { tokenize, stem } from './normalize.js';

interface DistressPhrase {
  tokens: string[];
  lang: string;
}

export class DistressDetector {
  private readonly phrases: DistressPhrase[] = [];
  private readonly vocab: FuzzyVocabulary;
  private readonly byToken = new Map<string, number[]>();

  constructor(phrasesByLang: Record<string, string[]>) {
    for (const [lang, list] of Object.entries(phrasesByLang)) {
      for (const p of list) {
        const tokens = keys(p);
        if (tokens.length) this.phrases.push({ tokens, lang });
      }
    }
    this.phrases.forEach((p, i) => {
      for (const t of p.tokens) {
        let l = this.byToken.get(t);
        if (!l) this.byToken.set(t, (l = []));
        l.push(i);
      }
    });
    this.vocab = new FuzzyVocabulary(this.byToken.keys());
  }

  /** The languages whose phrases fired (empty: no distress found). */
  detect(text: string): string[] {
    return this.detectStems(tokenize(text).map(stem));
  }

  /** The same for a message already tokenized and stemmed (the matcher has its stems at hand). */
  detectStems(words: string[]): string[] {
    if (!words.length) return [];
    // Where each phrase word was seen in the message.
    const seenAt = new Map<string, number[]>();
    words.forEach((w, i) => {
      for (const c of this.vocab.lookup(w, 6)) {
        if (c.sim < 0.8) continue;
        let l = seenAt.get(c.word);
        if (!l) seenAt.set(c.word, (l = []));
        l.push(i);
      }
    });
    const candidates = new Set<number>();
    for (const w of seenAt.keys()) for (const i of this.byToken.get(w) ?? []) candidates.add(i);
    const langs = new Set<string>();
    for (const i of candidates) {
      const p = this.phrases[i]!;
      if (!p.tokens.every((t) => seenAt.has(t))) continue;
      // The words must stand close together (within the phrase length plus a few).
      const positions = p.tokens.map((t) => seenAt.get(t)!);
      const lo = Math.min(...positions.map((l) => Math.min(...l)));
      const hi = Math.max(...positions.map((l) => Math.min(...l)));
      if (hi - lo <= p.tokens.length + 4) langs.add(p.lang);
    }
    return [...langs];
  }
}
