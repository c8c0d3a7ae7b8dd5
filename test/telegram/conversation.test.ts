/**
 * A whole conversation on Telegram, in Arabic and in Pashto, through grammY
 * against `telegram-test-api` (a Telegram Bot API emulator on loopback) in
 * long polling mode: the real server (startServer, default plugins), the real
 * runtime and the real starter content. The person types commands and text
 * and presses inline buttons, as the emulator's client does.
 */
import net from 'node:net';
// The package's default export is the same class; the named one types cleanly under NodeNext.
import { TelegramServer } from 'telegram-test-api/lib/telegramServer.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledContent } from '../../src/content/served.js';
import { parsePayload, type Payload } from '../../src/engine/payload.js';
import { parseTelegramHtml } from './standin.js';
import { startLotse, type Lotse } from './lotse.js';

const TOKEN = '777001:TEST-telegram-test-api';

interface BotMessage {
  chat_id: number | string;
  text: string;
  parse_mode?: string;
  reply_markup?: { inline_keyboard?: { text: string; callback_data: string }[][] };
}
type Client = ReturnType<TelegramServer['getClient']>;

async function freePort(): Promise<number> {
  // telegram-test-api takes a fixed port (it treats 0 as "use 9000"): ask the system for a free one.
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let server: TelegramServer;
let lotse: Lotse;
let c: CompiledContent;

beforeAll(async () => {
  server = new TelegramServer({ port: await freePort(), host: '127.0.0.1', storeTimeout: 600 });
  await server.start();
  lotse = await startLotse({ TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: server.config.apiURL, TELEGRAM_MODE: 'polling' });
  await lotse.tg.booted;
  c = lotse.running.ctx.content.current();
});
afterAll(async () => {
  await lotse?.stop();
  await server?.stop();
});

/** A person in one private chat. Each step waits until the bot has handled the update, then reads what it sent. */
class Person {
  readonly client: Client;
  last: BotMessage[] = [];
  constructor(
    readonly id: number,
    readonly languageCode: string,
  ) {
    this.client = server.getClient(TOKEN, { userId: id, chatId: id, firstName: 'Person' });
  }

  private async step(send: () => Promise<unknown>): Promise<BotMessage[]> {
    const handled = new Promise<void>((r) => lotse.tg.events.once('handled', () => r()));
    await send();
    await handled;
    const res = (await this.client.getUpdates()) as unknown as { result: { message: BotMessage }[] };
    this.last = res.result.map((u) => u.message);
    return this.last;
  }

  command(text: string) {
    return this.step(() => this.client.sendCommand(this.client.makeCommand(text, { from: { language_code: this.languageCode } } as never)));
  }
  say(text: string) {
    return this.step(() => this.client.sendMessage(this.client.makeMessage(text, { from: { language_code: this.languageCode } } as never)));
  }
  /** Presses the button (in the last answer) that carries this engine payload. */
  async press(payload: string) {
    const button = await this.button(payload);
    return this.step(() => this.client.sendCallback(this.client.makeCallbackQuery(button.callback_data)));
  }
  /** The button (in the last answer) that carries this engine payload, whatever the keyboard's nonce (`l:ar` finds `ln:4:ar`). */
  async button(payload: string) {
    const want = meaning(payload);
    for (const b of this.buttons()) {
      const got = await lotse.tg.codec.decode(b.callback_data);
      if (got !== undefined && meaning(got) === want) return b;
    }
    throw new Error(
      `no button for ${payload} in ${this.buttons()
        .map((b) => b.callback_data)
        .join(' ')}`,
    );
  }
  buttons() {
    return this.last.flatMap((m) => m.reply_markup?.inline_keyboard?.flat() ?? []);
  }
  labels() {
    return this.buttons().map((b) => b.text);
  }
  /** What the person reads (Telegram's rendering of the HTML). */
  texts() {
    return this.last.map((m) => (m.parse_mode === 'HTML' ? parseTelegramHtml(m.text) : m.text));
  }
}

/** A payload as the engine reads it, without the nonce of the keyboard it came from. */
function meaning(payload: string): string {
  const p = parsePayload(payload);
  if (!p) return payload;
  const { nonce: _nonce, ...rest } = p as Payload & { nonce?: number };
  return JSON.stringify(rest);
}

function conversation(lang: 'ar' | 'ps', id: number) {
  const t = (key: string, vars?: Record<string, unknown>) => c.t(lang, key, vars);
  const name = () => c.language(lang)!.name;

  it(`${lang}: /start offers the languages, Telegram's language first, in valid HTML`, async () => {
    const p = new Person(id, lang);
    const msgs = await p.command('/start');
    expect(msgs).toHaveLength(1);
    expect(msgs[0]!.parse_mode).toBe('HTML');
    expect(p.labels()[0]).toBe(name());
    expect(p.labels()).toHaveLength(c.pack.languages.length);
    expect(p.texts()[0]!.split('\n')[0]).toBe(t('welcome.chooseLanguage'));
    // Every callback fits Telegram's 64 bytes.
    for (const b of p.buttons()) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
  });

  it(`${lang}: choosing the language shows the privacy note, the introduction and the menu`, async () => {
    const p = new Person(id, lang);
    await p.command('/start');
    await p.press(`l:${lang}`);
    const texts = p.texts();
    // One message with paragraphs (issue 15): the privacy note, then the introduction.
    expect(texts[0]).toBe(`${t('welcome.privacy', { days: 30 })}\n\n${t('welcome.intro')}`);
    expect(texts.at(-1)).toBe(t('menu.text'));
    expect(p.last.at(-1)!.reply_markup!.inline_keyboard!.length).toBeGreaterThanOrEqual(4);
    // The buttons are in the chosen language, each carrying its payload through Telegram.
    expect((await p.button('g:hearing')).text).toMatch(lang === 'ar' ? /\p{Script=Arabic}/u : /\p{Script=Arabic}/u);
  });

  it(`${lang}: menu -> submenu -> topic (bold survives) -> "was this helpful" -> yes`, async () => {
    const p = new Person(id, lang);
    await p.command('/menu');
    expect(p.texts().at(-1)).toBe(t('menu.text'));
    await p.press('g:hearing');
    expect(p.labels()).toContain(t('buttons.back'));
    await p.press('t:hearing.legal-advice');
    const answer = c.pack.topicTexts[lang]!['hearing.legal-advice']!.answer;
    // The answer's paragraphs in one message (issue 15), in order.
    const paragraphs = answer.map((a) => a.replace(/\*\*/g, '')).join('\n\n');
    expect(p.texts()[0]!.slice(0, paragraphs.length)).toBe(paragraphs);
    expect(p.last[0]!.text).toMatch(/<b>[^<]+<\/b>/);
    expect(p.texts().at(-1)).toBe(t('feedback.question'));
    await p.press('fb:y');
    expect(p.texts()).toEqual([t('feedback.thanksYes')]);
  });

  it(`${lang}: a typed question gets an answer in the same language`, async () => {
    const p = new Person(id, lang);
    await p.say(lang === 'ar' ? 'ماذا آخذ معي للمقابلة؟' : 'مرکې ته کوم اسناد راوړم');
    expect(p.texts().join('\n')).toMatch(/\p{Script=Arabic}/u);
    expect(p.buttons().length).toBeGreaterThan(0);
    expect(p.texts().join('\n')).not.toContain(c.t('en', 'menu.text'));
  });

  it(`${lang}: /help, /language (own language first) and back`, async () => {
    const p = new Person(id, lang);
    await p.command('/help');
    expect(p.texts()[0]).toBe(t('welcome.intro'));
    await p.command('/language');
    expect(p.labels()[0]).toBe(name());
    await p.press(`l:${lang}`);
    expect(p.texts()[0]).toBe(t('language.changed'));
  });

  it(`${lang}: /human asks for a person, with a cancel button`, async () => {
    const p = new Person(id, lang);
    await p.command('/human');
    expect(p.texts().join('\n')).toContain(t('handoff.seen'));
    expect(p.labels()).toContain(t('buttons.cancel'));
    await p.press('ho:cancel');
    expect(p.texts()[0]).toBe(t('handoff.cancelled'));
  });
}

describe('Arabic, long polling, telegram-test-api', () => conversation('ar', 5001));
describe('Pashto, long polling, telegram-test-api', () => conversation('ps', 5002));

describe('privacy', () => {
  it('the store knows the conversations by a keyed hash, never by the Telegram id', async () => {
    const db = (lotse.running.ctx.store as unknown as { db: { prepare(s: string): { all(): { conversation_id: string }[] } } }).db;
    const ids = db
      .prepare("SELECT conversation_id FROM sessions WHERE channel = 'telegram'")
      .all()
      .map((r) => r.conversation_id);
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      expect(id).toMatch(/^tg_[A-Za-z0-9_-]{32}$/);
      expect(id).not.toContain('5001');
      expect(id).not.toContain('5002');
    }
    const dump = JSON.stringify(db.prepare('SELECT * FROM sessions').all()) + JSON.stringify(db.prepare('SELECT * FROM kv').all());
    expect(dump).not.toMatch(/\b500[12]\b/);
  });
});
