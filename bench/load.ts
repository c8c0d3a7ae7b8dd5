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
 * and after the step. Then the resident memory per open conversation (1,000
 * with an open stream each) and Telegram: CPU per update and Bot API calls
 * per update against the stand-in.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
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

const rssMB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

interface Gen {
  child: ChildProcess;
  ready: number;
  run(cmd: string): Promise<Record<string, number | null>>;
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
      queue.push((l) => resolve(JSON.parse(l) as Record<string, number | null>));
      child.once('exit', (code) => reject(new Error(`load generator exited with ${code}`)));
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
}

/** The steps every server gets: the four open-loop rates, then closed loop. */
async function steps(gen: Gen, pid: number, seconds: number): Promise<Step[]> {
  // Warm-up: the JIT and the store's caches, not measured.
  await gen.run(`open 100 2`);
  const out: Step[] = [];
  for (const cmd of [...RATES.map((r) => `open ${r} ${seconds}`), `closed 50 ${seconds}`]) {
    const c0 = cpuMs(pid);
    const r = await gen.run(cmd);
    const c1 = cpuMs(pid);
    out.push({
      load: cmd.startsWith('open') ? `${cmd.split(' ')[1]}/s open` : 'closed (50)',
      perSecond: r.perSecond ?? null,
      p50: r.p50 ?? null,
      p99: r.p99 ?? null,
      max: r.max ?? null,
      answered: r.answered ?? null,
      failed: r.failed ?? null,
      cpuMsPerMessage: r.answered ? Number(((c1 - c0) / r.answered).toFixed(3)) : NaN,
      maxSendLagMs: r.maxSendLagMs ?? null,
    });
    // What is still queued from the last step drains before the next (the server's CPU falls
    // below 10 % for half a second; 30 s at most).
    for (let i = 0; i < 60; i++) {
      const a = cpuMs(pid);
      await new Promise((res) => setTimeout(res, 500));
      if (cpuMs(pid) - a < 50) break;
    }
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
      result = await steps(gen, pid, seconds);
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
      return await steps(gen, s.pid, seconds);
    } finally {
      await gen.stop();
    }
  } finally {
    await s.stop();
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
async function telegram(chatsN = 16, perChat = 40): Promise<Record<string, unknown>> {
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
    api.sent.length = 0;
    api.calls.length = 0;
    const conn0 = api.connections;
    const pid = server.child.pid!;
    // BENCH_PERF=<file>: `perf record -g` of the server during the measured part (start it with BENCH_NODE_FLAGS=--perf-prof, then `perf inject --jit`).
    const perf = process.env.BENCH_PERF
      ? spawn('perf', ['record', '-g', '-k', 'mono', '-o', process.env.BENCH_PERF, '-p', String(pid)], { stdio: 'ignore' })
      : undefined;
    const c0 = cpuMs(pid);
    const latencies: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      chats.map(async (chat, c) => {
        for (let i = 0; i < perChat; i++) {
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
    if (perf) {
      perf.kill('SIGINT');
      await new Promise((r) => perf.once('exit', r));
    }
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
      note: `${chatsN} chats × ${perChat} updates (typed questions, /menu, button presses), each chat waiting for the 200 of its last update`,
    };
  } finally {
    await server.stop();
    await api.stop();
  }
}

export interface LoadBenchOptions {
  seconds?: number;
  conversations?: number;
  /** Only some parts: lotse, none, insert, telegram. */
  parts?: string[];
}

export async function benchLoad(opts: LoadBenchOptions = {}): Promise<Record<string, unknown>> {
  const seconds = opts.seconds ?? Number(process.env.LOAD_SECONDS ?? 10);
  const conversations = opts.conversations ?? 200;
  const parts = new Set(opts.parts ?? (process.env.LOAD_PARTS ?? 'lotse,none,insert,telegram').split(','));
  const out: Record<string, unknown> = {
    seconds,
    conversations,
    loadAverageAtStart: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
  };
  if (parts.has('none')) out.expressNoWork = await limit('none', seconds);
  if (parts.has('insert')) out.expressOneInsert = await limit('insert', seconds);
  if (parts.has('lotse')) out.lotse = await lotseWebchat(seconds, conversations);
  if (parts.has('telegram')) out.telegram = await telegram(16, Number(process.env.LOAD_TG_PER_CHAT ?? 40));
  out.loadAverageAtEnd = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  return out;
}

/** The load figures as Markdown tables (bench/README.md). */
export function formatLoad(r: Record<string, unknown>): string[] {
  const rows = (name: string, s: Step[] | undefined) =>
    (s ?? []).map((x) => `| ${name} | ${x.load} | ${x.perSecond} | ${x.p50} | ${x.p99} | ${x.cpuMsPerMessage} | ${x.failed} |`);
  const lotse = r.lotse as { steps: Step[]; memory: Record<string, number> } | undefined;
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
    '',
  ];
  if (lotse) out.push(`Memory: ${JSON.stringify(lotse.memory)}`, '');
  if (r.telegram) out.push('Telegram:', '', '```json', JSON.stringify(r.telegram, null, 2), '```', '');
  return out;
}

// `node --import tsx bench/load.ts` runs it alone.
runAlone(import.meta.url, benchLoad);
