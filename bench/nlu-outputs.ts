/**
 * What the matcher answers, written out in full so that a speed-up can be
 * proven not to change it: run it before a change and after, then compare.
 *
 *   node --import tsx bench/nlu-outputs.ts dump  OUT.jsonl
 *   node --import tsx bench/nlu-outputs.ts check OUT.jsonl   (exit 1 on any difference)
 *   LOTSE_PACK_FACTOR=20 ...   the same on the synthetic 20x pack (bench/matching.ts)
 *
 * Messages: the own held-out sets 1-4 (tuned on; set 5 stays an unseen
 * measure) and the dev set when it is there (../shared/eval/dev.jsonl, or
 * LOTSE_DEV), each asked with its language as the session's and without one
 * (two code paths: the prior), and the content's own example phrasings with
 * their language. Each line is the whole MatchResult and DistressResult
 * (scores unrounded) and the unserved-language reading, so a changed float
 * shows up as well as a changed decision. CPU per message: bench/nlu-speed.ts.
 */
import fs from 'node:fs';
import { loadContentFromDir } from '../src/content/manager.js';
import { compileContent } from '../src/content/served.js';
import { repoRoot, syntheticPack } from './matching.js';
import { ownAndDevMessages } from './understanding.js';

const [mode, file] = process.argv.slice(2);
if ((mode !== 'dump' && mode !== 'check') || !file) {
  process.stderr.write('usage: nlu-outputs.ts dump|check FILE.jsonl\n');
  process.exit(2);
}

const c0 = loadContentFromDir(repoRoot);
const factor = Number(process.env.LOTSE_PACK_FACTOR ?? 1);
const c = factor > 1 ? compileContent(syntheticPack(c0.pack, factor), c0.assetRoot) : c0;
const inputs: { text: string; lang?: string }[] = [];
for (const d of ownAndDevMessages()) {
  const lang = d.lang && c.resolveLanguage(d.lang);
  if (lang) inputs.push({ text: d.text, lang });
  inputs.push({ text: d.text });
}
for (const [lang, topics] of Object.entries(c.pack.topicTexts))
  for (const t of Object.values(topics)) for (const e of t.examples.slice(0, 3)) inputs.push({ text: e, lang });

const lines = inputs.map((q) => {
  const m = c.nlu.match(q.text, q.lang);
  const d = c.nlu.distress(q.text, q.lang);
  const u = q.lang ? undefined : (c.nlu.unserved(q.text) ?? null);
  return JSON.stringify({ q, m, d, u });
});

if (mode === 'dump') {
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.length} outputs written to ${file}\n`);
} else {
  const before = fs.readFileSync(file, 'utf8').split('\n').filter(Boolean);
  let diff = 0;
  if (before.length !== lines.length) {
    process.stdout.write(`different number of messages: ${before.length} before, ${lines.length} now\n`);
    process.exit(1);
  }
  for (let i = 0; i < lines.length; i++)
    if (before[i] !== lines[i]) {
      if (diff++ < 10) process.stdout.write(`- ${before[i]}\n+ ${lines[i]}\n`);
    }
  process.stdout.write(`${lines.length} messages, ${diff} different\n`);
  process.exit(diff ? 1 : 0);
}
