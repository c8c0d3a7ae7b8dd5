/**
 * `lotse staff add` and `lotse staff reset-password` as an operator runs
 * them: the real CLI in a child process on a real SQLite file in DATA_DIR,
 * then the same file opened the way the server opens it.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { StaffAuth } from '../../src/handoff/auth.js';
import { loadSecret } from '../../src/server/main.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { randomIds } from '../../src/util/clock.js';
import { repoRoot } from '../helpers/content.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-staffcli-'));
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

function lotse(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [path.join(repoRoot, 'src/cli/lotse.mjs'), ...args], {
    encoding: 'utf8',
    cwd: dataDir,
    env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', LOTSE_STAFF_PASSWORD: '', ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function open() {
  const store = new SqliteStore(path.join(dataDir, 'lotse.sqlite'));
  await store.migrate();
  const accounts = await store.staffAccounts();
  const auth = new StaffAuth(accounts, store, randomIds, Date.now, loadSecret(loadConfig({ DATA_DIR: dataDir })));
  return { store, accounts, auth, hs: await store.handoffs() };
}

describe('lotse staff reset-password', () => {
  it('sets a temporary password shown once, ends the sessions, requires a change at the next sign-in, and is audited', async () => {
    const add = lotse(['staff', 'add', '--email', 'boss@ngo.example', '--name', 'Boss'], { LOTSE_STAFF_PASSWORD: 'the first admin pw' });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/created admin boss@ngo\.example/);

    let db = await open();
    await db.auth.signIn('boss@ngo.example', 'the first admin pw', '192.0.2.1');
    const boss = (await db.accounts.staffByEmail('boss@ngo.example'))!;
    await db.store.close();

    const reset = lotse(['staff', 'reset-password', '--email', 'BOSS@ngo.example']);
    expect(reset.code, reset.stderr).toBe(0);
    const temp = /temporary password \(shown once\): (\S+)/.exec(reset.stdout)?.[1];
    expect(temp).toBeDefined();
    expect(reset.stdout).toMatch(/sessions ended/);

    db = await open();
    expect(await db.accounts.deleteSessionsOf(boss.id)).toBe(0);
    await expect(db.auth.signIn('boss@ngo.example', 'the first admin pw', '192.0.2.1')).rejects.toMatchObject({ status: 401 });
    const s = await db.auth.signIn('boss@ngo.example', temp!, '192.0.2.1');
    expect(s.staff.mustChangePassword).toBe(true);
    expect((await db.hs.auditLog()).map((e) => e.action)).toContain(`password-reset:${boss.id} via=cli`);
    await db.store.close();
  });

  it('the positional form works, the password can come from LOTSE_STAFF_PASSWORD (and follows the rules); an unknown e-mail is an error', () => {
    expect(lotse(['staff', 'reset-password', 'boss@ngo.example'], { LOTSE_STAFF_PASSWORD: 'chosen temporary pw' }).stdout).not.toMatch(/shown once/);
    const short = lotse(['staff', 'reset-password', 'boss@ngo.example'], { LOTSE_STAFF_PASSWORD: 'short' });
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/at least 12 characters/);
    const unknown = lotse(['staff', 'reset-password', '--email', 'nobody@ngo.example']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no account for nobody@ngo\.example/);
    expect(lotse(['staff', 'reset-password']).code).toBe(2);
  });
});
