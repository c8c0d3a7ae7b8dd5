/**
 * Issue 15: three "I don't know"s in a row (an emoji, a bit of markup, a question the bot cannot
 * answer) no longer open a handoff by themselves. The bot asks "Shall I connect you with a
 * person?" with Yes / No (bound to a nonce), and only a yes, pressed or typed, opens it. Whole
 * conversations through the pure engine with the starter content, in all six languages.
 */
import { describe, expect, it } from 'vitest';
import { parsePayload } from '../../src/engine/payload.js';
import { content, Conversation, repoRoot } from '../helpers/content.js';

const starter = () => content(repoRoot);
const LANGS = ['ar', 'fa', 'ps', 'uk', 'en', 'de'];
/** Three messages nobody could answer, in any language: an emoji, stray markup, punctuation. */
const MISSES = ['🙂', '**', '???'];

function chosen(lang: string): Conversation {
  const conv = new Conversation(starter());
  conv.env = { officeOpen: true };
  conv.start();
  conv.send({ kind: 'button', payload: conv.buttons().find((b) => parsePayload(b.payload)?.kind === 'lang' && b.payload.endsWith(`:${lang}`))!.payload });
  return conv;
}
const handoffs = (conv: Conversation) => conv.effects.filter((e) => e.type === 'handoff');

describe('three misses in a row', () => {
  for (const lang of LANGS) {
    it(`${lang}: the third asks in ${lang} whether to connect a person, opens nothing, and a pressed Yes opens the handoff`, () => {
      const c = starter();
      const conv = chosen(lang);
      conv.say(MISSES[0]!);
      conv.say(MISSES[1]!);
      expect(handoffs(conv)).toEqual([]);
      conv.say(MISSES[2]!);
      expect(handoffs(conv)).toEqual([]);
      expect(conv.effects).toEqual([{ type: 'unanswered', text: '???', lang }]);
      expect(conv.texts()).toEqual([c.t(lang, 'fallback.unknown'), c.t(lang, 'fallback.askPerson')]);
      expect(conv.labels()).toEqual([c.t(lang, 'buttons.yes'), c.t(lang, 'buttons.no'), c.t(lang, 'buttons.menu')]);
      expect(conv.session.pending).toEqual({ kind: 'person-offer' });
      expect(conv.buttons()[0]!.payload).toBe(`po:yes:${conv.session.kb}`);
      conv.press(c.t(lang, 'buttons.yes'));
      expect(handoffs(conv)).toEqual([{ type: 'handoff', reason: 'unknown', priority: 'normal', lang, topic: undefined }]);
    });
  }

  it('de: a typed "nein" declines: a kind word, no handoff, and the count of misses starts again', () => {
    const c = starter();
    const conv = chosen('de');
    for (const m of MISSES) conv.say(m);
    conv.say('nein');
    expect(handoffs(conv)).toEqual([]);
    expect(conv.text()).toBe(c.t('de', 'fallback.declined'));
    expect(conv.session.pending).toBeUndefined();
    conv.say('🙂');
    conv.say('**');
    expect(conv.text()).not.toContain(c.t('de', 'fallback.askPerson'));
    conv.say('???');
    expect(conv.text()).toContain(c.t('de', 'fallback.askPerson'));
  });

  it('ar: a typed "نعم" answers the question, and so opens the handoff', () => {
    const c = starter();
    const conv = chosen('ar');
    for (const m of MISSES) conv.say(m);
    conv.say(c.t('ar', 'buttons.yes'));
    expect(handoffs(conv).map((e) => e.type === 'handoff' && e.reason)).toEqual(['unknown']);
  });

  it('en: the Yes of an offer declined before has expired: no handoff, the menu instead', () => {
    const c = starter();
    const conv = chosen('en');
    for (const m of MISSES) conv.say(m);
    const oldYes = conv.buttons()[0]!.payload;
    conv.press('No');
    conv.send({ kind: 'button', payload: oldYes });
    expect(handoffs(conv)).toEqual([]);
    expect(conv.texts()[0]).toBe(c.t('en', 'errors.expired'));
  });

  it('en: a second tap of Yes opens one handoff, not two', () => {
    const conv = chosen('en');
    for (const m of MISSES) conv.say(m);
    const yes = conv.buttons()[0]!.payload;
    conv.send({ kind: 'button', payload: yes });
    expect(handoffs(conv)).toHaveLength(1);
    conv.send({ kind: 'button', payload: yes });
    expect(handoffs(conv)).toEqual([]);
  });

  it('en: asking for a person outright still opens it at once, whatever the count', () => {
    const conv = chosen('en');
    conv.say('🙂');
    conv.say('talk to a person');
    expect(handoffs(conv).map((e) => e.type === 'handoff' && e.reason)).toEqual(['asked']);
  });
});

describe('a bare yes or no to a yes/no question is the answer, not a crisis', () => {
  // Alone, "no" scored as a clear crisis (in Spanish), "nein" and "لا" as unsure: "Was this helpful?"
  // answered with "no" got the crisis answer or "Are you safe?".
  for (const [lang, question, no] of [
    ['en', 'which documents do I need to bring to the interview', 'no'],
    ['de', 'welche Dokumente brauche ich für das Interview', 'nein'],
    ['ar', 'شو الوثائق اللي لازم احملها للمقابلة', 'لا'],
  ] as const) {
    it(`${lang}: "${no}" after "Was this helpful?" is the feedback, and the bot asks about a person`, () => {
      const c = starter();
      const conv = chosen(lang);
      conv.say(question);
      expect(conv.session.pending?.kind).toBe('feedback');
      conv.say(no);
      expect(conv.effects.filter((e) => e.type === 'distress')).toEqual([]);
      expect(conv.text()).toContain(c.t(lang, 'feedback.thanksNo'));
    });
  }

  it('en: "no" after three misses declines the person, without the crisis answer', () => {
    const c = starter();
    const conv = chosen('en');
    for (const m of MISSES) conv.say(m);
    conv.say('no');
    expect(conv.effects).toEqual([]);
    expect(conv.text()).toBe(c.t('en', 'fallback.declined'));
  });
});

describe('a bare yes, ok or no with no question open', () => {
  // Before: "no" and "nope" got the crisis answer (read as Spanish), "nein", "لا", "так" "Are you
  // safe?", a Dari "نه" switched to Pashto, "yes" and "ok" counted as misses.
  for (const [lang, word] of [
    ['en', 'no'],
    ['en', 'nope'],
    ['en', 'ok'],
    ['de', 'nein'],
    ['ar', 'لا'],
    ['fa', 'نه'],
    ['ps', 'نه'],
    ['uk', 'так'],
  ] as const) {
    it(`${lang}: "${word}" shows the menu: no crisis answer, no miss, the language kept`, () => {
      const c = starter();
      const conv = chosen(lang);
      conv.say(word);
      expect(conv.effects).toEqual([]);
      expect(conv.session.lang).toBe(lang);
      expect(conv.session.unknownStreak).toBe(0);
      expect(conv.text()).toContain(c.pack.flowTexts[lang]!.main!.menu!.text as string);
    });
  }

  it('en: a crisis in words is still answered as one', () => {
    const conv = chosen('en');
    conv.say('no i cant go on anymore i want to die');
    expect(conv.effects.map((e) => e.type)).toContain('distress');
  });
});
