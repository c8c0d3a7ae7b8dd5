/**
 * Telegram at-least-once (issue 13.2), webhook mode against the Bot API stand-in: an update
 * stored in the inbox and not finished (the state a crash leaves, stored here through the Inbox
 * interface) is handled when the server starts again on the same file, without Telegram sending
 * it again; a reply whose first messages went out before the crash continues after them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTelegramHtml, TelegramStandIn } from './standin.js';
import { startLotse, type Lotse } from './lotse.js';

let api: TelegramStandIn;
let lotse: Lotse;
const env = () => ({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'webhook' });

beforeAll(async () => {
  api = await new TelegramStandIn('6161:INBOX-standin').start();
  lotse = await startLotse(env());
  api.webhookOrigin = lotse.running.url;
  await lotse.tg.booted;
});
afterAll(async () => {
  await lotse?.stop();
  await api?.stop();
});

const visible = (chat: number) => api.messages(chat).map((m) => (m.parse_mode === 'HTML' ? parseTelegramHtml(m.text) : m.text));
const update = (id: number, chat: number, text: string) => ({
  update_id: id,
  message: {
    message_id: id,
    date: 1,
    chat: { id: chat, type: 'private' },
    from: { id: chat, is_bot: false, first_name: 'X', language_code: 'en' },
    text,
    ...(text.startsWith('/') ? { entities: [{ type: 'bot_command', offset: 0, length: text.length }] } : {}),
  },
});

/** Resolves once the inbox has nothing unfinished (a deadline only to fail a hung test). */
async function finished(): Promise<void> {
  const end = Date.now() + 20_000;
  while ((await lotse.running.ctx.store.inbox().pending('telegram')).length) {
    if (Date.now() > end) throw new Error('the inbox never emptied');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Stops the server, lets `leave` put the inbox into the state a crash leaves, and starts it again on the same file. */
async function restartAfter(leave: (l: Lotse) => Promise<void>): Promise<void> {
  await leave(lotse);
  await lotse.running.stop();
  lotse = await startLotse(env(), { dataDir: lotse.dataDir });
  api.webhookOrigin = lotse.running.url;
  await lotse.tg.booted;
}

describe('Telegram updates stored before they are acknowledged', () => {
  it('an update stored and not finished is handled at the next start', async () => {
    const chat = 6101;
    const handled = new Promise<void>((r) => lotse.tg.events.once('handled', () => r()));
    expect((await api.post(update(610001, chat, '/start'))).valueOf()).toBe(200);
    await handled;
    const before = api.messages(chat).length;
    await restartAfter(async (l) => {
      await l.running.ctx.store.inbox().accept({
        channel: 'telegram',
        externalId: `${api.botId}:610002`,
        conversationId: l.tg.ref(chat).conversationId,
        payload: update(610002, chat, '/help'),
        now: Date.now(),
      });
    });
    await api.until(() => api.messages(chat).length > before);
    await finished();
    // Telegram sends it again after all (it never got the 200): answered 200, not handled twice.
    const count = api.messages(chat).length;
    const again = new Promise<void>((r) => lotse.tg.events.once('handled', () => r()));
    expect(await api.post(update(610002, chat, '/help'))).toBe(200);
    await again;
    expect(api.messages(chat).length).toBe(count);
  });

  it('a reply half sent before the crash continues after what went out; the message in doubt goes again', async () => {
    const chat = 6102;
    // Each text with a button of its own, so that each is a Telegram message of its own (texts without are joined: issue 15).
    const reply = (texts: string[]) => ({
      lang: 'en',
      dir: 'ltr',
      messages: texts.map((text) => ({ kind: 'text', text, buttons: [{ label: 'Menu', payload: 'n:menu' }] })),
    });
    await restartAfter(async (l) => {
      const inbox = l.running.ctx.store.inbox();
      const ref = l.tg.ref(chat);
      for (const [id, sent, sending] of [
        [610101, 1, 1],
        [610102, 1, 2],
      ] as const) {
        const key = `telegram:${api.botId}:${id}`;
        await inbox.accept({
          channel: 'telegram',
          externalId: `${api.botId}:${id}`,
          conversationId: ref.conversationId,
          payload: update(id, chat, 'hello'),
          now: Date.now(),
        });
        // The turn ran and committed its reply; `sent` of its messages reached Telegram, `sending` was on its way.
        await inbox.commitTurn(key, undefined, reply([`first of ${id}`, `second of ${id}`, `third of ${id}`]));
        for (let n = 1; n <= sending; n++) await inbox.markSending(key, n);
        await inbox.markSent(key, sent);
      }
    });
    await api.until(() => visible(chat).length >= 4);
    await finished();
    expect(visible(chat)).toEqual(['second of 610101', 'third of 610101', 'second of 610102', 'third of 610102']);
  });

  it('paragraphs joined into one message count as one: after the crash only what did not go out is sent (issue 15)', async () => {
    const chat = 6103;
    const id = 610301;
    await restartAfter(async (l) => {
      const inbox = l.running.ctx.store.inbox();
      const key = `telegram:${api.botId}:${id}`;
      await inbox.accept({
        channel: 'telegram',
        externalId: `${api.botId}:${id}`,
        conversationId: l.tg.ref(chat).conversationId,
        payload: update(id, chat, 'hello'),
        now: Date.now(),
      });
      await inbox.commitTurn(key, undefined, {
        lang: 'en',
        dir: 'ltr',
        messages: [
          { kind: 'text', text: 'one' },
          { kind: 'text', text: 'two' },
          { kind: 'text', text: 'three' },
          { kind: 'text', text: 'Was this helpful?', buttons: [{ label: 'Yes', payload: 'fb:y' }] },
        ],
      });
      // Message 1 (the three paragraphs, one Telegram message) went out before the crash.
      await inbox.markSending(key, 1);
      await inbox.markSent(key, 1);
    });
    await api.until(() => visible(chat).length >= 1);
    await finished();
    expect(visible(chat)).toEqual(['Was this helpful?']);
  });
});
