/**
 * Webhook mode against the Bot API stand-in (standin.ts): registration with a
 * secret token, commands and descriptions per language, forged requests,
 * retried deliveries, blocked users, audio by upload then by file_id, and
 * pushed messages (the Deliverer) — all through the real server and content.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NS_BLOCKED, NS_UPDATE, WEBHOOK_PATH } from '../../src/channels/telegram/plugin.js';
import { pseudonym } from '../../src/channels/telegram/ids.js';
import type { CompiledContent } from '../../src/content/served.js';
import type { Reply } from '../../src/engine/messages.js';
import { UndeliverableError } from '../../src/runtime/types.js';
import { repoRoot } from '../helpers/content.js';
import { buttonData, parseTelegramHtml, TelegramStandIn } from './standin.js';
import { handledTurn, PUBLIC_URL, startLotse, type Lotse } from './lotse.js';

let api: TelegramStandIn;
let lotse: Lotse;
let c: CompiledContent;
const locale = (lang: string) => JSON.parse(fs.readFileSync(path.join(repoRoot, 'locales', lang, 'translation.json'), 'utf8')).telegram;

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

const turn = (send: () => Promise<{ status?: number }>) => handledTurn(lotse, send);
const visible = (chat: number) => api.messages(chat).map((m) => (m.parse_mode === 'HTML' ? parseTelegramHtml(m.text) : m.text));

describe('set-up', () => {
  it('registers the webhook at PUBLIC_URL with a secret token and the updates Lotse reads', () => {
    expect(api.webhook?.url).toBe(`${PUBLIC_URL}${WEBHOOK_PATH}`);
    expect(api.webhook?.secret).toMatch(/^[A-Za-z0-9_-]{32,256}$/);
    expect(api.webhook?.allowed_updates).toEqual(['message', 'edited_message', 'callback_query', 'my_chat_member']);
  });

  it('sets the command list and the descriptions in every language, and a default', () => {
    const langs = c.pack.languages.map((l) => l.code);
    expect([...api.commands.keys()].sort()).toEqual(['', ...langs].sort());
    for (const lang of langs) {
      const t = locale(lang);
      expect(api.commands.get(lang)).toEqual(['menu', 'language', 'help', 'human', 'stop'].map((command) => ({ command, description: t.commands[command] })));
      expect(api.descriptions.get(lang)).toBe(t.description);
      expect(api.shortDescriptions.get(lang)).toBe(t.shortDescription);
    }
    expect(api.commands.get('')).toEqual(api.commands.get(c.defaultLang));
  });

  it('does not set them again on a restart when nothing changed', async () => {
    const before = api.calls.filter((x) => x.method === 'setMyCommands').length;
    const again = await startLotse({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'webhook' }, { dataDir: lotse.dataDir });
    await again.tg.booted;
    await again.running.stop();
    expect(api.calls.filter((x) => x.method === 'setMyCommands').length).toBe(before);
    expect(api.calls.filter((x) => x.method === 'setWebhook').length).toBe(2);
  });
});

describe('the webhook endpoint', () => {
  it('refuses requests without the secret token, or with a wrong one, and does nothing with them', async () => {
    const chat = 7001;
    const sentBefore = api.sent.length;
    const update = {
      update_id: 990001,
      message: {
        message_id: 1,
        date: 1,
        chat: { id: chat, type: 'private' },
        from: { id: chat, is_bot: false, first_name: 'X' },
        text: '/start',
        entities: [{ type: 'bot_command', offset: 0, length: 6 }],
      },
    };
    expect(await api.post(update, null)).toBe(401);
    expect(await api.post(update, 'not-the-secret')).toBe(401);
    expect(await api.post(update, api.webhook!.secret!.slice(0, -1) + (api.webhook!.secret!.endsWith('A') ? 'B' : 'A'))).toBe(401);
    expect(api.sent.length).toBe(sentBefore);
    expect(await lotse.running.ctx.store.kvGet(NS_UPDATE, `${api.botId}:990001`)).toBeUndefined();
    expect(await lotse.running.ctx.store.getSession(lotse.tg.ref(chat))).toBeUndefined();
  });

  it('with the right token, a body that is not an update gets 400 and changes nothing (malformed JSON, binary, no update_id, too large)', async () => {
    const url = `${lotse.running.url}${WEBHOOK_PATH}`;
    const headers = { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': api.webhook!.secret! };
    const sentBefore = api.sent.length;
    const post = (body: BodyInit) => fetch(url, { method: 'POST', headers, body }).then(async (r) => ({ status: r.status, body: await r.text() }));
    expect((await post('{"update_id": 5, "message": ')).status).toBe(400);
    expect((await post(new Uint8Array([0, 159, 146, 150, 255, 0]))).status).toBe(400);
    expect((await post(JSON.stringify({ message: { text: 'no id' } }))).status).toBe(400);
    expect((await post(JSON.stringify([1, 2, 3]))).status).toBe(400);
    expect((await post(JSON.stringify({ update_id: 'x' }))).status).toBe(400);
    const huge = await post(JSON.stringify({ update_id: 990100, message: { text: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(huge.status).toBe(413);
    expect(api.sent.length).toBe(sentBefore);
    expect(await lotse.running.ctx.store.kvGet(NS_UPDATE, `${api.botId}:990100`)).toBeUndefined();
    // The endpoint still works afterwards.
    expect(await turn(() => api.text(7009, '/start', 'en'))).toBe(200);
  });

  it('with the right token, a numbered but malformed update is acknowledged with 200 (no retry storm), logged, and changes nothing', async () => {
    const url = `${lotse.running.url}${WEBHOOK_PATH}`;
    const headers = { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': api.webhook!.secret! };
    const sentBefore = api.sent.length;
    const post = (body: unknown) => fetch(url, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }).then((r) => r.status);
    const malformed: unknown[] = [
      { update_id: 990201, message: {} },
      { update_id: 990202, message: { message_id: 1, date: 1, chat: { id: 7010, type: 'private' }, text: 5 } },
      { update_id: 990203, message: { message_id: 1, date: 1, chat: { id: 'x', type: 'private' }, text: 'hi' } },
      { update_id: 990204, message: { message_id: 1, date: 1, chat: { id: 7010, type: 'private' }, text: '/start', entities: 'x' } },
      {
        update_id: 990205,
        message: { message_id: 1, date: 1, chat: { id: 7010, type: 'private' }, text: '/start', entities: [{ type: 'bot_command', offset: -1, length: 'x' }] },
      },
      { update_id: 990206, callback_query: {} },
      { update_id: 990207, callback_query: { id: 'q', from: { id: 7010 }, data: { toString: 1 } } },
      { update_id: 990208, my_chat_member: { chat: null } },
      { update_id: 990209, message: null },
      { update_id: 990210, message: [] },
      { update_id: 1.5, message: { text: 'x' } },
    ];
    for (const u of malformed) expect(await post(u), JSON.stringify(u)).toBe(200);
    expect(api.sent.length).toBe(sentBefore);
    expect(await turn(() => api.text(7011, '/start', 'en'))).toBe(200);
    // Prototype keys typed by a person are ordinary words: each gets an answer.
    for (const word of ['__proto__', 'constructor']) {
      const before = api.messages(7011).length;
      expect(await turn(() => api.text(7011, word, 'en'))).toBe(200);
      expect(api.messages(7011).length, word).toBeGreaterThan(before);
    }
  });

  it('property: any JSON with an update_id, with the right secret: 200 or 4xx, never 5xx; the endpoint keeps working', async () => {
    const fc = (await import('fast-check')).default;
    const url = `${lotse.running.url}${WEBHOOK_PATH}`;
    const headers = { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': api.webhook!.secret! };
    const key = fc.constantFrom(
      'message',
      'callback_query',
      'my_chat_member',
      'chat',
      'text',
      'from',
      'id',
      'type',
      'entities',
      '__proto__',
      'constructor',
      'data',
      'message_id',
      'date',
    );
    const shape = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), fc.dictionary(key, tie('v'), { maxKeys: 5 }), fc.array(tie('v'), { maxLength: 3 })),
    })).v;
    let id = 991000;
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, shape, { maxKeys: 4 }), async (body) => {
        const status = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ ...body, update_id: id++ }) }).then((r) => r.status);
        expect(status).toBeLessThan(500);
      }),
      { numRuns: 80 },
    );
    expect(await turn(() => api.text(7012, '/start', 'en'))).toBe(200);
  });

  it('answers a retried delivery once (one after the other, and both at once)', async () => {
    const chat = 7002;
    const first = await turn(() => api.text(chat, '/start', 'ar'));
    expect(first).toBe(200);
    const once = api.messages(chat).length;
    expect(once).toBe(1);
    // Telegram did not see the 200 in time and sends the same update again.
    const last = api.messages(chat).at(-1)!;
    const press = {
      update_id: 800001,
      callback_query: {
        id: 'cbx',
        from: { id: chat, is_bot: false, first_name: 'X' },
        chat_instance: 'ci',
        data: buttonData([last], 'العربية'),
        message: { message_id: last.message_id, date: 1, chat: { id: chat, type: 'private' } },
      },
    };
    expect(await turn(async () => ({ status: await api.post(press) }))).toBe(200);
    const afterChoice = api.messages(chat).length;
    expect(afterChoice).toBeGreaterThan(once);
    expect(await turn(async () => ({ status: await api.post(press) }))).toBe(200);
    expect(api.messages(chat).length).toBe(afterChoice);
    // Two copies arriving together: exactly one is handled.
    const menu = {
      update_id: 800002,
      message: {
        message_id: 9,
        date: 1,
        chat: { id: chat, type: 'private' },
        from: { id: chat, is_bot: false, first_name: 'X' },
        text: '/menu',
        entities: [{ type: 'bot_command', offset: 0, length: 5 }],
      },
    };
    const both = new Promise<void>((r) => {
      let n = 0;
      const on = () => ++n === 2 && (lotse.tg.events.off('handled', on), r());
      lotse.tg.events.on('handled', on);
    });
    const statuses = await Promise.all([api.post(menu), api.post(menu)]);
    await both;
    expect(statuses).toEqual([200, 200]);
    expect(api.messages(chat).length).toBe(afterChoice + 1);
    expect(visible(chat).at(-1)).toBe(c.t('ar', 'menu.text'));
  });

  it('a turn that failed before anything reached the person is handled again when Telegram retries', async () => {
    const chat = 7003;
    await turn(() => api.text(chat, '/start', 'en'));
    let refused = 0;
    api.interceptor = (method) =>
      method === 'sendMessage' && refused++ === 0
        ? { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: message to be replied not found' } }
        : undefined;
    const update = {
      update_id: 800100,
      message: {
        message_id: 11,
        date: 1,
        chat: { id: chat, type: 'private' },
        from: { id: chat, is_bot: false, first_name: 'X' },
        text: '/help',
        entities: [{ type: 'bot_command', offset: 0, length: 5 }],
      },
    };
    const before = api.messages(chat).length;
    expect(await turn(async () => ({ status: await api.post(update) }))).toBe(500);
    expect(api.messages(chat).length).toBe(before);
    expect(await turn(async () => ({ status: await api.post(update) }))).toBe(200);
    api.interceptor = undefined;
    expect(api.messages(chat).length).toBeGreaterThan(before);
  });

  it('answers pressed buttons (the spinner stops)', async () => {
    const chat = 7004;
    await turn(() => api.text(chat, '/start', 'de'));
    const answered = api.answeredCallbacks.length;
    const { update } = await (async () => {
      const handled = new Promise<void>((r) => lotse.tg.events.once('handled', () => r()));
      const r = await api.press(chat, buttonData(api.messages(chat), 'Deutsch'));
      await handled;
      return r;
    })();
    expect(api.answeredCallbacks.slice(answered)).toEqual([(update.callback_query as { id: string }).id]);
    expect(visible(chat).at(-1)).toBe(c.t('de', 'menu.text'));
  });
});

describe('pressed keyboards', () => {
  it('after a press the keyboard keeps only the chosen button, marked; a double tap repeats nothing', async () => {
    const chat = 7006;
    await turn(() => api.text(chat, '/start', 'en'));
    const offer = api.messages(chat).at(-1)!;
    const english = buttonData([offer], 'English');
    const edits = api.edits.length;
    await turn(() => api.press(chat, english));
    expect(api.edits.slice(edits)).toEqual([{ chat_id: chat, message_id: offer.message_id, buttons: [[{ text: '✓ English', callback_data: english }]] }]);
    // The welcome and the menu, once.
    expect(visible(chat).filter((t) => t.includes(c.t('en', 'welcome.intro')))).toHaveLength(1);
    expect(api.messages(chat).at(-1)!.buttons.flat().length).toBeGreaterThanOrEqual(4);
    const sent = api.messages(chat).length;
    await turn(() => api.press(chat, english));
    expect(api.messages(chat).length).toBe(sent);
    expect(api.edits.length).toBe(edits + 1);
  });

  it('"No" under "delete my data" takes the "Yes" away; that Yes sent anyway deletes nothing', async () => {
    const chat = 7007;
    await turn(() => api.text(chat, '/start', 'en'));
    await turn(() => api.press(chat, buttonData(api.messages(chat), 'English')));
    await turn(() => api.text(chat, 'delete my data'));
    const question = api.messages(chat).at(-1)!;
    const yes = buttonData([question], c.t('en', 'buttons.yes'));
    await turn(() => api.press(chat, buttonData([question], c.t('en', 'buttons.no'))));
    expect(visible(chat).at(-1)).toBe(c.t('en', 'privacy.keep'));
    expect(question.buttons).toEqual([[{ text: `✓ ${c.t('en', 'buttons.no')}`, callback_data: buttonData([question], `✓ ${c.t('en', 'buttons.no')}`) }]]);
    const before = api.messages(chat).length;
    await turn(() => api.press(chat, yes));
    const texts = visible(chat).slice(before);
    expect(texts[0]).toBe(c.t('en', 'errors.expired'));
    expect(texts).not.toContain(c.t('en', 'privacy.deleted'));
    const session = await lotse.running.ctx.store.getSession(lotse.tg.ref(chat));
    expect(session?.state).toMatchObject({ lang: 'en' });
  });
});

describe('privacy on Telegram', () => {
  it('asked who can read their messages, the person also learns that Telegram can read bot chats', async () => {
    const chat = 7010;
    await turn(() => api.text(chat, '/start', 'en'));
    await turn(() => api.press(chat, '=l:en'));
    const before = api.messages(chat).length;
    await turn(() => api.text(chat, 'who can read my messages?'));
    const texts = visible(chat).slice(before);
    // The answer's paragraphs in one message (issue 15); the note about Telegram, with its buttons, after it.
    expect(texts[0]).toBe(c.pack.topicTexts.en!['meta.privacy']!.answer.map((a) => a.replaceAll('{{days}}', '30')).join('\n\n'));
    expect(texts[1]).toBe(c.t('en', 'privacy.channel.telegram'));
    expect(texts[1]).toMatch(/not end-to-end encrypted/);
  });
});

describe('people who blocked the bot', () => {
  const reply = (text: string): Reply => ({ lang: 'en', dir: 'ltr', messages: [{ kind: 'text', text }] });

  it('is marked when Telegram says so, and pushed messages are then not tried at all', async () => {
    const chat = 7101;
    await turn(() => api.text(chat, '/start', 'en'));
    const ref = lotse.tg.ref(chat);
    await turn(() => api.setBlocked(chat, true));
    expect(await lotse.running.ctx.store.kvGet(NS_BLOCKED, ref.conversationId)).toBeDefined();
    const calls = api.calls.length;
    const deliver = (text: string) => lotse.running.ctx.bot.deliverer('telegram')!.deliver(ref, reply(text), String(chat));
    await expect(deliver('A caseworker answers.')).rejects.toBeInstanceOf(UndeliverableError);
    await expect(deliver('And again.')).rejects.toBeInstanceOf(UndeliverableError);
    expect(api.calls.length).toBe(calls);
  });

  it('is marked after the first refused message (403 is not retried) and cleared when they write again', async () => {
    const chat = 7102;
    await turn(() => api.text(chat, '/start', 'en'));
    const ref = lotse.tg.ref(chat);
    api.blocked.add(chat); // blocked without Lotse being told
    const calls = api.calls.length;
    await expect(
      lotse.running.ctx.bot.deliverer('telegram')!.deliver(
        ref,
        {
          lang: 'en',
          dir: 'ltr',
          messages: [
            { kind: 'text', text: 'one' },
            { kind: 'text', text: 'two' },
          ],
        },
        String(chat),
      ),
    ).rejects.toBeInstanceOf(UndeliverableError);
    expect(api.calls.slice(calls).map((x) => `${x.method}:${x.status}`)).toEqual(['sendMessage:403']);
    expect(await lotse.tg.isBlocked(ref.conversationId)).toBe(true);
    // They unblock and write: the mark goes, and messages reach them again.
    await turn(() => api.setBlocked(chat, false));
    await turn(() => api.text(chat, 'hello'));
    expect(await lotse.tg.isBlocked(ref.conversationId)).toBe(false);
    await lotse.running.ctx.bot.deliverer('telegram')!.deliver(ref, reply('A caseworker answers.'), String(chat));
    expect(visible(chat).at(-1)).toBe('A caseworker answers.');
  });

  it('a pushed message needs the chat of this very conversation', async () => {
    const ref = lotse.tg.ref(7103);
    await expect(lotse.running.ctx.bot.deliverer('telegram')!.deliver(ref, reply('x'), '7104')).rejects.toThrow(/does not belong/);
    await expect(lotse.running.ctx.bot.deliverer('telegram')!.deliver({ ...ref, address: undefined }, reply('x'))).rejects.toThrow(/no chat id/);
    expect(pseudonym(lotse.running.ctx.secret, 7103)).toBe(ref.conversationId);
  });
});

describe('a caseworker answers on Telegram', () => {
  it("the person asks for someone with /human; the caseworker's messages reach their chat, in order", async () => {
    const chat = 7301;
    await turn(() => api.text(chat, '/start', 'uk'));
    await turn(() => api.press(chat, '=l:uk'));
    await turn(() => api.text(chat, '/human'));
    const ref = lotse.tg.ref(chat);
    const h = (await lotse.handoff.hs.openFor(ref))!;
    // The handoff keeps the raw chat id (a reply is owed); the conversation itself is pseudonymous.
    expect(h.address).toBe(String(chat));
    expect(h.ref.conversationId).toBe(ref.conversationId);
    const staff = await lotse.handoff.auth.createStaff({
      email: 'olena@ngo.example',
      name: 'Olena K',
      role: 'caseworker',
      password: 'a long caseworker password',
      languages: ['uk'],
    });
    await lotse.handoff.service.take(staff, h.id);
    for (const text of ['Добрий день!', 'Ваша співбесіда <у вівторок> & о 9:00.', 'Візьміть паспорт.']) await lotse.handoff.service.send(staff, h.id, { text });
    const texts = visible(chat);
    // Exactly as typed, each under the caseworker's name (a person's message, not the bot's: issue 14.2).
    const olena = lotse.running.ctx.content.current().t('uk', 'handoff.from', { name: 'Olena' });
    expect(texts.slice(-3)).toEqual(['Добрий день!', 'Ваша співбесіда <у вівторок> & о 9:00.', 'Візьміть паспорт.'].map((x) => `${olena}\n${x}`));
    expect(texts.at(-4)).toContain('Olena');
  });

  it('a person who blocks the bot mid-handoff: the caseworker is alerted once, nothing hammers Telegram, and the message arrives once they write again', async () => {
    const chat = 7302;
    await turn(() => api.text(chat, '/start', 'en'));
    await turn(() => api.press(chat, '=l:en'));
    await turn(() => api.text(chat, '/human'));
    const ref = lotse.tg.ref(chat);
    const h = (await lotse.handoff.hs.openFor(ref))!;
    const staff = await lotse.handoff.auth.createStaff({
      email: 'jonas@ngo.example',
      name: 'Jonas B',
      role: 'caseworker',
      password: 'a long caseworker password',
      languages: ['en'],
    });
    await lotse.handoff.service.take(staff, h.id);
    await turn(() => api.setBlocked(chat, true));

    const calls = api.calls.length;
    await lotse.handoff.service.send(staff, h.id, { text: 'Your letter says the interview is on Tuesday.' });
    await lotse.handoff.service.send(staff, h.id, { text: 'Bring your passport.' });
    // Three sweeps (one a minute in production): no call reaches Telegram for this chat.
    for (let i = 0; i < 3; i++) await lotse.handoff.service.sweep();
    expect(api.calls.slice(calls).filter((x) => Number(x.payload.chat_id) === chat)).toEqual([]);
    const alerts = (await lotse.handoff.hs.messages(h.id)).filter((m) => m.kind === 'alert');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.text).toMatch(/cannot be reached on telegram/);
    expect(
      (await lotse.handoff.hs.messages(h.id))
        .filter((m) => m.author === 'caseworker')
        .every((m) => m.deliveredAt === undefined && m.undeliverableAt !== undefined),
    ).toBe(true);

    // They unblock and write: both messages go out, in order, and are marked delivered.
    await turn(() => api.setBlocked(chat, false));
    await turn(() => api.text(chat, 'sorry, I blocked you by mistake'));
    const jonas = lotse.running.ctx.content.current().t('en', 'handoff.from', { name: 'Jonas' });
    await api.until(() => visible(chat).includes(`${jonas}\nBring your passport.`));
    expect(visible(chat).slice(-2)).toEqual([`${jonas}\nYour letter says the interview is on Tuesday.`, `${jonas}\nBring your passport.`]);
    // Marked after Telegram's answer arrives (no further API call to wait on): poll the store.
    await expect
      .poll(async () => (await lotse.handoff.hs.messages(h.id)).filter((m) => m.author === 'caseworker').every((m) => m.deliveredAt !== undefined), {
        timeout: 10_000,
      })
      .toBe(true);
    expect((await lotse.handoff.hs.getHandoff(h.id))!.unreachableNoticeAt).toBeUndefined();
  });
});

describe('audio', () => {
  async function listen(chat: number, episode: string, lang = 'en') {
    if (!api.messages(chat).length) {
      await turn(() => api.text(chat, '/start', lang));
      await turn(() => api.press(chat, `=l:${lang}`));
    }
    await turn(() => api.press(chat, `=g:podcasts#${episode}`));
    return api.messages(chat);
  }

  it("uploads the server's own file the first time, with title and performer, then sends Telegram's file_id", async () => {
    const first = (await listen(7201, 'hearing')).find((m) => m.method === 'sendAudio')!;
    const file = path.join(repoRoot, 'content', 'audio', 'hearing.en.mp3');
    expect(first.audio).toMatchObject({ uploaded: true, bytes: fs.statSync(file).size, filename: 'hearing.en.mp3', performer: 'Lotse' });
    expect(first.audio!.title).toBe(c.pack.episodeTexts.en!.hearing!.title);
    // The caption links the transcript on the server's public address.
    expect(first.text).toContain(`<a href="${PUBLIC_URL}/podcasts/en/hearing/transcript">`);

    const second = (await listen(7202, 'hearing')).find((m) => m.method === 'sendAudio')!;
    expect(second.audio).toMatchObject({ uploaded: false, file_id: first.audio!.file_id });
    const third = (await listen(7201, 'hearing')).filter((m) => m.method === 'sendAudio').at(-1)!;
    expect(third.audio).toMatchObject({ uploaded: false, file_id: first.audio!.file_id });
    expect(api.calls.filter((x) => x.method === 'sendAudio' && (x.payload.audio as { upload?: boolean })?.upload)).toHaveLength(1);
  });

  it('sends links instead when Telegram refuses the file', async () => {
    api.interceptor = (method) =>
      method === 'sendAudio' ? { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: file is too big' } } : undefined;
    const msgs = await listen(7203, 'accommodation', 'ar');
    api.interceptor = undefined;
    expect(msgs.some((m) => m.method === 'sendAudio')).toBe(false);
    const links = msgs.find((m) => m.text.includes('/media/audio/accommodation.ar.mp3'))!;
    expect(links.text).toContain(`<a href="${PUBLIC_URL}/media/audio/accommodation.ar.mp3">${locale('ar').listen}</a>`);
    expect(links.text).toContain(`${PUBLIC_URL}/podcasts/ar/accommodation/transcript`);
    // The buttons that belonged to the audio are still there.
    expect(msgs.at(-1)!.buttons.flat().length).toBeGreaterThan(0);
  });
});
