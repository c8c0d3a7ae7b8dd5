/**
 * Property tests (fast-check) of the content loader: any edit of any one
 * file of the starter pack (random YAML, binary, prototype keys, aliases,
 * wrong types, truncation) gives a list of problems naming a file and a
 * line, never an exception, and never touches Object.prototype. A broken
 * edit must not take the bot down: the loader is what stands between an
 * editor's mistake and the running snapshot.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePack } from '../../src/content/compile.js';
import { FileSource } from '../../src/content/source.js';
import { repoRoot } from '../helpers/content.js';

const input = new FileSource(repoRoot).readSync();
const paths = input.files.map((f) => f.path).sort();

/** Text an editor (or an attacker with the editor's rights) might save. */
const edit = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 400 }),
  fc.constantFrom(
    '__proto__:\n  polluted: yes\n',
    'constructor:\n  prototype:\n    polluted: yes\n',
    'a: &x [1]\nb: *x\nc: *x\n',
    '{ "__proto__": { "polluted": true } }',
    'topics:\n  - id: 7\n    examples: null\n',
    ': : :\n\t- -\n',
    '\u0000\ufeff\ud800',
    '',
  ),
  // A real file cut short, or with a line swapped for garbage.
  fc
    .tuple(fc.constantFrom(...input.files.map((f) => f.text)), fc.nat(), fc.string({ maxLength: 40 }))
    .map(([text, at, junk]) => text.slice(0, at % (text.length + 1)) + junk),
);

describe('content loader', () => {
  it('turns any broken edit of any file into problems with a file and a line, never an exception', () => {
    fc.assert(
      fc.property(fc.constantFrom(...paths), edit, (path, text) => {
        const files = input.files.map((f) => (f.path === path ? { path, text } : f));
        const r = compilePack({ ...input, files });
        expect(r.pack !== undefined || r.problems.some((p) => p.severity === 'error')).toBe(true);
        for (const p of r.problems) {
          expect(typeof p.path).toBe('string');
          expect(Number.isInteger(p.line) && p.line >= 0, `${p.path}:${p.line}`).toBe(true);
          expect(p.message.length).toBeGreaterThan(0);
        }
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });
});
