/**
 * Golden tests, one per step type: what a person sees on entering the step
 * and after its own buttons, in the fixture pack (test/fixtures/mini).
 */
import { describe, expect, it } from 'vitest';
import { content, Conversation } from '../helpers/content.js';

function inEnglish() {
  const conv = new Conversation(content());
  conv.start();
  conv.press('English');
  return conv;
}

describe('step types (golden)', () => {
  it('menu', () => {
    const conv = inEnglish();
    conv.send({ kind: 'button', payload: 'g:hearing' });
    expect(conv.last).toMatchSnapshot();
  });
  it('walkthrough: pages with next and back, then its end', () => {
    const conv = inEnglish();
    conv.send({ kind: 'button', payload: 'g:hearing#walk' });
    expect(conv.last).toMatchSnapshot('page 1');
    conv.press('Next');
    expect(conv.last).toMatchSnapshot('page 2');
    conv.press('wt:prev');
    expect(conv.text()).toContain('Step 1 of 3');
    conv.press('Next');
    conv.say('next');
    expect(conv.text()).toContain('Step 3 of 3');
    conv.press('Next');
    expect(conv.last).toMatchSnapshot('end: message step');
  });
  it('message with next', () => {
    const conv = inEnglish();
    conv.send({ kind: 'button', payload: 'g:hearing#done' });
    expect(conv.labels()[0]).toBe('Next');
    conv.press('Next');
    expect(conv.text()).toBe('Do you feel ready?');
  });
  it('question: buttons and typed answers', () => {
    const conv = inEnglish();
    conv.send({ kind: 'button', payload: 'g:hearing#ready' });
    expect(conv.last).toMatchSnapshot();
    conv.say('not yet');
    expect(conv.text()).toContain('Step 1 of 3');
  });
  it('goto and handoff: "yes" jumps through a goto step into the handoff', () => {
    const conv = inEnglish();
    conv.send({ kind: 'button', payload: 'g:hearing#ready' });
    conv.press('Yes');
    expect(conv.effects).toEqual([{ type: 'handoff', reason: 'asked', priority: 'normal', lang: 'en', topic: undefined }]);
    expect(conv.last).toMatchSnapshot();
  });
  it('audio: the episode, its synthetic-voice note and the transcript link', () => {
    const conv = inEnglish();
    conv.send({ kind: 'button', payload: 'g:podcasts#hearing' });
    expect(conv.last).toMatchSnapshot();
  });
  it('audio in a language without a recording falls back to one that has it', () => {
    const conv = inEnglish();
    conv.press('Change language');
    conv.press('العربية');
    conv.send({ kind: 'button', payload: 'g:podcasts#hearing' });
    const audio = conv.last.messages.find((m) => m.kind === 'audio');
    expect(audio).toMatchObject({ kind: 'audio', lang: 'en', title: 'التحضير للمقابلة', transcriptUrl: '/podcasts/ar/hearing/transcript' });
  });
  it('directory: need -> category -> services -> details, example entries labelled', () => {
    const conv = inEnglish();
    conv.press('Health');
    expect(conv.last).toMatchSnapshot('categories');
    conv.press('Doctors');
    expect(conv.labels()[0]).toContain('Example entry');
    conv.press('dir:s:example-gp');
    expect(conv.text()).toContain('Example entry');
    expect(conv.labels()).toContain('Talk to a person');
    conv.press('Back');
    conv.press('Back');
    conv.press('Emergency');
    conv.press('Euro-Notruf 112');
    expect(conv.last).toMatchSnapshot('details');
  });
});
