/**
 * `npm run bench -- load` (issue 17.2): speed, not queueing.
 *
 * Three servers, one after another, each in a process of its own, driven by
 * the open-loop generator bench/load-gen.ts in yet another process:
 *  - Lotse (`lotse serve` as `npm start` runs it), Direct Line: POST the
 *    message, the reply arrives on the conversation's stream socket;
 *  - express + express.json doing no work, and the same with one SQLite
 *    INSERT per message (bench/limit-server.ts): the limit of one Node
 *    process on this machine.
 *
 * Each gets messages at fixed arrival rates (100, 200, 400, 800 a second) and
 * a closed-loop run (each of 50 senders sends its next message when the
 * last was answered: the most it can do). Figures per step: messages
 * answered a second, reply latency p50/p99 from the scheduled send time,
 * and the server's CPU time per message: utime + stime of the server process
 * (what its process.cpuUsage() would say), read from /proc/<pid>/stat before
 * the step and after it once the server is quiet again, divided by the
 * messages accepted in the step (so late replies are paid for too). Then the resident memory per open conversation (1,000
 * with an open stream each) and Telegram: CPU per update and Bot API calls
 * per update against the stand-in.
 *
 * Part `cluster` (issue 17.4): the same steps against three Lotse instances
 * sharing one PostgreSQL database (a fresh one per run, dropped after) and
 * one Redis key prefix, the generator spreading every conversation over the
 * three (created on one, messages to the next, stream on the third). CPU per
 * message is summed over the three; PostgreSQL's (the backends of the run's
 * database, and the server's background processes) and Redis's own CPU come
 * from /proc too, as they run on the same cores. Afterwards the database is
 * asked what it holds: every accepted message logged and answered once.
 * Part `pg1`: one instance on PostgreSQL and Redis, to tell the store's cost
 * from the cluster's.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { TelegramStandIn } from '../test/telegram/standin.js';
import { percentile, runAlone, startServerProcess } from './server.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RATES = [100, 200, 400, 800];
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** CPU time (user + system) of a process so far, in ms. */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may contain spaces) start at ") ".
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}

/** CPU time of a process, 0 when it is gone (a pooled backend that closed between two samples). */
function cpuMsOr0(pid: number): number {
  try {
    return cpuMs(pid);
  } catch {
    return 0;
  }
}

/** Processes of /proc whose command name is `comm` and whose command line passes `test`. */
function procs(comm: string, test: (cmdline: string) => boolean = () => true): number[] {
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, 'utf8').trim() !== comm) continue;
      if (test(fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' '))) out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * CPU of a set of processes that may change during a step (PostgreSQL backends open and close
 * with the pools, autovacuum workers come and go): sampled every 500 ms; a process that appears
 * counts from zero, one that ends keeps its last sample (so at most 500 ms of it is missed).
 */
class ProcCpu {
  private base = new Map<number, number>();
  private last = new Map<number, number>();
  private timer?: NodeJS.Timeout;
  constructor(private readonly list: () => number[]) {}
  private sample(first: boolean): void {
    for (const pid of this.list()) {
      const c = cpuMsOr0(pid);
      if (!this.base.has(pid)) this.base.set(pid, first ? c : 0);
      this.last.set(pid, c);
    }
  }
  begin(): void {
    this.base.clear();
    this.last.clear();
    this.sample(true);
    this.timer = setInterval(() => this.sample(false), 500);
  }
  /** CPU ms used by the set since begin(). */
  end(): number {
    clearInterval(this.timer);
    this.sample(false);
    let ms = 0;
    for (const [pid, c] of this.last) ms += Math.max(0, c - (this.base.get(pid) ?? 0));
    return ms;
  }
}

const rssMB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

interface Gen {
  child: ChildProcess;
  ready: number;
  // biome-ignore lint/suspicious/noExplicitAny: the generator's JSON lines: figures, and `stats`'s reasons
  run(cmd: string): Promise<Record<string, any>>;
  stop(): Promise<void>;
}

