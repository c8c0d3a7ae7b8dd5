/**
 * "Delete my data" leaves nothing of the person in the SQLite file.
 *
 * The real server (default plugins: web chat, Telegram against the stand-in,
 * handoff) and the real starter content. A Telegram person and a web chat
 * person each write distinctive texts with a phone number and an e-mail
 * address, leave an unanswered question and feedback, and talk to a
 * caseworker, who writes a note (and, for the web chat person, closes with an
 * outcome note). The Telegram person deletes while the caseworker is still
 * talking to them, the web chat person after the handoff was closed. Then the
 * file is opened with better-sqlite3 and every column of every table is read:
 * none holds any of their texts, numbers, addresses or channel ids; another
 * person's data is still there. The raw bytes of the file say the same
 * (secure_delete, and the write-ahead log emptied).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pseudonym } from '../../src/channels/telegram/ids.js';
import { NS_BLOCKED } from '../../src/channels/telegram/plugin.js';
import { PAYLOAD_KEY } from '../../src/channels/webchat/render.js';
import { payload } from '../../src/engine/payload.js';
import type { Staff } from '../../src/store/staff.js';
import { startLotse, type Lotse } from '../telegram/lotse.js';
import { TelegramStandIn } from '../telegram/standin.js';
import { type Activity, DirectLineClient, openStream } from '../webchat/dl-client.js';

const TG_CHAT = 470_011_923;
const OTHER_CHAT = 470_099_811;

// Distinctive texts of the two people who delete their data.
const TG = {
  question: 'Zorblax quintessence of the blue ferry timetable',
  contact: 'Please call me on +43 660 1234567 or write to amira.karimi@example.org',
  relay: 'Zorblax again, my lawyer number is 0043 660 7654321',
  note: 'Caseworker note: Amira Karimi, hearing on 3 March, very anxious',
  answer: 'Hello Amira, we will call you on Monday',
};
const WEB = {
  question: 'Wombatique rendezvous of the crimson bicycle licence',
  contact: 'My number is +49 151 2345 6789 and my mail is bashir.noori@example.net',
  relay: 'Wombatique: the office letter says file 88123',
  note: 'Caseworker note: Bashir Noori, referred to legal aid',
  outcome: 'Outcome note: Bashir Noori got an appointment at the legal clinic',
};
const OTHER = { question: 'Quokkalicious pineapple calendar of the harbour', contact: 'Call Olga on +43 699 8887776' };

let api: TelegramStandIn;
let lotse: Lotse;
let dbFile: string;
let staff: Staff;
let web: DirectLineClient;
let streamUrl: string;
const seen: Activity[] = [];

/** Resolves once `pred` holds (no timed assertions: a deadline only to fail a hung test). */
async function until(pred: () => Promise<boolean> | boolean, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Sends an update through the webhook and waits until Lotse is done with it. */
async function tg(send: () => Promise<unknown>): Promise<void> {
  const handled = new Promise<void>((r) => lotse.tg.events.once('handled', () => r()));
  await send();
  await handled;
}
const tgText = (chat: number, text: string) => tg(() => api.text(chat, text, 'en'));
const tgPress = (chat: number, p: string) => tg(() => api.press(chat, `=${p}`));
const tgSaw = (chat: number) => api.messages(chat).map((m) => m.text);
/** The payload of the last offered button that starts with `prefix` (keyboards carry a nonce: src/engine/payload.ts). */
const tgOffered = (chat: number, prefix: string) =>
  api
    .messages(chat)
    .flatMap((m) => m.buttons.flat())
    .map((b) => b.callback_data ?? '')
    .reverse()
    .find((d) => d.startsWith(`=${prefix}`))
    ?.slice(1) ?? prefix;

/** Posts to the web chat; waits until the bot answered it (or, during a handoff, until the caseworker has it). */
async function webPost(activity: Record<string, unknown>, relayed?: string): Promise<void> {
  const r = await web.post({ type: 'message', from: { id: web.conversationId }, ...activity });
  expect(r.status).toBe(200);
  const id = r.json.id as string;
  if (relayed) {
    await until(async () => (await handoffText()).includes(relayed), `relayed: ${relayed}`);
    return;
  }
  await web.pollUntil((acts) => acts.some((a) => a.replyToId === id), seen);
}
const webText = (text: string, relayed?: string) => webPost({ text }, relayed);
const webPress = (p: string) => webPost({ text: p, value: { [PAYLOAD_KEY]: p } });
const webSaw = () => seen.filter((a) => a.from?.role === 'bot' || !a.from?.role).map((a) => a.text ?? '');

async function handoffText(): Promise<string> {
  const open = await lotse.handoff.hs.open();
  const all = await Promise.all(open.map((h) => lotse.handoff.hs.messages(h.id)));
  return all
    .flat()
    .map((m) => m.text)
    .join('\n');
}
async function handoffOf(channel: string, conversationId: string) {
  const h = await lotse.handoff.hs.openFor({ channel, conversationId });
  if (!h) throw new Error(`no open handoff for ${channel}`);
  return h;
}

beforeAll(async () => {
  api = await new TelegramStandIn().start();
  lotse = await startLotse({ TELEGRAM_BOT_TOKEN: api.token, TELEGRAM_API_ROOT: api.url, TELEGRAM_MODE: 'webhook' });
  api.webhookOrigin = lotse.running.url;
  await lotse.tg.booted;
  dbFile = path.join(lotse.dataDir, 'lotse.sqlite');
  staff = await lotse.handoff.auth.createStaff({
    email: 'cw@ngo.example',
    name: 'Clara Case',
    role: 'admin',
    password: 'correct horse battery',
    languages: ['en'],
  });
  web = new DirectLineClient(lotse.running.url);
  streamUrl = (await web.start()).streamUrl;
}, 120_000);
afterAll(async () => {
  await lotse?.stop();
  await api?.stop();
});

/** Every value of every column of every table, as text, with where it is. */
function everyCell(file: string): { where: string; value: string }[] {
  const db = new Database(file, { readonly: true });
  try {
    const out: { where: string; value: string }[] = [];
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining(['sessions', 'feedback', 'unanswered', 'kv', 'webchat_activities', 'handoff_messages', 'handoffs']),
    );
    for (const { name } of tables) {
      const cols = db.prepare(`SELECT name FROM pragma_table_info(?)`).all(name) as { name: string }[];
      for (const c of cols)
        for (const r of db.prepare(`SELECT CAST("${c.name}" AS TEXT) AS v FROM "${name}" WHERE "${c.name}" IS NOT NULL`).all() as { v: string }[])
          out.push({ where: `${name}.${c.name}`, value: r.v });
    }
    return out;
  } finally {
    db.close();
  }
}

