/**
 * `lotse validate` on broken copies of the real starter pack: every kind of
 * mistake an author makes is reported as path:line: message with a hint.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { compilePack } from '../../src/content/compile.js';
import { FileSource } from '../../src/content/source.js';
import { repoRoot } from '../helpers/content.js';

const tmps: string[] = [];
afterEach(() => {
  for (const t of tmps.splice(0)) fs.rmSync(t, { recursive: true, force: true });
});

/** A copy of the starter pack to break. */
function copyPack(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-validate-'));
  tmps.push(dir);
  for (const d of ['content', 'flows', 'locales']) fs.cpSync(path.join(repoRoot, d), path.join(dir, d), { recursive: true });
  return dir;
}
function edit(dir: string, file: string, fn: (s: string) => string): void {
  const p = path.join(dir, file);
  fs.writeFileSync(p, fn(fs.readFileSync(p, 'utf8')));
}
function problems(dir: string, strict = false) {
  return compilePack(new FileSource(dir).readSync(), { strict }).problems.filter((p) => p.severity === 'error');
}
function lineOf(dir: string, file: string, needle: string): number {
  return (
    fs
      .readFileSync(path.join(dir, file), 'utf8')
      .split('\n')
      .findIndex((l) => l.includes(needle)) + 1
  );
}
function cli(args: string[]): { code: number; out: string } {
  try {
    return { code: 0, out: execFileSync(process.execPath, [path.join(repoRoot, 'src/cli/lotse.mjs'), ...args], { encoding: 'utf8' }) };
  } catch (e) {
    const err = e as { status: number; stdout: string };
    return { code: err.status, out: err.stdout };
  }
}