/** Starts the generator process and waits until its conversations are open. */
async function startGen(mode: 'dl' | 'http', url: string, conversations: number): Promise<Gen> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench', 'load-gen.ts'), mode, url, String(conversations)], {
    stdio: ['pipe', 'pipe', 'inherit'],
    cwd: repoRoot,
  });
  const lines = readline.createInterface({ input: child.stdout! });
  const queue: ((l: string) => void)[] = [];
  lines.on('line', (l) => queue.shift()?.(l));
  const next = () =>
    new Promise<Record<string, number | null>>((resolve, reject) => {
      const exited = (code: number | null) => reject(new Error(`load generator exited with ${code}`));
      child.once('exit', exited);
      queue.push((l) => {
        child.off('exit', exited);
        resolve(JSON.parse(l) as Record<string, number | null>);
      });
    });
  const first = await next();
  return {
    child,
    ready: Number(first.ready),
    run: (cmd) => {
      const r = next();
      child.stdin!.write(`${cmd}\n`);
      return r;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      child.stdin!.write('quit\n');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

async function startLimitServer(kind: 'none' | 'insert'): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench', 'limit-server.ts'), kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: repoRoot,
  });
  const url = await new Promise<string>((resolve, reject) => {
    readline.createInterface({ input: child.stdout! }).once('line', (l) => resolve((JSON.parse(l) as { url: string }).url));
    child.once('exit', (c) => reject(new Error(`limit server exited with ${c}`)));
  });
  return {
    url,
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

interface Step {
  load: string;
  perSecond: number | null;
  p50: number | null;
  p99: number | null;
  max: number | null;
  answered: number | null;
  failed: number | null;
  cpuMsPerMessage: number;
  maxSendLagMs: number | null;
  /** Of the failed: refused by the server (the rest got no reply within 30 s). */
  refused?: number | null;
  /** CPU ms per message accepted, of the other processes measured alongside (PostgreSQL, Redis). */
  other?: Record<string, number>;
}

/** The steps every server gets: the four open-loop rates, then closed loop. CPU is summed over `pids`. */
async function steps(gen: Gen, pids: number[], seconds: number, others: Record<string, ProcCpu> = {}): Promise<Step[]> {
  const cpu = () => pids.reduce((n, p) => n + cpuMs(p), 0);
  const drain = async () => {
    // What is still queued drains before the next step, and counts for the step that left it: a
    // reply later than the step's deadline is paid for too. First every accepted message's reply (a saturated
    // step leaves a backlog of minutes; 10 min at most), then the servers' CPU falls below 10 %
    // of a core each for half a second (30 s at most).
    for (let i = 0; ; i++) {
      const t = await gen.run('stats');
      if (Number(t.answered) >= Number(t.accepted)) break;
      if (i === 1200) {
        process.stderr.write(`load: ${Number(t.accepted) - Number(t.answered)} replies still missing after 10 min\n`);
        break;
      }
      await new Promise((res) => setTimeout(res, 500));
    }
    for (let i = 0; i < 60; i++) {
      const a = cpu();
      await new Promise((res) => setTimeout(res, 500));
      if (cpu() - a < 50 * pids.length) break;
    }
  };
  // Warm-up: the JIT and the store's caches, not measured.
  await gen.run(`open 100 2`);
  await drain();
  const out: Step[] = [];
  for (const cmd of [...RATES.map((r) => `open ${r} ${seconds}`), `closed 50 ${seconds}`]) {
    for (const o of Object.values(others)) o.begin();
    const c0 = cpu();
    const r = await gen.run(cmd);
    await drain();
    const c1 = cpu();
    // Per message accepted in the step (the refused cost next to nothing; the late ones were answered meanwhile).
    const accepted = Number(r.sent ?? 0) - Number(r.refused ?? 0);
    const per = (ms: number) => (accepted > 0 ? Number((ms / accepted).toFixed(3)) : NaN);
    const other = Object.fromEntries(Object.entries(others).map(([k, o]) => [k, per(o.end())]));
    out.push({
      load: cmd.startsWith('open') ? `${cmd.split(' ')[1]}/s open` : 'closed (50)',
      perSecond: r.perSecond ?? null,
      p50: r.p50 ?? null,
      p99: r.p99 ?? null,
      max: r.max ?? null,
      answered: r.answered ?? null,
      failed: r.failed ?? null,
      cpuMsPerMessage: per(c1 - c0),
      maxSendLagMs: r.maxSendLagMs ?? null,
      refused: r.refused ?? null,
      ...(Object.keys(others).length ? { other } : {}),
    });
  }
  return out;
}

const LOTSE_ENV = {
  WEBCHAT_RATE_PER_CONVERSATION: '1000000',
  WEBCHAT_RATE_PER_ADDRESS: '1000000',
  WEBCHAT_MAX_STREAMS_PER_ADDRESS: '100000',
};

async function lotseWebchat(seconds: number, conversations: number): Promise<{ steps: Step[]; memory: Record<string, number> }> {
  const server = await startServerProcess('load', LOTSE_ENV);
  try {
    const pid = server.child.pid!;
    const gen = await startGen('dl', server.url, conversations);
    let result: Step[];
    try {
      result = await steps(gen, [pid], seconds);
    } finally {
      await gen.stop();
    }
    // Memory per open conversation: 1,000 more conversations, each with an open stream and the language chosen.
    await new Promise((r) => setTimeout(r, 3000));
    const before = rssMB(pid);
    const open = await startGen('dl', server.url, 1000);
    await new Promise((r) => setTimeout(r, 3000));
    const after = rssMB(pid);
    await open.stop();
    return {
      steps: result,
      memory: {
        rssBeforeMB: Number(before.toFixed(1)),
        rssWith1000MoreMB: Number(after.toFixed(1)),
        perOpenConversationKB: Math.round(((after - before) * 1024) / 1000),
      },
    };
  } finally {
    await server.stop();
  }
}

async function limit(kind: 'none' | 'insert', seconds: number): Promise<Step[]> {
  const s = await startLimitServer(kind);
  try {
    const gen = await startGen('http', s.url, 200);
    try {
      return await steps(gen, [s.pid], seconds);
    } finally {
      await gen.stop();
    }
  } finally {
    await s.stop();
  }
}

/** Where the cluster part finds PostgreSQL (an admin connection: the run's database is created from it) and Redis. */
const BENCH_DATABASE_URL = process.env.LOTSE_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const BENCH_REDIS_URL = process.env.LOTSE_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What the database holds after a cluster run, and what the generator counted. */
interface Ledger {
  sent: number;
  accepted: number;
  answered: number;
  refused: number;
  /** POSTs sent again after a reset of a kept-alive socket (not refused: see load-gen.ts). */
  resetRetried: number;
  /** Measured messages in the activity log (by their clientActivityID). */
  logged: number;
  /** Of those, without a bot message replying to them. */
  loggedUnanswered: number;
  /** Inbox rows of the web chat whose turn never finished. */
  inboxPending: number;
  /** What the refused POSTs were answered (or the error), with how often. */
  refusedWhy: Record<string, number>;
  /** PostgreSQL transactions (each single statement is one) and rows written in the run's database, per accepted message (the conversations' start excluded). */
  pgTransactionsPerMessage: number;
  pgRowsWrittenPerMessage: number;
}

/** Committed transactions and rows written so far in database `db` (pg_stat_database; its counters lag by up to a second). */
async function pgCounts(admin: pg.Client, db: string): Promise<{ xact: number; written: number }> {
  const r = (
    await admin.query<{ xact: string; written: string }>(
      'SELECT xact_commit + xact_rollback AS xact, tup_inserted + tup_updated + tup_deleted AS written FROM pg_stat_database WHERE datname = $1',
      [db],
    )
  ).rows[0];
  return { xact: Number(r?.xact ?? 0), written: Number(r?.written ?? 0) };
}

/**
 * `n` Lotse instances on one fresh PostgreSQL database and one Redis prefix (issue 17.4), the
 * open-loop steps spread over them, and the ledger: sent, accepted, answered, and what the
 * database holds.
 */
async function lotseCluster(n: number, seconds: number, conversations: number): Promise<{ instances: number; steps: Step[]; ledger: Ledger }> {
  const db = `lotse_bench_${process.pid}_${n}`;
  const admin = new pg.Client({ connectionString: BENCH_DATABASE_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  const dbUrl = new URL(BENCH_DATABASE_URL);
  dbUrl.pathname = `/${db}`;
  const prefix = `lotse-bench:${process.pid}:${n}:`;
  const env = {
    ...LOTSE_ENV,
    DATABASE_URL: dbUrl.toString(),
    REDIS_URL: BENCH_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    // One secret for all: a token signed by one instance is valid at the others.
    LOTSE_SECRET: randomBytes(24).toString('hex'),
  };
  const servers: Awaited<ReturnType<typeof startServerProcess>>[] = [];
  try {
    // One after another: the first creates the tables.
    for (let i = 0; i < n; i++) servers.push(await startServerProcess(`cluster-${i}`, env));
    for (const s of servers) {
      const ready = (await (await fetch(`${s.url}/readyz`)).json()) as { checks: Record<string, boolean> };
      if (!ready.checks.store || !ready.checks.redis) throw new Error(`instance ${s.url} not ready: ${JSON.stringify(ready)}`);
    }
    const others = {
      postgresBackends: new ProcCpu(() => procs('postgres', (c) => c.includes(` ${db} `))),
      // Shared with whatever else uses this server: checkpointer, writers, autovacuum.
      postgresBackground: new ProcCpu(() => procs('postgres', (c) => /: (checkpointer|background writer|walwriter|autovacuum)/.test(c))),
      // Shared with whatever else uses this Redis.
      redis: new ProcCpu(() => procs('redis-server')),
    };
    const gen = await startGen('dl', servers.map((s) => s.url).join(','), conversations);
    let result: Step[];
    let totals: Record<string, unknown>;
    await new Promise((r) => setTimeout(r, 1000));
    const pg0 = await pgCounts(admin, db);
    let pg1: { xact: number; written: number };
    try {
      result = await steps(
        gen,
        servers.map((s) => s.child.pid!),
        seconds,
        others,
      );
      // Replies later than a step's deadline still count as answered: wait until the inbox is empty (60 s at most).
      for (let i = 0; i < 120; i++) {
        if ((await pendingOf(dbUrl.toString())) === 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      await new Promise((r) => setTimeout(r, 1000));
      totals = await gen.run('stats');
      pg1 = await pgCounts(admin, db);
    } finally {
      await gen.stop();
    }
    const c = new pg.Client({ connectionString: dbUrl.toString() });
    await c.connect();
    let ledger: Ledger;
    try {
      const row = (
        await c.query<{ logged: string; unanswered: string; pending: string }>(`
          WITH u AS (SELECT activity::jsonb->>'id' AS id FROM webchat_activities WHERE client_id ~ '^m[0-9]+$'),
               b AS (SELECT DISTINCT activity::jsonb->>'replyToId' AS r FROM webchat_activities
                     WHERE activity::jsonb->'from'->>'role' = 'bot' AND activity::jsonb->>'type' = 'message' AND activity::jsonb ? 'replyToId')
          SELECT (SELECT count(*) FROM u) AS logged,
                 (SELECT count(*) FROM u WHERE NOT EXISTS (SELECT 1 FROM b WHERE b.r = u.id)) AS unanswered,
                 (SELECT count(*) FROM inbox WHERE channel = 'webchat' AND done_at IS NULL) AS pending`)
      ).rows[0]!;
      ledger = {
        sent: Number(totals.sent),
        accepted: Number(totals.accepted),
        answered: Number(totals.answered),
        refused: Number(totals.refused),
        resetRetried: Number(totals.resetRetried),
        logged: Number(row.logged),
        loggedUnanswered: Number(row.unanswered),
        inboxPending: Number(row.pending),
        refusedWhy: totals.why as Record<string, number>,
        pgTransactionsPerMessage: Number(((pg1.xact - pg0.xact) / Number(totals.accepted)).toFixed(1)),
        pgRowsWrittenPerMessage: Number(((pg1.written - pg0.written) / Number(totals.accepted)).toFixed(1)),
      };
    } finally {
      await c.end();
    }
    return { instances: n, steps: result, ledger };
  } finally {
    for (const s of servers) await s.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    const redis = new Redis(BENCH_REDIS_URL, { lazyConnect: true });
    try {
      await redis.connect();
      for (let cursor = '0'; ; ) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
        if (cursor === '0') break;
      }
    } finally {
      redis.disconnect();
    }
  }
}

/** Web chat messages whose turn has not finished, in the run's database. */
async function pendingOf(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM inbox WHERE channel = 'webchat' AND done_at IS NULL`)).rows[0]!.n);
  } finally {
    await c.end();
  }
}

const TG_STEPS: ((api: TelegramStandIn, chat: number) => Promise<{ status?: number }>)[] = [
  (api, chat) => api.text(chat, 'what documents do I need for the interview'),
  (api, chat) => api.text(chat, '/menu'),
  (api, chat) => api.press(chat, '=g:hearing'),
  (api, chat) => api.text(chat, 'can I bring my own interpreter'),
  (api, chat) => api.text(chat, 'where can I see a doctor'),
  (api, chat) => api.press(chat, '=n:menu'),
  (api, chat) => api.text(chat, 'can I cook in my room'),
  (api, chat) => api.text(chat, '/help'),
];

/** Telegram webhook: server CPU per update and Bot API calls per update (the stand-in counts them). */
async function telegram(chatsN = 16, perChat = 40, warmPerChat = 100): Promise<Record<string, unknown>> {
  const api = await new TelegramStandIn('8888:LOAD-standin').start();
  const secret = 'load-webhook-secret';
  const server = await startServerProcess('load-tg', {
    PUBLIC_URL: 'https://lotse.example.org',
    TELEGRAM_BOT_TOKEN: api.token,
    TELEGRAM_API_ROOT: api.url,
    TELEGRAM_MODE: 'webhook',
    TELEGRAM_WEBHOOK_SECRET: secret,
    TELEGRAM_MAX_MESSAGES_PER_SECOND: '1000000',
  });
  try {
    api.webhookOrigin = server.url;
    await api.until(() => api.webhook !== undefined);
    const chats = Array.from({ length: chatsN }, (_, i) => 700_000 + i);
    const ok = (r: { status?: number }) => {
      if (r.status !== 200) throw new Error(`webhook answered ${r.status}`);
    };
    await Promise.all(
      chats.map(async (chat) => {
        ok(await api.text(chat, '/start', 'en'));
        ok(await api.press(chat, '=l:en'));
      }),
    );
    const pid = server.child.pid!;
    /** One round: every chat sends `n` updates, each after the 200 of its last; CPU, calls and latency of the round. */
    const round = async (n: number) => {
      api.sent.length = 0;
      api.calls.length = 0;
      const conn0 = api.connections;
      const c0 = cpuMs(pid);
      const latencies: number[] = [];
      const t0 = performance.now();
      await Promise.all(
        chats.map(async (chat, c) => {
          for (let i = 0; i < n; i++) {
            const s = performance.now();
            ok(await TG_STEPS[(i + c) % TG_STEPS.length]!(api, chat));
            latencies.push(performance.now() - s);
          }
        }),
      );
      const seconds = (performance.now() - t0) / 1000;
      // Calls that go out after the 200 (a typing action's answer, a late edit) are counted too.
      await new Promise((r) => setTimeout(r, 500));
      const c1 = cpuMs(pid);
      latencies.sort((a, b) => a - b);
      const updates = latencies.length;
      const byMethod: Record<string, number> = {};
      for (const call of api.calls) byMethod[call.method] = (byMethod[call.method] ?? 0) + 1;
      return {
        updates,
        updatesPerSecond: Math.round(updates / seconds),
        cpuMsPerUpdate: Number(((c1 - c0) / updates).toFixed(3)),
        botApiCallsPerUpdate: Number((api.calls.length / updates).toFixed(2)),
        // The calls that were HTTP requests of their own (the rest went in the answer to a webhook request).
        botApiRequestsPerUpdate: Number((api.calls.filter((x) => !x.webhookReply).length / updates).toFixed(2)),
        botApiConnections: api.connections - conn0,
        callsByMethodPerUpdate: Object.fromEntries(Object.entries(byMethod).map(([k, v]) => [k, Number((v / updates).toFixed(2))])),
        handlingMs: { p50: Number(percentile(latencies, 50).toFixed(1)), p99: Number(percentile(latencies, 99).toFixed(1)) },
      };
    };
    // The first updates after a start pay for V8 compiling the code they run (a third of their CPU,
    // perf: the optimizing compiler's threads) and for the full collection releaseGarbageSoon runs
    // 3 s after start: reported apart ("cold"), and then the same load on a warm server, the cost
    // of an update on a server that has been running (what a bot that is not restarted every
    // minute pays, as the web chat's figures are after their warm-up).
    const cold = await round(perChat);
    // BENCH_PERF=<file>: `perf record -g` of the server during the warm round (start it with BENCH_NODE_FLAGS=--perf-prof, then `perf inject --jit`).
    const perf = process.env.BENCH_PERF
      ? spawn('perf', ['record', '-g', '-k', 'mono', '-o', process.env.BENCH_PERF, '-p', String(pid)], { stdio: 'ignore' })
      : undefined;
    const warm = await round(warmPerChat);
    if (perf) {
      perf.kill('SIGINT');
      await new Promise((r) => perf.once('exit', r));
    }
    return {
      ...warm,
      cold,
      note: `${chatsN} chats × ${warmPerChat} updates (typed questions, /menu, button presses), each chat waiting for the 200 of its last update, after ${chatsN} × ${perChat} updates right after the start ("cold")`,
    };
  } finally {
    await server.stop();
    await api.stop();
  }
}

export interface LoadBenchOptions {
  seconds?: number;
  conversations?: number;
  /** Only some parts: lotse, none, insert, telegram, cluster (three instances, PostgreSQL, Redis), pg1 (one on them). */
  parts?: string[];
}

export async function benchLoad(opts: LoadBenchOptions = {}): Promise<Record<string, unknown>> {
  const seconds = opts.seconds ?? Number(process.env.LOAD_SECONDS ?? 10);
  const conversations = opts.conversations ?? 200;
  const parts = new Set(opts.parts ?? (process.env.LOAD_PARTS ?? 'lotse,none,insert,telegram,cluster').split(','));
  const out: Record<string, unknown> = {
    seconds,
    conversations,
    loadAverageAtStart: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
  if (parts.has('none')) out.expressNoWork = await limit('none', seconds);
  if (parts.has('insert')) out.expressOneInsert = await limit('insert', seconds);
  if (parts.has('lotse')) out.lotse = await lotseWebchat(seconds, conversations);
  if (parts.has('pg1')) out.lotsePg1 = await lotseCluster(1, seconds, conversations);
  if (parts.has('cluster')) out.lotseCluster = await lotseCluster(3, seconds, conversations);
  if (parts.has('telegram')) out.telegram = await telegram(16, Number(process.env.LOAD_TG_PER_CHAT ?? 40));
  out.loadAverageAtEnd = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return out;
}

/** The load figures as Markdown tables (bench/README.md). */
export function formatLoad(r: Record<string, unknown>): string[] {
  const rows = (name: string, s: Step[] | undefined) =>
    (s ?? []).map((x) => `| ${name} | ${x.load} | ${x.perSecond} | ${x.p50} | ${x.p99} | ${x.cpuMsPerMessage} | ${x.failed} |`);
  const lotse = r.lotse as { steps: Step[]; memory: Record<string, number> } | undefined;
  type ClusterRun = { instances: number; steps: Step[]; ledger: Ledger };
  const pg1 = r.lotsePg1 as ClusterRun | undefined;
  const cluster = r.lotseCluster as ClusterRun | undefined;
  const out = [
    '## Load: open loop, latency from the scheduled send (issue 17.2)',
    '',
    `Load average at the start ${r.loadAverageAtStart}, at the end ${r.loadAverageAtEnd}; ${r.seconds} s per step, ${r.conversations} conversations.`,
    '',
    '| server | load | answered/s | p50 ms | p99 ms | CPU ms/msg | failed |',
    '|---|---|---|---|---|---|---|',
    ...rows('express, no work', r.expressNoWork as Step[] | undefined),
    ...rows('express + 1 INSERT', r.expressOneInsert as Step[] | undefined),
    ...rows('Lotse web chat', lotse?.steps),
    ...rows('Lotse, PostgreSQL + Redis', pg1?.steps),
    ...rows('Lotse ×3, PostgreSQL + Redis', cluster?.steps),
    '',
  ];
  if (lotse) out.push(`Memory: ${JSON.stringify(lotse.memory)}`, '');
  for (const [name, c] of [
    ['one instance on PostgreSQL + Redis', pg1],
    ['three instances on PostgreSQL + Redis', cluster],
  ] as const) {
    if (!c) continue;
    const o = (x: Step, k: string) => x.other?.[k] ?? NaN;
    out.push(
      `CPU ms per accepted message, ${name} (Lotse summed over the instances; PostgreSQL background and Redis are shared with whatever else uses them):`,
      '',
      '| load | Lotse | PostgreSQL backends | PostgreSQL background | Redis | all | refused | no reply in 30 s |',
      '|---|---|---|---|---|---|---|---|',
      ...c.steps.map((x) => {
        const all = x.cpuMsPerMessage + o(x, 'postgresBackends') + o(x, 'postgresBackground') + o(x, 'redis');
        const late = (x.failed ?? 0) - (x.refused ?? 0);
        return `| ${x.load} | ${x.cpuMsPerMessage} | ${o(x, 'postgresBackends')} | ${o(x, 'postgresBackground')} | ${o(x, 'redis')} | ${all.toFixed(3)} | ${x.refused} | ${late} |`;
      }),
      '',
      `Ledger (warm-up and every step): ${c.ledger.sent} sent, ${c.ledger.accepted} accepted, ${c.ledger.refused} refused (${c.ledger.resetRetried} more sent again after a keep-alive reset), ${c.ledger.answered} answered on the stream (late ones too); in the database ${c.ledger.logged} logged, ${c.ledger.loggedUnanswered} of them without a reply, ${c.ledger.inboxPending} turns unfinished. PostgreSQL per accepted message: ${c.ledger.pgTransactionsPerMessage} transactions, ${c.ledger.pgRowsWrittenPerMessage} rows written.${c.ledger.refused ? ` Refused: ${JSON.stringify(c.ledger.refusedWhy)}.` : ''}`,
      '',
    );
  }
  if (r.telegram) out.push('Telegram:', '', '```json', JSON.stringify(r.telegram, null, 2), '```', '');
  return out;
}

// `node --import tsx bench/load.ts` runs it alone.
runAlone(import.meta.url, benchLoad);
