/** `lotse staff add`: creates a staff account (the first admin, or caseworkers) from the command line. */
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
  const password = process.env.LOTSE_STAFF_PASSWORD ?? randomBytes(12).toString('base64url');
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