describe('lotse validate', () => {
  it('passes on the starter pack', () => {
    const r = cli(['validate', '--root', repoRoot]);
    expect(r.out).toMatch(/^OK: content version [0-9a-f]{12}: 6 languages/);
    expect(r.code).toBe(0);
  });

  it('--strict passes on the starter pack (every directory entry verified), and fails on an example entry', () => {
    expect(cli(['validate', '--strict', '--root', repoRoot]).code).toBe(0);
    const dir = copyPack();
    edit(dir, 'content/services.yaml', (s) =>
      s.replace(
        /\nservices:\n/,
        '\nservices:\n  - { id: example-doctor, category: health, name: "Doctor near the house", serves: [everyone], languages: [de], cost: free, contact: {}, example: true }\n',
      ),
    );
    for (const l of ['ar', 'fa', 'ps', 'uk', 'en', 'de'])
      edit(dir, `content/${l}/services.yaml`, (s) =>
        s.replace(/\nservices:\n/, '\nservices:\n  example-doctor:\n    description: "A doctor near the accommodation (example)."\n'),
      );
    expect(problems(dir)).toEqual([]);
    const strict = problems(dir, true);
    expect(strict.map((p) => p.message)).toEqual(['example entry "example-doctor" (Doctor near the house) is still in the directory']);
  });

  it('translation parity: a language without a message of the crisis answer fails, even marked partial', () => {
    const dir = copyPack();
    const file = 'content/ar/topics/meta.yaml';
    const pack = parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, { answer: string[]; partial?: string }>;
    pack['meta.distress']!.answer = pack['meta.distress']!.answer.slice(0, 1);
    fs.writeFileSync(path.join(dir, file), stringify(pack));
    const p = problems(dir);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ path: file, message: '"meta.distress" has 1 of the 2 messages of the en answer' });
    expect(p[0]!.hint).toMatch(/can never be partial/);
    pack['meta.distress']!.partial = 'waiting for review';
    fs.writeFileSync(path.join(dir, file), stringify(pack));
    expect(problems(dir)).toHaveLength(1);
  });

  it('translation parity: a shorter answer needs `partial`, which --strict refuses', () => {
    const dir = copyPack();
    const file = 'content/uk/topics/hearing.yaml';
    const pack = parse(fs.readFileSync(path.join(dir, file), 'utf8')) as Record<string, { answer: string[]; partial?: string }>;
    pack['hearing.documents']!.answer = pack['hearing.documents']!.answer.slice(0, 1);
    fs.writeFileSync(path.join(dir, file), stringify(pack));
    expect(problems(dir).map((x) => x.message)).toEqual([expect.stringMatching(/^"hearing\.documents" has 1 of the \d messages of the en answer$/)]);
    pack['hearing.documents']!.partial = 'the checklist is being reviewed';
    fs.writeFileSync(path.join(dir, file), stringify(pack));
    expect(problems(dir)).toEqual([]);
    expect(problems(dir, true).map((x) => x.message)).toEqual(['"hearing.documents" is partial in uk: the checklist is being reviewed']);
  });

  it('names file and line of a YAML syntax error, and exits 1', () => {
    const dir = copyPack();
    edit(dir, 'flows/hearing.yaml', (s) => s.replace('type: walkthrough', 'type: walkthrough\n     pages: [oops'));
    const r = cli(['validate', '--root', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^flows\/hearing\.yaml:\d+: syntax error: /m);
    expect(r.out).toContain('hint: check indentation');
  });

  it('names file and line of a YAML alias bomb with a hint, and never prints a stack trace', () => {
    const dir = copyPack();
    const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [x, y] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
      ['f', 'e'],
      ['g', 'f'],
      ['h', 'g'],
      ['i', 'h'],
    ])
      bomb.push(`${x}: &${x} [*${y},*${y},*${y},*${y},*${y},*${y},*${y},*${y},*${y}]`);
    fs.writeFileSync(path.join(dir, 'content/en/flows.yaml'), `# an alias bomb\n${bomb.join('\n')}\n`);
    const bombs = problems(dir).filter((x) => x.path === 'content/en/flows.yaml' && /alias/.test(x.message));
    expect(bombs).toHaveLength(1);
    expect(bombs[0]).toMatchObject({ line: 3, message: 'aliases (*name) expand to too much text' });
    expect(bombs[0]!.hint).toMatch(/maxAliasCount/);
    const r = cli(['validate', '--root', dir]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^content\/en\/flows\.yaml:3: aliases \(\*name\) expand to too much text$/m);
    expect(r.out).not.toMatch(/\n\s+at /);
  });

  it('finds a dangling go-to', () => {
    const dir = copyPack();
    edit(dir, 'flows/main.yaml', (s) => s.replace('goto: accommodation }', 'goto: accomodation }'));
    const p = problems(dir);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ path: 'flows/main.yaml', line: lineOf(dir, 'flows/main.yaml', 'accomodation') });
    expect(p[0]!.message).toContain('"accomodation", which does not exist (dangling go-to)');
  });

  it('a channel privacy note in one language must be in every language', () => {
    const dir = copyPack();
    edit(dir, 'locales/ps/translation.json', (s) => {
      const d = JSON.parse(s);
      delete d.privacy.channel;
      return JSON.stringify(d, null, 2);
    });
    const p = problems(dir);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ path: 'locales/ps/translation.json', line: lineOf(dir, 'locales/ps/translation.json', '"privacy": {') });
    expect(p[0]!.message).toBe('missing translation: UI string "privacy.channel.telegram"');
  });

  it('finds an unknown topic in a translation', () => {
    const dir = copyPack();
    edit(dir, 'content/de/topics/hearing.yaml', (s) => s.replace(/^hearing\.documents:/m, 'hearing.dokuments:'));
    const p = problems(dir);
    expect(p.map((x) => x.message)).toEqual(
      expect.arrayContaining(['unknown topic "hearing.dokuments"', 'missing translation: topic "hearing.documents" has no de text']),
    );
    expect(p.find((x) => x.message.startsWith('unknown topic'))!.line).toBe(lineOf(dir, 'content/de/topics/hearing.yaml', 'hearing.dokuments:'));
  });

  it('finds a missing translation of a UI string', () => {
    const dir = copyPack();
    edit(dir, 'locales/ps/translation.json', (s) => {
      const j = JSON.parse(s);
      delete j.buttons.back;
      return JSON.stringify(j, null, 2);
    });
    const p = problems(dir);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatchObject({ path: 'locales/ps/translation.json', message: 'missing translation: UI string "buttons.back"' });
  });

  it('finds a duplicate topic id and a duplicate key', () => {
    const dir = copyPack();
    edit(dir, 'content/topics.yaml', (s) => s.replace('- id: hearing.invitation', '- id: hearing.documents'));
    edit(dir, 'content/en/topics/meta.yaml', (s) => `${s}\nmeta.thanks:\n  title: again\n`);
    const p = problems(dir);
    expect(p.some((x) => x.path === 'content/topics.yaml' && x.message === 'duplicate topic id "hearing.documents"')).toBe(true);
    expect(p.some((x) => x.path === 'content/en/topics/meta.yaml' && x.message.startsWith('duplicate key'))).toBe(true);
  });

  it('explains a wrong field and too few examples', () => {
    const dir = copyPack();
    edit(dir, 'content/uk/topics/services.yaml', (s) => s.replace(/^(services\.doctor:\n)/m, '$1  titel: x\n'));
    const p = problems(dir);
    const wrong = p.find((x) => x.path === 'content/uk/topics/services.yaml')!;
    expect(wrong.message).toContain('services.doctor');
    expect(wrong.hint).toContain('"titel"');
  });

  it('refuses contact details on an example entry', () => {
    const dir = copyPack();
    // The starter pack has no example entries left: add one that carries a phone number.
    edit(dir, 'content/services.yaml', (s) =>
      s.replace(
        /\nservices:\n/,
        '\nservices:\n  - { id: example-gp, category: health, name: "GP", serves: [everyone], languages: [de], cost: free, contact: { phone: "0732 000000" }, example: true }\n',
      ),
    );
    for (const l of ['ar', 'fa', 'ps', 'uk', 'en', 'de'])
      edit(dir, `content/${l}/services.yaml`, (s) => s.replace(/\nservices:\n/, '\nservices:\n  example-gp:\n    description: "A doctor."\n'));
    expect(problems(dir).map((x) => x.message)).toContain('example entry "example-gp" has contact details');
  });

  it('finds a language folder without language.yaml', () => {
    const dir = copyPack();
    fs.rmSync(path.join(dir, 'content/uk/language.yaml'));
    expect(problems(dir).some((x) => x.message.includes('language "uk" has no content/uk/language.yaml'))).toBe(true);
  });
});
