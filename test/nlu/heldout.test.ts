/**
 * The own held-out sets (test/fixtures/heldout, heldout2, heldout3, heldout4): written by helpers
 * who never saw the content's examples. Their labels must be catalog ids, so
 * that `npm run bench` measures what it says. The first set has also been
 * tuned on, so it guards against regressions with floors a little under
 * today's figures (bench/README.md); the other sets are never used here
 * beyond their format, so that they stay measures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { evaluate, type EvalItem } from '../../src/cli/eval.js';
import { content, repoRoot } from '../helpers/content.js';

const KINDS = new Set(['plain', 'colloquial', 'noisy', 'latin', 'distress', 'lookalike', 'outofscope', 'unserved']);
const catalog = new Set(
  (parse(fs.readFileSync(path.join(repoRoot, 'content', 'catalog.yaml'), 'utf8')) as { topics: { id: string }[] }).topics.map((t) => t.id),
);

function load(name: string): EvalItem[] {
  const dir = path.join(repoRoot, 'test', 'fixtures', name);
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .flatMap((f) =>
      fs
        .readFileSync(path.join(dir, f), 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l, i) => ({ ...(JSON.parse(l) as EvalItem), at: `${f}:${i + 1}` })),
    );
}

describe('own held-out sets', () => {
  for (const name of ['heldout', 'heldout2', 'heldout3', 'heldout4'])
    it(`${name}: every line is a labelled message with a catalog topic (or none) and a known kind`, () => {
      const items = load(name);
      expect(items.length).toBeGreaterThan(900);
      for (const it of items as (EvalItem & { at: string })[]) {
        expect(typeof it.text === 'string' && it.text.trim().length > 0, it.at).toBe(true);
        expect(it.topic === 'none' || catalog.has(it.topic), `${it.at}: ${it.topic}`).toBe(true);
        expect(KINDS.has(it.kind ?? ''), `${it.at}: ${it.kind}`).toBe(true);
      }
    });

  it('heldout (tuned on): no regression below the floors of 2026-12-02', () => {
    const { summary: s } = evaluate(content(repoRoot), load('heldout'));
    expect(s.inScope.rate).toBeGreaterThanOrEqual(0.88);
    expect(s.distressRecall).toBeGreaterThanOrEqual(0.93);
    expect(s.falseAlarms.rate).toBeLessThanOrEqual(0.035);
    expect(s.outOfScopeUnknown.rate).toBeGreaterThanOrEqual(0.88);
  });
});
