/**
 * Polling without PUBLIC_URL (issue 15): the server says at start that links to it are left out of
 * Telegram messages, and an episode's caption carries no http://localhost link a phone could not
 * open; with PUBLIC_URL (test/telegram/webhook.test.ts and the others) the transcript is linked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/util/logger.js';
import { parseTelegramHtml, TelegramStandIn } from './standin.js';
import { startLotse, type Lotse } from './lotse.js';

let api: TelegramStandIn;
let lotse: Lotse;
const lines: { level: string; msg: string }[] = [];

beforeAll(async () => {
  api = await new TelegramStandIn('6262:NOURL-standin').start();
  const log = createLogger('info', {}, (l) => lines.push(JSON.parse(l)));
  lotse = await startLotse({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'polling', PUBLIC_URL: '' }, { log });
  await lotse.tg.booted;
});
afterAll(async () => {
  await lotse?.stop();
  await api?.stop();
});

async function turn(send: () => Promise<unknown>): Promise<void> {
  const done = new Promise<void>((resolve) => lotse.tg.events.once('handled', () => resolve()));
  await send();
  await done;
}

describe('polling without PUBLIC_URL', () => {
  it('warns at start, naming PUBLIC_URL and what is left out', () => {
    expect(lotse.running.ctx.config.PUBLIC_URL).toBeUndefined();
    const warn = lines.find((l) => l.level === 'warn' && l.msg.includes('PUBLIC_URL is not set'));
    expect(warn?.msg).toContain('PUBLIC_URL=https://');
  });

  it('an episode goes as audio with a caption that links nowhere near localhost', async () => {
    const chat = 9301;
    await turn(() => api.text(chat, '/start', 'en'));
    await turn(() => api.press(chat, '=l:en'));
    const before = api.messages(chat).length;
    await turn(() => api.press(chat, '=g:podcasts#hearing'));
    const sent = api.messages(chat).slice(before);
    const audio = sent.find((m) => m.method === 'sendAudio');
    expect(audio, sent.map((m) => m.method).join()).toBeDefined();
    expect(audio!.text).not.toContain('localhost');
    expect(audio!.text).not.toContain('<a href');
    expect(parseTelegramHtml(audio!.text).length).toBeGreaterThan(0);
    for (const m of sent) expect(m.text).not.toContain('http://localhost');
  });
});
