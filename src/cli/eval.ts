/**
 * Matcher evaluation on labelled messages (shared/eval format):
 * top-1 accuracy per language and overall, precision on "none" (when the bot
 * says it does not know, was that right?), recall on meta.distress.
 */
import type { CompiledContent } from '../content/compiled.js';

export interface EvalItem {
  text: string;
  lang: string;
  topic: string;
}

export interface EvalResult {
  summary: {
    n: number;
    accuracy: number;
    perLang: Record<string, { n: number; accuracy: number }>;
    nonePrecision: number;
    noneRecall: number;
    distressRecall: number;
  };
  errors: { item: EvalItem; got: string; score: number; lang: string }[];
}

export function predict(c: CompiledContent, item: { text: string; lang?: string }): { topic: string; score: number; lang: string; distress: boolean } {
  const m = c.nlu.match(item.text, item.lang ? c.resolveLanguage(item.lang) : undefined);
  return { topic: m.distress ? 'meta.distress' : (m.topic ?? 'none'), score: m.score, lang: m.lang, distress: m.distress };
}

export function evaluate(c: CompiledContent, items: EvalItem[]): EvalResult {
  const per: Record<string, { n: number; ok: number }> = {};
  let ok = 0;
  let predNone = 0;
  let predNoneOk = 0;
  let trueNone = 0;
  let trueDistress = 0;
  let distressFound = 0;
  const errors: EvalResult['errors'] = [];
  for (const item of items) {
    const p = predict(c, item);
    const hit = p.topic === item.topic;
    (per[item.lang] ??= { n: 0, ok: 0 }).n++;
    if (hit) {
      ok++;
      per[item.lang]!.ok++;
    } else errors.push({ item, got: p.topic, score: p.score, lang: p.lang });
    if (p.topic === 'none') {
      predNone++;
      if (item.topic === 'none') predNoneOk++;
    }
    if (item.topic === 'none') trueNone++;
    if (item.topic === 'meta.distress') {
      trueDistress++;
      if (p.distress) distressFound++;
    }
  }
  const r = (a: number, b: number) => (b ? a / b : 1);
  return {
    summary: {
      n: items.length,
      accuracy: r(ok, items.length),
      perLang: Object.fromEntries(Object.entries(per).map(([l, v]) => [l, { n: v.n, accuracy: r(v.ok, v.n) }])),
      nonePrecision: r(predNoneOk, predNone),
      noneRecall: r(predNoneOk, trueNone),
      distressRecall: r(distressFound, trueDistress),
    },
    errors,
  };
}

export function formatEval(r: EvalResult, showErrors: boolean): string {
  const pct = (x: number) => x.toFixed(3);
  const lines = [`messages: ${r.summary.n}`, 'top-1 accuracy per language:'];
  for (const [l, v] of Object.entries(r.summary.perLang).sort()) lines.push(`  ${l}: ${pct(v.accuracy)} (${v.n})`);
  lines.push(`overall top-1 accuracy: ${pct(r.summary.accuracy)}`);
  lines.push(`precision on none: ${pct(r.summary.nonePrecision)} (recall on none: ${pct(r.summary.noneRecall)})`);
  lines.push(`recall on meta.distress: ${pct(r.summary.distressRecall)}`);
  if (showErrors) {
    lines.push('', 'errors:');
    for (const e of r.errors) lines.push(`  [${e.item.lang}->${e.lang}] ${e.item.text}  expected ${e.item.topic}, got ${e.got} (${e.score.toFixed(2)})`);
  }
  return lines.join('\n');
}
