import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { miniRoot, repoRoot } from '../helpers/content.js';

const lotse = (args: string[], input?: string) =>
  execFileSync(process.execPath, [path.join(repoRoot, 'src/cli/lotse.mjs'), ...args, '--root', miniRoot], { encoding: 'utf8', input });

describe('lotse match', () => {
  it('answers one JSON line per input line, in the documented shape', () => {
    const out = lotse(
      ['match'],
      [
        '{"text": "which documents do I need for the interview", "lang": "en"}',
        '{"text": "بدي انتحر"}',
        '{"text": "bitcoin football weather"}',
        'not json',
      ].join('\n'),
    );
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatchObject({ topic: 'hearing.documents', lang: 'en', distress: false });
    expect(lines[0].score).toBeGreaterThan(0.5);
    expect(Object.keys(lines[0]).sort()).toEqual(['alternatives', 'distress', 'lang', 'score', 'topic']);
    expect(lines[1]).toMatchObject({ topic: 'meta.distress', lang: 'ar', distress: true });
    expect(lines[2]).toMatchObject({ topic: null, distress: false });
    expect(lines[3]).toEqual({ error: 'not a JSON line' });
  });
});

describe('lotse examples', () => {
  it('prints every example phrasing as JSON lines', () => {
    const lines = lotse(['examples'])
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toContainEqual({ topic: 'hearing.documents', lang: 'ar', text: 'اوراق المقابلة' });
    expect(lines.every((l) => typeof l.topic === 'string' && typeof l.lang === 'string' && typeof l.text === 'string')).toBe(true);
    expect(lines.length).toBe(2 * 11 * 8);
  });
});

describe('lotse eval', () => {
  it('reports accuracy per language, precision on none and recall on distress', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-eval-')), 'set.jsonl');
    fs.writeFileSync(
      file,
      [
        { text: 'which papers do I bring to the interview', lang: 'en', topic: 'hearing.documents' },
        { text: 'bitcoin football weather', lang: 'en', topic: 'none' },
        { text: 'i want to kill myself', lang: 'en', topic: 'meta.distress' },
        { text: 'رقم الاسعاف', lang: 'ar', topic: 'services.emergency' },
      ]
        .map((x) => JSON.stringify(x))
        .join('\n'),
    );
    const out = lotse(['eval', file]);
    // In scope per language (a topic), then every message, none and distress on their own lines.
    expect(out).toContain('en: 1.000 (1/1)');
    expect(out).toContain('ar: 1.000 (1/1)');
    expect(out).toContain('overall top-1 (every message): 1.000');
    expect(out).toContain('out-of-scope answered "I don\'t know": 1.000 (1/1)');
    expect(out).toContain('precision on none: 1.000');
    expect(out).toContain('recall on meta.distress: 1.000');
    expect(out).toContain('distress false alarms: 0.000 (0/3)');
  });
});

describe('settings from a .env file', () => {
  const run = (cwd: string, env: Record<string, string>) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'PORT' && k !== 'LOTSE_ENV_FILE'));
    try {
      execFileSync(process.execPath, [path.join(repoRoot, 'src/cli/lotse.mjs'), 'serve'], { cwd, encoding: 'utf8', env: { ...clean, ...env }, stdio: 'pipe' });
      return { code: 0, stderr: '' };
    } catch (e) {
      const err = e as { status: number; stderr: string };
      return { code: err.status, stderr: err.stderr };
    }
  };

  it('reads .env in the current directory; a variable set in the environment wins over the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-envfile-'));
    // A value no server starts with: start-up stops and names it, proving the file was read.
    fs.writeFileSync(path.join(dir, '.env'), "# the NGO's settings\nPORT=eighty\nTIMEZONE=Europe/Vienna\n");
    const fromFile = run(dir, {});
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toMatch(/PORT: .*\(got "eighty"\)/);
    const fromEnv = run(dir, { PORT: 'ninety' });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toMatch(/\(got "ninety"\)/);
    // LOTSE_ENV_FILE names another file; a missing one is an error, not silence.
    const missing = run(dir, { LOTSE_ENV_FILE: path.join(dir, 'nope.env') });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/LOTSE_ENV_FILE: .*nope\.env does not exist/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
