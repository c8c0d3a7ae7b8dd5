/**
 * What a crisis is about (issue 10.3: "my friend wants to die" is a crisis, differently): the
 * crisis-kind model (learned.ts CRISIS_KINDS) in every served language, and the crisis answer
 * it chooses, as a whole conversation. Messages written for this test, not taken from content
 * or from any evaluation set.
 */
import { describe, expect, it } from 'vitest';
import { content, Conversation, repoRoot } from '../helpers/content.js';

const MESSAGES: Record<string, { self: string; violence: string; other: string }> = {
  en: {
    self: 'I have saved up all my tablets and tonight I take them',
    violence: 'my husband is hitting me right now, the kids are crying',
    other: 'my roommate says he will end his life tonight',
  },
  ar: { self: 'بدي موت ما عاد فيني كفي', violence: 'زوجي عم يضربني هلق والولاد عم يبكوا', other: 'رفيقي بدو ينتحر الليلة' },
  fa: { self: 'دیگه نمیخوام زنده باشم خسته شدم', violence: 'شوهرم الان داره منو میزنه', other: 'دوستم میگه امشب خودشو میکشه' },
  ps: { self: 'زه نور ژوند نه غواړم', violence: 'میړه مې همدا اوس وهي او ماشومان ژاړي', other: 'زما ملګری وايي چې ځان وژني' },
  uk: { self: 'дуже хочу заснути і не прокинутись', violence: 'чоловік зараз мене б’є, діти плачуть', other: 'мій друг каже що покінчить з собою' },
  de: { self: 'ich will einfach nicht mehr aufwachen', violence: 'mein Mann schlägt mich gerade', other: 'meine Freundin will sich umbringen' },
};

describe('what a crisis is about', () => {
  const nlu = content(repoRoot).nlu;
  for (const [lang, m] of Object.entries(MESSAGES))
    it(`${lang}: the person's own life, someone hurting them, a friend in danger`, () => {
      for (const [text, kind] of [
        [m.self, 'self'],
        [m.violence, 'violence'],
        [m.other, 'someone-else'],
      ] as const) {
        const d = nlu.distress(text);
        expect(d.level, text).toBe('clear');
        // In doubt the model names no kind and the answer is the one for all (with the police):
        // a person being hurt may get that; nobody may get another kind's answer.
        if (kind === 'violence') expect([kind, undefined], text).toContain(d.kind);
        else expect(d.kind, text).toBe(kind);
      }
    });

  it('most violence messages are read as violence (measured 2026-12-03: 5 of 6; the Ukrainian one in doubt)', () => {
    const read = Object.values(MESSAGES).filter((m) => nlu.distress(m.violence).kind === 'violence').length;
    expect(read).toBeGreaterThanOrEqual(5);
  });

  it('no kind for a message that is no crisis', () => {
    expect(nlu.distress('where can I buy a SIM card').kind).toBeUndefined();
  });
});

describe('the crisis answer for what it is about', () => {
  const c = content(repoRoot);
  const hurting = c.pack.topicTexts.en!['meta.distress']!.answer[1]!;
  const care = c.pack.topicTexts.en!['meta.distress']!.answer[0]!;
  const start = () => {
    const conv = new Conversation(content(repoRoot));
    conv.start();
    conv.press('English');
    return conv;
  };

  it('a person who wants to die: the numbers and the caring words, not "if someone is hurting you"', () => {
    const conv = start();
    conv.say(MESSAGES.en!.self);
    expect(conv.texts()[0]).toContain('**144**');
    expect(conv.texts()).toContain(care);
    expect(conv.texts()).not.toContain(hurting);
    expect(conv.effects[0]).toMatchObject({ type: 'distress', lang: 'en' });
    expect(conv.labels().slice(-2)).toEqual(['Yes', 'No']);
  });

  it('a person being hurt: the police as well', () => {
    const conv = start();
    conv.say(MESSAGES.en!.violence);
    expect(conv.texts()).toContain(hurting);
    expect(conv.text()).toContain('**133**');
  });

  it('someone worried about a friend: stay with them and 144, then the caring words; a person is offered all the same', () => {
    const conv = start();
    conv.say(MESSAGES.en!.other);
    const texts = conv.texts();
    expect(texts).toContain(c.t('en', 'distress.someoneElse'));
    expect(texts).not.toContain(hurting);
    expect(conv.session.pending).toEqual({ kind: 'distress-offer' });
    conv.press('Yes');
    expect(conv.effects).toEqual([{ type: 'handoff', reason: 'distress', priority: 'urgent', lang: 'en', topic: 'meta.distress' }]);
  });

  it('in Arabic too: a friend in danger gets the Arabic words for it', () => {
    const conv = new Conversation(content(repoRoot));
    conv.start();
    conv.say(MESSAGES.ar!.other);
    expect(conv.texts()).toContain(c.t('ar', 'distress.someoneElse'));
  });
});
