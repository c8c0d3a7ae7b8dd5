/**
 * End to end on Telegram, the person's side of a handoff (issue 14 points 1, 2, 3, 8): grammY in
 * long polling against the Bot API stand-in on loopback (strict about HTML and callback data), the
 * caseworker through the handoff service the console API calls. One real server, the real starter
 * content, a real SQLite file.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePayload } from '../../src/engine/payload.js';
import type { Staff } from '../../src/store/staff.js';
import { startLotse, type Lotse } from '../telegram/lotse.js';
import { buttonData, parseTelegramHtml, TelegramStandIn } from '../telegram/standin.js';

const CHAT = 737373;
const PASHTO = 747474;
let api: TelegramStandIn;
let lotse: Lotse;
let amal: Staff;

beforeAll(async () => {
  api = await new TelegramStandIn('7070:PERSON-standin').start();
  lotse = await startLotse({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'polling', OFFICE_HOURS: 'mo-su 00:00-24:00' });
  await lotse.tg.booted;
  amal = await lotse.handoff.auth.createStaff({
    email: 'amal@ngo.example',
    name: 'Amal Haddad',
    role: 'caseworker',
    password: 'a long caseworker password',
    languages: ['ar'],
  });
});
afterAll(async () => {
  await lotse?.stop();
  await api?.stop();
});

const visible = (chat: number, since = 0) =>
  api
    .messages(chat)
    .slice(since)
    .map((m) => (m.parse_mode === 'HTML' ? parseTelegramHtml(m.text) : m.text));
const reads = (chat: number, text: string, since = 0) => api.until(() => visible(chat, since).some((x) => x.includes(text)));
const t = (lang: string, key: string, vars?: Record<string, unknown>) => lotse.running.ctx.content.current().t(lang, key, vars);
/** The Bot API call that sent the last message containing this text. */
const callFor = (text: string) =>
  [...api.calls].reverse().find((c) => c.method === 'sendMessage' && typeof c.payload.text === 'string' && (c.payload.text as string).includes(text))!;

describe("the person's side of a handoff on Telegram", () => {
  it('receipts are quiet; "إلغاء" typed while waiting cancels; urgent Pashto first for the Arabic caseworker; "<Reisepass>" intact under the caseworker\'s name; rated once after the close', async () => {
    await api.text(CHAT, '/start', 'ar');
    await reads(CHAT, t('ar', 'welcome.chooseLanguage'));
    await api.press(CHAT, '=l:ar');
    await reads(CHAT, t('ar', 'menu.text'));
    await api.text(CHAT, 'بدي احكي مع شخص من فضلك', 'ar');
    await reads(CHAT, t('ar', 'handoff.seen'));

    // A typed message while waiting: a receipt with Cancel, without a notification.
    let n = api.messages(CHAT).length;
    await api.text(CHAT, 'عندي رسالة من المحكمة', 'ar');
    await reads(CHAT, t('ar', 'handoff.received'), n);
    expect(callFor(t('ar', 'handoff.received')).payload.disable_notification).toBe(true);
    expect(
      api
        .messages(CHAT)
        .at(-1)!
        .buttons.flat()
        .map((b) => b.text),
    ).toEqual([t('ar', 'buttons.cancel')]);

    // "إلغاء" typed while waiting cancels.
    const ref = lotse.tg.ref(CHAT);
    const first = (await lotse.handoff.hs.openFor(ref))!;
    n = api.messages(CHAT).length;
    await api.text(CHAT, 'إلغاء', 'ar');
    await reads(CHAT, t('ar', 'handoff.cancelled'), n);
    expect(await lotse.handoff.hs.getHandoff(first.id)).toMatchObject({ status: 'cancelled' });

    // Asked again; meanwhile a Pashto person in crisis accepts a person.
    await api.text(CHAT, 'بدي احكي مع شخص من فضلك', 'ar');
    await api.until(() => visible(CHAT).filter((x) => x.includes(t('ar', 'handoff.seen'))).length === 2);
    await api.text(PASHTO, '/start', 'ps');
    await reads(PASHTO, t('ps', 'welcome.chooseLanguage'));
    await api.press(PASHTO, '=l:ps');
    await reads(PASHTO, t('ps', 'menu.text'));
    await api.text(PASHTO, 'نور نه شم کولی، غواړم ځان ووژنم', 'ps');
    await api.until(() => api.messages(PASHTO).some((m) => m.buttons.flat().some((b) => b.text === t('ps', 'buttons.yes'))));
    await api.press(PASHTO, buttonData(api.messages(PASHTO), t('ps', 'buttons.yes')));
    await expect.poll(async () => (await lotse.handoff.hs.open()).length, { timeout: 20_000 }).toBe(2);
    const queue = await lotse.handoff.service.queue(amal);
    expect(queue.map((h) => [h.lang, h.urgent, h.languageMatch, h.ref.channel])).toEqual([
      ['ps', true, false, 'telegram'],
      ['ar', false, true, 'telegram'],
    ]);

    // The caseworker takes the Arabic one, types (the person sees "typing…"), and writes angle brackets.
    const h = queue[1]!;
    await lotse.handoff.service.take(amal, h.id);
    // Only calls from here on count: the bot's own turns send no typing action for an answer that is ready at once (issue 17.1),
    // and the caseworker's goes to the stored address (a string id, as Telegram accepts).
    const callsBefore = api.calls.length;
    await lotse.handoff.service.caseworkerTyping(amal, h.id);
    await api.until(() =>
      api.calls.slice(callsBefore).some((c) => c.method === 'sendChatAction' && String(c.payload.chat_id) === String(CHAT) && c.payload.action === 'typing'),
    );
    const typed = 'جيب معك <Reisepass> و <Meldezettel> و *كلهم* <b>';
    n = api.messages(CHAT).length;
    await lotse.handoff.service.send(amal, h.id, { text: typed });
    await reads(CHAT, 'Reisepass', n);
    expect(visible(CHAT, n)).toEqual([`${t('ar', 'handoff.from', { name: 'Amal' })}\n${typed}`]);
    expect(api.messages(CHAT).at(-1)!.text).toContain('&lt;Reisepass&gt;');

    // The close asks once how good the help was.
    n = api.messages(CHAT).length;
    await lotse.handoff.service.close(amal, h.id, 'answered');
    await reads(CHAT, t('ar', 'handoff.rateQuestion'), n);
    const question = api.messages(CHAT).at(-1)!;
    expect(question.buttons.flat().map((b) => b.text)).toEqual(['1', '2', '3', '4', '5']);
    const four = buttonData([question], '4');
    n = api.messages(CHAT).length;
    await api.press(CHAT, four);
    await reads(CHAT, t('ar', 'handoff.rateThanks'), n);
    expect((await lotse.handoff.hs.getHandoff(h.id))!.rating).toBe(4);
    // The same keyboard again: counted once only.
    n = api.messages(CHAT).length;
    await api.press(CHAT, buttonData([question], '1'));
    await reads(CHAT, t('ar', 'handoff.rateDone'), n);
    expect((await lotse.handoff.hs.getHandoff(h.id))!.rating).toBe(4);
    expect(parsePayload('rt:4:1')).toMatchObject({ kind: 'rate' });
    // Everything sent was valid Telegram HTML.
    expect(api.calls.filter((c) => c.method === 'sendMessage' && c.status !== 200)).toEqual([]);
  });
});
