/**
 * Two servers on one SQLite file (issue 17.1): both started at the same moment on an empty data
 * directory (the migrations meet), then web chat conversations posting to either one at random
 * under concurrent load. Before BEGIN IMMEDIATE, a write that first read (the log's next sequence
 * number, the inbox's duplicate check, kvPutIfAbsent) met the other process's commit and SQLite
 * refused it with "database is locked", which busy_timeout does not retry: a 500. Now every
 * request is answered as with one server: no 5xx, every message answered once, in order.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/content.js';
import { type Activity, DirectLineClient } from '../webchat/dl-client.js';

const SECRET = 'two-instances-secret-two-instances-0123';
const CONVERSATIONS = 16;
const MESSAGES = 6;
const TEXTS = ['what documents do I need for the interview', '/menu', 'where can I see a doctor', 'can I cook in my room', '/help', 'I need a lawyer'];

interface Server {
  child: ChildProcess;
  url: string;
}

function start(dataDir: string): Promise<Server> {
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
      TELEGRAM_BOT_TOKEN: '',
      WEBCHAT_RATE_PER_CONVERSATION: '1000000',
      WEBCHAT_RATE_PER_ADDRESS: '1000000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"msg":"lotse started"[^\n]*"url":"([^"]+)"/.exec(buf);
      if (m) resolve({ child, url: m[1]!.replace('localhost', '127.0.0.1') });
      if (buf.length > 100_000) buf = buf.slice(-10_000);
    });
    child.once('exit', (code) => reject(new Error(`the server exited (${code}) before it started: ${err}`)));
  });
}

let dataDir = '';
let servers: Server[] = [];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-two-'));
  // At the same moment, on an empty directory: both create and migrate the one file.
  servers = await Promise.all([start(dataDir), start(dataDir)]);
}, 180_000);

afterAll(async () => {
  for (const s of servers) {
    if (s.child.exitCode === null) {
      s.child.kill('SIGTERM');
      await new Promise((r) => s.child.once('exit', r));
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('two servers on one SQLite file', () => {
  it('answer concurrent web chat load on either one without a 5xx, every message once and in order', async () => {
    const statuses: number[] = [];
    const pick = (i: number) => servers[(i * 7 + 3) % 2]!.url;
    const conversation = async (c: number) => {
      // Created on one server, then every post to whichever the "load balancer" picks.
      const client = new DirectLineClient(pick(c));
      await client.start();
      const all: Activity[] = [];
      const ask = async (n: number, activity: Record<string, unknown>) => {
        (client as { base: string }).base = pick(c + n);
        const r = await client.post({ ...activity, channelData: { clientActivityID: `c${c}-${n}` } });
        statuses.push(r.status);
        if (r.status !== 200) throw new Error(`post ${r.status}: ${JSON.stringify(r.json)}`);
        await client.pollUntil((acts) => acts.some((a) => a.from?.role === 'bot' && a.replyToId === r.json.id), all, 60_000);
      };
      await ask(0, { type: 'event', name: 'webchat/join', value: { lang: 'en' } });
      await ask(1, { type: 'message', text: 'English' });
      for (let m = 0; m < MESSAGES; m++) await ask(2 + m, { type: 'message', text: TEXTS[m % TEXTS.length]! });
      return all;
    };
    const logs = await Promise.all(Array.from({ length: CONVERSATIONS }, (_, c) => conversation(c)));

    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses).toHaveLength(CONVERSATIONS * (MESSAGES + 2));
    for (const log of logs) {
      // Each message of the person is in the log once, in the order sent, each answered.
      const mine = log.filter((a) => a.from?.role === 'user');
      expect(mine.map((a) => a.channelData?.clientActivityID)).toEqual(
        mine.map((_, i) => mine[0]!.channelData!.clientActivityID!.toString().replace(/-\d+$/, `-${i}`)),
      );
      for (const a of mine) expect(log.some((b) => b.from?.role === 'bot' && b.replyToId === a.id)).toBe(true);
      // No activity twice, sequence numbers strictly rising.
      const seqs = log.map((a) => Number(String(a.id).split('|')[1]));
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      expect(new Set(seqs).size).toBe(seqs.length);
    }
  }, 300_000);
});
