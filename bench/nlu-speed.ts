/**
 * NLU CPU per message, as the engine asks: command, languageByName, unserved
 * and match, on the own held-out sets 1-4 and the dev set (when it is there),
 * after one warm-up round (steady state, as a server under load).
 *
 *   node --import tsx bench/nlu-speed.ts [ROUNDS]
 *   LOTSE_PACK_FACTOR=20 ...   the same on the synthetic 20x pack (bench/matching.ts)
 *
 * That a speed-up leaves every answer as it was: bench/nlu-outputs.ts.
 */
import { loadContentFromDir } from '../src/content/manager.js';
import { compileContent } from '../src/content/served.js';
import { repoRoot, syntheticPack } from './matching.js';
import { ownAndDevMessages } from './understanding.js';

const arg = process.argv[2];
const t0 = performance.now();
const c0 = loadContentFromDir(repoRoot);
const factor = Number(process.env.LOTSE_PACK_FACTOR ?? 1);
const c = factor > 1 ? compileContent(syntheticPack(c0.pack, factor), c0.assetRoot) : c0;
const loadMs = performance.now() - t0;
const rounds = Number(arg ?? 5);
const texts = ownAndDevMessages().map((q) => q.text);
const ask = (t: string) => {
  const nlu = c.nlu;
  nlu.command(t);
  nlu.languageByName(t);
  nlu.unserved(t);
  nlu.match(t);
};
// Warm-up: one round, then the measured ones (steady state, as a server under load).
for (const t of texts) ask(t);
const u0 = process.cpuUsage();
const w0 = performance.now();
const per: number[] = [];
for (let r = 0; r < rounds; r++)
  for (const t of texts) {
    const s = performance.now();
    ask(t);
    per.push(performance.now() - s);
  }
const u = process.cpuUsage(u0);
const n = rounds * texts.length;
per.sort((a, b) => a - b);
const pct = (p: number) => per[Math.min(per.length - 1, Math.floor(p * per.length))]!.toFixed(3);
process.stdout.write(
  `${n} messages (${texts.length} distinct x ${rounds}): CPU ${((u.user + u.system) / 1000 / n).toFixed(4)} ms/message ` +
    `(wall ${((performance.now() - w0) / n).toFixed(4)}), p50 ${pct(0.5)} p99 ${pct(0.99)} max ${pct(1)} ms; load ${loadMs.toFixed(0)} ms; ` +
    `rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB\n`,
);
