/**
 * The everyday reading of "written in a language Lotse does not serve" (issue 15: such a message
 * gets the language list and a person instead of an answer), measured on the own held-out sets
 * 1-4, which nothing here was tuned on except the two numbers of UNSERVED_EVIDENCE: served
 * messages must (nearly) never be taken for unserved ones, since that costs a person their answer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { content, repoRoot } from '../helpers/content.js';

type Line = { text: string; lang: string; kind?: string };
function read(set: string): { served: Line[]; unserved: Line[] } {
  const dir = path.join(repoRoot, 'test', 'fixtures', set);
  const out = { served: [] as Line[], unserved: [] as Line[] };
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.jsonl')))
    for (const l of fs.readFileSync(path.join(dir, f), 'utf8').split('\n').filter(Boolean))
      (f.startsWith('unserved') ? out.unserved : out.served).push(JSON.parse(l));
  return out;
}

describe('unserved, everyday', () => {
  const c = content(repoRoot);
  const sets = ['heldout', 'heldout2', 'heldout3', 'heldout4'].map(read);
  const served = sets.flatMap((s) => s.served);
  const unserved = sets.flatMap((s) => s.unserved);

  it('takes at most 1 in 2,000 served messages for an unserved language (measured: none of 4,737)', () => {
    expect(served.length).toBeGreaterThan(4000);
    const wrong = served.filter((l) => c.nlu.unserved(l.text));
    expect(wrong.length).toBeLessThanOrEqual(Math.floor(served.length / 2000));
  });

  it('finds most messages in unserved languages (measured: 161 of 222, 151 named right; Cyrillic ones are left to Ukrainian), mostly naming the language', () => {
    const found = unserved.filter((l) => c.nlu.unserved(l.text));
    const named = unserved.filter((l) => c.nlu.unserved(l.text) === l.lang);
    const notCyrillic = unserved.filter((l) => !/[\u0400-\u04FF]/.test(l.text));
    expect(found.length).toBeGreaterThanOrEqual(Math.ceil(notCyrillic.length * 0.65));
    expect(named.length).toBeGreaterThanOrEqual(Math.ceil(found.length * 0.8));
  });

  it('one or two words, or Russian, are never enough', () => {
    for (const t of ['merci', 'gracias amigo', 'ok', 'спасибо большое вам за помощь']) expect(c.nlu.unserved(t), t).toBeUndefined();
    expect(c.nlu.unserved('bonjour je cherche un médecin pour mon enfant')).toBe('fr');
  });
});
