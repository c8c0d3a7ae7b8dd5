/**
 * Long polling (@grammyjs/runner) against the Bot API stand-in: a webhook
 * left over from an earlier deployment is removed, Telegram's language_code
 * is the first guess, deep links open a topic, and a 429 storm (plus a 502)
 * while many chats talk at once loses nothing and reorders nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledContent } from '../../src/content/served.js';
import { parseTelegramHtml, TelegramStandIn } from './standin.js';
import { startLotse, type Lotse } from './lotse.js';

let api: TelegramStandIn;
let lotse: Lotse;
let c: CompiledContent;

beforeAll(async () => {
  api = await new TelegramStandIn('5151:POLLING-standin').start();
  // A webhook from an earlier deployment: getUpdates is refused (409) until it is deleted.
  api.webhook = { url: 'https://old.example.org/telegram/webhook' };
  lotse = await startLotse({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'polling' });
  await lotse.tg.booted;
  c = lotse.running.ctx.content.current();
});
afterAll(async () => {
  await lotse?.stop();
  await api?.stop();
});

const visible = (chat: number) => api.messages(chat).map((m) => (m.parse_mode === 'HTML' ? parseTelegramHtml(m.text) : m.text));

/** Queues updates for getUpdates and waits until Lotse has handled that many. */
async function turns(n: number, send: () => Promise<unknown>): Promise<void> {
  const done = new Promise<void>((resolve) => {
    let k = 0;
    const on = () => {
      if (++k < n) return;
      lotse.tg.events.off('handled', on);
      resolve();
    };
    lotse.tg.events.on('handled', on);
  });
  await send();
  await done;
}

describe('long polling', () => {
  it('removed the old webhook, polls, and reports ready', async () => {
    expect(api.webhook).toBeUndefined();
    // Long polls are recorded when they return (at most 2 s with nothing to deliver).
    await api.until(() => api.calls.some((x) => x.method === 'getUpdates'));
    expect(api.calls.findIndex((x) => x.method === 'deleteWebhook')).toBeLessThan(api.calls.findIndex((x) => x.method === 'getUpdates'));
    const ready = await fetch(`${lotse.running.url}/readyz`).then((r) => r.json() as Promise<{ checks: Record<string, boolean> }>);
    expect(ready.checks.telegram).toBe(true);
  });

  it("takes Telegram's language_code as the first guess (a regional code too)", async () => {
    for (const [chat, code, lang] of [
      [8001, 'uk', 'uk'],
      [8002, 'ps', 'ps'],
      [8003, 'fa-IR', 'fa'],
      [8004, 'de-AT', 'de'],
    ] as const) {
      await turns(1, () => api.text(chat, '/start', code));
      const m = api.messages(chat).at(-1)!;
      expect(m.buttons.flat()[0]!.text).toBe(c.language(lang)!.name);
      expect(visible(chat).at(-1)!.split('\n')[0]).toBe(c.t(lang, 'welcome.chooseLanguage'));
    }
    // A language Lotse does not serve: the usual order, and a person (issue 15: test/telegram/flows.test.ts).
    await turns(1, () => api.text(8005, '/start', 'zh-hans'));
    expect(
      api
        .messages(8005)
        .at(-1)!
        .buttons.flat()
        .map((b) => b.text),
    ).toEqual([...c.pack.languages.map((l) => l.name), `👤 ${c.t('en', 'buttons.human')}`]);
  });

  it('a deep link (t.me/<bot>?start=hearing__documents) shows that topic once the language is chosen', async () => {
    await turns(1, () => api.text(8010, '/start hearing__documents', 'en'));
    await turns(1, () => api.press(8010, '=l:en'));
    const answer = c.pack.topicTexts.en!['hearing.documents']!.answer.map((a) => a.replace(/\*\*/g, ''));
    // Its paragraphs in order, one message (issue 15).
    expect(visible(8010).join('\n\n')).toContain(answer.join('\n\n'));
  });

  it('stickers and photos get the polite "I read text" answer; groups are not answered', async () => {
    await turns(2, async () => {
      await api.text(8020, '/start', 'en');
      await api.press(8020, '=l:en');
    });
    await turns(1, () =>
      api.push({
        message: {
          message_id: 1,
          date: 1,
          chat: { id: 8020, type: 'private' },
          from: { id: 8020, is_bot: false, first_name: 'P' },
          sticker: { file_id: 's', file_unique_id: 's', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false },
        },
      }),
    );
    expect(visible(8020).at(-1)).toBe(c.t('en', 'errors.unsupported'));
    const before = api.sent.length;
    await turns(1, () =>
      api.push({
        message: {
          message_id: 2,
          date: 1,
          chat: { id: -100123, type: 'supergroup', title: 'G' },
          from: { id: 8021, is_bot: false, first_name: 'P' },
          text: '/start',
          entities: [{ type: 'bot_command', offset: 0, length: 6 }],
        },
      }),
    );
    expect(api.sent.length).toBe(before);
  });
});

