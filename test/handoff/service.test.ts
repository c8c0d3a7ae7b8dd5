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

describe('the person is never in silence, and the queue puts distress first (issue 14)', () => {
  const payloads = (r: Reply) => r.messages.flatMap((m) => m.buttons ?? []).map((b) => b.payload);
  const inEnglish = async (w: World, id: string) => {
    const ref = person(id);
    await w.running.ctx.bot.handle(ref, { kind: 'start' });
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'l:en' });
    return ref;
  };
  const crisisYes = (r: Reply) =>
    r.messages
      .flatMap((m) => m.buttons ?? [])
      .find((b) => {
        const p = parsePayload(b.payload);
        return p?.kind === 'distressOffer' && p.accept;
      })!.payload;

  it('urgent first for everyone whatever the language, then language match, topic and waiting time; a colleague who speaks it can be paged', async () => {
    const w = await world();
    const routine = await personInArabic(w, 'routine');
    await w.running.ctx.bot.handle(routine, { kind: 'button', payload: 'n:human' });
    w.clock.advance(60_000);
    const crisis = await inEnglish(w, 'crisis-en');
    const r = await w.running.ctx.bot.handle(crisis, { kind: 'text', text: 'I want to kill myself' });
    await w.running.ctx.bot.handle(crisis, { kind: 'button', payload: crisisYes(r) });
    w.clock.advance(60_000);
    const later = await personInArabic(w, 'later');
    await w.running.ctx.bot.handle(later, { kind: 'button', payload: 'n:human' });

    const arabicOnly = await staff(w, 'Amal', ['ar']);
    const english = await staff(w, 'Erin', ['en']);
    const q = await w.rt.service.queue(arabicOnly);
    // The English crisis comes before the Arabic-speaking caseworker's own-language routine requests.
    expect(q.map((h) => [h.ref.conversationId, h.urgent, h.languageMatch])).toEqual([
      ['crisis-en', true, false],
      ['routine', false, true],
      ['later', false, true],
    ]);
    expect(q[0]).toMatchObject({ matches: false, position: 1 });

    const events: unknown[] = [];
    // biome-ignore lint/complexity/useLiteralKeys: the test reads the service's private event bus
    w.rt.service['d'].events.subscribe((e) => e.type === 'paged' && events.push(e));
    expect(await w.rt.service.page(arabicOnly, q[0]!.id)).toEqual({ paged: 1, lang: 'en' });
    expect(events).toEqual([{ type: 'paged', handoffId: q[0]!.id, lang: 'en', priority: 0, by: arabicOnly.id, byName: 'Amal' }]);
    expect((await w.rt.hs.messages(q[0]!.id)).at(-1)!.text).toBe('Amal paged colleagues who speak en (1)');
    // The Arabic caseworker can take it anyway (content answers work in every language).
    await w.rt.service.take(arabicOnly, q[0]!.id);
    expect((await w.rt.service.queue(english)).map((h) => h.ref.conversationId)).toEqual(['routine', 'later']);
  });

  it('a typed message while waiting is acknowledged: in full the first time and again after five minutes, "received ✓" in between; quiet, with Cancel', async () => {
    const w = await world();
    const ref = await inEnglish(w, 'ack');
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    const first = await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'I have a letter from the court' });
    expect(texts(first)).toBe('Received. A person from our team will read your message.');
    expect(first.quiet).toBe(true);
    expect(payloads(first)).toEqual(['ho:cancel']);
    w.clock.advance(60_000);
    const second = await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'The letter is in German' });
    expect(texts(second)).toBe('Received ✓');
    expect(payloads(second)).toEqual(['ho:cancel']);
    w.clock.advance(5 * 60_000);
    const third = await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'Are you there?' });
    expect(texts(third)).toBe('Received. A person from our team will read your message.');
    // All three reached the caseworker.
    const [h] = await w.rt.service.queue(await staff(w, 'Erin', ['en']));
    expect((await w.rt.hs.messages(h!.id)).filter((m) => m.author === 'person' && m.kind === 'message')).toHaveLength(3);
  });

  it('the caseworker reading the conversation is said once per new message, quietly, with their first name', async () => {
    const w = await world();
    const ref = await inEnglish(w, 'seen');
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    const erin = await w.rt.auth.createStaff({
      email: 'erin@ngo.example',
      name: 'Erin Example',
      role: 'caseworker',
      password: 'correct horse battery',
      languages: ['en'],
    });
    const [h] = await w.rt.service.queue(erin);
    await w.rt.service.open(erin, h!.id);
    expect(w.delivered).toEqual([]); // nothing of theirs to read yet
    await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'Hello?' });
    await w.rt.service.open(erin, h!.id);
    expect(w.delivered.map((d) => [texts(d.reply), d.reply.quiet])).toEqual([['Erin from our team has read your message.', true]]);
    await w.rt.service.markRead(erin, h!.id);
    expect(w.delivered).toHaveLength(1);
  });

  it('the place in the queue is told only when it moves forward, at most once per five minutes, quietly', async () => {
    const w = await world();
    const refs = [];
    for (const id of ['q1', 'q2', 'q3', 'q4']) {
      const ref = await inEnglish(w, id);
      await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
      refs.push(ref);
      w.clock.advance(1000);
    }
    // The places told (the sweep also says "everyone is busy" after ten minutes: not a place).
    const told = (id: string) =>
      w.delivered
        .filter((d) => d.ref.conversationId === id)
        .map((d) => texts(d.reply))
        .filter((x) => x.includes('in the queue'));
    // Right after "you are number 4" (the queue message): a move is held back, then told once the five minutes are over.
    await w.running.ctx.bot.handle(refs[0]!, { kind: 'text', text: 'cancel' });
    await w.rt.service.updatePositions();
    expect(told('q4')).toEqual([]);
    w.clock.advance(5 * 60_000);
    await w.rt.service.updatePositions();
    expect(told('q4')).toEqual(['You are number 3 in the queue.']);
    expect(w.delivered.length).toBeGreaterThan(0);
    expect(w.delivered.every((d) => d.reply.quiet && payloads(d.reply).includes('ho:cancel'))).toBe(true);
    // Another move a minute later: held back; after five minutes the sweep tells the place of that moment.
    w.clock.advance(60_000);
    await w.running.ctx.bot.handle(refs[1]!, { kind: 'button', payload: 'ho:cancel' });
    await w.rt.service.updatePositions();
    expect(told('q4')).toEqual(['You are number 3 in the queue.']);
    w.clock.advance(5 * 60_000);
    await w.rt.service.sweep();
    expect(told('q4')).toEqual(['You are number 3 in the queue.', 'You are number 2 in the queue.']);
    // Someone in crisis goes ahead: nobody is told they moved back.
    const n = w.delivered.length;
    const crisis = await inEnglish(w, 'crisis');
    const r = await w.running.ctx.bot.handle(crisis, { kind: 'text', text: 'I want to kill myself' });
    await w.running.ctx.bot.handle(crisis, { kind: 'button', payload: crisisYes(r) });
    w.clock.advance(10 * 60_000);
    await w.rt.service.updatePositions();
    expect(w.delivered.slice(n).filter((d) => d.ref.conversationId !== 'crisis')).toEqual([]);
  });

  it('typed "cancel" in any served language cancels, and the caseworker is told; "menu" shows the menu and keeps the request, with Cancel', async () => {
    const w = await world();
    const ref = await personInArabic(w, 'typed');
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    const amal = await staff(w, 'Amal', ['ar']);
    const [h] = await w.rt.service.queue(amal);

    const menu = await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'القائمة' });
    expect(menu.messages.flatMap((m) => m.buttons ?? []).map((b) => b.label)).toContain('المقابلة');
    expect(payloads(menu).at(-1)).toBe('ho:cancel');
    expect(await w.rt.hs.openFor(ref)).toMatchObject({ id: h!.id, status: 'queued' });
    const lines = async () => (await w.rt.hs.messages(h!.id)).filter((m) => m.author === 'system').map((m) => m.text);
    expect(await lines()).toContain('the person opened the menu (the request stays open)');
    // "menu" was for the bot, not relayed.
    expect((await w.rt.hs.messages(h!.id)).filter((m) => m.author === 'person' && m.kind === 'message')).toEqual([]);

    const cancelled = await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'إلغاء' });
    expect(texts(cancelled)).toContain('OK, you are back with the chatbot.');
    expect(await w.rt.hs.openFor(ref)).toBeUndefined();
    expect(await lines()).toContain('cancelled by the person (typed "إلغاء")');

    // The slash command and the English word do the same (all six languages: test/handoff/e2e-webchat.test.ts).
    for (const word of ['/cancel', 'Cancel', 'الغاء']) {
      await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
      expect(await w.rt.hs.openFor(ref)).toBeDefined();
      await w.running.ctx.bot.handle(ref, { kind: 'text', text: word });
      expect(await w.rt.hs.openFor(ref), word).toBeUndefined();
    }
  });

  it('a caseworker message keeps its text exactly and says who wrote it', async () => {
    const w = await world();
    const ref = await inEnglish(w, 'text');
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    const samira = await w.rt.auth.createStaff({
      email: 'samira@ngo.example',
      name: 'Samira Haddad',
      role: 'caseworker',
      password: 'correct horse battery',
      languages: ['en'],
    });
    const [h] = await w.rt.service.queue(samira);
    await w.rt.service.take(samira, h!.id);
    await w.rt.service.send(samira, h!.id, { text: 'bring <Reisepass> and <Meldezettel> *both*' });
    expect(w.delivered.at(-1)!.reply.messages).toEqual([
      {
        kind: 'text',
        text: 'bring <Reisepass> and <Meldezettel> *both*',
        from: { name: 'Samira', label: 'Samira (caseworker)', said: 'Samira (caseworker) said:' },
      },
    ]);
  });

  it('after the close the person is asked once how good the help was; the score is stored on the handoff and counted in the statistics', async () => {
    const w = await world();
    const ref = await inEnglish(w, 'rate');
    await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
    const erin = await staff(w, 'Erin', ['en'], 'admin');
    const [h] = await w.rt.service.queue(erin);
    await w.rt.service.take(erin, h!.id);
    await w.rt.service.close(erin, h!.id, 'answered');
    const closing = w.delivered.at(-1)!.reply;
    expect(texts(closing)).toContain('Was the help good? Choose from 1 (bad) to 5 (very good).');
    const scale = closing.messages.at(-1)!.buttons!;
    expect(scale.map((b) => b.label)).toEqual(['1', '2', '3', '4', '5']);
    const four = scale[3]!.payload;
    expect(parsePayload(four)).toMatchObject({ kind: 'rate', score: 4 });
    // A hand-made rating with another nonce counts for nothing.
    const forged = await w.running.ctx.bot.handle(ref, { kind: 'button', payload: 'rt:1:999' });
    expect(texts(forged)).toBe('You have already answered. Thank you.');
    const thanks = await w.running.ctx.bot.handle(ref, { kind: 'button', payload: four });
    expect(texts(thanks)).toBe('Thank you for your answer. It helps us do better.');
    expect((await w.rt.hs.getHandoff(h!.id))!.rating).toBe(4);
    // Once: a second press (or another score from the same keyboard) changes nothing.
    const again = await w.running.ctx.bot.handle(ref, { kind: 'button', payload: scale[0]!.payload });
    expect(texts(again)).toBe('You have already answered. Thank you.');
    expect((await w.rt.hs.getHandoff(h!.id))!.rating).toBe(4);
    expect(await w.rt.service.ratings()).toEqual({ n: 1, average: 4, byScore: { '1': 0, '2': 0, '3': 0, '4': 1, '5': 0 } });
    expect((await w.rt.hs.messages(h!.id)).at(-1)!.text).toBe('the person rated the help 4 of 5');
    // The bot is back: the next message is answered by it.
    const back = await w.running.ctx.bot.handle(ref, { kind: 'text', text: 'menu' });
    expect(back.messages.length).toBeGreaterThan(0);
  });
});
