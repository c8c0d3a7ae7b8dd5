/**
 * The crash scenario (issue 13.2 and 13.9), shared by test/runtime/crash.test.ts and the
 * benchmark (bench/crash.ts): the real server in a child process (`lotse serve`, as in
 * production), web chat conversations over Direct Line HTTP and Telegram chats against the Bot
 * API stand-in (long polling), some of each in an open handoff, all talking at once. Half-way
 * through the load the server gets SIGKILL, is started again on the same SQLite file, and the
 * people carry on (a web chat message whose POST got no answer is sent again with the same
 * clientActivityID, as Web Chat's retry does; Telegram sends again what was not confirmed).
 *
 * What it checks, afterwards, with the server stopped and its file opened through the Store
 * interface:
 *  - nothing is left unfinished in the inbox;
 *  - every web chat conversation without a handoff shows exactly the bot messages that the same
 *    script produced in a reference conversation before the crash (so each acknowledged message
 *    was answered, in order, and no reply is there twice), and each acknowledged message is in the
 *    log once;
 *  - every Telegram chat without a handoff received exactly the reference chat's messages, except
 *    that a message the server reported in doubt (on its way at the kill) may be there twice;
 *  - every message written in an open handoff reached the caseworker's side once, in order.
 * Problems are returned as sentences, figures as numbers; the caller asserts or prints.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pseudonym } from '../../src/channels/telegram/ids.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { parseTelegramHtml, TelegramStandIn } from '../telegram/standin.js';
import { type Activity, DirectLineClient } from '../webchat/dl-client.js';
import { repoRoot } from './content.js';

const SECRET = 'crash-test-secret-crash-test-secret-0123';

/** What a person without a handoff types, after choosing English. */
const SCRIPT = [
  'what documents do I need for the interview',
  '/menu',
  '1',
  'can I bring my own interpreter',
  'where can I see a doctor',
  '/help',
  'can I cook in my room',
  'when is my interview',
  'I need a lawyer',
  'what happens after the interview',
  'how do I tell my story',
  '/menu',
];

export interface CrashOptions {
  webConversations?: number;
  telegramChats?: number;
  /** Messages each person sends in the load (after the set-up). */
  messages?: number;
  /** Every n-th conversation and chat is in an open handoff. */
  handoffEvery?: number;
}

export interface CrashReport {
  figures: {
    webchat: { conversations: number; inHandoff: number; acknowledged: number; acknowledgedBeforeKill: number; retriedAfterKill: number };
    telegram: { chats: number; inHandoff: number; updates: number; unconfirmedAtKill: number; inDoubtResent: number };
    /** Messages stored but not finished when the server was killed, finished at the next start (the server's own log). */
    recoveredAtStart: { webchat: number; telegram: number };
    acknowledged: number;
    processed: number;
    duplicated: number;
    lost: number;
  };
  problems: string[];
}

interface Server {
  child: ChildProcess;
  url: string;
  log: Record<string, unknown>[];
  exited: Promise<void>;
}

function startServer(dataDir: string, api: TelegramStandIn): Promise<Server> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'src/cli/lotse.mjs'), 'serve'], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: repoRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'info',
      LOTSE_SECRET: SECRET,
      TELEGRAM_BOT_TOKEN: api.token,
      TELEGRAM_API_ROOT: api.url,
      TELEGRAM_MODE: 'polling',
      TELEGRAM_MAX_MESSAGES_PER_SECOND: '1000000',
      // The reference run's turns are told apart by the typing action that starts each.
      TYPING_AFTER_MS: '0',
      WEBCHAT_RATE_PER_CONVERSATION: '1000000',
      WEBCHAT_RATE_PER_ADDRESS: '1000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: Record<string, unknown>[] = [];
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return new Promise<Server>((resolve, reject) => {
    let buf = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()).slice(-4000));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        nl = buf.indexOf('\n');
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          log.push(entry);
          if (entry.msg === 'lotse started') resolve({ child, url: String(entry.url).replace('localhost', '127.0.0.1'), log, exited });
        } catch {
          // not a log line
        }
      }
    });
    void exited.then(() => reject(new Error(`the server exited before it started: ${err}`)));
  });
}

