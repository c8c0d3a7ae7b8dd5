/**
 * The Telegram rendering on its own: HTML escaping and light markup in every
 * language of the starter content (checked with the stand-in's parser, which
 * is as strict as Telegram's), splitting, keyboards, callback data under 64
 * bytes whatever the payload, update -> event mapping, and the per-language
 * command list.
 */
import type { Message } from 'grammy/types';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CallbackCodec, MAX_CALLBACK_BYTES } from '../../src/channels/telegram/callback.js';
import { messageEvent, startPayloadFor, topicFromStartPayload } from '../../src/channels/telegram/events.js';
import { escapeHtml, keyboardRows, pressedKeyboard, splitText, toHtml, toPlain } from '../../src/channels/telegram/render.js';
import { setupPlan } from '../../src/channels/telegram/setup.js';
import { TokenBucket } from '../../src/channels/telegram/throttle.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { content, repoRoot } from '../helpers/content.js';
import { parseTelegramHtml } from './standin.js';

const starter = () => content(repoRoot);
const abs = (u: string) => (u.startsWith('/') ? `https://lotse.example.org${u}` : u);

/** Every text the starter content can send, in every language. */
function allTexts(): { lang: string; text: string }[] {
  const c = starter();
  const out: { lang: string; text: string }[] = [];
  const walk = (lang: string, v: unknown) => {
    if (typeof v === 'string') out.push({ lang, text: v });
    else if (Array.isArray(v)) v.forEach((x) => walk(lang, x));
    else if (v && typeof v === 'object') Object.values(v).forEach((x) => walk(lang, x));
  };
  for (const { code } of c.pack.languages) {
    walk(code, c.pack.topicTexts[code]);
    walk(code, c.pack.flowTexts[code]);
    walk(code, c.pack.ui[code]);
    walk(code, c.pack.serviceTexts[code]);
    walk(code, c.pack.episodeTexts[code]);
  }
  return out;
}

describe('HTML for Telegram', () => {
  it('every text of the starter content, in all six languages, is valid Telegram HTML and reads as written', () => {
    const texts = allTexts();
    expect(new Set(texts.map((t) => t.lang))).toEqual(new Set(['ar', 'fa', 'ps', 'uk', 'en', 'de']));
    expect(texts.length).toBeGreaterThan(1000);
    for (const { text } of texts) for (const piece of splitText(text)) expect(parseTelegramHtml(toHtml(piece, abs))).toBe(toPlain(piece));
  });

  it('escapes what HTML reserves, in any script', () => {
    const cases = [
      'قال المحامي: "الجلسة <غدًا> & بعد غد"',
      'د <b> نښه او & نښه',
      'فایل «a<b>c» & "d"',
      'Ціна < 5 € & > 2 €',
      'Termin am 3.5. <vormittags> & „bitte pünktlich“',
    ];
    for (const t of cases) {
      const html = toHtml(t);
      expect(html).not.toMatch(/<(?!\/?[bia][ >])/);
      expect(parseTelegramHtml(html)).toBe(t);
    }
    expect(escapeHtml('<a href="x">&</a>')).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;');
  });

  it('maps the light markup: bold, italic, links, lists; leaves stray stars alone', () => {
    expect(toHtml('**مهم جدًا** ثم *ملاحظة*')).toBe('<b>مهم جدًا</b> ثم <i>ملاحظة</i>');
    expect(toHtml('- يوم الاثنين\n- یوه ورځ')).toBe('• يوم الاثنين\n• یوه ورځ');
    expect(toHtml('[اقرأ النص](/podcasts/ar/x/transcript)', abs)).toBe('<a href="https://lotse.example.org/podcasts/ar/x/transcript">اقرأ النص</a>');
    expect(toHtml('[Termin](https://example.org/?a=1&b=2)')).toBe('<a href="https://example.org/?a=1&amp;b=2">Termin</a>');
    // A URL Telegram could not take in an attribute stays visible as text (escaped).
    expect(parseTelegramHtml(toHtml('[Termin](https://example.org/?q="x")'))).toBe('Termin (https://example.org/?q="x")');
    expect(toHtml('**see [the list](https://example.org)**')).toBe('<b>see <a href="https://example.org">the list</a></b>');
    // Not links Telegram would open: shown as text.
    expect(toHtml('[click](javascript:alert(1))')).toBe('click (javascript:alert(1))');
    expect(parseTelegramHtml(toHtml('[click](javascript:alert(1))'))).toContain('click');
    // Stray or unbalanced markers stay literal, and the result is still valid.
    for (const t of ['2*3*4 = 24', 'a ** b', '*not closed', '**bold *mixed** end*', '* list with star', 'x*y'])
      expect(() => parseTelegramHtml(toHtml(t))).not.toThrow();
    expect(toHtml('2*3*4 = 24')).toBe('2*3*4 = 24');
  });

  it("splits long texts at Telegram's limit without cutting words or tags", () => {
    const para = '**مهم:** ' + 'هذه جملة طويلة عن مقابلة اللجوء. '.repeat(40);
    const long = Array.from({ length: 12 }, () => para).join('\n\n');
    const pieces = splitText(long);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) {
      expect(parseTelegramHtml(toHtml(p)).length).toBeLessThanOrEqual(4096);
      expect(p.startsWith('**مهم:**')).toBe(true);
    }
    expect(pieces.join(' ').split(/\s+/)).toEqual(long.trim().split(/\s+/));
  });

  it('lays out buttons by measured width: three short ones to a row, long ones alone, answers apart from navigation', () => {
    const b = (t: string) => ({ text: t });
    // Issue 15: the six language names fit three to a row on a phone (they were two to a row).
    expect(keyboardRows(['العربية', 'پښتو', 'English', 'Deutsch', 'Українська', 'فارسی / دری'].map(b)).map((r) => r.length)).toEqual([3, 3]);
    expect(keyboardRows(['نعم', 'لا', 'رجوع'].map(b)).map((r) => r.length)).toEqual([3]);
    // Yes/no are one group, "Back" another: never in the same row.
    const grouped = [
      { text: 'نعم', group: 'answer', together: true },
      { text: 'لا', group: 'answer', together: true },
      { text: 'رجوع', group: 'nav' },
    ];
    expect(keyboardRows(grouped).map((r) => r.map((x) => x.text))).toEqual([['نعم', 'لا'], ['رجوع']]);
    expect(keyboardRows(['د مرکې لپاره چمتووالی', 'مینو'].map(b)).map((r) => r.length)).toEqual([1, 1]);
  });
});

