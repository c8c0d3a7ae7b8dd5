/**
 * Translation parity: every language carries every message of the
 * reference language (content/<lang>/language.yaml `reference: true`, or
 * English), so that nobody gets half an answer in their language without
 * anyone noticing. Found by a review: the crisis answer's second message
 * ("if someone is hurting you, it is not your fault ... police 133") existed
 * only in English.
 *
 * A translation may say less on purpose with `partial: <reason>`: listed as
 * a warning, an error with --strict. The crisis answer may never be partial.
 *
 * Example problem:
 *   content/ar/topics/meta.yaml:58: "meta.distress" has 1 of the 2 messages of the en answer
 *     hint: translate the missing message; the crisis answer must be complete in every language
 */
import type { ContentPack } from './pack.js';

type Report = (severity: 'error' | 'warning', path: string, keyPath: readonly PropertyKey[], message: string, hint?: string) => void;

export interface ParityInput {
  reference: string;
  languages: string[];
  topics: ContentPack['topics'];
  topicTexts: ContentPack['topicTexts'];
  /** Where each language's topic text was written (for the line). */
  topicFile: (lang: string, id: string) => string;
  serviceTexts: ContentPack['serviceTexts'];
  strict: boolean;
}

/** Topics whose answer must be complete in every language, whatever `partial` says. */
function isCrisis(t: ContentPack['topics'][string]): boolean {
  return t.action === 'distress' || t.id === 'meta.distress';
}

export function checkParity(p: ParityInput, report: Report): void {
  const ref = p.reference;
  for (const [id, topic] of Object.entries(p.topics)) {
    const refText = p.topicTexts[ref]?.[id];
    if (!refText) continue;
    for (const lang of p.languages) {
      if (lang === ref) continue;
      const tt = p.topicTexts[lang]?.[id];
      if (!tt) continue; // "missing translation" is reported by the compiler
      const file = p.topicFile(lang, id);
      const short = tt.answer.length < refText.answer.length;
      if (isCrisis(topic) && (short || tt.partial)) {
        report(
          'error',
          file,
          [id, 'answer'],
          `"${id}" has ${tt.answer.length} of the ${refText.answer.length} messages of the ${ref} answer`,
          'translate every message: the crisis answer must be complete in every language and can never be partial',
        );
        continue;
      }
      if (short && !tt.partial)
        report(
          'error',
          file,
          [id, 'answer'],
          `"${id}" has ${tt.answer.length} of the ${refText.answer.length} messages of the ${ref} answer`,
          `translate the missing message, or say why with partial: "<reason>" (then \`lotse validate --strict\` fails until it is done)`,
        );
      else if (tt.partial)
        report(
          p.strict ? 'error' : 'warning',
          file,
          [id, 'partial'],
          `"${id}" is partial in ${lang}: ${tt.partial}`,
          'complete the translation and remove `partial`',
        );
    }
  }
  const refServices = p.serviceTexts[ref];
  if (!refServices) return;
  for (const lang of p.languages) {
    if (lang === ref) continue;
    const st = p.serviceTexts[lang];
    if (!st) continue;
    for (const [sid, r] of Object.entries(refServices.services)) {
      const t = st.services[sid];
      if (t && r.howToGet && !t.howToGet)
        report(
          'error',
          `content/${lang}/services.yaml`,
          ['services', sid],
          `service "${sid}" has no howToGet in ${lang} (the ${ref} text says how to reach it)`,
          'translate howToGet: people need to know how to get there',
        );
    }
  }
}
