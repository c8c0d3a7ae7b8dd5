/**
 * Telegram benchmark: updates per second through the webhook endpoint, and
 * the p99 handling time at that load.
 *
 * A Lotse server in a child process (started as `npm start` does) runs in
 * webhook mode against the Bot API stand-in of the tests (test/telegram/
 * standin.ts) on loopback, in this process. CONCURRENCY private chats, past
 * the language choice, each send MESSAGES updates one after another (typed
 * questions, /menu, button presses), the next when Telegram's request for the
 * last was answered. Lotse answers a webhook request once the turn is done:
 * de-duplication in the store, the engine, the session saved, the reply sent
 * to the Bot API (typing action, messages with inline keyboards). So the
 * handling time is POST sent -> 200 received, the full turn.
 *
 * Telegram's own limit (about 30 messages per second per bot) is lifted for
 * the run (TELEGRAM_MAX_MESSAGES_PER_SECOND): the figure is what Lotse can do,
 * not what Telegram allows.
 */
import { TelegramStandIn } from '../test/telegram/standin.js';
import { percentile, runAlone, startServerProcess } from './server.js';

const SECRET = 'bench-webhook-secret';

const STEPS: ((api: TelegramStandIn, chat: number) => Promise<{ status?: number }>)[] = [
  (api, chat) => api.text(chat, 'what documents do I need for the interview'),
  (api, chat) => api.text(chat, '/menu'),
  (api, chat) => api.press(chat, '=g:hearing'),
  (api, chat) => api.text(chat, 'can I bring my own interpreter'),
  (api, chat) => api.text(chat, 'where can I see a doctor'),
  (api, chat) => api.press(chat, '=n:menu'),
  (api, chat) => api.text(chat, 'can I cook in my room'),
  (api, chat) => api.text(chat, '/help'),
];

export interface TelegramBenchOptions {
  concurrency?: number;
  messagesPerChat?: number;
}

export async function benchTelegram(opts: TelegramBenchOptions = {}): Promise<Record<string, unknown>> {
  const concurrency = opts.concurrency ?? 32;
  const perChat = opts.messagesPerChat ?? 40;
  const api = await new TelegramStandIn('8888:BENCH-standin').start();
  const server = await startServerProcess('telegram', {
    PUBLIC_URL: 'https://lotse.example.org',
    TELEGRAM_BOT_TOKEN: api.token,
    TELEGRAM_API_ROOT: api.url,
    TELEGRAM_MODE: 'webhook',
    TELEGRAM_WEBHOOK_SECRET: SECRET,
    TELEGRAM_MAX_MESSAGES_PER_SECOND: '1000000',
  });
  const { url } = server;
  try {
    api.webhookOrigin = url;
    await api.until(() => api.webhook !== undefined);
    if (api.webhook!.secret !== SECRET) throw new Error('the webhook was registered without the secret');
    const ok = (r: { status?: number }) => {
      if (r.status !== 200) throw new Error(`webhook answered ${r.status}`);
    };
    const chats = Array.from({ length: concurrency }, (_, i) => 900_000 + i);
    // Past the language choice.
    await Promise.all(
      chats.map(async (chat) => {
        ok(await api.text(chat, '/start', 'en'));
        ok(await api.press(chat, '=l:en'));
      }),
    );
    // Keep the stand-in's records small during the run.
    api.sent.length = 0;
    api.calls.length = 0;

    const latencies: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      chats.map(async (chat, c) => {
        for (let i = 0; i < perChat; i++) {
          const step = STEPS[(i + c) % STEPS.length]!;
          const s = performance.now();
          ok(await step(api, chat));
          latencies.push(performance.now() - s);
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const updates = latencies.length;
    const sent = api.calls.filter((x) => x.method === 'sendMessage' && x.status === 200).length;
    const answered = new Set(api.sent.map((m) => m.chat_id)).size;
    if (answered !== concurrency) throw new Error(`only ${answered} of ${concurrency} chats got answers`);
    return {
      updates,
      concurrency,
      updatesPerSecond: Math.round(updates / seconds),
      handlingMs: {
        p50: Number(percentile(latencies, 50).toFixed(1)),
        p99: Number(percentile(latencies, 99).toFixed(1)),
        max: Number(latencies.at(-1)!.toFixed(1)),
      },
      messagesSent: sent,
      messagesSentPerSecond: Math.round(sent / seconds),
      note: `${concurrency} chats × ${perChat} updates, each chat waiting for the 200 of its last update; webhook answered after the whole turn (dedup, engine, session, reply sent to the Bot API stand-in on loopback); Telegram's 30 msg/s limit lifted for the run`,
    };
  } finally {
    await server.stop();
    await api.stop();
  }
}

// `node --import tsx bench/telegram.ts` runs it alone.
runAlone(import.meta.url, benchTelegram);
