/**
 * Builds the NLU of one content snapshot: a matcher per language, the
 * language detector, the distress detector and the command words.
 */
import type { ContentPack } from '../content/pack.js';
import { detectLanguage } from './detect.js';
import { DistressDetector } from './distress.js';
import { keys, LanguageMatcher } from './matcher.js';
import { normalize } from './normalize.js';
import { editDistance } from './fuzzy.js';
import type { CommandName, MatchResult, Nlu } from './types.js';

/**
 * Decision thresholds on the calibrated score (0..1). Tuned on the dev set
 * (shared/eval/dev.jsonl) and checked by the eval; see bench/README.md.
 */
export const THRESHOLDS = {
  /** At or above: answer directly (if clearly ahead of the runner-up). */
  answer: 0.5,
  /** At or above (and below answer): "Did you mean ...?". Below: "I don't know". */
  clarify: 0.3,
  /** The best must lead the second by this much to answer without asking. */
  margin: 0.06,
};

const COMMANDS: CommandName[] = ['menu', 'back', 'language', 'human', 'next', 'yes', 'no'];

/**
 * Raw match scores are not probabilities; this maps them onto 0..1 so that
 * the thresholds above read as "how sure": the knee points were set where
 * the dev set's right and wrong answers separate.
 */
export function calibrate(raw: number): number {
  const x = Math.max(0, Math.min(1, raw));
  // piecewise linear: raw 0.25 -> 0.3 (clarify), raw 0.42 -> 0.5 (answer), raw 0.8 -> 0.9
  const pts: [number, number][] = [[0, 0], [0.25, 0.3], [0.42, 0.5], [0.8, 0.9], [1, 1]];
  for (let i = 1; i < pts.length; i++) {
    const [x0, y0] = pts[i - 1]!;
    const [x1, y1] = pts[i]!;
    if (x <= x1) return y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
  }
  return 1;
}

export function buildNlu(pack: ContentPack, list: (lang: string, key: string) => string[]): Nlu {
  const matchers = new Map<string, LanguageMatcher>();
  for (const l of pack.languages) {
    const texts = pack.topicTexts[l.code] ?? {};
    matchers.set(
      l.code,
      new LanguageMatcher(
        l.code,
        Object.entries(texts).map(([topic, t]) => ({ topic, title: t.title, examples: t.examples, keywords: t.keywords })),
      ),
    );
  }
  const distress = new DistressDetector(pack.safety);

  // Command words of every language, normalised: "zurück", "القائمة", "меню".
  const commandWords = new Map<string, CommandName>();
  for (const l of pack.languages) {
    for (const c of COMMANDS) for (const w of list(l.code, `commands.${c}`)) {
      const n = normalize(w);
      if (n && !commandWords.has(n)) commandWords.set(n, c);
    }
  }
  const languageNames = new Map<string, string>();
  for (const l of pack.languages) for (const n of [l.name, l.englishName, ...l.aliases, ...(l.names ?? [])]) languageNames.set(normalize(n), l.code);

  function command(text: string): CommandName | undefined {
    const n = normalize(text.replace(/^\//, ''));
    if (!n || n.split(' ').length > 5) return undefined;
    const exact = commandWords.get(n);
    if (exact) return exact;
    if (n.length < 5) return undefined;
    for (const [w, c] of commandWords) if (w.length >= 5 && editDistance(n, w, 1) <= 1) return c;
    return undefined;
  }

  function languageByName(text: string): string | undefined {
    const n = normalize(text);
    if (!n || n.split(' ').length > 3) return undefined;
    return languageNames.get(n);
  }

  function isDistress(text: string): boolean {
    return distress.detect(text).length > 0;
  }

  function match(text: string, sessionLang?: string): MatchResult {
    const det = detectLanguage(text, pack.languages);
    const prior = sessionLang && matchers.has(sessionLang) ? sessionLang : undefined;
    const candidates = det.ranked.map((r) => r.lang);
    if (prior && !candidates.includes(prior) && det.script !== 'other' && det.ranked.length === 0) candidates.push(prior);
    if (!candidates.length) candidates.push(prior ?? pack.languages[0]!.code);
    // Match in the plausible languages; pick by letters + vocabulary + prior.
    // The session's language goes first; when it answers confidently the
    // others are not tried (a person rarely switches mid-conversation, and
    // each extra language costs a full match).
    const q = keys(text);
    const ordered = prior && candidates.includes(prior) ? [prior, ...candidates.filter((l) => l !== prior)] : candidates;
    const results: { lang: string; m: ReturnType<LanguageMatcher['match']>; total: number }[] = [];
    for (const lang of ordered) {
      const m = matchers.get(lang)!.match(text, 5, q);
      const ev = det.ranked.find((r) => r.lang === lang)?.evidence ?? 0;
      const top = m.ranked[0]?.score ?? 0;
      const total = 0.6 * Math.tanh(ev / 2) + 1.5 * m.known + 1.0 * top + (lang === prior ? 0.5 : 0);
      results.push({ lang, m, total });
      if (lang === prior && calibrate(top) >= THRESHOLDS.answer && m.known >= 0.8) break;
    }
    results.sort((a, b) => b.total - a.total);
    const best = results[0]!;
    best.m = { ...best.m, ranked: matchers.get(best.lang)!.rerank(text, best.m.ranked) };
    const second = results[1];
    const langConfident = !second || best.lang === prior || best.total - second.total > 0.35 || candidates.length === 1;
    const ranked = best.m.ranked.map((r) => ({ topic: r.topic, score: calibrate(r.score) }));
    const top = ranked[0];
    const runnerUp = ranked[1];
    let decision: MatchResult['decision'] = 'unknown';
    if (top && top.score >= THRESHOLDS.answer && (!runnerUp || top.score - runnerUp.score >= THRESHOLDS.margin)) decision = 'answer';
    else if (top && top.score >= THRESHOLDS.clarify) decision = 'clarify';
    const distressHit = isDistress(text) || (top?.topic === 'meta.distress' && decision !== 'unknown');
    return {
      topic: decision === 'unknown' ? null : distressHit ? 'meta.distress' : (top?.topic ?? null),
      score: top?.score ?? 0,
      decision: distressHit ? 'answer' : decision,
      lang: best.lang,
      langConfident,
      langCandidates: results.map((r) => r.lang),
      alternatives: ranked.slice(1, 3).filter((a) => a.score >= THRESHOLDS.clarify * 0.8),
      distress: distressHit,
    };
  }

  return { match, isDistress, distressLanguages: (t) => distress.detect(t), command, languageByName };
}