describe('callback data', () => {
  let store: SqliteStore;
  beforeAll(async () => {
    store = new SqliteStore(':memory:');
    await store.migrate();
  });
  afterAll(() => store.close());

  it('fits in 64 bytes whatever the payload, and comes back unchanged', async () => {
    const codec = new CallbackCodec(store);
    const payloads = [
      'n:menu',
      'l:ps',
      'x'.repeat(63),
      'x'.repeat(64),
      't:' + 'مقابلة-اللجوء-والوثائق'.repeat(4),
      'g:services#' + 'категорія-житло-'.repeat(6),
      'wt:' + '😀'.repeat(30),
    ];
    for (const p of payloads) {
      const data = await codec.encode(p);
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(MAX_CALLBACK_BYTES);
      expect(await codec.decode(data)).toBe(p);
    }
    expect(await codec.encode('n:menu')).toBe('=n:menu');
    expect(await codec.encode('x'.repeat(63))).toBe('=' + 'x'.repeat(63));
    expect((await codec.encode('x'.repeat(64))).startsWith('#')).toBe(true);
    // The same long payload is one mapping, however often it is shown.
    expect(await codec.encode(payloads[4]!)).toBe(await codec.encode(payloads[4]!));
    expect((await store.kvList('tg:cb')).length).toBe(4);
  });

  it('data Lotse did not make, or a mapping that is gone, decodes to nothing', async () => {
    const codec = new CallbackCodec(store);
    expect(await codec.decode('#AAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
    expect(await codec.decode('something else')).toBeUndefined();
  });
});

describe('updates -> events', () => {
  const msg = (text: string, extra: Partial<Message> = {}): Message => {
    const cmd = /^\/[a-z_@A-Z]+/.exec(text);
    return {
      message_id: 1,
      date: 1,
      chat: { id: 1, type: 'private', first_name: 'P' },
      text,
      ...(cmd ? { entities: [{ type: 'bot_command', offset: 0, length: cmd[0].length }] } : {}),
      ...extra,
    } as Message;
  };
  it('maps commands, deep links, text and what Lotse cannot read', () => {
    expect(messageEvent(msg('/start'), 'ps')).toEqual({ kind: 'start', langHint: 'ps' });
    expect(messageEvent(msg('/start hearing__documents'), 'ar')).toEqual({ kind: 'start', langHint: 'ar', topic: 'hearing.documents' });
    expect(messageEvent(msg('/menu@lotse_bot'))).toEqual({ kind: 'command', command: 'menu' });
    for (const c of ['language', 'help', 'human', 'back'] as const) expect(messageEvent(msg(`/${c}`))).toEqual({ kind: 'command', command: c });
    expect(messageEvent(msg('/privacy'))).toEqual({ kind: 'text', text: '/privacy' });
    expect(messageEvent(msg('متى موعد مقابلتي؟'))).toEqual({ kind: 'text', text: 'متى موعد مقابلتي؟' });
    expect(
      messageEvent({
        message_id: 1,
        date: 1,
        chat: { id: 1, type: 'private', first_name: 'P' },
        voice: { file_id: 'v', file_unique_id: 'v', duration: 3 },
      } as Message),
    ).toEqual({ kind: 'unsupported', what: 'voice' });
    expect(
      messageEvent({ message_id: 1, date: 1, chat: { id: 1, type: 'private', first_name: 'P' }, pinned_message: {} } as unknown as Message),
    ).toBeUndefined();
  });
  it('deep-link payloads carry topic ids (dots as "__") and nothing else', () => {
    expect(startPayloadFor('hearing.what-is-it')).toBe('hearing__what-is-it');
    expect(topicFromStartPayload(startPayloadFor('accommodation.pocket-money'))).toBe('accommodation.pocket-money');
    expect(topicFromStartPayload('<script>')).toBeUndefined();
  });
});

describe('command list and description', () => {
  it("per language within Telegram's limits, with a default", () => {
    const plan = setupPlan(starter());
    expect(plan.map((p) => p.languageCode)).toEqual([undefined, ...starter().pack.languages.map((l) => l.code)]);
    for (const p of plan) {
      expect(p.commands.map((x) => x.command)).toEqual(['menu', 'language', 'help', 'human', 'stop']);
      for (const x of p.commands) expect([...x.description].length).toBeLessThanOrEqual(256);
      expect([...p.description].length).toBeLessThanOrEqual(512);
      expect([...p.shortDescription].length).toBeLessThanOrEqual(120);
    }
    // Each language in its own words (no English fallback in the starter content).
    const en = plan.find((p) => p.languageCode === 'en')!;
    for (const p of plan.filter((x) => x.languageCode && x.languageCode !== 'en')) expect(p.description).not.toBe(en.description);
  });
});

describe('global rate', () => {
  it("lets a second's worth go at once, then one at a time as the bucket refills, in order", async () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const bucket = new TokenBucket(3, () => now);
      const order: number[] = [];
      const all = Array.from({ length: 6 }, (_, i) => bucket.take().then(() => order.push(i)));
      await Promise.resolve();
      await Promise.resolve();
      expect(order).toEqual([0, 1, 2]);
      expect(bucket.queued).toBe(3);
      now += 334; // a third of a second: one more token
      await vi.advanceTimersByTimeAsync(334);
      expect(order).toEqual([0, 1, 2, 3]);
      now += 1000;
      await vi.advanceTimersByTimeAsync(1000);
      await Promise.all(all);
      expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('the keyboard left under a pressed message', () => {
  const yesNo = [
    [
      { text: 'Yes', callback_data: '=del:yes:3' },
      { text: 'No', callback_data: '=del:no:3' },
    ],
  ];
  it('keeps only the pressed button, marked, with its data', () => {
    expect(pressedKeyboard(yesNo, '=del:no:3')).toEqual({ inline_keyboard: [[{ text: '✓ No', callback_data: '=del:no:3' }]] });
  });
  it('edits nothing when it is so already, or there is no keyboard', () => {
    expect(pressedKeyboard([[{ text: '✓ No', callback_data: '=del:no:3' }]], '=del:no:3')).toBeUndefined();
    expect(pressedKeyboard(undefined, '=del:no:3')).toBeUndefined();
    expect(pressedKeyboard([], '=del:no:3')).toBeUndefined();
  });
  it('takes away a keyboard that no longer holds the pressed button', () => {
    expect(pressedKeyboard(yesNo, '=del:yes:1')).toEqual({ inline_keyboard: [] });
  });
  it('keeps a long label readable within the button limit', () => {
    const label = 'ا'.repeat(64);
    const b = pressedKeyboard([[{ text: label, callback_data: '=t:x' }]], '=t:x')?.inline_keyboard[0]?.[0];
    if (!b) throw new Error('no button');
    expect([...b.text].length).toBeLessThanOrEqual(64);
    expect(b.text.startsWith('✓ ')).toBe(true);
  });
});
