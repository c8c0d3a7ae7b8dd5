/**
 * Language detection for short messages. The script narrows the choice
 * (Cyrillic: Ukrainian; Latin: English, German or Arabic in Latin letters;
 * Arabic script: Arabic, Farsi/Dari or Pashto); letters that only one
 * language uses and how much of the message each language's vocabulary
 * knows decide among the rest; the session's language is the prior.
 */
import type { LanguageInfo } from '../content/pack.js';
import { scriptCounts, type Script } from './normalize.js';

export interface Detection {
  /** Plausible languages with evidence, best first. */
  ranked: { lang: string; evidence: number }[];
  script: Script;
}

// Letters that mark one language in Arabic script.
const PASHTO_ONLY = /[ټډړږښګڼېۍځڅ]/g;
const PERSIAN_LETTERS = /[پچژگیک]/g; // Persian and Pashto, not Arabic
const ARABIC_ONLY = /[ةيكىإأ]/g;
// Latin-script Arabic ("arabizi"): digits standing for letters inside words, and very common words.
const ARABIZI_DIGITS = /\b[a-z]*[235789][a-z]+|\b[a-z]+[2356789][a-z]*\b/i;
const ARABIZI_WORDS = /\b(shu|shou|sho|shlon|bdi|biddi|bde|badi|wen|wein|fen|lesh|leish|lazem|lazim|kif|kifak|keef|mish|msh|ana|enta|inti|ma3|3an|fi|hal2|hala2|halla2|ya3ni|shi|bas|mni7|tamam|inshallah|wallah|habibi|3ndi|3andi|mafi|fe|w|el|al)\b/gi;
const GERMAN_MARKS = /[äöüß]|\b(ich|nicht|und|ist|wie|was|wo|wann|kann|muss|mein|meine|der|die|das|bei|mit|für|fur|fuer|zum|zur|ein|eine|habe|bin|gibt|darf|brauche)\b/gi;
const ENGLISH_MARKS = /\b(i|the|is|what|where|when|can|my|to|do|how|need|have|with|for|and|a|it|you|me|get|should|want)\b/gi;

function count(re: RegExp, s: string): number {
  return (s.match(re) ?? []).length;
}

/**
 * Letter and word evidence per language (before vocabulary). Content decides
 * which languages exist; these cues only apply to the codes they name.
 */
export function detectLanguage(text: string, languages: LanguageInfo[]): Detection {
  const sc = scriptCounts(text);
  const script = (Object.entries(sc) as [Script, number][]).sort((a, b) => b[1] - a[1])[0]![0];
  const ranked: { lang: string; evidence: number }[] = [];
  const of = (s: string) => languages.filter((l) => l.script === s);
  if (sc[script] === 0) return { ranked: [], script: 'other' };
  if (script === 'Arab') {
    const ps = count(PASHTO_ONLY, text);
    const fa = count(PERSIAN_LETTERS, text);
    const ar = count(ARABIC_ONLY, text);
    for (const l of of('Arab')) {
      let e = 0;
      if (l.code === 'ps') e = 2.5 * ps + 0.3 * fa - 0.5 * ar;
      else if (l.code === 'fa') e = 1.0 * fa - 2 * ps - 0.8 * ar;
      else if (l.code === 'ar') e = 1.0 * ar - 1.2 * fa - 2 * ps;
      ranked.push({ lang: l.code, evidence: e });
    }
  } else if (script === 'Latn') {
    const lower = text.toLowerCase();
    const arabizi = (ARABIZI_DIGITS.test(lower) ? 2 : 0) + count(ARABIZI_WORDS, lower) * 0.8;
    const de = count(GERMAN_MARKS, lower);
    const en = count(ENGLISH_MARKS, lower);
    for (const l of of('Latn')) ranked.push({ lang: l.code, evidence: l.code === 'de' ? de : l.code === 'en' ? en : 0 });
    // Arabic typed in Latin letters: offered when the cues are there.
    if (arabizi >= 1.5) for (const l of of('Arab')) if (l.code === 'ar') ranked.push({ lang: l.code, evidence: arabizi - 1 });
  } else {
    for (const l of of(script)) ranked.push({ lang: l.code, evidence: 0 });
  }
  ranked.sort((a, b) => b.evidence - a.evidence);
  return { ranked, script };
}
