/**
 * The editor's line diff against the real thing: GNU diff gives the same
 * hunks for small edits, and GNU patch turns the "before" text into the
 * "after" text with any diff it writes (random texts, fast-check).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { diffLines, splitLines, unifiedDiff } from '../../../src/content/editor/diff.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-diff-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** GNU diff -u of two texts, without its two header lines. */
function gnuHunks(a: string, b: string): string {
  fs.writeFileSync(path.join(dir, 'a'), a);
  fs.writeFileSync(path.join(dir, 'b'), b);
  const r = spawnSync('diff', ['-u', 'a', 'b'], { cwd: dir, encoding: 'utf8' });
  return r.stdout.split('\n').slice(2).join('\n');
}
const ours = (a: string, b: string) => unifiedDiff('x.yaml', a, b).unified.split('\n').slice(2).join('\n');

describe('line diff', () => {
  it('says nothing for equal texts and counts lines of a change', () => {
    expect(unifiedDiff('x', 'a\nb\n', 'a\nb\n')).toEqual({ unified: '', added: 0, removed: 0 });
    const d = unifiedDiff('content/fa/topics/hearing.yaml', 'a\nb\nc\n', 'a\nB\nc\nd\n');
    expect(d.added).toBe(2);
    expect(d.removed).toBe(1);
    expect(d.unified).toBe('--- a/content/fa/topics/hearing.yaml\n+++ b/content/fa/topics/hearing.yaml\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n');
  });

  it('marks an added and a removed file with /dev/null', () => {
    expect(unifiedDiff('n.yaml', undefined, 'x\n').unified).toBe('--- /dev/null\n+++ b/n.yaml\n@@ -0,0 +1,1 @@\n+x\n');
    expect(unifiedDiff('n.yaml', 'x\n', undefined).unified).toBe('--- a/n.yaml\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-x\n');
  });

  it('gives the hunks GNU diff gives, far-apart changes in separate hunks', () => {
    const a = `${Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')}\n`;
    const b = a.replace('line 2\n', 'line two\n').replace('line 25\n', '').replace('line 14\n', 'line 14\nnew\n');
    // GNU diff writes "@@ -1,6 +1,6 @@" where a count is 1 as "-3" etc.; compare after normalising ",1".
    const norm = (s: string) => s.replace(/@@ -(\d+) /g, '@@ -$1,1 ').replace(/ \+(\d+) @@/g, ' +$1,1 @@');
    expect(ours(a, b)).toBe(norm(gnuHunks(a, b)));
    expect(ours(a, b).match(/^@@/gm)).toHaveLength(3);
  });

  it('keeps every line of both sides in order (the script is a merge of the two)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 }),
        fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 }),
        (a, b) => {
          const s = diffLines(a, b);
          expect(s.filter((l) => l.op !== '+').map((l) => l.text)).toEqual(a);
          expect(s.filter((l) => l.op !== '-').map((l) => l.text)).toEqual(b);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes diffs GNU patch applies to get the new text', () => {
    const text = fc
      .array(fc.constantFrom('title: x', '  - "a"', '  - "b"', 'answer:', '', '# c'), { maxLength: 25 })
      .map((l) => (l.length ? `${l.join('\n')}\n` : ''));
    fc.assert(
      fc.property(text, text, (a, b) => {
        const { unified } = unifiedDiff('f.yaml', a, b);
        if (!unified) {
          expect(a).toBe(b);
          return;
        }
        fs.writeFileSync(path.join(dir, 'f.yaml'), a);
        fs.writeFileSync(path.join(dir, 'p.diff'), unified);
        execFileSync('patch', ['-s', '-p1', '-i', 'p.diff'], { cwd: dir });
        expect(fs.readFileSync(path.join(dir, 'f.yaml'), 'utf8')).toBe(b);
      }),
      { numRuns: 60 },
    );
  });

  it('splits lines without a phantom last line', () => {
    expect(splitLines('')).toEqual([]);
    expect(splitLines('a\n')).toEqual(['a']);
    expect(splitLines('a\r\nb')).toEqual(['a', 'b']);
  });
});
