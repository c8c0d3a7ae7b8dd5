/**
 * Which question a "not helpful" was about (issue 16.4): the text the person
 * typed just before the answer, read from the session's recent exchanges as
 * they are after the "no" (the press or the typed word, then the thanks).
 */
import { describe, expect, it } from 'vitest';
import { newSession } from '../../src/engine/session.js';
import { questionBeforeFeedback } from '../../src/runtime/runtime.js';

const session = (recent: [who: 'person' | 'bot', text: string][]) => ({ ...newSession(), recent: recent.map(([who, text], at) => ({ who, text, at })) });

describe('questionBeforeFeedback', () => {
  it('is the typed question before the pressed or typed "no"', () => {
    const asked: [who: 'person' | 'bot', text: string][] = [
      ['person', '[l:en]'],
      ['bot', 'Hello'],
      ['person', 'what do I bring to the interview'],
      ['bot', 'Bring your documents.'],
      ['bot', 'Was this helpful?'],
    ];
    expect(questionBeforeFeedback(session([...asked, ['person', '[fb:n]'], ['bot', 'Thank you']]))).toBe('what do I bring to the interview');
    expect(questionBeforeFeedback(session([...asked, ['person', 'no'], ['bot', 'Thank you']]))).toBe('what do I bring to the interview');
  });

  it('is none when the answer was reached by a button, or nothing was typed', () => {
    expect(
      questionBeforeFeedback(
        session([
          ['person', 'hello'],
          ['person', '[t:hearing.documents]'],
          ['bot', 'Bring your documents.'],
          ['person', '[fb:n]'],
        ]),
      ),
    ).toBeUndefined();
    expect(questionBeforeFeedback(session([['person', '[fb:n]']]))).toBeUndefined();
    expect(questionBeforeFeedback(newSession())).toBeUndefined();
  });
});