describe('flood limits', () => {
  const script = (chat: number) => [
    () => api.text(chat, '/start', 'en'),
    () => api.press(chat, '=l:en'),
    () => api.text(chat, '/menu'),
    () => api.press(chat, '=g:hearing'),
    () => api.text(chat, 'what documents do I need for the interview'),
    () => api.text(chat, '/help'),
    () => api.text(chat, '/menu'),
  ];

  it('a 429 storm and a 502, with many chats at once: every message arrives, once, in order', async () => {
    // What one person sees without any trouble.
    const control = 8100;
    for (const step of script(control)) await turns(1, step);
    const expected = visible(control);
    expect(expected.length).toBeGreaterThan(8);

    // Now Telegram answers every third message with 429 (retry_after 1 s) for a while, and once with 502.
    let sends = 0;
    let limited = 0;
    let failed = 0;
    api.interceptor = (method) => {
      if (method !== 'sendMessage') return undefined;
      sends++;
      if (sends === 5 && failed === 0) {
        failed++;
        return { status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } };
      }
      if (sends % 3 === 0 && limited < 15) {
        limited++;
        return { status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } };
      }
      return undefined;
    };
    const chats = [8101, 8102, 8103, 8104, 8105, 8106];
    const steps = chats.flatMap((chat) => script(chat));
    // Everything is queued before Lotse fetches it: the runner gets it in one batch.
    await turns(steps.length, async () => {
      for (const step of steps) await step();
    });
    api.interceptor = undefined;
    expect(limited).toBe(15);
    expect(failed).toBe(1);
    for (const chat of chats) expect(visible(chat)).toEqual(expected);
    // Each refused message was sent again: Telegram accepted exactly the expected number.
    expect(api.calls.filter((x) => x.method === 'sendMessage' && x.status === 200 && chats.includes(Number(x.payload.chat_id))).length).toBe(
      expected.length * chats.length,
    );
  });

  it('a Bot API outage: /readyz says Telegram is not ready while it lasts, and polling resumes once it is back', async () => {
    const ready = async () => (await fetch(`${lotse.running.url}/readyz`).then((r) => r.json())) as { ok: boolean; checks: Record<string, boolean> };
    api.down = true;
    try {
      // The long poll under way returns (at most 2 s), the next one meets the outage.
      await expect.poll(async () => (await ready()).checks.telegram, { timeout: 30_000, interval: 200 }).toBe(false);
      const during = await fetch(`${lotse.running.url}/readyz`);
      expect(during.status).toBe(503);
    } finally {
      api.down = false;
    }
    // Back: the next poll (the back-off is capped at 5 s) gets a message through, and /readyz is true again.
    await turns(1, () => api.text(8090, '/start', 'en'));
    expect(api.messages(8090).length).toBeGreaterThan(0);
    expect((await ready()).checks.telegram).toBe(true);
  });
});
