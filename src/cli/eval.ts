/**
 * Matcher evaluation on labelled messages, as the maintainers measure it:
 * `{"text", "lang", "topic", "kind"?}` per line (shared/eval and
 * test/fixtures/heldout format), matched with NO language hint unless
 * asked (`hint`), the way a first message arrives.
 *
 * Reports top-1 in scope (per language and per kind), Latin-script
 * messages, top-3, distress recall per language (both levels count as
 * noticed), false alarms (either level on a message that is not a crisis),
 * look-alikes not flagged, out-of-scope answered "I don't know", and
 * unserved languages.
 */
import type { CompiledContent } from '../content/served.js';

export interface EvalItem {
  text: string;
  lang: string;
  topic: string;
  /** plain, colloquial, noisy, latin, distress, lookalike, outofscope, unserved */
  kind?: string;
}

export interface Prediction {
  topic: string;
  top3: string[];
  score: number;
  lang: string;
  distress: boolean;
  distressLevel?: string;
}

interface Rate {
  n: number;
  ok: number;
  rate: number;
}

export interface EvalSummary {
  n: number;
  /** Top-1 over every message (the old single figure). */
  accuracy: number;
  /** Top-1 over in-scope messages (a topic, not none/distress, served language). */
  inScope: Rate;
  perLang: Record<string, Rate>;
  perKind: Record<string, Rate>;
  latin: Rate;
  top3: Rate;
  distressRecall: number;
  distressPerLang: Record<string, Rate>;
  falseAlarms: Rate;
  lookalikesNotFlagged: Rate;
  outOfScopeUnknown: Rate;
  nonePrecision: number;
  noneRecall: number;
}

export interface EvalResult {
  summary: EvalSummary;
  errors: { item: EvalItem; got: string; score: number; lang: string }[];
}

export function predict(c: CompiledContent, item: { text: string; lang?: string }, hint = false): Prediction {
  const m = c.nlu.match(item.text, hint && item.lang ? c.resolveLanguage(item.lang) : undefined);
  const topic = m.distress ? 'meta.distress' : (m.topic ?? 'none');
  const top3 = [topic, ...(m.decision === 'unknown' ? [] : m.alternatives.map((a) => a.topic))].slice(0, 3);
  return { topic, top3, score: m.score, lang: m.lang, distress: m.distress, distressLevel: m.distressLevel };
}

const SPECIAL = new Set(['none', 'meta.distress']);

export function evaluate(c: CompiledContent, items: EvalItem[], opts: { hint?: boolean } = {}): EvalResult {
  return evaluateWith((item) => predict(c, item, opts.hint), new Set(c.pack.languages.map((l) => l.code)), items);
}

/** The same figures for any matcher (the benchmark scores nlp.js with it too). */
export function evaluateWith(predictOne: (item: EvalItem) => Prediction, served: Set<string>, items: EvalItem[]): EvalResult {
  const rate = (): Rate => ({ n: 0, ok: 0, rate: 1 });
  const count = (r: Rate, ok: boolean) => {
    r.n++;
    if (ok) r.ok++;
  };
  const perLang: Record<string, Rate> = Object.create(null);
  const perKind: Record<string, Rate> = Object.create(null);
  const distressPerLang: Record<string, Rate> = Object.create(null);
  const inScope = rate();
  const latin = rate();
  const top3 = rate();
  const falseAlarms = rate();
  const look = rate();
  const oos = rate();
  let ok = 0;
  let predNone = 0;
  let predNoneOk = 0;
  let trueNone = 0;
  const errors: EvalResult['errors'] = [];
  for (const item of items) {
    const p = predictOne(item);
    const hit = p.topic === item.topic;
    if (hit) ok++;
    else errors.push({ item, got: p.topic, score: p.score, lang: p.lang });
    const kind = item.kind ?? 'unlabelled';
    if (served.has(item.lang) && !SPECIAL.has(item.topic) && kind !== 'unserved') {
      count(inScope, hit);
      count((perLang[item.lang] ??= rate()), hit);
      count((perKind[kind] ??= rate()), hit);
      count(top3, p.top3.includes(item.topic));
      if (kind === 'latin' || (/^[\x00-\x7f\u00c0-\u024f]*$/.test(item.text) && ['ar', 'fa', 'ps', 'uk'].includes(item.lang))) count(latin, hit);
    }
    if (item.topic === 'meta.distress') count((distressPerLang[item.lang] ??= rate()), p.distress);
    else count(falseAlarms, p.distress);
    if (kind === 'lookalike') count(look, !p.distress);
    if (item.topic === 'none') {
      trueNone++;
      if (kind !== 'unserved') count(oos, p.topic === 'none');
    }
    if (p.topic === 'none') {
      predNone++;
      if (item.topic === 'none') predNoneOk++;
    }
  }
  const fin = (r: Rate) => ((r.rate = r.n ? r.ok / r.n : 1), r);
  for (const r of [...Object.values(perLang), ...Object.values(perKind), ...Object.values(distressPerLang), inScope, latin, top3, falseAlarms, look, oos])
    fin(r);
  const dN = Object.values(distressPerLang).reduce((a, r) => a + r.n, 0);
  const dOk = Object.values(distressPerLang).reduce((a, r) => a + r.ok, 0);
  return {
    summary: {
      n: items.length,
      accuracy: items.length ? ok / items.length : 1,
      inScope,
      perLang,
      perKind,
      latin,
      top3,
      distressRecall: dN ? dOk / dN : 1,
      distressPerLang,
      falseAlarms,
      lookalikesNotFlagged: look,
      outOfScopeUnknown: oos,
      nonePrecision: predNone ? predNoneOk / predNone : 1,
      noneRecall: trueNone ? predNoneOk / trueNone : 1,
    },
    errors,
  };
}

export function formatEval(r: EvalResult, showErrors: boolean): string {
  const s = r.summary;
  const f = (x: number) => x.toFixed(3);
  const rr = (x: Rate) => `${f(x.rate)} (${x.ok}/${x.n})`;
  const lines = [`messages: ${s.n}`, `top-1 in scope: ${rr(s.inScope)}`, 'top-1 per language:'];
  for (const [l, v] of Object.entries(s.perLang).sort()) lines.push(`  ${l}: ${rr(v)}`);
  lines.push('top-1 per kind:');
  for (const [k, v] of Object.entries(s.perKind).sort()) lines.push(`  ${k}: ${rr(v)}`);
  lines.push(`Latin-script ar/fa/ps/uk: ${rr(s.latin)}`, `top-3 in scope: ${rr(s.top3)}`);
  lines.push(`distress recall: ${f(s.distressRecall)}`);
  for (const [l, v] of Object.entries(s.distressPerLang).sort()) lines.push(`  ${l}: ${rr(v)}`);
  lines.push(`distress false alarms: ${rr(s.falseAlarms)}`, `look-alikes not flagged: ${rr(s.lookalikesNotFlagged)}`);
  lines.push(`out-of-scope answered "I don't know": ${rr(s.outOfScopeUnknown)}`);
  lines.push(`overall top-1 (every message): ${f(s.accuracy)}`, `precision on none: ${f(s.nonePrecision)} (recall on none: ${f(s.noneRecall)})`);
  lines.push(`recall on meta.distress: ${f(s.distressRecall)}`);
  if (showErrors) {
    lines.push('', 'errors:');
    for (const e of r.errors) lines.push(`  [${e.item.lang}->${e.lang}] ${e.item.text}  expected ${e.item.topic}, got ${e.got} (${e.score.toFixed(2)})`);
  }
  return lines.join('\n');
}
