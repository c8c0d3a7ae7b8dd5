/**
 * `npm run bench`: every benchmark in one run, printed as Markdown (paste
 * into bench/README.md) and written to bench/results.json.
 *
 * `npm run bench -- crash webchat` runs only the named parts (matching,
 * understanding, memory, webchat, telegram, crash, load). `load` (issue
 * 17.2, bench/load.ts) is not part of a full run: it takes several minutes
 * and wants the machine to itself; name it.
 *
 * Timings are wall-clock on whatever machine runs this: bench/README.md
 * names the machine each published figure came from. Tests never assert on
 * time; this is where speed and memory are measured.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchMatching, repoRoot } from './matching.js';
import { benchUnderstanding, formatUnderstanding } from './understanding.js';
import { benchLoad, formatLoad } from './load.js';
import { startServerProcess } from './server.js';

const f = (x: number, d = 3) => x.toFixed(d);

async function serverMemory(): Promise<{ rssMB: number; afterWarmupMB: number; settledMB: number; peakMB: number }> {
  const server = await startServerProcess('memory', {});
  try {
    await fetch(`${server.url}/healthz`);
    const rssMB = server.rssMB();
    let peakMB = rssMB;
    // Warm-up: a few hundred requests so that lazy parts are loaded (the web chat page and bundle too).
    for (let i = 0; i < 300; i++) {
      await fetch(`${server.url}/${i % 3 === 0 ? '' : 'healthz'}`);
      peakMB = Math.max(peakMB, server.rssMB());
    }
    const afterWarmupMB = server.rssMB();
    // Then 15 s without traffic: what the server holds once start-up garbage is returned.
    for (let i = 0; i < 15; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      peakMB = Math.max(peakMB, server.rssMB());
    }
    return { rssMB, afterWarmupMB, settledMB: server.rssMB(), peakMB };
  } finally {
    await server.stop();
  }
}

async function optional<T>(file: string, fn: string): Promise<T | undefined> {
  const full = path.join(repoRoot, 'bench', file);
  if (!fs.existsSync(full)) return undefined;
  const mod = (await import(full)) as Record<string, () => Promise<T>>;
  return mod[fn]?.();
}

async function main(): Promise<void> {
  const machine = `${os.cpus()[0]?.model ?? 'unknown CPU'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  const out: string[] = [`Machine: ${machine}`, ''];
  const results: Record<string, unknown> = { machine, at: new Date().toISOString() };
  const only = new Set(process.argv.slice(2));
  const want = (part: string) => !only.size || only.has(part);

  if (want('matching')) {
    const m = benchMatching();
    results.matching = m;
    out.push(
      '## Matching latency (Lotse)',
      '',
      `Per message of the own held-out set, no language hint (median of 5 runs per message; p50/p99 over the ${m.messages} messages); throughput: every call of a plain loop. The 20x pack's models train in ${f(m.x20.trainMs / 1000, 1)} s.`,
      '',
      '| pack | topics | example phrasings | p50 ms | p99 ms | max ms | messages/s |',
      '|---|---|---|---|---|---|---|',
    );
    out.push(
      `| starter | ${m.starter.topics} | ${m.starter.examples} | ${f(m.starter.p50)} | ${f(m.starter.p99)} | ${f(m.starter.max)} | ${Math.round(m.starter.perSecond)} |`,
    );
    out.push(
      `| synthetic 20x | ${m.x20.topics} | ${m.x20.examples} | ${f(m.x20.p50)} | ${f(m.x20.p99)} | ${f(m.x20.max)} | ${Math.round(m.x20.perSecond)} |`,
      '',
    );
  }

  if (want('understanding')) {
    const u = await benchUnderstanding();
    results.understanding = u;
    out.push(...formatUnderstanding(u));
  }

  if (want('memory')) {
    const mem = await serverMemory();
    results.serverMemory = mem;
    out.push(
      '## Server memory (starter pack loaded, SQLite)',
      '',
      `Resident set size right after start: ${f(mem.rssMB, 1)} MB (the highest seen: ${f(mem.peakMB, 1)} MB); after 300 requests: ${f(mem.afterWarmupMB, 1)} MB; settled, 15 s later: **${f(mem.settledMB, 1)} MB**. The difference is start-up garbage (parsed YAML, the model cache file) that V8 returns to the system after a few idle seconds.`,
      '',
    );
  }

  const web = want('webchat') ? await optional<Record<string, unknown>>('webchat.ts', 'benchWebchat') : undefined;
  if (web) {
    results.webchat = web;
    out.push('## Web chat (Direct Line)', '', '```json', JSON.stringify(web, null, 2), '```', '');
  }
  const tg = want('telegram') ? await optional<Record<string, unknown>>('telegram.ts', 'benchTelegram') : undefined;
  if (tg) {
    results.telegram = tg;
    out.push('## Telegram (webhook)', '', '```json', JSON.stringify(tg, null, 2), '```', '');
  }
  const crash = want('crash') ? await optional<Record<string, unknown>>('crash.ts', 'benchCrash') : undefined;
  if (crash) {
    results.crash = crash;
    out.push('## Crash under load (SIGKILL, restart on the same file)', '', '```json', JSON.stringify(crash, null, 2), '```', '');
  }

  if (only.has('load')) {
    const load = await benchLoad();
    results.load = load;
    out.push(...formatLoad(load));
  }

  // A partial run does not overwrite the full run's file.
  fs.writeFileSync(
    path.join(repoRoot, 'bench', only.size ? `results-${[...only].sort().join('-')}.json` : 'results.json'),
    JSON.stringify(results, null, 2) + '\n',
  );
  process.stdout.write(out.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
