/**
 * A crisis written in a language Lotse does not serve (content/_other/safety.yaml), through
 * the engine with the starter content: the numbers at once (English and German when no
 * language was chosen, else the chosen one), the language choice, then the offer of a person;
 * never "Which language?" before the numbers. Messages written for this test.
 */
import { describe, expect, it } from 'vitest';
import { content, Conversation, repoRoot } from '../helpers/content.js';

const c = () => new Conversation(content(repoRoot));

const TURKISH = 'yaşamak istemiyorum artık kimse beni sevmiyor';
const SOMALI = 'ma doonayo inaan noolaado qofna ima jecla';
const RUSSIAN = 'я накопил таблетки сегодня все выпью';

describe('a crisis in a language Lotse does not serve', () => {
  it('Turkish as the very first message: numbers in English and German first, the language choice, then a person offered', () => {
    const conv = c();
    conv.start();
    conv.say(TURKISH);
    const texts = conv.texts();
    // The numbers come first, before any question.
    expect(texts[0]).toContain('**144**');
    expect(texts[0]).toContain('142');
    expect(texts.some((t) => t.includes('Wenn Sie jetzt in Gefahr sind'))).toBe(true);
    // The German messages in the English reply say they are German, line by line (screen readers, lang="de").
    const german = conv.last.messages.filter((m) => m.kind === 'text' && m.text.includes('Wenn Sie jetzt in Gefahr sind'));
    expect(german.length).toBe(1);
    for (const m of german) expect(m.kind === 'text' && m.lines?.every((l) => l.lang === 'de' && l.dir === 'ltr')).toBe(true);
    const english = conv.last.messages.find((m) => m.kind === 'text' && m.text.includes('If you are in danger right now'));
    expect(english?.kind === 'text' && english.lines).toBeFalsy();
    expect(texts.findIndex((t) => t.includes('Please choose your language'))).toBeGreaterThan(texts.findIndex((t) => t.includes('Telefonseelsorge')));
    expect(conv.labels()).toEqual(expect.arrayContaining(['English', 'Deutsch', 'العربية', 'Українська']));
    // The offer comes last, in both languages, and is what a "yes" answers.
    expect(texts.at(-1)).toBe(
      'Do you want me to connect you with a person from our team now?\nMöchten Sie, dass ich Sie jetzt mit einer Person aus unserem Team verbinde?',
    );
    expect(conv.labels().slice(-2)).toEqual(['Yes / Ja', 'No / Nein']);
    expect(conv.session.pending).toEqual({ kind: 'distress-offer' });
    expect(conv.effects).toEqual([{ type: 'distress', lang: 'en', text: TURKISH, unserved: 'tr' }]);
    conv.press('Yes / Ja');
    expect(conv.effects).toEqual([{ type: 'handoff', reason: 'distress', priority: 'urgent', lang: 'en', topic: 'meta.distress' }]);
  });

  it('a language chosen from it: the numbers and the offer again in that language, and "yes" still reaches a person', () => {
    const conv = c();
    conv.start();
    conv.say(RUSSIAN);
    conv.press('Українська');
    expect(conv.session.lang).toBe('uk');
    expect(conv.texts()[0]).toContain('144');
    expect(conv.last.lang).toBe('uk');
    expect(conv.session.pending).toEqual({ kind: 'distress-offer' });
    expect(conv.effects).toEqual([]);
    conv.press('Так');
    expect(conv.effects).toEqual([{ type: 'handoff', reason: 'distress', priority: 'urgent', lang: 'uk', topic: 'meta.distress' }]);
  });

  it('a typed "yes" after it reaches a person too', () => {
    const conv = c();
    conv.start();
    conv.say(TURKISH);
    conv.say('yes');
    expect(conv.effects.find((e) => e.type === 'handoff')).toMatchObject({ reason: 'distress', priority: 'urgent' });
  });

  it('Somali after the person chose English: the numbers in English only, and the session stays English', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.say(SOMALI);
    expect(conv.texts()[0]).toContain('**144**');
    expect(conv.text()).not.toContain('Wenn Sie jetzt in Gefahr sind');
    expect(conv.labels().slice(-2)).toEqual(['Yes', 'No']);
    expect(conv.labels()).toContain('Deutsch');
    expect(conv.session.lang).toBe('en');
    expect(conv.effects).toEqual([{ type: 'distress', lang: 'en', text: SOMALI, unserved: 'so' }]);
  });

  it('Russian: in Ukrainian and English, as content/_other/safety.yaml says its readers read (answerIn), numbers first', () => {
    // Not because the letters look alike: the content says so (most Russian speakers among
    // newcomers here come from Ukraine), and a Ukrainian who typed without і/ї/є reads as Russian.
    const conv = c();
    conv.start();
    conv.say(RUSSIAN);
    const texts = conv.texts();
    expect(texts[0]).toContain('**144**');
    expect(texts[0]).toBe(content(repoRoot).t('uk', 'distress.numbers'));
    expect(texts.some((t) => t === content(repoRoot).t('en', 'distress.numbers'))).toBe(true);
    expect(texts.some((t) => t.includes('Wenn Sie jetzt in Gefahr sind'))).toBe(false);
    expect(conv.labels().slice(-2)).toEqual(['Так / Yes', 'Ні / No']);
    expect(conv.effects).toEqual([{ type: 'distress', lang: 'uk', text: RUSSIAN, unserved: 'ru' }]);
  });

  it('at night: what helps now in both languages, and the offer to leave a message', () => {
    const conv = c();
    conv.env = { officeOpen: false };
    conv.start();
    conv.say(TURKISH);
    expect(conv.texts()[0]).toContain('**144**');
    expect(conv.text()).toContain('**133** police');
    // The yes/no that follows answers its own question (issue 10: the buttons came after a statement).
    expect(conv.texts().at(-1)).toContain('Do you want to leave a message for them here?');
    expect(conv.labels().slice(-2)).toEqual(['Yes / Ja', 'No / Nein']);
  });
});

