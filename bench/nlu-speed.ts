/**
 * NLU outputs and CPU per message, for speed-ups that must not change answers.
 *
 *   node --import tsx bench/nlu-speed.ts dump OUT.json      every answer on the dev set (LOTSE_DEV) and held-out sets 1-4
 *   node --import tsx bench/nlu-speed.ts check OUT.json     the same, compared: numbers within 1e-4, all else equal (exit 1 otherwise)
 *   node --import tsx bench/nlu-speed.ts time [ROUNDS]      CPU (process.cpuUsage) per message, as the engine asks: command,
 *                                                           languageByName, unserved, match (with and without a session language)
 *
 * Each message is asked with its file's language as the session language and without one (two
 * code paths: the prior), and unserved() and distress() are recorded beside match().
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadContentFromDir } from '../src/content/manager.js';
import { compileContent } from '../src/content/served.js';
import { repoRoot, syntheticPack } from './matching.js';
import { loadJsonl } from './understanding.js';

const [mode, arg] = process.argv.slice(2);
const t0 = performance.now();
const c0 = loadContentFromDir(repoRoot);
const factor = Number(process.env.LOTSE_PACK_FACTOR ?? 1);
const c = factor > 1 ? compileContent(syntheticPack(c0.pack, factor), c0.assetRoot) : c0;
const loadMs = performance.now() - t0;
const inputs: { set: string; text: string; lang?: string }[] = [];
const dev = process.env.LOTSE_DEV || path.join(repoRoot, '..', 'shared', 'eval', 'dev.jsonl');
if (fs.existsSync(dev)) for (const d of loadJsonl(dev)) inputs.push({ set: 'dev', text: d.text, lang: d.lang });
for (const name of ['heldout', 'heldout2', 'heldout3', 'heldout4']) {
  const dir = path.join(repoRoot, 'test', 'fixtures', name);
  for (const f of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort())
    for (const d of loadJsonl(path.join(dir, f))) inputs.push({ set: `${name}/${f}`, text: d.text, lang: d.lang });
}

function answers(): unknown[] {
  return inputs.map((q) => {
    const lang = q.lang && c.resolveLanguage(q.lang);
    return {
      q: q.text,
      m: c.nlu.match(q.text, lang),
      d: c.nlu.distress(q.text, lang),
      m0: c.nlu.match(q.text),
      d0: c.nlu.distress(q.text),
      u: c.nlu.unserved(q.text) ?? null,
    };
  });
}

/** Differences between two answers: numbers may differ by float rounding only. */
function diff(a: unknown, b: unknown, at: string, out: string[]): void {
  if (typeof a === 'number' && typeof b === 'number') {
    if (!(Math.abs(a - b) < 1e-4) && !(Number.isNaN(a) && Number.isNaN(b))) out.push(`${at}: ${a} -> ${b}`);
    return;
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a as object);
    const kb = Object.keys(b as object);
    if (ka.join() !== kb.join()) out.push(`${at}: keys ${ka} -> ${kb}`);
    for (const k of ka) diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`, out);
    return;
  }
  if (a !== b) out.push(`${at}: ${JSON.stringify(a)} -> ${JSON.stringify(b)}`);
}

if (mode === 'dump' && arg) {
  fs.writeFileSync(arg, JSON.stringify(answers()));
  process.stdout.write(`${inputs.length} messages written to ${arg}\n`);
} else if (mode === 'check' && arg) {
  const before = JSON.parse(fs.readFileSync(arg, 'utf8')) as unknown[];
  const now = JSON.parse(JSON.stringify(answers())) as unknown[];
  const out: string[] = [];
  let maxDelta = 0;
  const walk = (a: unknown, b: unknown) => {
    if (typeof a === 'number' && typeof b === 'number') maxDelta = Math.max(maxDelta, Math.abs(a - b));
    else if (a && b && typeof a === 'object' && typeof b === 'object') for (const k of Object.keys(a)) walk((a as never)[k], (b as never)[k]);
  };
  if (before.length !== now.length) out.push(`${before.length} messages before, ${now.length} now`);
  for (let i = 0; i < Math.min(before.length, now.length); i++) {
    diff(before[i], now[i], `#${i} ${inputs[i]!.set} ${JSON.stringify(inputs[i]!.text).slice(0, 60)}`, out);
    walk(before[i], now[i]);
  }
  for (const l of out.slice(0, 20)) process.stdout.write(`${l}\n`);
  process.stdout.write(`${now.length} messages, ${out.length} differences, largest number change ${maxDelta.toExponential(2)}\n`);
  process.exit(out.length ? 1 : 0);
} else if (mode === 'time') {
  const rounds = Number(arg ?? 5);
  const texts = inputs.map((q) => q.text);
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
} else {
  process.stderr.write('usage: nlu-speed.ts dump|check FILE | time [ROUNDS]\n');
  process.exit(2);
}
