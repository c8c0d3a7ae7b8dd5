/**
 * `lotse content import|export` (issue 16.3) against a real SQLite file in
 * DATA_DIR: a folder imported into the empty store becomes version 1; a
 * changed folder shows its diff and changes nothing until --apply; export
 * writes the version back as files (and drops a file the version lacks).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite.js';
import { miniRoot, repoRoot } from '../helpers/content.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-cli-content-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const dataDir = path.join(tmp, 'data');
const pack = path.join(tmp, 'pack');
const out = path.join(tmp, 'out');

const lotse = (...args: string[]) => {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'src/cli/lotse.mjs'), 'content', ...args], {
    encoding: 'utf8',
    env: { ...process.env, DATA_DIR: dataDir, CONTENT_ROOT: pack, LOG_LEVEL: 'silent' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
async function heads(): Promise<number[]> {
  const s = new SqliteStore(path.join(dataDir, 'lotse.sqlite'));
  const ids = (await (await s.contentVersions()).versions(10)).map((v) => v.id);
  await s.close();
  return ids;
}

describe('lotse content', () => {
  it('imports a folder, shows a diff before applying a change, and exports a version back to files', { timeout: 120_000 }, async () => {
    fs.cpSync(miniRoot, pack, { recursive: true });
    expect(lotse('import', pack).stdout).toContain('--apply imports');
    const first = lotse('import', pack, '--apply');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/imported \d+ files as version 1/);
    expect(await heads()).toEqual([1]);

    const en = path.join(pack, 'content/en/topics/hearing.yaml');
    fs.writeFileSync(en, fs.readFileSync(en, 'utf8').replace('title: Interpreter', 'title: Interpreters'));
    const preview = lotse('import', pack);
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain('--- a/content/en/topics/hearing.yaml');
    expect(preview.stdout).toContain('-  title: Interpreter\n+  title: Interpreters');
    expect(preview.stdout).toContain('1 file(s) differ from version 1');
    expect(await heads()).toEqual([1]);
    const applied = lotse('import', pack, '--apply', '--why', 'plural');
    expect(applied.stdout).toContain('published version 2');
    expect(await heads()).toEqual([2, 1]);

    // A broken folder is refused with the validator's problem; nothing is published.
    fs.writeFileSync(en, 'hearing.interpreter: [');
    const broken = lotse('import', pack, '--apply');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('content/en/topics/hearing.yaml:1');
    expect(await heads()).toEqual([2, 1]);

    fs.mkdirSync(path.join(out, 'content'), { recursive: true });
    fs.writeFileSync(path.join(out, 'content', 'stale.yaml'), 'x: 1\n');
    const exported = lotse('export', out, '--version', '1');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toMatch(/wrote version 1 \(\d+ files, removed 1\)/);
    expect(fs.existsSync(path.join(out, 'content', 'stale.yaml'))).toBe(false);
    expect(fs.readFileSync(path.join(out, 'content/en/topics/hearing.yaml'), 'utf8')).toBe(
      fs.readFileSync(path.join(miniRoot, 'content/en/topics/hearing.yaml'), 'utf8'),
    );
  });
});
