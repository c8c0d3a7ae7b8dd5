/**
 * Proof of issue 17.4: three real server processes (`lotse serve`) on loopback against one
 * PostgreSQL schema and one Redis key prefix, with the Telegram Bot API stand-in. Web chat
 * conversations are spread over the three; a Telegram chat is polled by whichever instance is
 * elected; a person in a handoff writes through instance A while the caseworker's console is
 * open on instance B. Mid-conversation the elected Telegram poller gets SIGKILL. Its web chat
 * people carry on at another instance (a POST that got no answer is sent again with the same
 * clientActivityID, as Web Chat does), another instance takes over polling, and what the dead
 * one acknowledged and had not answered is answered by a survivor. Afterwards, from the
 * database: every acknowledged web chat message is in the log once and answered exactly as in a
 * reference conversation, the Telegram chat got the reference chat's messages in order without
 * doubles, the caseworker on B saw the person's messages from A live, and the person's socket on
 * A got the caseworker's replies from B.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/content.js';
import { createTestSchema, type TestSchema } from '../helpers/postgres.js';
import { parseTelegramHtml, TelegramStandIn } from '../telegram/standin.js';
import { type Activity, DirectLineClient } from '../webchat/dl-client.js';
import { until } from './contract.js';

const SECRET = 'three-instances-secret-three-instances-0';
const REDIS_URL = process.env.LOTSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'a long caseworker password';
const SCRIPT = [
  'what documents do I need for the interview',
  '/menu',
  'can I bring my own interpreter',
  'where can I see a doctor',
  '/help',
  'can I cook in my room',
  'what happens after the interview',
  'how do I tell my story',
];

interface Instance {
  name: string;
  child: ChildProcess;
  url: string;
  log: Record<string, unknown>[];
  exited: Promise<void>;
}

function start(name: string, env: Record<string, string>): Promise<Instance> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `lotse-3i-${name}-`));
  const child = spawn(process.execPath, [path.join(repoRoot, 'src/cli/lotse.mjs'), 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, CONTENT_ROOT: repoRoot, CONTENT_WATCH: 'false', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: Record<string, unknown>[] = [];
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise<Instance>((resolve, reject) => {
    let buf = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          log.push(entry);
          if (entry.msg === 'lotse started') resolve({ name, child, url: String(entry.url).replace('localhost', '127.0.0.1'), log, exited });
        } catch {
          // not a log line
        }
      }
    });
    void exited.then(() => reject(new Error(`instance ${name} exited before it started: ${err}`)));
  });
}

/** A web chat person at an instance; a POST that fails (the instance died) goes again, same clientActivityID, to `fallback()`. */
class Person {
  readonly client: DirectLineClient;
  acked = 0;
  retried = 0;
  private n = 0;
  constructor(
    readonly name: string,
    public base: string,
    private readonly fallback: () => string,
  ) {
    this.client = new DirectLineClient(base);
  }
  async start(): Promise<void> {
    await this.client.start();
    await this.send({ type: 'event', name: 'webchat/join', value: { lang: 'en' } });
    await this.send({ type: 'message', text: 'English' });
  }
  async send(activity: Record<string, unknown>): Promise<void> {
    const clientActivityID = `${this.name}-${this.n++}`;
    for (let attempt = 0; ; attempt++) {
      (this.client as unknown as { base: string }).base = this.base;
      try {
        const r = await this.client.post({ ...activity, channelData: { clientActivityID } });
        if (r.status !== 200) throw new Error(`POST answered ${r.status}: ${JSON.stringify(r.json)}`);
        this.acked++;
        if (attempt) this.retried++;
        return;
      } catch (err) {
        if (attempt > 100) throw err;
        this.base = this.fallback();
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

const botTexts = (acts: Activity[]) =>
  acts.filter((a) => a.type === 'message' && a.from?.role === 'bot').map((a) => a.text ?? JSON.stringify(a.attachments?.map((x) => x.contentType) ?? []));
/** Each message of the person with the bot's answers to it (by replyToId), in order. */
const turnsOf = (acts: Activity[]) =>
  acts
    .filter((a) => a.from?.role === 'user')
    .map((u) => ({ id: u.channelData?.clientActivityID as string, answers: botTexts(acts.filter((a) => a.replyToId === u.id)) }));

describe('three instances, one PostgreSQL, one Redis', () => {
  let schema: TestSchema | undefined;
  let api: TelegramStandIn | undefined;
  const instances: Instance[] = [];
  afterAll(async () => {
    for (const i of instances)
      if (i.child.exitCode === null && i.child.signalCode === null) {
        i.child.kill('SIGTERM');
        await i.exited;
      }
    await api?.stop();
    await schema?.drop();
  });

  it('spreads web chat, Telegram and a handoff over them, survives SIGKILL of one mid-conversation, and loses nothing', async () => {
    schema = await createTestSchema();
    api = await new TelegramStandIn('7474:THREE-standin').start();
    const env = {
      DATABASE_URL: schema.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: `lotse-test-redis:${randomBytes(4).toString('hex')}:`,
      LOTSE_SECRET: SECRET,
      TELEGRAM_BOT_TOKEN: api.token,
      TELEGRAM_API_ROOT: api.url,
      TELEGRAM_MODE: 'polling',
      TELEGRAM_MAX_MESSAGES_PER_SECOND: '1000000',
      WEBCHAT_RATE_PER_CONVERSATION: '1000000',
      WEBCHAT_RATE_PER_ADDRESS: '1000000',
      OFFICE_HOURS: 'mo-su 00:00-24:00',
    };
    // The caseworker's account, made in the shared database by the CLI (which also creates the tables).
    const cli = spawnSync(process.execPath, [path.join(repoRoot, 'src/cli/lotse.mjs'), 'staff', 'add', '--email', 'cw@ngo.example', '--name', 'Clara'], {
      encoding: 'utf8',
      cwd: os.tmpdir(),
      env: {
        ...process.env,
        DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-3i-cli-')),
        DATABASE_URL: schema.url,
        LOG_LEVEL: 'silent',
        LOTSE_STAFF_PASSWORD: PASSWORD,
      },
      timeout: 60_000,
    });
    expect(cli.status, cli.stderr).toBe(0);
    instances.push(...(await Promise.all(['i1', 'i2', 'i3'].map((n) => start(n, env)))));
    for (const i of instances) expect(i.log.find((l) => l.msg === 'lotse started')).toMatchObject({ store: 'postgres', cluster: 'redis' });
    const pollerOf = () =>
      instances.filter(
        (i) =>
          i.child.exitCode === null &&
          i.child.signalCode === null &&
          i.log.some((l) => l.msg === 'cluster: leading' && String(l.job).startsWith('telegram-poller')),
      );
    await until(() => pollerOf().length === 1, 'one instance polls Telegram');
    // The one to be killed (K) is the elected poller; A holds the person, B the caseworker's console.
    const K = pollerOf()[0]!;
    const [A, B] = instances.filter((i) => i !== K) as [Instance, Instance];
    const alive = () => instances.filter((i) => i !== K || (K.child.exitCode === null && K.child.signalCode === null));
    let rr = 0;
    const fallback = () => {
      const a = alive();
      return a[rr++ % a.length]!.url;
    };

    // ------------------------------------------------------ references ---
    const ref = new Person('ref', A.url, fallback);
    await ref.start();
    for (const t of SCRIPT) await ref.send({ type: 'message', text: t });
    const tgRef = 990_000;
    const tgChat = 990_001;
    const tgTexts = (chat: number) => api!.messages(chat).map((m) => (m.parse_mode === 'HTML' ? parseTelegramHtml(m.text) : m.text));
    await api.text(tgRef, '/start', 'en');
    await api.text(tgRef, 'English', 'en');
    for (const t of SCRIPT) await api.text(tgRef, t, 'en');
    await until(() => api!.unconfirmed === 0, 'the reference chat fetched');
    // Every instance is ready: the poller once getUpdates answered, the two standing by for
    // Telegram too (they send caseworkers' replies), each with Redis reachable.
    for (const i of instances) {
      const ready = async () => ((await (await fetch(`${i.url}/readyz`)).json()) as { checks: Record<string, boolean> }).checks;
      await until(async () => (await ready()).telegram === true, `${i.name} ready`);
      expect(await ready()).toEqual({ store: true, redis: true, telegram: true });
    }

    // ------------------------------------------- the handoff: A and B ---
    const person = new Person('p', A.url, () => A.url);
    await person.start();
    await person.send({ type: 'message', text: '/human' });
    const pushed: Activity[] = [];
    const wsUrl = await streamOf(person.client, A.url);
    const ws = new WebSocket(wsUrl);
    ws.on('message', (d) => {
      const set = JSON.parse(String(d)) as { activities?: Activity[] };
      pushed.push(...(set.activities ?? []));
    });
    await new Promise<void>((r, j) => {
      ws.once('open', () => r());
      ws.once('error', j);
    });
    const login = await fetch(`${B.url}/console/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'cw@ngo.example', password: PASSWORD }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
    const csrf = ((await login.json()) as { csrf: string }).csrf;
    const cw = { cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' };
    const queue = (await (await fetch(`${B.url}/console/api/queue`, { headers: cw })).json()) as { queue: { id: string }[] };
    expect(queue.queue).toHaveLength(1);
    const hid = queue.queue[0]!.id;
    expect((await fetch(`${B.url}/console/api/handoffs/${hid}/take`, { method: 'POST', headers: cw, body: '{}' })).status).toBe(200);
    // The console's live stream on B, opened now: what arrives on it later is live (the bus), not the replay.
    const sse = new AbortController();
    const events = await fetch(`${B.url}/console/api/events`, { headers: { cookie, 'Last-Event-ID': '0' }, signal: sse.signal });
    let seenOnB = '';
    const reader = events.body!.getReader();
    const reading = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) return;
          seenOnB += new TextDecoder().decode(value);
        }
      } catch {
        // aborted at the end
      }
    })();
    await until(() => seenOnB.includes('"type":"queue"') || seenOnB.includes('id: '), 'the console stream on B is open');
    const liveFrom = seenOnB.length;

    // ------------------------------------------------------------ load ---
    const people = Array.from({ length: 6 }, (_, i) => new Person(`w${i}`, instances[i % 3]!.url, fallback));
    await Promise.all(people.map((p) => p.start()));
    await api.text(tgChat, '/start', 'en');
    await api.text(tgChat, 'English', 'en');
    const load = Promise.all(people.map(async (p) => SCRIPT.reduce((prev, t) => prev.then(() => p.send({ type: 'message', text: t })), Promise.resolve())));
    const tgLoad = (async () => {
      for (const t of SCRIPT) await api!.text(tgChat, t, 'en');
    })();
    await person.send({ type: 'message', text: 'Note 1 for the caseworker about my housing letter' });
    await until(() => seenOnB.slice(liveFrom).includes('Note 1 for the caseworker'), 'the caseworker on B sees note 1 from A');
    expect(
      (await fetch(`${B.url}/console/api/handoffs/${hid}/messages`, { method: 'POST', headers: cw, body: JSON.stringify({ text: 'Reply 1 from Clara' }) }))
        .status,
    ).toBe(200);
    await until(() => pushed.some((a) => a.text?.includes('Reply 1 from Clara')), "the person's socket on A gets reply 1 from B");

    // --------------------------------------------------- SIGKILL of K ---
    const acked = () => people.reduce((n, p) => n + p.acked, 0);
    await until(() => acked() >= 6 * 2 + (6 * SCRIPT.length) / 2, 'half of the web chat load acknowledged');
    K.child.kill('SIGKILL');
    await K.exited;
    await person.send({ type: 'message', text: 'Note 2 for the caseworker, sent after an instance died' });
    await until(() => seenOnB.slice(liveFrom).includes('Note 2 for the caseworker'), 'the caseworker on B sees note 2 from A');
    expect(
      (await fetch(`${B.url}/console/api/handoffs/${hid}/messages`, { method: 'POST', headers: cw, body: JSON.stringify({ text: 'Reply 2 from Clara' }) }))
        .status,
    ).toBe(200);
    await until(() => pushed.some((a) => a.text?.includes('Reply 2 from Clara')), "the person's socket on A gets reply 2 from B");
    await load;
    await tgLoad;
    await until(() => pollerOf().some((i) => i !== K), 'another instance polls Telegram');
    await until(() => api!.unconfirmed === 0, 'the Telegram chat fetched');

    // ---------------------------------------------------------- checks ---
    const store = schema.store();
    try {
      const log = store.webchatLog();
      const activities = async (p: Person) => (await log.after(p.client.conversationId, 0, 100_000)).map((x) => x.activity as Activity);
      const reference = turnsOf(await activities(ref)).map((t) => t.answers.join('\n'));
      // Every acknowledged message answered once, as in the reference: waits for the adopted ones.
      const problems = async () => {
        const out: string[] = [];
        for (const p of people) {
          const turns = turnsOf(await activities(p));
          if (new Set(turns.map((t) => t.id)).size !== turns.length) out.push(`${p.name}: a message is in the log twice`);
          if (turns.length !== reference.length) out.push(`${p.name}: ${turns.length} messages in the log, ${reference.length} acknowledged`);
          for (const [k, t] of turns.entries())
            if (t.answers.join('\n') !== reference[k]) out.push(`${p.name}: message ${k} answered ${JSON.stringify(t.answers).slice(0, 100)}`);
        }
        return out;
      };
      await until(async () => (await problems()).length === 0, 'every acknowledged web chat message answered', 90_000).catch(async () => {
        expect(await problems()).toEqual([]);
      });
      expect(acked()).toBe(6 * (2 + SCRIPT.length));
      for (const ch of ['webchat', 'telegram'])
        await until(async () => (await store.inbox().pending(ch)).length === 0, `no ${ch} message left unfinished`, 60_000);
      // Telegram: the reference chat's messages, in order, none twice (one on its way at the kill may go again, reported by the server).
      const want = tgTexts(tgRef);
      await until(() => tgTexts(tgChat).length >= want.length, 'the Telegram chat answered', 60_000).catch(() => undefined);
      const inDoubt = instances.flatMap((i) => i.log).filter((l) => l.msg === 'telegram: a message in doubt is sent again').length;
      const got = tgTexts(tgChat);
      // At most `inDoubt` messages may be there twice, each right after itself.
      let allowed = inDoubt;
      const deduped = got.filter((g, k) => !(k > 0 && g === got[k - 1] && allowed-- > 0));
      expect(deduped).toEqual(want);
      expect(got.length - want.length).toBeLessThanOrEqual(inDoubt);
      // The handoff: both notes reached the caseworker once, both replies reached the person once.
      const hs = await store.handoffs();
      const msgs = await hs.messages(hid);
      expect(msgs.filter((m) => m.author === 'person' && m.kind === 'message').map((m) => m.text)).toEqual([
        'Note 1 for the caseworker about my housing letter',
        'Note 2 for the caseworker, sent after an instance died',
      ]);
      const replies = botTexts(await activities(person)).filter((t) => t.includes('from Clara'));
      expect(replies).toEqual(['Reply 1 from Clara', 'Reply 2 from Clara']);
      const adopted = instances.flatMap((i) => i.log).filter((l) => String(l.msg).startsWith('web chat: messages of an instance that stopped'));
      console.log(
        JSON.stringify({
          webchat: {
            conversations: people.length,
            acknowledged: acked(),
            retriedAfterKill: people.reduce((n, p) => n + p.retried, 0),
            adoptedFromKilled: adopted.reduce((n, l) => n + Number(l.n), 0),
          },
          telegram: { messages: got.length, expected: want.length, inDoubtResent: inDoubt },
          killed: K.name,
          poller: pollerOf()
            .filter((i) => i !== K)
            .map((i) => i.name),
        }),
      );
    } finally {
      sse.abort();
      await reading;
      ws.close();
      await store.close();
    }
  }, 300_000);
});

/** The WebSocket stream URL of a started conversation (GET /conversations/:id gives a fresh one). */
async function streamOf(client: DirectLineClient, base: string): Promise<string> {
  const r = await fetch(`${base}/v3/directline/conversations/${client.conversationId}?watermark=`, { headers: { Authorization: `Bearer ${client.token}` } });
  const j = (await r.json()) as { streamUrl: string };
  return j.streamUrl.replace('localhost', '127.0.0.1');
}
