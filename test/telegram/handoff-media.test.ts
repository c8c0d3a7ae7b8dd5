/**
 * A photo or file sent while a person waits for (or talks with) a caseworker (issue 15), on
 * Telegram against the Bot API stand-in: the caption is relayed to the caseworker as text, with an
 * honest note on both sides that the attachment itself is not passed on; an attachment without a
 * caption is noted for the caseworker too; a bare "no" is relayed without a distress alarm. /stop is
 * in the command list Telegram shows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledContent } from '../../src/content/served.js';
import { parseTelegramHtml, TelegramStandIn } from './standin.js';
import { startLotse, type Lotse } from './lotse.js';

let api: TelegramStandIn;
let lotse: Lotse;
let c: CompiledContent;

beforeAll(async () => {
  api = await new TelegramStandIn('6363:MEDIA-standin').start();
  lotse = await startLotse({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'polling', OFFICE_HOURS: 'mo-su 00:00-24:00' });
  await lotse.tg.booted;
  c = lotse.running.ctx.content.current();
});
afterAll(async () => {
  await lotse?.stop();
  await api?.stop();
});

const visible = (chat: number) => api.messages(chat).map((m) => (m.parse_mode === 'HTML' ? parseTelegramHtml(m.text) : m.text));
async function turn(chat: number, send: () => Promise<unknown>): Promise<string[]> {
  const before = api.messages(chat).length;
  const done = new Promise<void>((resolve) => lotse.tg.events.once('handled', () => resolve()));
  await send();
  await done;
  return visible(chat).slice(before);
}

describe('an attachment during an open handoff', () => {
  it('the caption reaches the caseworker as text, the photo is noted as not passed on, and the person is told', async () => {
    const chat = 9401;
    await turn(chat, () => api.text(chat, '/start', 'en'));
    await turn(chat, () => api.press(chat, '=l:en'));
    await turn(chat, () => api.text(chat, '/human', 'en'));
    const ref = lotse.tg.ref(chat);
    const h = await lotse.handoff.hs.openFor(ref);
    expect(h?.status).toBe('queued');

    const reply = await turn(chat, () => api.media(chat, 'this is the letter I got, what does it mean?'));
    expect(reply[0]).toBe(c.t('en', 'handoff.mediaCaption'));
    const msgs = await lotse.handoff.hs.messages(h!.id);
    const person = msgs.filter((m) => m.author === 'person').map((m) => m.text);
    expect(person).toContain('this is the letter I got, what does it mean?');
    const note = msgs.filter((m) => m.author === 'system' && m.text.includes('photo'));
    expect(note.map((m) => m.text)).toEqual(['the person sent a photo with the words below; the photo itself is not passed on']);
    // The note comes before the words it is about.
    expect(msgs.indexOf(note[0]!)).toBeLessThan(msgs.findIndex((m) => m.text === 'this is the letter I got, what does it mean?'));

    // A file without a caption: the person hears that only text is read, the caseworker that a file came.
    const none = await turn(chat, () => api.media(chat, undefined, 'document'));
    expect(none).toEqual([c.t('en', 'errors.unsupported')]);
    const after = await lotse.handoff.hs.messages(h!.id);
    expect(after.filter((m) => m.author === 'system').map((m) => m.text)).toContain('the person sent a document, which is not passed on');
  });
});

describe('a bare "no" during an open handoff', () => {
  it('is relayed as the answer it is: no crisis numbers, no distress alert for the caseworker', async () => {
    const chat = 9402;
    await turn(chat, () => api.text(chat, '/start', 'en'));
    await turn(chat, () => api.press(chat, '=l:en'));
    await turn(chat, () => api.text(chat, '/human', 'en'));
    const h = await lotse.handoff.hs.openFor(lotse.tg.ref(chat));
    const reply = await turn(chat, () => api.text(chat, 'no', 'en'));
    expect(reply.join('\n')).not.toContain('144');
    const msgs = await lotse.handoff.hs.messages(h!.id);
    expect(msgs.filter((m) => m.author === 'person').map((m) => m.text)).toContain('no');
    expect(msgs.filter((m) => m.kind === 'alert')).toEqual([]);
  });
});

describe('the command list', () => {
  it('/stop is listed in every language, described in it', () => {
    for (const l of c.pack.languages) {
      const listed = api.commands.get(l.code);
      expect(listed?.map((x) => x.command)).toContain('stop');
      expect(listed?.find((x) => x.command === 'stop')?.description).toBe(c.t(l.code, 'telegram.commands.stop'));
    }
  });
});
