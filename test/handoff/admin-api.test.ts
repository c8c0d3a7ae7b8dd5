/**
 * The admin API (/console/api/admin/*, the password reset) on a real server
 * and SQLite file, with the fixture handoffs of test/helpers/admin-fixtures.ts.
 * The expected figures below are worked out by hand from those fixtures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { handoffPlugin, type HandoffRuntime } from '../../src/handoff/plugin.js';
import { startServer, type Running } from '../../src/server/main.js';
import { ManualClock } from '../../src/util/clock.js';
import { FIXTURE_NOW, PASSWORDS, RAW_ADDRESS, SECRET_TEXT, seedAdminFixtures } from '../helpers/admin-fixtures.js';
import { miniRoot } from '../helpers/content.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-admin-api-'));
let running: Running;
let rt: HandoffRuntime;
let ids: Awaited<ReturnType<typeof seedAdminFixtures>>;
let admin: Session;

interface Session {
  cookie: string;
  csrf: string;
}

beforeAll(async () => {
  const plugin = handoffPlugin();
  running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: miniRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      OFFICE_HOURS: 'mo-su 00:00-24:00',
      TIMEZONE: 'Europe/Vienna',
    }),
    clock: new ManualClock(FIXTURE_NOW),
    plugins: () => [plugin],
  });
  rt = plugin.runtime!;
  ids = await seedAdminFixtures(rt);
  admin = await signIn('ada@ngo.example', PASSWORDS.admin);
});
afterAll(async () => {
  await running.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(email: string, password: string): Promise<Session & { status: number }> {
  const r = await fetch(`${running.url}/console/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const body = (await r.json()) as { csrf?: string };
  return { status: r.status, cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: body.csrf ?? '' };
}
const get = (s: Session, p: string) => fetch(`${running.url}/console${p}`, { headers: { cookie: s.cookie } });
const post = (s: Session, p: string, body: unknown = {}) =>
  fetch(`${running.url}/console${p}`, {
    method: 'POST',
    headers: { cookie: s.cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf },
    body: JSON.stringify(body),
  });
const json = async (r: Response): Promise<any> => {
  expect(r.status, await r.clone().text()).toBe(200);
  return r.json();
};

const RANGE = '?from=2026-11-20&to=2026-11-23';

describe('admin statistics', () => {
  it('gives exact figures for the fixture handoffs (days in Vienna, median and nearest-rank p90 in seconds)', async () => {
    const s = await json(await get(admin, `/api/admin/stats${RANGE}`));
    expect(s.total).toBe(6);
    // ho_uk1 was created 23:30 UTC on the 21st: 00:30 on the 22nd in Vienna.
    expect(s.perDay).toEqual([
      { day: '2026-11-20', n: 2 },
      { day: '2026-11-21', n: 0 },
      { day: '2026-11-22', n: 2 },
      { day: '2026-11-23', n: 2 },
    ]);
    expect(s.perLanguage).toEqual([
      { key: 'ar', n: 3 },
      { key: 'en', n: 1 },
      { key: 'fa', n: 1 },
      { key: 'uk', n: 1 },
    ]);
    expect(s.perTopic).toEqual([
      { key: '(none)', n: 2 },
      { key: 'asylum.interview', n: 2 },
      { key: 'housing', n: 2 },
    ]);
    expect(s.perOutcome).toEqual([
      { key: 'answered', n: 2 },
      { key: 'cancelled', n: 1 },
      { key: 'no-response', n: 1 },
      { key: 'queued', n: 1 },
      { key: 'referred', n: 1 },
    ]);
    // Waits 120, 300, 60, 600 s: median (120 + 300) / 2; p90 rank ceil(3.6) = 4.
    expect(s.waitToFirstReply).toEqual({ n: 4, median: 210, p90: 600 });
    // Closed (not cancelled) after 600, 1800, 900, 3600 s.
    expect(s.timeToClose).toEqual({ n: 4, median: 1350, p90: 3600 });
    expect(s.perCaseworker).toEqual([
      { id: ids.amal, name: 'Amal Haddad', handoffs: 2, closed: 2, medianWait: 210, medianClose: 1200, ratings: 2, ratingMean: 4.5 },
      { id: ids.boris, name: 'Boris Kovalenko', handoffs: 2, closed: 2, medianWait: 330, medianClose: 2250, ratings: 1, ratingMean: 2 },
    ]);
    expect(s.ratings).toEqual({
      n: 3,
      mean: 3.67,
      distribution: [
        { score: 1, n: 0 },
        { score: 2, n: 1 },
        { score: 3, n: 0 },
        { score: 4, n: 1 },
        { score: 5, n: 1 },
      ],
    });
  });

  it('narrows to the date range, and defaults to the last 30 days up to today', async () => {
    const one = await json(await get(admin, '/api/admin/stats?from=2026-11-22&to=2026-11-22'));
    expect(one.total).toBe(2);
    expect(one.perLanguage).toEqual([
      { key: 'en', n: 1 },
      { key: 'uk', n: 1 },
    ]);
    const dflt = await json(await get(admin, '/api/admin/stats'));
    expect([dflt.from, dflt.to]).toEqual(['2026-10-26', '2026-11-24']);
    expect(dflt.total).toBe(7); // the six of the range and ho_old (10 November)
  });

  it('refuses a bad range with 400', async () => {
    for (const q of [
      '?from=2026-13-01',
      '?from=2026-02-30',
      '?from=yesterday',
      '?from=2026-11-23&to=2026-11-20',
      '?from=2024-01-01&to=2026-01-01',
      '?from=a&from=b',
    ])
      expect((await get(admin, `/api/admin/stats${q}`)).status, q).toBe(400);
  });

  it('exports CSV with the same figures, no message text, no conversation or chat id', async () => {
    const r = await get(admin, `/api/admin/stats.csv${RANGE}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="lotse-handoff-stats-2026-11-20-2026-11-23.csv"');
    const csv = await r.text();
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,key,measure,value');
    expect(lines).toEqual(
      expect.arrayContaining([
        'total,,handoffs,6',
        'per_day,2026-11-22,handoffs,2',
        'per_language,ar,handoffs,3',
        'per_outcome,referred,handoffs,1',
        'wait_to_first_reply,,median_seconds,210',
        'wait_to_first_reply,,p90_seconds,600',
        'time_to_close,,median_seconds,1350',
        'per_caseworker,Amal Haddad,rating_mean,4.5',
        'ratings,,mean,3.67',
        'ratings,5,n,1',
      ]),
    );
    expect(csv).not.toContain(SECRET_TEXT);
    expect(csv).not.toContain('here is what to do');
    expect(csv).not.toContain('counselling office'); // the closing note
    expect(csv).not.toContain(RAW_ADDRESS);
    expect(csv).not.toContain('pseud-');
    expect(csv).not.toMatch(/ho_[a-z0-9]+/);
    expect(csv).not.toMatch(/telegram|webchat/);
  });
});

describe('closed conversations within retention', () => {
  const found = async (q: string) => (await json(await get(admin, `/api/admin/closed${q}`))).items.map((x: { id: string }) => x.id);

  it('lists closed and cancelled ones, newest first, never one past retention, never a raw address', async () => {
    const r = await json(await get(admin, '/api/admin/closed'));
    expect(r.total).toBe(6);
    expect(r.items.map((x: { id: string }) => x.id)).toEqual(['ho_fa1', 'ho_en1', 'ho_uk1', 'ho_ar2', 'ho_ar1', 'ho_old']);
    expect(r.items[2]).toMatchObject({ pseudonym: 'pseud-uk1-x7', lang: 'uk', outcome: 'answered', caseworker: 'Boris Kovalenko', rating: 2 });
    expect(JSON.stringify(r)).not.toContain(RAW_ADDRESS);
    expect(JSON.stringify(r)).not.toContain(SECRET_TEXT);
  });

  it('searches by pseudonym, language, topic or flow, outcome, caseworker and closing date', async () => {
    expect(await found('?q=pseud-ar2')).toEqual(['ho_ar2']);
    expect(await found('?q=ho_uk')).toEqual(['ho_uk1']);
    expect(await found('?q=%25')).toEqual([]); // a typed % matches only a % (none)
    expect(await found('?lang=ar')).toEqual(['ho_ar2', 'ho_ar1']);
    expect(await found('?topic=asylum')).toEqual(['ho_ar2', 'ho_ar1']);
    expect(await found('?topic=housing')).toEqual(['ho_fa1', 'ho_uk1', 'ho_old']);
    expect(await found('?outcome=cancelled')).toEqual(['ho_fa1']);
    expect(await found('?outcome=no-response')).toEqual(['ho_en1']);
    expect(await found(`?caseworker=${ids.amal}`)).toEqual(['ho_ar2', 'ho_ar1', 'ho_old']);
    expect(await found('?from=2026-11-22&to=2026-11-22')).toEqual(['ho_en1', 'ho_uk1']);
    expect(await found(`?lang=en&caseworker=${ids.boris}`)).toEqual(['ho_en1']);
    expect((await get(admin, '/api/admin/closed?outcome=deleted')).status).toBe(400);
    expect((await get(admin, '/api/admin/closed?page=0')).status).toBe(400);
  });

  it('opens a transcript read-only and writes the view to the audit log; open or expired ones are 404', async () => {
    const t = await json(await get(admin, '/api/admin/closed/ho_ar1'));
    expect(t.handoff).toMatchObject({ id: 'ho_ar1', outcome: 'answered', caseworker: 'Amal Haddad', rating: 5 });
    expect(t.messages.map((m: { author: string; kind: string }) => `${m.author}/${m.kind}`)).toEqual([
      'person/transcript',
      'system/event',
      'person/message',
      'caseworker/message',
    ]);
    expect(t.messages[3]).toMatchObject({ staffName: 'Amal Haddad', text: `About ${SECRET_TEXT}: here is what to do` });
    const audit = await json(await get(admin, '/api/admin/audit?action=admin-view'));
    expect(audit.entries[0]).toMatchObject({
      staffId: ids.admin,
      staffName: 'Ada Admin',
      handoffId: 'ho_ar1',
      action: 'admin-view-transcript',
      at: FIXTURE_NOW,
    });
    for (const id of ['ho_ar3', 'ho_gone', 'nope']) expect((await get(admin, `/api/admin/closed/${id}`)).status, id).toBe(404);
  });
});

describe('audit log', () => {
  it('is paged (50 a page, newest first) and filtered by actor and by action prefix', async () => {
    for (let i = 0; i < 60; i++) await rt.hs.audit(ids.boris, 'ho_uk1', i % 2 ? 'open' : 'take', FIXTURE_NOW + i);
    const p1 = await json(await get(admin, `/api/admin/audit?actor=${ids.boris}`));
    expect(p1.total).toBe(60);
    expect(p1.entries).toHaveLength(50);
    expect(p1.entries[0]).toMatchObject({ action: 'open', at: FIXTURE_NOW + 59, staffName: 'Boris Kovalenko' });
    const p2 = await json(await get(admin, `/api/admin/audit?actor=${ids.boris}&page=2`));
    expect(p2.entries).toHaveLength(10);
    expect(p2.entries.at(-1)).toMatchObject({ action: 'take', at: FIXTURE_NOW });
    const takes = await json(await get(admin, `/api/admin/audit?actor=${ids.boris}&action=take`));
    expect(takes.total).toBe(30);
    expect((await json(await get(admin, '/api/admin/audit?action=_'))).total).toBe(0); // _ is no wildcard
  });
});

describe('password reset', () => {
  it('sets a server-made temporary password, shown once; the old one stops working; it is audited', async () => {
    const r = await json(await post(admin, `/api/staff/${ids.amal}/password`));
    expect(r.temporaryPassword).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect((await signIn('amal@ngo.example', PASSWORDS.amal)).status).toBe(401);
    expect((await signIn('amal@ngo.example', r.temporaryPassword)).status).toBe(200);
    const audit = await json(await get(admin, `/api/admin/audit?action=password-reset`));
    expect(audit.entries[0]).toMatchObject({ staffId: ids.admin, action: `password-reset:${ids.amal} via=console`, targetName: 'Amal Haddad' });
    expect(JSON.stringify(audit)).not.toContain(r.temporaryPassword);
    expect((await post(admin, '/api/staff/nobody/password')).status).toBe(404);
    // Without the CSRF header: refused.
    const noCsrf = await fetch(`${running.url}/console/api/staff/${ids.boris}/password`, { method: 'POST', headers: { cookie: admin.cookie } });
    expect(noCsrf.status).toBe(403);
  });
});

describe('admins only', () => {
  it('a caseworker gets 403 on every admin route, a stranger 401; the page itself carries the strict CSP', async () => {
    const cw = await signIn('boris@ngo.example', PASSWORDS.boris);
    expect(cw.status).toBe(200);
    const reads = [
      '/api/admin/meta',
      `/api/admin/stats${RANGE}`,
      `/api/admin/stats.csv${RANGE}`,
      '/api/admin/audit',
      '/api/admin/closed',
      '/api/admin/closed/ho_ar1',
    ];
    for (const p of reads) {
      expect((await get(cw, p)).status, p).toBe(403);
      expect((await fetch(`${running.url}/console${p}`)).status, p).toBe(401);
      expect((await get(admin, p)).status, p).toBe(200);
    }
    expect((await post(cw, `/api/staff/${ids.amal}/password`)).status).toBe(403);
    expect((await post(cw, '/api/staff', { email: 'x@ngo.example', name: 'X', password: 'a long enough password' })).status).toBe(403);
    const page = await fetch(`${running.url}/console/admin`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('cache-control')).toBe('no-store');
    const html = await page.text();
    expect(html).toContain('<script src="/console/admin.js"></script>');
    expect(html).not.toMatch(/<script>(?!<\/script>)/); // no inline script
  });
});

describe('admin API on malformed input (4xx, never 500)', () => {
  it('property: any query string on the admin reads, any body on the reset: never a 5xx', async () => {
    const reads = ['/api/admin/stats', '/api/admin/stats.csv', '/api/admin/audit', '/api/admin/closed', '/api/admin/closed/ho_ar1'];
    const key = fc.constantFrom('from', 'to', 'page', 'q', 'lang', 'topic', 'outcome', 'caseworker', 'actor', 'action', '__proto__', 'constructor');
    const value = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.constantFrom('2026-02-30', '2026-13-01', '0000-00-00', '9999-12-31', '-1', '1e9', '%', '_', "' OR 1=1 --", '\\'),
    );
    const query = fc.array(fc.tuple(key, value), { maxLength: 6 }).map((kv) => {
      const q = new URLSearchParams();
      for (const [k, v] of kv) q.append(k, v);
      return `?${q}`;
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...reads), query, async (p, q) => {
        const r = await get(admin, `${p}${q}`);
        expect(r.status, `${p}${q}`).toBeLessThan(500);
      }),
      { numRuns: 150 },
    );
    const body = fc.oneof(fc.json(), fc.string({ unit: 'binary', maxLength: 200 }));
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom(ids.boris, 'nobody', '%2e%2e', '__proto__'), async (b, id) => {
        const r = await fetch(`${running.url}/console/api/staff/${id}/password`, {
          method: 'POST',
          headers: { cookie: admin.cookie, 'Content-Type': 'application/json', 'X-CSRF-Token': admin.csrf },
          body: b,
        });
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 20 },
    );
  });
});
