/**
 * `lotse staff add`: creates a staff account (the first admin, or caseworkers) from the command line.
 * `lotse staff reset-password`: the way back in when nobody can sign in (the last admin forgot their
 * password): sets a temporary password, ends the account's sessions, and the account must choose
 * its own at its next sign-in. A running server's open console streams of that account close at
 * their next check (they recheck their session before every event and every 25 s).
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/config.js';
import { StaffAuth } from '../handoff/auth.js';
import { loadSecret } from '../server/main.js';
import { createStore } from '../store/index.js';
import { randomIds, systemClock } from '../util/clock.js';
import { HttpError } from '../util/http-error.js';

export async function addStaff(flags: Record<string, string | true>): Promise<number> {
  const config = loadConfig();
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const email = str('email');
  if (!email) {
    process.stderr.write('--email is required\n');
    return 2;
  }
  const store = await createStore(config, systemClock);
  await store.migrate();
  const accounts = await store.staffAccounts();
  const auth = new StaffAuth(accounts, store, randomIds, Date.now, loadSecret(config));
  const generated = !process.env.LOTSE_STAFF_PASSWORD;
  const password = process.env.LOTSE_STAFF_PASSWORD || randomBytes(12).toString('base64url');
  const list = (k: string) =>
    (str(k) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  try {
    const role = str('role') === 'admin' || (await accounts.countStaff()) === 0 ? 'admin' : 'caseworker';
    const s = await auth.createStaff({ email, name: str('name') ?? email, role, password, languages: list('languages'), topics: list('topics') });
    process.stdout.write(`created ${s.role} ${s.email} (${s.id})${generated ? `\npassword (shown once): ${password}` : ''}\n`);
    return 0;
  } catch (err) {
    if (err instanceof HttpError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}

export async function resetStaffPassword(flags: Record<string, string | true>, positional: string[]): Promise<number> {
  const config = loadConfig();
  const email = typeof flags.email === 'string' ? flags.email : positional[0];
  if (!email) {
    process.stderr.write('usage: lotse staff reset-password --email E   (the password from LOTSE_STAFF_PASSWORD, or generated and shown once)\n');
    return 2;
  }
  const store = await createStore(config, systemClock);
  await store.migrate();
  const accounts = await store.staffAccounts();
  const hs = await store.handoffs();
  const auth = new StaffAuth(accounts, store, randomIds, Date.now, loadSecret(config), {
    audit: (staffId, action) => hs.audit(staffId, undefined, action, Date.now()),
  });
  try {
    const s = await accounts.staffByEmail(email.trim());
    if (!s) {
      process.stderr.write(`no account for ${email}\n`);
      return 1;
    }
    const given = process.env.LOTSE_STAFF_PASSWORD;
    const password = await auth.resetPassword(s.id, { via: 'cli' }, given || undefined);
    process.stdout.write(
      `reset the password of ${s.role} ${s.email} (${s.id}); their sessions ended, they choose a new password at the next sign-in${given ? '' : `\ntemporary password (shown once): ${password}`}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof HttpError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}
