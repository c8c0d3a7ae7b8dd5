/**
 * Handoff through the real server, runtime, engine and SQLite file. The
 * person's channel here is a recording deliverer (channel "cli"); the real
 * Telegram and web chat channels have their own end-to-end tests.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { Reply } from '../../src/engine/messages.js';
import { parsePayload } from '../../src/engine/payload.js';
import { handoffPlugin, type HandoffRuntime } from '../../src/handoff/plugin.js';
import { startServer, type Running } from '../../src/server/main.js';
import type { ConversationRef } from '../../src/runtime/types.js';
import { counterIds, ManualClock } from '../../src/util/clock.js';
import { miniRoot } from '../helpers/content.js';

// Monday 2026-11-23 10:00 in Vienna (09:00 UTC): inside office hours.
const MONDAY_10 = Date.UTC(2026, 10, 23, 9, 0);
const SUNDAY_22 = Date.UTC(2026, 10, 22, 21, 0);

interface World {
  running: Running;
  rt: HandoffRuntime;
  clock: ManualClock;
  delivered: { ref: ConversationRef; reply: Reply }[];
  dataDir: string;
}
const worlds: World[] = [];
afterEach(async () => {
  for (const w of worlds.splice(0)) {
    await w.running.stop();
    fs.rmSync(w.dataDir, { recursive: true, force: true });
  }
});

async function world(opts: { at?: number; dataDir?: string; failDelivery?: () => boolean } = {}): Promise<World> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-handoff-'));
  const clock = new ManualClock(opts.at ?? MONDAY_10);
  const plugin = handoffPlugin({ ids: counterIds(), sweepMs: 3_600_000 });
  const running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: miniRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      HANDOFF_UNANSWERED_MINUTES: '10',
      TRANSCRIPT_RETENTION_DAYS: '30',
    }),
    clock,
    plugins: () => [plugin],
  });
  const delivered: World['delivered'] = [];
  running.ctx.bot.registerChannel('cli', {
    async deliver(ref, reply) {
      if (opts.failDelivery?.()) throw new Error('channel down');
      delivered.push({ ref, reply });
    },
  });
  const w = { running, rt: plugin.runtime!, clock, delivered, dataDir };
  worlds.push(w);
  return w;
}

const person = (id: string): ConversationRef => ({ channel: 'cli', conversationId: id });
const texts = (r: Reply) => r.messages.map((m) => (m.kind === 'text' ? m.text : '')).join('\n');

async function personInArabic(w: World, id: string) {
  const ref = person(id);
  await w.running.ctx.bot.handle(ref, { kind: 'start' });
  await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'l:ar' });
  return ref;
}
async function staff(w: World, name: string, languages: string[], role: 'admin' | 'caseworker' = 'caseworker') {
  return w.rt.auth.createStaff({ email: `${name}@ngo.example`, name, role, password: 'correct horse battery', languages });
}

describe('handoff', () => {
  it('tells the person what happens, in their language, then routes by language', async () => {
    const w = await world();
    const ref = await personInArabic(w, 'p1');
    const r = await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'بدي احكي مع شخص' });
    const t = texts(r);
    expect(t).toContain('شخص من فريقنا يمكنه مساعدتك'); // intro (fixture ar)
    expect(t).toContain('caseworker from our team will see this conversation'); // handoff.seen (fixture ar falls back to en)
    expect(t).toMatch(/number 1 in the queue/);
    expect(r.messages.at(-1)!.buttons!.map((b) => b.payload)).toEqual(['ho:cancel']);

    const arabicSpeaker = await staff(w, 'Amal', ['ar', 'de']);
    const germanOnly = await staff(w, 'Bernd', ['de']);
    expect((await w.rt.service.queue(arabicSpeaker))[0]).toMatchObject({ lang: 'ar', matches: true, position: 1 });
    expect((await w.rt.service.queue(germanOnly))[0]).toMatchObject({ lang: 'ar', matches: false });
  });

  it('the conversation so far reaches the caseworker; the bot stays silent; messages relay both ways; close returns the person to the bot', async () => {
    const w = await world();
    const ref = await personInArabic(w, 'p2');
    await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'شو الأوراق اللي لازم آخدها' });
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    const amal = await staff(w, 'Amal', ['ar']);
    const [h] = await w.rt.service.queue(amal);
    const opened = await w.rt.service.open(amal, h!.id);
    expect(opened.messages.filter((m) => m.kind === 'transcript').map((m) => m.text)).toEqual(
      expect.arrayContaining(['شو الأوراق اللي لازم آخدها', 'أحضر وثائق الهوية وبطاقة اللجوء.']),
    );

    await w.rt.service.take(amal, h!.id);
    expect(texts(w.delivered.at(-1)!.reply)).toContain('Amal');
    const silent = await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'مرحبا، عندي سؤال عن قضيتي' });
    expect(silent.messages).toEqual([]);
    expect((await w.rt.hs.messages(h!.id)).at(-1)).toMatchObject({ author: 'person', text: 'مرحبا، عندي سؤال عن قضيتي' });

    await w.rt.service.send(amal, h!.id, { topic: 'hearing.documents' });
    expect(texts(w.delivered.at(-1)!.reply)).toBe('أحضر وثائق الهوية وبطاقة اللجوء.\nأحضر الأصول والنسخ.');
    await w.rt.service.send(amal, h!.id, { text: 'Bring your letter too.' });
    expect((await w.rt.hs.messages(h!.id)).filter((m) => m.author === 'caseworker').every((m) => m.deliveredAt)).toBe(true);

    await w.rt.service.close(amal, h!.id, 'answered', 'documents explained');
    expect(w.delivered.at(-1)!.reply.messages[0]!.buttons![0]!.payload).toBe('n:menu');
    const back = await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'القائمة' });
    expect(back.messages.flatMap((m) => m.buttons ?? []).map((b) => b.label)).toContain('المقابلة');
    expect(await w.rt.hs.getHandoff(h!.id)).toMatchObject({ status: 'closed', outcome: 'answered', address: undefined });
  });

  it('"delete my data" while waiting is for the bot, not the caseworker: typed in Arabic, "no" keeps the handoff, "yes" ends it as deleted', async () => {
    const w = await world();
    const ref = await personInArabic(w, 'del');
    await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'رقمي 0660 1234567' });
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    const amal = await staff(w, 'Amal', ['ar']);
    const [h] = await w.rt.service.queue(amal);
    const person = async () => (await w.rt.hs.messages(h!.id)).filter((m) => m.author === 'person' && m.kind === 'message').map((m) => m.text);

    const ask = await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'احذف بياناتي' });
    const offered = (r: { messages: { buttons?: { payload: string }[] }[] }, p: string) =>
      r.messages.flatMap((m) => m.buttons ?? []).find((b) => b.payload.startsWith(p))!.payload;
    expect(offered(ask, 'del:yes')).toMatch(/^del:yes/);
    expect(offered(ask, 'del:no')).toMatch(/^del:no/);
    expect(await person()).toEqual([]);
    // "No": nothing deleted, the handoff goes on and the next message reaches the caseworker again.
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: offered(ask, 'del:no') });
    expect(await w.rt.hs.openFor(ref)).toMatchObject({ id: h!.id, status: 'queued' });
    await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'مرحبا، عندي سؤال عن قضيتي' });
    expect(await person()).toEqual(['مرحبا، عندي سؤال عن قضيتي']);
    // A long message that mentions deleting is for the caseworker.
    const long = 'please delete my data from the form you sent me yesterday because the address on it is wrong';
    await w.running.ctx.bot.handle(ref, { kind: 'text', text: long });
    expect(await person()).toContain(long);

    // The privacy answer's button, then "yes": the handoff ends as deleted by the person, nothing of it stays.
    const ask2 = await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 't:meta.delete-data' });
    const done = await w.running.ctx.bot.handle(ref, { kind: 'button', payload: offered(ask2, 'del:yes') });
    expect(done.messages.length).toBeGreaterThan(0);
    expect(await w.rt.hs.openFor(ref)).toBeUndefined();
    expect(await w.rt.hs.getHandoff(h!.id)).toMatchObject({ status: 'cancelled', transcriptPurged: true, address: undefined });
    expect((await w.rt.hs.messages(h!.id)).map((m) => [m.author, m.kind, m.text])).toEqual([['system', 'event', 'deleted by the person']]);
    expect((await w.rt.service.queue(amal)).map((x) => x.id)).not.toContain(h!.id);
    expect(await w.running.ctx.store.getSession(ref)).toBeUndefined();
  });

  it('distress: top priority in the queue, and during a handoff the caseworker is alerted and the person gets the crisis numbers', async () => {
    const w = await world();
    const calm = await personInArabic(w, 'calm');
    await w.running.ctx.bot.handle(calm, { kind: 'button', payload: 'n:human' });
    w.clock.advance(60_000);
    const crisis = await personInArabic(w, 'crisis');
    const r = await w.running.ctx.bot.handle(crisis, { kind: 'text', text: 'بدي انتحر' });
    expect(texts(r)).toContain('144');
    // The Yes of the offer just made (a hand-made dx:yes would be refused as expired).
    const yes = r.messages
      .flatMap((m) => m.buttons ?? [])
      .find((b) => {
        const p = parsePayload(b.payload);
        return p?.kind === 'distressOffer' && p.accept;
      });
    await w.running.ctx.bot.handle(crisis, { kind: 'button', payload: yes!.payload });
    const amal = await staff(w, 'Amal', ['ar']);
    const q = await w.rt.service.queue(amal);
    expect(q.map((h) => [h.ref.conversationId, h.priority])).toEqual([
      ['crisis', 0],
      ['calm', 1],
    ]);

    await w.rt.service.take(amal, q[1]!.id);
    const alerts: string[] = [];
    // biome-ignore lint/complexity/useLiteralKeys: the test reads the service's private event bus
    w.rt.service['d'].events.subscribe((e) => e.type === 'alert' && alerts.push(e.handoffId));
    const during = await w.running.ctx.bot.handle(calm, { kind: 'text', text: 'ما عاد فيني كمل' });
    expect(texts(during)).toContain('144');
    expect(alerts).toEqual([q[1]!.id]);
    expect((await w.rt.hs.getHandoff(q[1]!.id))!.priority).toBe(0);
  });

  it('out of hours the person can leave a message; the answer is delivered later on their channel', async () => {
    const w = await world({ at: SUNDAY_22 });
    const ref = await personInArabic(w, 'night');
    const r = await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    expect(texts(r)).toContain('office is closed now');
    await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'عندي رسالة من المحكمة' });
    w.clock.t = MONDAY_10 + 7 * 86_400_000; // Monday morning
    const amal = await staff(w, 'Amal', ['ar']);
    const [h] = await w.rt.service.queue(amal);
    expect(h).toMatchObject({ offHours: true });
    await w.rt.service.take(amal, h!.id);
    await w.rt.service.send(amal, h!.id, { text: 'صباح الخير، شو مكتوب بالرسالة؟' });
    expect(w.delivered.map((d) => texts(d.reply))).toContain('صباح الخير، شو مكتوب بالرسالة؟');
  });

  it('nobody takes it in time: a polite message, and the handoff stays open', async () => {
    const w = await world();
    const ref = await personInArabic(w, 'wait');
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    w.clock.advance(11 * 60_000);
    await w.rt.service.sweep();
    await w.rt.service.sweep();
    const notices = w.delivered.filter((d) => texts(d.reply).includes('everyone is busy'));
    expect(notices).toHaveLength(1);
    expect((await w.rt.hs.openFor(ref))!.status).toBe('queued');
  });

  it('a restart in the middle loses nothing, and undelivered messages are delivered after it', async () => {
    let down = true;
    const w = await world({ failDelivery: () => down });
    const ref = await personInArabic(w, 'restart');
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    const amal = await staff(w, 'Amal', ['ar']);
    const [h] = await w.rt.service.queue(amal);
    await w.rt.service.take(amal, h!.id);
    await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'هل ما زلت هنا؟' });
    const sent = await w.rt.service.send(amal, h!.id, { text: 'نعم، أنا هنا' });
    expect(sent.deliveredAt).toBeUndefined();
    await w.running.stop();
    worlds.splice(worlds.indexOf(w), 1);

    down = false;
    const w2 = await world({ dataDir: w.dataDir, failDelivery: () => down });
    await w2.rt.service.sweep();
    expect(w2.delivered.map((d) => texts(d.reply))).toEqual(['نعم، أنا هنا']);
    const all = (await w2.rt.hs.messages(h!.id)).map((m) => m.text);
    expect(all).toEqual(expect.arrayContaining(['هل ما زلت هنا؟', 'نعم، أنا هنا']));
    const silent = await w2.running.ctx.bot.handle(ref, { kind: 'text', text: 'شكرا' });
    expect(silent.messages).toEqual([]);
  });

  it('a retry that fails again holds back the later messages of that conversation: nothing arrives out of order', async () => {
    let failures = 0;
    let down = true;
    const w = await world({ failDelivery: () => down || failures-- > 0 });
    const ref = await personInArabic(w, 'order');
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    const amal = await staff(w, 'Amal', ['ar']);
    const [h] = await w.rt.service.queue(amal);
    await w.rt.service.take(amal, h!.id);
    await w.rt.service.send(amal, h!.id, { text: 'الرسالة الأولى' });
    await w.rt.service.send(amal, h!.id, { text: 'الرسالة الثانية' });
    // The channel is back, but the first retry fails once more.
    down = false;
    failures = 1;
    await w.rt.service.sweep();
    expect(w.delivered.map((d) => texts(d.reply))).toEqual([]);
    await w.rt.service.sweep();
    expect(w.delivered.map((d) => texts(d.reply))).toEqual(['الرسالة الأولى', 'الرسالة الثانية']);
  });

  it('a caseworker cannot open a conversation they are not part of, and every opening is logged', async () => {
    const w = await world();
    const ref = await personInArabic(w, 'private');
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    const amal = await staff(w, 'Amal', ['ar']);
    const omar = await staff(w, 'Omar', ['ar']);
    const [h] = await w.rt.service.queue(amal);
    await w.rt.service.take(amal, h!.id);
    await expect(w.rt.service.open(omar, h!.id)).rejects.toThrow('belongs to a colleague');
    await expect(w.rt.service.send(omar, h!.id, { text: 'hi' })).rejects.toThrow('belongs to a colleague');
    expect(await w.rt.service.queue(omar)).toEqual([]);
    await w.rt.service.open(amal, h!.id);
    expect((await w.rt.hs.auditLog(h!.id)).map((a) => [a.staffId, a.action])).toEqual([
      [amal.id, 'take'],
      [omar.id, 'open-denied'],
      [amal.id, 'open'],
    ]);
  });

  it('closed transcripts expire after the retention time; the outcome statistics remain', async () => {
    const w = await world();
    const ref = await personInArabic(w, 'old');
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    const amal = await staff(w, 'Amal', ['ar']);
    const [h] = await w.rt.service.queue(amal);
    await w.rt.service.take(amal, h!.id);
    await w.rt.service.send(amal, h!.id, { text: 'hello' });
    await w.rt.service.close(amal, h!.id, 'referred', 'sent to legal counselling', 'emergency-112');
    w.clock.advance(29 * 86_400_000);
    await w.rt.service.sweep();
    expect((await w.rt.hs.messages(h!.id)).length).toBeGreaterThan(0);
    w.clock.advance(2 * 86_400_000);
    await w.rt.service.sweep();
    expect(await w.rt.hs.messages(h!.id)).toEqual([]);
    expect(await w.rt.hs.getHandoff(h!.id)).toMatchObject({ transcriptPurged: true, outcome: 'referred', outcomeNote: undefined });
    expect(await w.rt.hs.stats()).toEqual([{ outcome: 'referred', lang: 'ar', reason: 'asked', n: 1 }]);
  });

  it('the person can cancel while waiting', async () => {
    const w = await world();
    const ref = await personInArabic(w, 'cancel');
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    const r = await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'ho:cancel' });
    expect(r.messages[0]!.buttons![0]!.payload).toBe('n:menu');
    expect(await w.rt.hs.openFor(ref)).toBeUndefined();
  });
});