describe('an everyday question in a language Lotse does not serve', () => {
  it('a Turkish question about papers is not a crisis', () => {
    const conv = c();
    conv.start();
    conv.press('English');
    conv.say('oturma izni icin hangi belgeler lazim');
    expect(conv.effects.filter((e) => e.type === 'distress')).toEqual([]);
    expect(conv.text()).not.toContain('144');
  });
  it('nor as a first message', () => {
    const conv = c();
    conv.start();
    conv.say('oturma izni icin hangi belgeler lazim');
    expect(conv.effects.filter((e) => e.type === 'distress')).toEqual([]);
    expect(conv.text()).not.toContain('144');
  });
});

describe('a doubtful message in a language Lotse does not serve', () => {
  // Everyday Turkish, Kurmanji and Somali written for this test; the detector is unsure about some such short messages.
  const candidates = ['yarın pazara gidiyorum ucuz sebze var mı', 'sibê ez diçim bazarê', 'berri suuqa ayaan aadayaa miro ma jiraa', 'bugün hava çok soğuk'];

  it('gets the language choice and the numbers with a way to a person, never the crisis script nor an alert', () => {
    const nlu = content(repoRoot).nlu;
    const doubtful = candidates.filter((t) => nlu.distress(t).level === 'unsure' && nlu.distress(t).unserved);
    // At least one of them is doubtful today; if the detector gets surer, this test needs a new example, not a pass.
    expect(doubtful.length).toBeGreaterThan(0);
    for (const text of doubtful) {
      const conv = c();
      conv.start();
      conv.say(text);
      const texts = conv.texts();
      expect(texts[0], text).toContain('Please choose your language');
      expect(texts.at(-1), text).toContain('**144**');
      expect(
        texts.some((t) => t.includes('Wenn Sie jetzt in Gefahr sind')),
        text,
      ).toBe(true);
      // Not the crisis script: no caring words as to a person in crisis, no offer waiting for a "yes", nothing alerted.
      expect(
        texts.some((t) => t.includes('Do you want me to connect you')),
        text,
      ).toBe(false);
      expect(conv.session.pending, text).toBeUndefined();
      expect(conv.effects, text).toEqual([]);
      expect(conv.labels(), text).toEqual(expect.arrayContaining(['English', 'Deutsch', 'Talk to our team / Mit unserem Team sprechen']));
      conv.press('Deutsch');
      expect(conv.session.lang).toBe('de');
    }
  });
});
