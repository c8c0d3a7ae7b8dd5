/**
 * Issue 15: a person who writes in a language Lotse does not serve (Somali, Tigrinya, Turkish,
 * French ...) and is not in crisis gets, in that language where the pack has its words
 * (content/_other/safety.yaml `notServed`) and otherwise in all six, the languages Lotse speaks as
 * buttons and a person; so does a phone set to such a language (Telegram's language_code). Whole
 * conversations through the pure engine with the starter content.
 */
import { describe, expect, it } from 'vitest';
import { parsePayload } from '../../src/engine/payload.js';
import { content, Conversation, repoRoot } from '../helpers/content.js';

const starter = () => content(repoRoot);
const conv = () => {
  const x = new Conversation(starter());
  x.env = { officeOpen: true };
  return x;
};
const languageNames = () => starter().pack.languages.map((l) => l.name);
const everySix = () =>
  starter()
    .pack.languages.map((l) => starter().t(l.code, 'language.notServed'))
    .join('\n\n');
const handoffs = (x: Conversation) => x.effects.filter((e) => e.type === 'handoff');

describe('first contact in a language Lotse does not serve', () => {
  it('French: said in French, the six languages as buttons, and a person', () => {
    const x = conv();
    x.start();
    x.say('bonjour je cherche un médecin pour mon enfant qui est malade');
    expect(x.text()).toBe(starter().pack.otherDistress.fr!.notServed);
    expect(x.labels()).toEqual([...languageNames(), '👤 Parler à une personne']);
    expect(x.session.lang).toBeUndefined();
    expect(x.effects).toEqual([]);
    // A language they read: the welcome in it, as for anyone.
    x.press('Deutsch');
    expect(x.session.lang).toBe('de');
    expect(x.text()).toContain(starter().t('de', 'welcome.intro'));
  });

  it('Turkish: said in Turkish; the person button opens a handoff before any language is chosen', () => {
    const x = conv();
    x.start();
    x.say('merhaba yarın doktora gitmem lazım nereye gideceğim bilmiyorum');
    expect(x.text()).toBe(starter().pack.otherDistress.tr!.notServed);
    x.press('👤 Biriyle konuşmak istiyorum');
    expect(handoffs(x)).toEqual([{ type: 'handoff', reason: 'asked', priority: 'normal', lang: 'en', topic: undefined }]);
  });

  it('Somali (no words of its own in the pack): said in all six served languages', () => {
    const x = conv();
    x.start();
    x.say('waxaan u baahanahay dhakhtar ilmahayga wuu xanuunsan yahay');
    expect(x.text()).toBe(everySix());
    expect(x.labels()).toEqual([...languageNames(), `👤 ${starter().t('en', 'buttons.human')}`]);
  });

  it('the language buttons are bound to a fresh nonce, the person button is plain navigation', () => {
    const x = conv();
    x.start();
    x.say('bonjour je cherche un médecin pour mon enfant qui est malade');
    const kinds = x.buttons().map((b) => parsePayload(b.payload));
    expect(kinds.slice(0, -1).every((p) => p?.kind === 'lang' && p.nonce === x.session.kb)).toBe(true);
    expect(kinds.at(-1)).toEqual({ kind: 'nav', what: 'human' });
  });
});

describe("a phone set to a language Lotse does not serve (Telegram's language_code)", () => {
  it('/start with "so" is not English: the languages and a person, in all six', () => {
    const x = conv();
    x.start('so');
    expect(x.text()).toBe(everySix());
    expect(x.labels()).toEqual([...languageNames(), `👤 ${starter().t('en', 'buttons.human')}`]);
  });

  it('/start with "tr-TR" speaks Turkish; with a served code ("ar-SY") it is the usual language choice', () => {
    const x = conv();
    x.start('tr-TR');
    expect(x.text()).toBe(starter().pack.otherDistress.tr!.notServed);
    const y = conv();
    y.start('ar-SY');
    expect(y.text()).toContain(starter().t('ar', 'welcome.chooseLanguage'));
    expect(y.text()).not.toContain(starter().t('ar', 'language.notServed'));
  });

  it('/start with "ru": said in Russian, Ukrainian first among the languages (content/_other/safety.yaml answerIn)', () => {
    const x = conv();
    x.start('ru');
    expect(x.text()).toBe(starter().pack.otherDistress.ru!.notServed);
    expect(x.labels()[0]).toBe(starter().language('uk')!.name);
  });

  it('"so" and an English first message: not silently English, the language list first', () => {
    const x = conv();
    x.send({ kind: 'text', text: 'which documents do I need to bring to the interview', langHint: 'so' });
    expect(x.session.lang).toBeUndefined();
    expect(x.text()).toBe(everySix());
    // Without the hint the same message is answered in English, as before.
    const y = conv();
    y.send({ kind: 'text', text: 'which documents do I need to bring to the interview' });
    expect(y.session.lang).toBe('en');
  });

  it('"ru" and a message in Ukrainian: answered in Ukrainian, as before', () => {
    const x = conv();
    x.send({ kind: 'text', text: 'які документи потрібно взяти на співбесіду', langHint: 'ru' });
    expect(x.session.lang).toBe('uk');
    expect(x.text()).not.toContain(starter().t('uk', 'language.notServed'));
  });
});

describe('later in the conversation', () => {
  it('en chosen, then a Turkish question the bot cannot answer: the Turkish words and the languages, not "I don\'t know"', () => {
    const x = conv();
    x.start();
    x.press('English');
    x.say('merhaba yarın doktora gitmem lazım nereye gideceğim bilmiyorum');
    expect(x.text()).toBe(starter().pack.otherDistress.tr!.notServed);
    expect(x.text()).not.toContain(starter().t('en', 'fallback.unknown'));
    // The language in use comes first; pressing it says so and shows the menu.
    expect(x.labels()[0]).toBe('English');
    x.press('English');
    expect(x.text()).toContain(starter().t('en', 'language.changed'));
  });

  it('an English question is still answered in English', () => {
    const x = conv();
    x.start();
    x.press('English');
    x.say('which documents do I need to bring to the interview');
    expect(x.session.lastTopic).toBe('hearing.documents');
  });
});
