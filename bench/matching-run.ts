/**
 * The matching latency part of the benchmark alone (bench/matching.ts), for
 * measuring a matcher change without the whole `npm run bench`:
 *   node --import tsx bench/matching-run.ts           starter and 20x pack
 *   node --import tsx bench/matching-run.ts --full    starter pack, full analysis only
 * Prints the figures as JSON with the load average at start and end (the
 * reference machine is shared; the figures mean little without it).
 *
 * Why `--full`: benchMatching times each message 5 times in a row, and the
 * NLU keeps the analysis of the last message (the engine asks for distress
 * and then matches the same text), so repeats 2 to 5 skip the features, the
 * three models and the neighbours: its median is the lexical matcher and
 * the decision alone. Here the 5 rounds go over all messages in turn, so
 * every timed call analyses its message from scratch, as a new message does.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { loadContentFromDir } from '../src/content/manager.js';
import { benchMatching, percentile, repoRoot } from './matching.js';
import { loadOwnSet } from './understanding.js';

function fullAnalysis(): { p50: number; p99: number; max: number } {
  const c = loadContentFromDir(repoRoot);
  const qs = loadOwnSet().map((d) => d.text);
  for (let i = 0; i < 300; i++) c.nlu.match(qs[i % qs.length]!);
  const runs: number[][] = qs.map(() => []);
  for (let r = 0; r < 5; r++)
    qs.forEach((q, i) => {
      const s = performance.now();
      c.nlu.match(q);
      runs[i]!.push(performance.now() - s);
    });
  const med = runs.map((x) => x.sort((a, b) => a - b)[2]!).sort((a, b) => a - b);
  return { p50: percentile(med, 50), p99: percentile(med, 99), max: med[med.length - 1]! };
}

const load0 = os.loadavg();
const figures = process.argv.includes('--full') ? { fullAnalysis: fullAnalysis() } : benchMatching();
process.stdout.write(`${JSON.stringify({ ...figures, loadavg: { start: load0.map((x) => +x.toFixed(2)), end: os.loadavg().map((x) => +x.toFixed(2)) } })}\n`);