/** Resolves once `pred` holds (a deadline only to fail a hung run, never a timed assertion). */
async function until(pred: () => boolean | Promise<boolean>, what: string, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** One web chat person: posts with a clientActivityID, and on a failed POST (the server died) waits for the next server and posts the same again. */
class WebPerson {
  readonly client: DirectLineClient;
  acked = 0;
  retried = 0;
  private n = 0;
  constructor(
    private readonly server: () => Promise<string>,
    readonly name: string,
  ) {
    this.client = new DirectLineClient('http://127.0.0.1:1');
  }
  private async at(): Promise<void> {
    (this.client as { base: string }).base = await this.server();
  }
  async start(): Promise<void> {
    await this.at();
    await this.client.start();
  }
  async send(activity: Record<string, unknown>): Promise<void> {
    const clientActivityID = `${this.name}-${this.n++}`;
    for (let attempt = 0; ; attempt++) {
      await this.at();
      try {
        const r = await this.client.post({ ...activity, channelData: { clientActivityID } });
        if (r.status !== 200) throw new Error(`POST answered ${r.status}: ${JSON.stringify(r.json)}`);
        this.acked++;
        if (attempt) this.retried++;
        return;
      } catch (err) {
        // The server is gone (connection refused or reset): the next one gets the same message again.
        if (attempt > 200) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }
}

const bot = (acts: Activity[]) =>
  acts.filter((a) => a.type === 'message' && a.from?.role === 'bot').map((a) => a.text ?? JSON.stringify(a.attachments?.map((x) => x.contentType) ?? []));
const tgTexts = (api: TelegramStandIn, chat: number) => api.messages(chat).map((m) => (m.parse_mode === 'HTML' ? parseTelegramHtml(m.text) : m.text));
const relayText = (who: string, i: number) => `Note ${i} from ${who} for the caseworker about my housing letter`;

/** Stops a server gracefully (SIGTERM: the turns under way finish) and waits for its exit. */
async function stopGracefully(s: Server): Promise<void> {
  s.child.kill('SIGTERM');
  await s.exited;
}

/** Runs the scenario once; see the file comment. */
export async function crashScenario(opts: CrashOptions = {}): Promise<CrashReport> {
  const nWeb = opts.webConversations ?? 8;
  const nTg = opts.telegramChats ?? 6;
  const messages = Math.min(opts.messages ?? 10, SCRIPT.length);
  const every = opts.handoffEvery ?? 3;
  const problems: string[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-crash-'));
  const api = await new TelegramStandIn('7373:CRASH-standin').start();
  let server = await startServer(dataDir, api);
  let current: Promise<string> = Promise.resolve(server.url);
  const serverUrl = () => current;
  try {
    // --------------------------------------------- set-up and references ---
    const webRef = new WebPerson(serverUrl, 'ref');
    const web = Array.from({ length: nWeb }, (_, i) => new WebPerson(serverUrl, `w${i}`));
    const webHandoff = (i: number) => i % every === 0;
    const tgRef = 880_000;
    const chats = Array.from({ length: nTg }, (_, i) => 880_001 + i);
    const tgHandoff = (i: number) => i % every === 0;
    await Promise.all(
      [webRef, ...web].map(async (p, i) => {
        await p.start();
        await p.send({ type: 'event', name: 'webchat/join', value: { lang: 'en' } });
        await p.send({ type: 'message', text: 'English' });
        if (i > 0 && webHandoff(i - 1)) await p.send({ type: 'message', text: '/human' });
      }),
    );
    for (const [i, chat] of [tgRef, ...chats].entries()) {
      await api.text(chat, '/start', 'en');
      await api.text(chat, 'English', 'en');
      if (i > 0 && tgHandoff(i - 1)) await api.text(chat, '/human', 'en');
    }
    // The reference runs: the same scripts, no crash.
    for (let m = 0; m < messages; m++) await webRef.send({ type: 'message', text: SCRIPT[m]! });
    for (let m = 0; m < messages; m++) await api.text(tgRef, SCRIPT[m]!, 'en');
    await until(() => api.unconfirmed === 0, 'telegram set-up fetched');
    // A graceful restart: everything under way finishes, so the references are complete.
    await stopGracefully(server);
    server = await startServer(dataDir, api);
    current = Promise.resolve(server.url);
    const tgReference = tgTexts(api, tgRef);
    const setupAcks = web.reduce((n, p) => n + p.acked, 0);

    // -------------------------------------------------------------- load ---
    const totalWeb = nWeb * messages;
    const ackedNow = () => web.reduce((n, p) => n + p.acked, 0) - setupAcks;
    const webLoad = Promise.all(
      web.map(async (p, i) => {
        for (let m = 0; m < messages; m++) await p.send({ type: 'message', text: webHandoff(i) ? relayText(p.name, m) : SCRIPT[m]! });
      }),
    );
    // Telegram: every chat's messages in one burst, as the issue measured it.
    for (let m = 0; m < messages; m++) for (const [i, chat] of chats.entries()) void api.text(chat, tgHandoff(i) ? relayText(`t${chat}`, m) : SCRIPT[m]!, 'en');

    // ------------------------------------------------------ kill, restart ---
    await until(() => ackedNow() >= totalWeb / 2, 'half of the web chat load acknowledged');
    let restarted!: (url: string) => void;
    current = new Promise<string>((r) => (restarted = r));
    server.child.kill('SIGKILL');
    await server.exited;
    const acknowledgedBeforeKill = ackedNow();
    const unconfirmedAtKill = api.unconfirmed;
    server = await startServer(dataDir, api);
    restarted(server.url);
    await webLoad;
    await until(() => api.unconfirmed === 0, 'telegram load fetched');
    const recoveredAtStart = {
      webchat: Number(server.log.find((l) => String(l.msg).startsWith('web chat: unfinished messages'))?.n ?? 0),
      telegram: Number(server.log.find((l) => String(l.msg).startsWith('telegram: unfinished updates'))?.n ?? 0),
    };
    // Graceful stop: the turns under way finish; then the file is read.
    await stopGracefully(server);
    const inDoubt = server.log.filter((l) => l.msg === 'telegram: a message in doubt is sent again').length;

    // ------------------------------------------------------------ checks ---
    const store = new SqliteStore(path.join(dataDir, 'lotse.sqlite'));
    let processed = 0;
    let duplicated = 0;
    let lost = 0;
    try {
      for (const ch of ['webchat', 'telegram']) {
        const left = await store.inbox().pending(ch);
        if (left.length) problems.push(`${left.length} ${ch} messages left unfinished in the inbox`);
      }
      const log = store.webchatLog();
      const activities = async (p: WebPerson) => (await log.after(p.client.conversationId, 0, 100_000)).map((x) => x.activity as Activity);
      /** Each of the person's messages with the bot's answers to it (by replyToId), in order. */
      const turns = (acts: Activity[]) =>
        acts
          .filter((a) => a.from?.role === 'user')
          .map((u) => ({ id: u.channelData?.clientActivityID as string, answers: bot(acts.filter((a) => a.replyToId === u.id)) }));
      const webReference = turns(await activities(webRef)).map((t) => t.answers);
      const hs = await store.handoffs();
      const relay = async (who: string, ref: { channel: string; conversationId: string }) => {
        const h = await hs.openFor(ref);
        if (!h) return void problems.push(`${who}: no open handoff`);
        const got = (await hs.messages(h.id)).filter((m) => m.author === 'person' && m.kind === 'message').map((m) => m.text);
        for (let m = 0; m < messages; m++) {
          const n = got.filter((g) => g === relayText(who, m)).length;
          if (n === 0) lost++;
          else processed++;
          duplicated += Math.max(0, n - 1);
          if (n !== 1) problems.push(`${who}: message ${m} reached the caseworker ${n} times`);
        }
        const want = Array.from({ length: messages }, (_, m) => relayText(who, m));
        if (got.join('\n') !== want.join('\n')) problems.push(`${who}: the caseworker's side is not exactly the messages in order`);
      };
      for (const [i, p] of web.entries()) {
        const acts = await activities(p);
        const mine = turns(acts);
        if (new Set(mine.map((t) => t.id)).size !== mine.length) problems.push(`${p.name}: a message of the person is in the log twice`);
        if (webHandoff(i)) {
          await relay(p.name, { channel: 'webchat', conversationId: p.client.conversationId });
          continue;
        }
        if (mine.length !== webReference.length) problems.push(`${p.name}: ${mine.length} messages in the log, ${webReference.length} expected`);
        for (const [k, t] of mine.entries()) {
          const want = webReference[k] ?? [];
          const got = t.answers.join('\n');
          if (k < 2) continue; // the set-up, before the load
          if (got === want.join('\n')) processed++;
          else if (!t.answers.length) {
            lost++;
            problems.push(`${p.name}: message ${k} (${t.id}) acknowledged, never answered`);
          } else if (got === [...want, ...want].join('\n') || (t.answers.length > want.length && got.startsWith(want.join('\n')))) {
            processed++;
            duplicated++;
            problems.push(`${p.name}: message ${k} (${t.id}) answered twice`);
          } else problems.push(`${p.name}: message ${k} (${t.id}) answered differently from the reference: ${JSON.stringify(got.slice(0, 120))}`);
        }
      }
      // Telegram: the reference's turns, from the typing action that starts each.
      const groups: number[] = [];
      for (const c of api.calls)
        if (c.payload.chat_id === tgRef || c.payload.chat_id === String(tgRef)) {
          if (c.method === 'sendChatAction') groups.push(0);
          else if ((c.method === 'sendMessage' || c.method === 'sendAudio') && c.status === 200 && groups.length) groups[groups.length - 1]!++;
        }
      const scriptGroups = groups.slice(2);
      for (const [i, chat] of chats.entries()) {
        if (tgHandoff(i)) {
          await relay(`t${chat}`, { channel: 'telegram', conversationId: pseudonym(Buffer.from(SECRET, 'utf8'), chat) });
          continue;
        }
        const diff = compareAnswers(tgTexts(api, chat), tgReference, inDoubt);
        // Whole turns matched: the reference's messages up to there, turn by turn.
        let matched = diff.matched - groups.slice(0, 2).reduce((a, b) => a + b, 0);
        let turnsDone = 0;
        for (const g of scriptGroups) {
          if (matched < g) break;
          matched -= g;
          turnsDone++;
        }
        processed += turnsDone;
        lost += messages - turnsDone;
        duplicated += diff.duplicated;
        if (diff.problem) problems.push(`telegram chat ${chat}: ${diff.problem}`);
      }
    } finally {
      await store.close();
    }
    const acknowledgedWeb = ackedNow();
    return {
      figures: {
        webchat: {
          conversations: nWeb,
          inHandoff: web.filter((_, i) => webHandoff(i)).length,
          acknowledged: acknowledgedWeb,
          acknowledgedBeforeKill,
          retriedAfterKill: web.reduce((n, p) => n + p.retried, 0),
        },
        telegram: { chats: nTg, inHandoff: chats.filter((_, i) => tgHandoff(i)).length, updates: nTg * messages, unconfirmedAtKill, inDoubtResent: inDoubt },
        recoveredAtStart,
        acknowledged: acknowledgedWeb + nTg * messages,
        processed,
        duplicated,
        lost,
      },
      problems,
    };
  } finally {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await api.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Compares the messages a Telegram chat got with the reference chat's. Equal: everything answered
 * once, in order. `allowedDoubles`: messages the server reported in doubt may appear twice in a
 * row (a duplicate is the same text again right after itself). `matched`: reference messages found.
 */
function compareAnswers(got: string[], want: string[], allowedDoubles: number): { matched: number; duplicated: number; problem?: string } {
  let i = 0;
  let doubles = 0;
  for (const [k, g] of got.entries()) {
    if (i < want.length && g === want[i]) i++;
    else if (k > 0 && g === got[k - 1]) doubles++;
    else
      return {
        matched: i,
        duplicated: doubles,
        problem: `message ${k + 1} is not the expected one: ${JSON.stringify(g.slice(0, 80))}, expected ${JSON.stringify(want[i]?.slice(0, 80))}`,
      };
  }
  if (i < want.length) return { matched: i, duplicated: doubles, problem: `${want.length - i} of ${want.length} expected messages missing` };
  if (doubles > allowedDoubles)
    return { matched: i, duplicated: doubles, problem: `${doubles} messages twice (the server reported ${allowedDoubles} in doubt)` };
  return { matched: i, duplicated: doubles };
}
