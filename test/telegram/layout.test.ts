/**
 * Keyboard rows as Telegram receives them (issue 15), through the real server and starter content
 * against the Bot API stand-in: the main menu, the accommodation menu and "Was this helpful?" in
 * all six languages, two or three buttons to a row wherever the labels fit, yes/no side by side;
 * and an answer's paragraphs in one message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fitsInRow, MAX_PER_ROW } from '../../src/channels/telegram/layout.js';
import type { CompiledContent } from '../../src/content/served.js';
import { buttonData, parseTelegramHtml, type SentMessage, TelegramStandIn } from './standin.js';
import { startLotse, type Lotse } from './lotse.js';

let api: TelegramStandIn;
let lotse: Lotse;
let c: CompiledContent;
beforeAll(async () => {
  api = await new TelegramStandIn().start();
  lotse = await startLotse({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'webhook' });
  api.webhookOrigin = lotse.running.url;
  await lotse.tg.booted;
  c = lotse.running.ctx.content.current();
});
afterAll(async () => {
  await lotse?.stop();
  await api?.stop();
});

async function turn(send: () => Promise<{ status?: number }>): Promise<void> {
  const handled = new Promise<void>((r) => lotse.tg.events.once('handled', () => r()));
  await send();
  await handled;
}
const labels = (m: SentMessage) => m.buttons.map((r) => r.map((b) => b.text));
function expectReadableRows(m: SentMessage): void {
  for (const row of labels(m)) {
    expect(row.length).toBeLessThanOrEqual(MAX_PER_ROW);
    expect(fitsInRow(row), row.join(' | ')).toBe(true);
  }
}

/** The message as sent (the stand-in edits it in place once a button is pressed). */
const snapshot = (m: SentMessage): SentMessage => structuredClone(m);

/** Start, language, main menu, accommodation menu, its first topic: the keyboards on the way. */
async function walk(lang: string, chat: number) {
  await turn(() => api.text(chat, '/start', lang));
  await turn(() => api.press(chat, buttonData(api.messages(chat), c.language(lang)!.name)));
  const main = snapshot(api.messages(chat).at(-1)!);
  await turn(() => api.press(chat, main.buttons.flat()[1]!.callback_data)); // "Rules in the accommodation"
  const accommodation = snapshot(api.messages(chat).at(-1)!);
  const before = api.messages(chat).length;
  await turn(() => api.press(chat, accommodation.buttons.flat()[0]!.callback_data)); // "House rules": feedback asked
  return { main, accommodation, answer: api.messages(chat).slice(before).map(snapshot) };
}

describe('an answer in few messages', () => {
  it('en: a typical answer is 2 messages (3 before): its paragraphs in one, then "Was this helpful?" with its buttons', async () => {
    const { answer } = await walk('en', 9230);
    const paragraphs = c.pack.topicTexts.en!['accommodation.house-rules']!.answer;
    expect(paragraphs.length).toBeGreaterThanOrEqual(2);
    expect(answer).toHaveLength(2);
    expect(answer[0]!.buttons).toEqual([]);
    expect(parseTelegramHtml(answer[0]!.text)).toBe(paragraphs.map((p) => p.replace(/\*\*/g, '')).join('\n\n'));
    expect(parseTelegramHtml(answer[1]!.text)).toBe(c.t('en', 'feedback.question'));
    expect(answer[1]!.buttons.length).toBeGreaterThan(0);
  });
});

describe('keyboard rows on Telegram', () => {
  it('en: main menu in 6 rows (8 before), accommodation in 10 (14), "Was this helpful?" in 5 (8) with Yes | No first', async () => {
    const { main, accommodation, answer } = await walk('en', 9201);
    expect(labels(main)).toEqual([
      ['Prepare for the hearing'],
      ['Rules in the accommodation'],
      ['I need help with...', 'After the decision'],
      ['Listen (podcasts)', 'Talk to our team'],
      ['For volunteers and neighbours'],
      ['Language'],
    ]);
    expect(accommodation.buttons).toHaveLength(10);
    expect(labels(accommodation).at(-1)).toEqual(['Back', 'Menu']);
    const fb = answer.at(-1)!;
    expect(labels(fb)).toEqual([['Yes', 'No'], ['Step by step', 'Quiet hours at night'], ['Visitors'], ['Back', 'Menu'], ['Talk to our team']]);
    for (const m of [main, accommodation, fb]) expectReadableRows(m);
  });

  it('ar: main menu in 5 rows (8 before), "Was this helpful?" with نعم | لا side by side', async () => {
    const { main, answer } = await walk('ar', 9202);
    expect(labels(main)).toEqual([
      ['التحضير للمقابلة', 'قواعد السكن'],
      ['أحتاج مساعدة في...', 'بعد القرار'],
      ['استمع (بودكاست)', 'تحدّث مع فريقنا'],
      ['للمتطوعين والجيران'],
      ['اللغة'],
    ]);
    expect(labels(answer.at(-1)!)[0]).toEqual([c.t('ar', 'buttons.yes'), c.t('ar', 'buttons.no')]);
  });

  it('every language: no label cut, yes/no one row, every keyboard shorter than one button per row', async () => {
    let chat = 9210;
    for (const { code } of c.pack.languages) {
      const { main, accommodation, answer } = await walk(code, ++chat);
      const fb = answer.at(-1)!;
      for (const m of [main, accommodation, fb]) expectReadableRows(m);
      expect(labels(fb)[0]).toEqual([c.t(code, 'buttons.yes'), c.t(code, 'buttons.no')]);
      expect(fb.buttons.length).toBeLessThanOrEqual(5);
      expect(accommodation.buttons.length).toBeLessThanOrEqual(10);
      expect(accommodation.buttons.length).toBeLessThan(accommodation.buttons.flat().length);
      expect(main.buttons.length).toBeLessThanOrEqual(main.buttons.flat().length);
    }
  });
});
