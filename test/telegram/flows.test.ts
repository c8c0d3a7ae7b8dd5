/**
 * Telegram flows (issue 15) against the Bot API stand-in, in long polling mode: a deep link from a
 * poster opens its topic for a person who already uses the bot; the caption of a photo or a file is
 * read as the question (and the reply says the picture itself was not); an edited message is
 * answered as a new one (Lotse asks for edited_message); /stop is explained.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledContent } from '../../src/content/served.js';
import { parseTelegramHtml, TelegramStandIn } from './standin.js';
import { startLotse, type Lotse } from './lotse.js';

let api: TelegramStandIn;
let lotse: Lotse;
let c: CompiledContent;

beforeAll(async () => {
  api = await new TelegramStandIn('6161:FLOWS-standin').start();
  lotse = await startLotse({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'polling' });
  await lotse.tg.booted;
  c = lotse.running.ctx.content.current();
});
afterAll(async () => {
  await lotse?.stop();
  await api?.stop();
});

const visible = (chat: number) => api.messages(chat).map((m) => (m.parse_mode === 'HTML' ? parseTelegramHtml(m.text) : m.text));

/** Queues one update for getUpdates and waits until Lotse has handled it; returns what the bot sent for it. */
async function turn(chat: number, send: () => Promise<unknown>): Promise<string[]> {
  const before = api.messages(chat).length;
  const done = new Promise<void>((resolve) => lotse.tg.events.once('handled', () => resolve()));
  await send();
  await done;
  return visible(chat).slice(before);
}

/** A person who has chosen English. */
async function english(chat: number): Promise<void> {
  await turn(chat, () => api.text(chat, '/start', 'en'));
  await turn(chat, () => api.press(chat, '=l:en'));
}

const QUESTION = 'what is this letter? when is my interview';

describe('deep links', () => {
  it('an existing user scanning a poster (/start accommodation__visitors) gets that topic, not only the menu', async () => {
    const chat = 9101;
    await english(chat);
    const menu = await turn(chat, () => api.text(chat, '/menu'));
    const got = await turn(chat, () => api.text(chat, '/start accommodation__visitors', 'en'));
    const answer = c.pack.topicTexts.en!['accommodation.visitors']!.answer.map((a) => a.replace(/\*\*/g, ''));
    expect(answer.length).toBeGreaterThan(0);
    // Its paragraphs in order, in one Telegram message (issue 15: one message per answer).
    expect(got.join('\n\n')).toContain(answer.join('\n\n'));
    expect(got).not.toEqual(menu);
    // No language question again.
    expect(got.join('\n')).not.toContain(c.t('en', 'welcome.chooseLanguage'));
  });
});

describe('captions', () => {
  it('a photo with a caption: the caption is answered as typed text, after an honest line that the picture was not read', async () => {
    const control = 9201;
    await english(control);
    const typed = await turn(control, () => api.text(control, QUESTION));
    expect(typed.length).toBeGreaterThan(0);

    const chat = 9202;
    await english(chat);
    const got = await turn(chat, () => api.media(chat, QUESTION, 'photo'));
    expect(got[0]).toBe(c.t('en', 'errors.mediaCaption'));
    expect(got.slice(1)).toEqual(typed);
    expect(got).not.toContain(c.t('en', 'errors.unsupported'));
  });

  it('a document (a PDF of a letter) with a caption is read the same way', async () => {
    const chat = 9203;
    await english(chat);
    const control = 9205;
    await english(control);
    const typed = await turn(control, () => api.text(control, 'which documents do I need for the interview'));
    expect(typed.length).toBeGreaterThan(0);
    const got = await turn(chat, () => api.media(chat, 'which documents do I need for the interview', 'document'));
    // The honest line first, then what the typed question gets (joined into one message where no buttons part them).
    expect(got[0]!.startsWith(c.t('en', 'errors.mediaCaption'))).toBe(true);
    expect(got.join('\n\n')).toBe([c.t('en', 'errors.mediaCaption'), ...typed].join('\n\n'));
    expect(got).not.toContain(c.t('en', 'errors.unsupported'));
  });

  it('a photo without a caption still gets the polite "I read text" answer', async () => {
    const chat = 9204;
    await english(chat);
    expect(await turn(chat, () => api.media(chat, undefined, 'photo'))).toEqual([c.t('en', 'errors.unsupported')]);
  });
});