const digits = (s: string) => s.replace(/\D/g, '');

describe('delete my data', () => {
  it('erases a Telegram person and a web chat person from every table and column; another person stays', { timeout: 180_000 }, async () => {
    const { ctx } = lotse.running;
    const tgRef = { channel: 'telegram', conversationId: pseudonym(ctx.secret, TG_CHAT) };
    const webRef = { channel: 'webchat', conversationId: web.conversationId };
    const conv = await ctx.store.webchatLog().getConversation(web.conversationId);
    const webUser = conv!.userId;

    // --- the Telegram person: questions, feedback, an unanswered question, a caseworker
    await tgText(TG_CHAT, '/start');
    await tgPress(TG_CHAT, payload.lang('en'));
    await tgPress(TG_CHAT, payload.topic('hearing.what-is-it'));
    await tgPress(TG_CHAT, payload.feedback(true));
    await tgText(TG_CHAT, `${TG.question}. ${TG.contact}`);
    await tgText(TG_CHAT, '/human');
    const tgHandoff = await handoffOf('telegram', tgRef.conversationId);
    await tgText(TG_CHAT, TG.relay);
    await lotse.handoff.service.take(staff, tgHandoff.id);
    await lotse.handoff.service.note(staff, tgHandoff.id, TG.note);
    await lotse.handoff.service.send(staff, tgHandoff.id, { text: TG.answer });
    await until(() => tgSaw(TG_CHAT).some((t) => t.includes(TG.answer)), 'the answer reached Telegram');
    await ctx.store.kvPut(NS_BLOCKED, tgRef.conversationId, JSON.stringify({ at: 1, reason: 'test' }));

    // --- the web chat person: the same, and the caseworker closes with an outcome note
    await webPress(payload.lang('en'));
    await webPress(payload.topic('hearing.what-is-it'));
    await webPress(payload.feedback(false));
    await webText(`${WEB.question}. ${WEB.contact}`);
    await webText('/human');
    const webHandoff = await handoffOf('webchat', web.conversationId);
    await webText(WEB.relay, WEB.relay);
    await lotse.handoff.service.take(staff, webHandoff.id);
    await lotse.handoff.service.note(staff, webHandoff.id, WEB.note);
    await lotse.handoff.service.close(staff, webHandoff.id, 'referred', WEB.outcome);

    // --- another person, who keeps their data
    await tgText(OTHER_CHAT, '/start');
    await tgPress(OTHER_CHAT, payload.lang('en'));
    await tgText(OTHER_CHAT, `${OTHER.question}. ${OTHER.contact}`);
    await tgText(OTHER_CHAT, '/human');

    // Before: the file holds all of it (so the scan below can find what it looks for).
    const needles = (p: typeof TG | typeof WEB) => [p.question, p.relay, p.note, ...('outcome' in p ? [p.outcome] : [])];
    const before = everyCell(dbFile)
      .map((c) => c.value)
      .join('\n');
    for (const n of [...needles(TG), ...needles(WEB), OTHER.question, 'amira.karimi@example.org', 'bashir.noori@example.net', String(TG_CHAT), webUser])
      expect(before, n).toContain(n);
    expect(
      (await ctx.store.listFeedback()).filter((f) => f.ref.conversationId === tgRef.conversationId || f.ref.conversationId === webRef.conversationId),
    ).toHaveLength(2);
    expect((await ctx.store.listUnanswered()).map((u) => u.text).join('\n')).toContain('Zorblax');

    // --- Telegram: typed while the caseworker is talking to them: the bot asks, not the caseworker
    await tgText(TG_CHAT, 'delete my data');
    const relayed = (await lotse.handoff.hs.messages(tgHandoff.id)).filter((m) => m.author === 'person' && m.kind === 'message').map((m) => m.text);
    expect(relayed).toEqual([TG.relay]);
    expect(tgSaw(TG_CHAT).at(-1)).toMatch(/delete everything I keep about you/);
    await tgPress(TG_CHAT, tgOffered(TG_CHAT, payload.deleteData(true)));
    expect(tgSaw(TG_CHAT).at(-1)).toMatch(/deleted your data/);
    // The console sees the handoff ended, without content.
    const ended = await lotse.handoff.hs.getHandoff(tgHandoff.id);
    expect(ended).toMatchObject({ status: 'cancelled', transcriptPurged: true });
    expect(ended?.outcomeNote).toBeUndefined();
    expect((await lotse.handoff.hs.messages(tgHandoff.id)).map((m) => m.text)).toEqual(['deleted by the person']);

    // --- web chat: after the handoff was closed
    await webText('delete my data');
    expect(webSaw().at(-1)).toMatch(/delete everything I keep about you/);
    // The last words reach the open stream; the log that held them is gone (its conversation has ended).
    // The stream URL names the public address (PUBLIC_URL); the server listens on loopback.
    const u = new URL(streamUrl);
    const stream = await openStream(`${lotse.running.url.replace(/^http/, 'ws')}${u.pathname}${u.search}`);
    try {
      const offered =
        seen
          .flatMap((a) =>
            ((a as { suggestedActions?: { actions: { value?: Record<string, string> }[] } }).suggestedActions?.actions ?? []).map(
              (x) => x.value?.[PAYLOAD_KEY],
            ),
          )
          .reverse()
          .find((v) => typeof v === 'string' && v.startsWith(payload.deleteData(true))) ?? payload.deleteData(true);
      const r = await web.post({ type: 'message', from: { id: web.conversationId }, text: 'Yes', value: { [PAYLOAD_KEY]: offered } });
      expect(r.status).toBe(200);
      await stream.waitFor((acts) => acts.some((a) => /deleted your data/.test(a.text ?? '')));
    } finally {
      stream.ws.close();
    }
    await until(async () => !(await ctx.store.webchatLog().getConversation(web.conversationId)), 'the web chat conversation is gone');

    // --- after: no cell of any table holds anything of theirs
    const tgPseudonym = tgRef.conversationId;
    const forbidden = [
      ...needles(TG),
      ...needles(WEB),
      TG.contact,
      WEB.contact,
      'Zorblax',
      'Wombatique',
      'amira.karimi@example.org',
      'bashir.noori@example.net',
      'Amira',
      'Bashir',
      digits('+43 660 1234567'),
      digits('0043 660 7654321'),
      digits('+49 151 2345 6789'),
      '660 1234567',
      String(TG_CHAT),
      tgPseudonym,
      web.conversationId,
      webUser,
    ];
    const cells = everyCell(dbFile);
    for (const n of forbidden) {
      const hits = cells.filter((c) => c.value.includes(n) || digits(c.value).includes(n)).map((c) => c.where);
      expect(hits, `"${n}" is still in ${hits.join(', ')}`).toEqual([]);
    }
    // Nor in the raw bytes of the file and its write-ahead log (no free pages holding old records).
    for (const f of [dbFile, `${dbFile}-wal`].filter((x) => fs.existsSync(x))) {
      const raw = fs.readFileSync(f).toString('latin1');
      for (const n of ['Zorblax', 'Wombatique', 'amira.karimi@example.org', 'bashir.noori@example.net', tgPseudonym, web.conversationId])
        expect(raw.includes(n), `"${n}" in the bytes of ${path.basename(f)}`).toBe(false);
    }

    // Counts stay: both handoffs as anonymous rows.
    const stats = await lotse.handoff.hs.stats();
    expect(stats.reduce((n, s) => n + s.n, 0)).toBe(2);
    // The other person is untouched.
    const after = cells.map((c) => c.value).join('\n');
    expect(after).toContain(OTHER.question);
    expect(await ctx.store.getSession({ channel: 'telegram', conversationId: pseudonym(ctx.secret, OTHER_CHAT) })).toBeDefined();
    expect(await lotse.handoff.hs.openFor({ channel: 'telegram', conversationId: pseudonym(ctx.secret, OTHER_CHAT) })).toBeDefined();
    // The web chat conversation has ended: its token opens nothing any more.
    expect((await web.req('GET', `/conversations/${web.conversationId}/activities`)).status).toBe(404);
    void webSaw;
  });
});
