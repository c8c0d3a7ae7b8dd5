/**
 * Deep links (a poster's QR code: t.me/<bot>?start=accommodation__visitors) open their topic for
 * a new person once the language is chosen, and at once for a person who already uses the bot.
 */
import { describe, expect, it } from 'vitest';
import { content, Conversation, repoRoot } from '../helpers/content.js';

// The starter content: the topic on the posters exists there.
const starter = () => content(repoRoot);

const answer = (topic: string) => starter().pack.topicTexts.en![topic]!.answer.map((a) => a.replace(/\*\*/g, ''));
const plain = (conv: Conversation) => conv.texts().map((t) => t.replace(/\*\*/g, ''));

describe('deep links', () => {
  it('a new person: the language choice first, then the topic', () => {
    const conv = new Conversation(starter());
    conv.send({ kind: 'start', langHint: 'en', topic: 'accommodation.visitors' });
    expect(conv.labels()).toContain('English');
    conv.press('English');
    expect(plain(conv)).toEqual(expect.arrayContaining(answer('accommodation.visitors')));
  });

  it('a returning person: the topic at once, not the main menu, and Back leads to where they were', () => {
    const conv = new Conversation(starter());
    conv.start('en');
    conv.press('English');
    const menu = conv.labels();
    expect(menu.length).toBeGreaterThan(2);
    conv.send({ kind: 'start', langHint: 'en', topic: 'accommodation.visitors' });
    expect(plain(conv)).toEqual(expect.arrayContaining(answer('accommodation.visitors')));
    expect(conv.labels()).not.toEqual(menu);
    expect(conv.session.welcomeTopic).toBeUndefined();
    conv.send({ kind: 'command', command: 'back' });
    expect(conv.labels()).toEqual(menu);
  });

  it('a returning person with an unknown topic (an old poster): the main menu', () => {
    const conv = new Conversation(starter());
    conv.start('en');
    conv.press('English');
    const menu = conv.labels();
    conv.send({ kind: 'start', langHint: 'en', topic: 'no.such-topic' });
    expect(conv.labels()).toEqual(menu);
  });
});