describe('edited messages', () => {
  it('Lotse asks Telegram for edited_message, and an edit is answered like the corrected message sent anew', async () => {
    await api.until(() => api.calls.some((x) => x.method === 'getUpdates'));
    const polls = api.calls.filter((x) => x.method === 'getUpdates');
    expect(polls.at(-1)!.payload.allowed_updates).toContain('edited_message');

    const control = 9301;
    await english(control);
    const fresh = await turn(control, () => api.text(control, 'which documents do I need for the interview'));

    const chat = 9302;
    await english(chat);
    const handled = new Promise<void>((resolve) => lotse.tg.events.once('handled', () => resolve()));
    const first = await api.text(chat, 'which documents');
    await handled;
    const messageId = (first.update.message as { message_id: number }).message_id;
    const edited = await turn(chat, () => api.edit(chat, messageId, 'which documents do I need for the interview'));
    expect(edited).toEqual(fresh);
    expect(api.withheld).toEqual([]);
  });
});

describe('/stop', () => {
  it('is explained (how to stop messages, how to delete data) in the person\'s language, not "I do not know"', async () => {
    const chat = 9401;
    await turn(chat, () => api.text(chat, '/start', 'ar'));
    await turn(chat, () => api.press(chat, '=l:ar'));
    const got = await turn(chat, () => api.text(chat, '/stop', 'ar'));
    expect(got).toEqual([c.t('ar', 'stop.explain')]);
    expect(c.t('ar', 'stop.explain')).not.toBe(c.t('en', 'stop.explain'));
  });
});

describe('a phone set to a language Lotse does not serve (issue 15)', () => {
  const names = () => c.pack.languages.map((l) => l.name);
  it('language_code "so": /start is not silently English; the first reply offers the languages as buttons and a person', async () => {
    const chat = 9140;
    const got = await turn(chat, () => api.text(chat, '/start', 'so'));
    expect(got).toHaveLength(1);
    for (const l of c.pack.languages) expect(got[0]).toContain(c.t(l.code, 'language.notServed'));
    const keys = api.messages(chat).at(-1)!.buttons.flat();
    expect(keys.map((b) => b.text)).toEqual([...names(), `👤 ${c.t('en', 'buttons.human')}`]);
    // The person's button works before any language is chosen: the handoff is asked for.
    const person = await turn(chat, () => api.press(chat, keys.at(-1)!.callback_data));
    expect(person.join('\n')).toContain(c.t('en', 'handoff.intro'));
  });

  it('language_code "so" and an English first message: the language list, not an English answer', async () => {
    const chat = 9141;
    const got = await turn(chat, () => api.text(chat, 'which documents do I need to bring to the interview', 'so'));
    expect(got.join('\n')).toContain(c.t('en', 'language.notServed'));
    expect(got.join('\n')).not.toContain(c.pack.topicTexts.en!['hearing.documents']!.answer[0]!.replace(/\*\*/g, '').slice(0, 30));
    // Choosing English then works as for anyone.
    const en = await turn(chat, () =>
      api.press(
        chat,
        api
          .messages(chat)
          .at(-1)!
          .buttons.flat()
          .find((b) => b.text === 'English')!.callback_data,
      ),
    );
    expect(en.join('\n')).toContain(c.t('en', 'welcome.intro'));
  });

  it('language_code "tr": Turkish words from the pack, the languages and a person in Turkish', async () => {
    const chat = 9142;
    const got = await turn(chat, () => api.text(chat, '/start', 'tr'));
    expect(got).toEqual([c.pack.otherDistress.tr!.notServed!]);
    expect(api.messages(chat).at(-1)!.buttons.flat().at(-1)!.text).toBe(c.pack.otherDistress.tr!.person);
  });
});
