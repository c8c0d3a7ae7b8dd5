/**
 * A content snapshot ready to serve: the immutable pack, its i18next
 * translator and its matcher indexes, built once per version.
 */
import i18next, { type i18n } from 'i18next';
import { buildNlu } from '../nlu/index.js';
import { loadModels } from '../nlu/model-cache.js';
import type { LearnedModels } from '../nlu/learned.js';
import type { Nlu } from '../nlu/types.js';
import type { ContentPack, LanguageInfo } from './pack.js';

export interface CompiledContent {
  pack: ContentPack;
  /** Folder on disk that audio paths in the pack are relative to. */
  assetRoot: string;
  nlu: Nlu;
  /** The learned models the NLU runs on (the editor's preview reuses them for a draft rather than train for a minute). */
  models: LearnedModels;
  t(lang: string, key: string, vars?: Record<string, unknown>): string;
  /** A list-valued UI string (command words). */
  tList(lang: string, key: string): string[];
  language(code: string): LanguageInfo | undefined;
  /** The served language a code like "fa-IR", "prs" or "de-AT" stands for, if any. */
  resolveLanguage(code: string | undefined): string | undefined;
  defaultLang: string;
}

/**
 * Builds the serving snapshot of a pack. `models` are its trained models
 * when the caller has them already (trained in the background); without,
 * they come from the model cache or are trained here.
 */
export function compileContent(pack: ContentPack, assetRoot: string, models?: LearnedModels): CompiledContent {
  const defaultLang = pack.languages.some((l) => l.code === 'en') ? 'en' : pack.languages[0]!.code;
  const inst: i18n = i18next.createInstance();
  void inst.init({
    resources: Object.fromEntries(Object.entries(pack.ui).map(([l, r]) => [l, { translation: structuredClone(r) }])),
    lng: defaultLang,
    fallbackLng: defaultLang,
    interpolation: { escapeValue: false },
    initAsync: false,
    returnNull: false,
    // Keep stdout for structured logs and CLI output.
    showSupportNotice: false,
  });
  const fixed = new Map(pack.languages.map((l) => [l.code, inst.getFixedT(l.code)]));
  const plain = new Map<string, Map<string, string>>();
  const byCode = new Map(pack.languages.map((l) => [l.code, l]));
  const aliases = new Map<string, string>();
  for (const l of pack.languages) {
    aliases.set(l.code.toLowerCase(), l.code);
    for (const a of l.aliases) aliases.set(a.toLowerCase(), l.code);
  }
  const resolveLanguage = (code: string | undefined) => {
    if (!code) return undefined;
    const c = code.toLowerCase().replace('_', '-');
    return aliases.get(c) ?? aliases.get(c.split('-')[0]!);
  };
  const learned = models ?? loadModels(pack);
  const nlu = buildNlu(
    pack,
    (lang, key) => {
      const v = (fixed.get(lang) ?? inst.t)(key, { returnObjects: true }) as unknown;
      return Array.isArray(v) ? v.map(String) : [];
    },
    { models: learned },
  );
  return {
    pack,
    assetRoot,
    nlu,
    models: learned,
    defaultLang,
    t: (lang, key, vars) => {
      const l = fixed.has(lang) ? lang : defaultLang;
      const tr = fixed.get(l)!;
      if (vars) return String(tr(key, vars));
      // Without variables a string depends on the language and key alone (the resources of a snapshot
      // never change): resolved by i18next once, not on every button of every answer (2.8% of the
      // server's CPU under web chat load, issue 17.1).
      const memo = plain.get(l) ?? plain.set(l, new Map()).get(l)!;
      let v = memo.get(key);
      if (v === undefined) memo.set(key, (v = String(tr(key, {}))));
      return v;
    },
    tList: (lang, key) => {
      const v = (fixed.get(lang) ?? fixed.get(defaultLang)!)(key, { returnObjects: true }) as unknown;
      return Array.isArray(v) ? v.map(String) : [];
    },
    language: (code) => byCode.get(code),
    resolveLanguage,
  };
}
