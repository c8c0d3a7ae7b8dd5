/**
 * Where the memory of an open web chat conversation goes (issue 17.2: "64 KB per open
 * conversation: find why"). The server runs in this process (so that a full garbage collection
 * can be forced before each reading: `node --expose-gc --import tsx bench/conversation-memory.ts`);
 * the conversations come from the load generator in a process of its own (bench/load-gen.ts),
 * each with its stream socket open and the language chosen (two turns behind it).
 *
 * Readings, per conversation: the resident set size without and with a collection first, and
 * after it the JS heap, the memory outside it (Buffers, SQLite's page cache is not in it) and
 * RSS; then the same after the clients closed their sockets.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { loadConfig } from '../src/config/config.js';
import { startServer } from '../src/server/main.js';
import { repoRoot } from './matching.js';

const N = Number(process.env.CONVERSATIONS ?? 1000);

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run with node --expose-gc');
  g();
  g();
}

const mb = (b: number) => Number((b / 2 ** 20).toFixed(1));

function reading() {
  const raw = process.memoryUsage().rss;
  gc();
  const m = process.memoryUsage();
  return { rssBeforeGc: raw, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-convmem-'));
  const running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: repoRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      TELEGRAM_BOT_TOKEN: '',
      WEBCHAT_RATE_PER_CONVERSATION: '1000000',
      WEBCHAT_RATE_PER_ADDRESS: '1000000',
      WEBCHAT_MAX_STREAMS_PER_ADDRESS: '100000',
    }),
  });
  try {
    await new Promise((r) => setTimeout(r, 4000));
    const before = reading();
    const gen = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'bench', 'load-gen.ts'), 'dl', running.url, String(N)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = readline.createInterface({ input: gen.stdout! });
    await new Promise<void>((r) => lines.once('line', () => r()));
    // The generator's keep-alive HTTP connections close after the server's keep-alive timeout (5 s).
    await new Promise((r) => setTimeout(r, 6000));
    const open = reading();
    gen.stdin!.write('quit\n');
    await new Promise((r) => gen.once('exit', r));
    await new Promise((r) => setTimeout(r, 3000));
    const closed = reading();
    const per = (a: ReturnType<typeof reading>, b: ReturnType<typeof reading>) =>
      Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Math.round((v - a[k as keyof typeof a]) / N / 1024)]));
    const out = {
      conversations: N,
      mbBefore: Object.fromEntries(Object.entries(before).map(([k, v]) => [k, mb(v)])),
      kbPerConversationOpen: per(before, open),
      kbPerConversationAfterClose: per(before, closed),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    await running.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
