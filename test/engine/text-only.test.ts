/**
 * A text-only channel (SMS, a terminal): everything a button does can be
 * typed, as the button's number (any count, any digits) or its label.
 */
import { describe, expect, it } from 'vitest';
import { content, Conversation } from '../helpers/content.js';

function inEnglish() {
  const conv = new Conversation(content());
  conv.start();
  conv.press('English');
  return conv;
}

describe('the directory by typing', () => {
  it('number of a category, then number of a service, then back up level by level', () => {
    const conv = inEnglish();
    conv.press('Health');
    conv.say('1');
    expect(conv.text()).toBe('**Emergency**');
    conv.say('1');
    expect(conv.text()).toContain('Euro-Notruf 112');
    expect(conv.session.pos).toMatchObject({ flow: 'services', cat: 'emergency', svc: 'emergency-112' });
    conv.say('back');
    expect(conv.text()).toBe('**Emergency**');
    conv.say('back');
    expect(conv.text()).toBe('Choose a kind of help.');
  });
  it('the name of a category or a service, in Arabic-Indic digits too', () => {
    const conv = inEnglish();
    conv.press('Health');
    conv.say('doctors');
    expect(conv.text()).toBe('**Doctors**');
    conv.say('Doctor nearby');
    expect(conv.text()).toContain('Example entry');
    conv.press('Back');
    conv.press('Back');
    conv.say('٢');
    expect(conv.text()).toBe('**Doctors**');
  });
  it('a number beyond the list is not a choice (understood as a message instead)', () => {
    const conv = inEnglish();
    conv.press('Health');
    conv.say('7');
    expect(conv.session.pos).toMatchObject({ flow: 'services' });
    expect(conv.session.pos).not.toHaveProperty('cat');
  });
});

describe('"Did you mean ...?" by typing', () => {
  it('any listed number, in any digits, picks that choice', () => {
    for (const [typed, i] of [
      ['1', 0],
      ['2', 1],
      ['۲', 1],
      ['٢', 1],
    ] as const) {
      const conv = inEnglish();
      conv.say('interview');
      const options = conv
        .buttons()
        .filter((b) => b.payload.startsWith('t:'))
        .map((b) => b.payload.slice(2));
      expect(options.length).toBeGreaterThan(1);
      conv.say(typed);
      expect(conv.session.lastTopic).toBe(options[i]);
    }
  });
  it('not only 1-3: the fifth of five choices (as a text-only channel may list them)', () => {
    const conv = inEnglish();
    const options = ['hearing.documents', 'hearing.interpreter', 'hearing.after', 'podcasts.hearing', 'services.emergency'];
    conv.session.pending = { kind: 'disambiguation', options, text: 'help' };
    conv.say('5');
    expect(conv.session.lastTopic).toBe('services.emergency');
    expect(conv.text()).toContain('Euro-Notruf 112');
  });
  it('the title of a choice picks it; "None of these" typed is an honest "I don\'t know"', () => {
    const conv = inEnglish();
    conv.say('interview');
    const second = conv.buttons()[1]!;
    conv.say(second.label.toLowerCase());
    expect(conv.session.lastTopic).toBe(second.payload.slice(2));
    const none = inEnglish();
    none.say('interview');
    none.say('None of these');
    expect(none.effects).toEqual([{ type: 'unanswered', text: 'interview', lang: 'en' }]);
  });
});
