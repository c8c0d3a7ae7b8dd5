/**
 * `lotse staff add`: creates a staff account (the first admin, or caseworkers) from the command line.
 * `lotse staff reset-password`: the way back in when nobody can sign in (the last admin forgot their
 * password): sets a temporary password, ends the account's sessions, and the account must choose
 * its own at its next sign-in. A running server's open console streams of that account close at
 * their next check (they recheck their session before every event and every 25 s).
 */
import { loadConfig } from '../config/config.js';
import { StaffAuth, temporaryPassword } from '../handoff/auth.js';
import { loadSecret } from '../server/main.js';
import { createStore } from '../store/index.js';
import { ROLES, type Role, type StaffAccounts } from '../store/staff.js';
import { randomIds, systemClock } from '../util/clock.js';
import { HttpError } from '../util/http-error.js';

/**
 * Opens the configured store, runs `fn` with the staff accounts and a StaffAuth over them, and
 * closes the store again; a refusal (HttpError: a weak password, the last admin ...) is printed
 * and exits 1. `audited`: the StaffAuth writes its audit entries (a reset is audited, an add is not).
 */
async function withStaff(audited: boolean, fn: (accounts: StaffAccounts, auth: StaffAuth) => Promise<number>): Promise<number> {
  const config = loadConfig();
  const store = await createStore(config, systemClock);
  await store.migrate();
  const accounts = await store.staffAccounts();
  const hs = audited ? await store.handoffs() : undefined;
  const auth = new StaffAuth(
    accounts,
    store,
    randomIds,
    Date.now,
    loadSecret(config),
    hs ? { audit: (staffId, action) => hs.audit(staffId, undefined, action, Date.now()) } : undefined,
  );
  try {
    return await fn(accounts, auth);
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

export async function addStaff(flags: Record<string, string | true>): Promise<number> {
  const str = (k: string) => (typeof flags[k] === 'string' ? (flags[k] as string) : undefined);
  const email = str('email');
  if (!email) {
    process.stderr.write('--email is required\n');
    return 2;
  }
  const generated = !process.env.LOTSE_STAFF_PASSWORD;
  const password = process.env.LOTSE_STAFF_PASSWORD || temporaryPassword();
  const list = (k: string) =>
    (str(k) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  return withStaff(false, async (accounts, auth) => {
    const asked = str('role');
    if (asked !== undefined && !ROLES.includes(asked as Role)) throw new Error(`--role is one of ${ROLES.join(', ')}`);
    const role: Role = (await accounts.countStaff()) === 0 ? 'admin' : ((asked as Role | undefined) ?? 'caseworker');
    const s = await auth.createStaff({ email, name: str('name') ?? email, role, password, languages: list('languages'), topics: list('topics') });
    process.stdout.write(`created ${s.role} ${s.email} (${s.id})${generated ? `\npassword (shown once): ${password}` : ''}\n`);
    return 0;
  });
}

export async function resetStaffPassword(flags: Record<string, string | true>, positional: string[]): Promise<number> {
  const email = typeof flags.email === 'string' ? flags.email : positional[0];
  if (!email) {
    process.stderr.write('usage: lotse staff reset-password --email E   (the password from LOTSE_STAFF_PASSWORD, or generated and shown once)\n');
    return 2;
  }
  return withStaff(true, async (accounts, auth) => {
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
  });
}
