/**
 * `npm run bench`: every benchmark in one run, printed as Markdown (paste
 * into bench/README.md) and written to bench/results.json.
 *
 * Timings are wall-clock on whatever machine runs this: bench/README.md
 * names the machine each published figure came from. Tests never assert on
 * time; this is where speed and memory are measured.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchMatching, benchNlpjs, repoRoot } from './matching.js';
import { startServerProcess } from './server.js';

const f = (x: number, d = 3) => x.toFixed(d);

async function serverMemory(): Promise<{ rssMB: number; afterWarmupMB: number }> {
  const server = await startServerProcess('memory', {});
  try {
    await fetch(`${server.url}/healthz`);
    const rssMB = server.rssMB();
    // Warm-up: a few hundred requests so that lazy parts are loaded.
    for (let i = 0; i < 300; i++) await fetch(`${server.url}/healthz`);
    return { rssMB, afterWarmupMB: server.rssMB() };
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

  const m = benchMatching();
  results.matching = m;
  out.push('## Matching (Lotse)', '', 'Latency per dev-set message with its session language (median of 5 runs per message; p50/p99 over the 596 messages); throughput: every call of a plain loop.', '', '| pack | topics | example phrasings | p50 ms | p99 ms | max ms | messages/s |', '|---|---|---|---|---|---|---|');
  out.push(`| starter | ${m.starter.topics} | ${m.starter.examples} | ${f(m.starter.p50)} | ${f(m.starter.p99)} | ${f(m.starter.max)} | ${Math.round(m.starter.perSecond)} |`);
  out.push(`| synthetic 20x | ${m.x20.topics} | ${m.x20.examples} | ${f(m.x20.p50)} | ${f(m.x20.p99)} | ${f(m.x20.max)} | ${Math.round(m.x20.perSecond)} |`);
  out.push('', `Dev set (${m.eval.n} messages): top-1 accuracy ${f(m.eval.accuracy)}; ${Object.entries(m.eval.perLang).map(([l, v]) => `${l} ${f(v.accuracy)}`).join(', ')}; precision on none ${f(m.eval.nonePrecision)}; recall on meta.distress ${f(m.eval.distressRecall)}`, '');

  const nlp = await benchNlpjs();
  results.nlpjs = nlp;
  out.push('## nlp.js (node-nlp) on the same examples and dev set', '', '| matcher | ' + Object.keys(nlp.perLang).join(' | ') + ' | overall | p50 ms | p99 ms |', '|---|' + Object.keys(nlp.perLang).map(() => '---|').join('') + '---|---|---|');
  out.push(`| Lotse | ${Object.keys(nlp.perLang).map((l) => f(m.eval.perLang[l]?.accuracy ?? 0)).join(' | ')} | ${f(m.eval.accuracy)} | ${f(m.starter.p50)} | ${f(m.starter.p99)} |`);
  out.push(`| nlp.js | ${Object.values(nlp.perLang).map((v) => f(v)).join(' | ')} | ${f(nlp.accuracy)} | ${f(nlp.p50)} | ${f(nlp.p99)} |`);
  out.push('', `nlp.js training took ${f(nlp.trainSeconds, 1)} s (${nlp.note}).`, '');

  const mem = await serverMemory();
  results.serverMemory = mem;
  out.push('## Server memory (starter pack loaded, SQLite)', '', `Resident set size after start: ${f(mem.rssMB, 1)} MB; after 300 requests: ${f(mem.afterWarmupMB, 1)} MB.`, '');

  const web = await optional<Record<string, unknown>>('webchat.ts', 'benchWebchat');
  if (web) {
    results.webchat = web;
    out.push('## Web chat (Direct Line)', '', '```json', JSON.stringify(web, null, 2), '```', '');
  }
  const tg = await optional<Record<string, unknown>>('telegram.ts', 'benchTelegram');
  if (tg) {
    results.telegram = tg;
    out.push('## Telegram (webhook)', '', '```json', JSON.stringify(tg, null, 2), '```', '');
  }

  fs.writeFileSync(path.join(repoRoot, 'bench', 'results.json'), JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(out.join('\n') + '\n');
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
