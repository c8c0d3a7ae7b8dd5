/**
 * Route x role matrix of the caseworker console (issue 13.9): every route
 * the handoff plugin mounts, listed from its express router (so a new route
 * without a row here fails the test), asked by every kind of caller, each
 * answer's status asserted:
 *  - anonymous: no cookie;
 *  - caseworker, admin: signed in, right CSRF token;
 *  - deactivated: a caseworker whose account was switched off in the store
 *    while its session row survived (deactivation through the API deletes
 *    sessions too; this proves the account check stands on its own);
 *  - wrongCsrf: the caseworker's cookie with a wrong X-CSRF-Token (GETs
 *    need no token, so they answer as for the caseworker);
 *  - mustChange: an account whose password an admin reset, before it chose
 *    a new one;
 *  - editor, translator (for ar): the content editor's roles (issue 16),
 *    which never reach people's conversations.
 * Authorised requests carry bodies that get past authorisation to a known
 * answer (a 400 for an empty body means the request reached the handler).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { handoffPlugin, type HandoffRuntime } from '../../src/handoff/plugin.js';
import { type Running, startServer } from '../../src/server/main.js';
import { miniRoot } from '../helpers/content.js';

const AR_FILE = 'content/ar/topics/hearing.yaml';
const EN_FILE = 'content/en/topics/hearing.yaml';

const ROLES = ['anonymous', 'caseworker', 'admin', 'deactivated', 'wrongCsrf', 'mustChange', 'editor', 'translator'] as const;
type RoleName = (typeof ROLES)[number];
type Statuses = Record<RoleName, number>;

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-matrix-'));
let running: Running;
let rt: HandoffRuntime;
const ids: Record<string, string> = {};

const PASSWORDS: Record<string, string> = {
  caseworker: 'matrix caseworker pw',
  admin: 'matrix admin password',
  deactivated: 'matrix deactivated pw',
  mustChange: 'matrix must change pw',
  editor: 'matrix editor password',
  translator: 'matrix translator pw',
};

beforeAll(async () => {
  const plugin = handoffPlugin();
  running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: miniRoot,
      CONTENT_WATCH: 'false',
      // The editor's routes answer from the store's versions (the fixture is imported as version 1).
      CONTENT_SOURCE: 'store',
      LOG_LEVEL: 'silent',
      OFFICE_HOURS: 'mo-su 00:00-24:00',
      // Every request comes from 127.0.0.1: the rows' expected statuses must not depend on how many failed before.
      STAFF_LOGIN_FAILURES_PER_ADDRESS: '100000',
    }),
    plugins: () => [plugin],
  });
  rt = plugin.runtime!;
  for (const r of ['caseworker', 'admin', 'deactivated', 'mustChange', 'editor', 'translator'])
    ids[r] = (
      await rt.auth.createStaff({
        email: `${r.toLowerCase()}@ngo.example`,
        name: r,
        role: r === 'admin' || r === 'editor' || r === 'translator' ? r : 'caseworker',
        password: PASSWORDS[r]!,
        languages: r === 'translator' ? ['ar'] : ['en'],
      })
    ).id;
  ids.target = (await rt.auth.createStaff({ email: 'target@ngo.example', name: 'T', role: 'caseworker', password: 'matrix target pw', languages: [] })).id;
});
afterAll(async () => {
  await running.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface Cred {
  cookie: string;
  csrf: string;
}
const cached = new Map<RoleName, Cred>();

async function signIn(role: string): Promise<Cred> {
  const r = await fetch(`${running.url}/console/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `${role.toLowerCase()}@ngo.example`, password: PASSWORDS[role] }),
  });
  expect(r.status, `sign-in of ${role}`).toBe(200);
  return { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await r.json()) as { csrf: string }).csrf };
}

/** The caller's cookie and CSRF token; `fresh` for requests that end the session (sign-out). */
async function credFor(role: RoleName, fresh: boolean): Promise<Cred | undefined> {
  if (role === 'anonymous') return undefined;
  if (role === 'wrongCsrf') return { ...(await credFor('caseworker', fresh))!, csrf: 'not-the-token' };
  if (!fresh && cached.has(role)) return cached.get(role);
  let c: Cred;
  if (role === 'deactivated') {
    // Signed in once while active, then switched off in the store (the session row stays).
    c = cached.get(role) ?? (await signIn(role));
    await rt.staff.updateStaff(ids.deactivated!, { active: false });
  } else if (role === 'mustChange') {
    await rt.staff.updateStaff(ids.mustChange!, { mustChangePassword: false });
    c = await signIn(role);
    await rt.staff.updateStaff(ids.mustChange!, { mustChangePassword: true });
  } else c = await signIn(role);
  // A fresh session is about to be ended by the request: later rows keep the cached one.
  if (!fresh || role === 'deactivated') cached.set(role, c);
  return c;
}

/** A person in the CLI channel who asked for a human: a queued handoff. */
let people = 0;
async function queuedHandoff(): Promise<string> {
  const ref = { channel: 'cli' as const, conversationId: `matrix-${++people}` };
  await running.ctx.bot.handle(ref, { kind: 'start' });
  await running.ctx.bot.handle(ref, { kind: 'button', payload: 'l:en' });
  await running.ctx.bot.handle(ref, { kind: 'button', payload: 'n:human' });
  const h = await rt.hs.openFor(ref);
  expect(h?.status).toBe('queued');
  return h!.id;
}
/** A handoff the caseworker took (the admin may act on it too; nobody else). */
async function takenHandoff(): Promise<string> {
  const id = await queuedHandoff();
  expect(await rt.hs.takeIfQueued(id, ids.caseworker!, running.ctx.clock.now())).toBe(true);
  return id;
}

interface Row {
  /** The concrete path for a request (fills :id). */
  path?: () => Promise<string>;
  body?: () => unknown;
  fresh?: boolean;
  expect: Statuses;
}

/**
 * Expected statuses of a route for signed-in staff only, by role. Editors and translators get
 * 403 unless said otherwise (the console's routes are about people's conversations).
 */
const staffOnly = (caseworker: number, admin: number, mustChange = 403, editor = 403, translator = editor): Statuses => ({
  anonymous: 401,
  caseworker,
  admin,
  deactivated: 401,
  wrongCsrf: caseworker,
  mustChange,
  editor,
  translator,
});
/** The same for a change (POST/PATCH): a wrong CSRF token is refused before anything else. */
const staffChange = (caseworker: number, admin: number, mustChange = 403, editor = 403, translator = editor): Statuses => ({
  ...staffOnly(caseworker, admin, mustChange, editor, translator),
  wrongCsrf: 403,
});
const everyone = (status: number): Statuses => ({
  anonymous: status,
  caseworker: status,
  admin: status,
  deactivated: status,
  wrongCsrf: status,
  mustChange: status,
  editor: status,
  translator: status,
});
const adminOnly = (admin: number): Statuses => staffOnly(403, admin);
const adminChange = (admin: number): Statuses => staffChange(403, admin);
/** Content work outside the editor's own routes (co-creation dashboard, podcast drafts): admins and editors alike. */
const editorOnly = (status: number): Statuses => staffOnly(403, status, 403, status, 403);
const editorChange = (status: number): Statuses => staffChange(403, status, 403, status, 403);

const MATRIX: Record<string, Row> = {
  'GET /': { expect: everyone(200) },
  'GET /console.js': { expect: everyone(200) },
  // Sign-in is open to all; an empty body is a 400 whoever asks.
  'POST /api/login': { body: () => ({}), expect: everyone(400) },
  'POST /api/password': { body: () => ({}), expect: staffChange(400, 400, 400, 400) },
  'POST /api/logout': { fresh: true, expect: staffChange(200, 200, 200, 200) },
  'GET /api/me': { expect: staffOnly(200, 200, 200, 200) },
  'GET /api/queue': { expect: staffOnly(200, 200) },
  'GET /api/handoffs/:id': { path: async () => `/api/handoffs/${await takenHandoff()}`, expect: staffOnly(200, 200) },
  'POST /api/handoffs/:id/take': { path: async () => `/api/handoffs/${await queuedHandoff()}/take`, expect: staffChange(200, 200) },
  'POST /api/handoffs/:id/messages': {
    path: async () => `/api/handoffs/${await takenHandoff()}/messages`,
    body: () => ({ text: 'hello from the matrix' }),
    expect: staffChange(200, 200),
  },
  'POST /api/handoffs/:id/notes': {
    path: async () => `/api/handoffs/${await takenHandoff()}/notes`,
    body: () => ({ text: 'a note' }),
    expect: staffChange(200, 200),
  },
  'POST /api/handoffs/:id/transfer': {
    path: async () => `/api/handoffs/${await takenHandoff()}/transfer`,
    body: () => ({ to: ids.admin }),
    expect: staffChange(200, 200),
  },
  'POST /api/handoffs/:id/close': {
    path: async () => `/api/handoffs/${await takenHandoff()}/close`,
    body: () => ({ outcome: 'answered' }),
    expect: staffChange(200, 200),
  },
  'GET /api/answers': { path: async () => '/api/answers?lang=en', expect: staffOnly(200, 200) },
  'GET /api/colleagues': { expect: staffOnly(200, 200) },
  'GET /api/staff': { expect: adminOnly(200) },
  'POST /api/staff': { body: () => ({}), expect: adminChange(400) },
  'POST /api/staff/:id/password': { path: async () => `/api/staff/${ids.target}/password`, body: () => ({}), expect: adminChange(200) },
  'PATCH /api/staff/:id': { path: async () => `/api/staff/${ids.target}`, body: () => ({ languages: ['en'] }), expect: adminChange(200) },
  'GET /api/stats': { expect: adminOnly(200) },
  'GET /api/audit': { expect: adminOnly(200) },
  'GET /api/events': { expect: staffOnly(200, 200) },
  // The person's side of a handoff (issue 14): paging colleagues, read notices, typing.
  'POST /api/handoffs/:id/page': { path: async () => `/api/handoffs/${await queuedHandoff()}/page`, expect: staffChange(200, 200) },
  'POST /api/handoffs/:id/read': { path: async () => `/api/handoffs/${await takenHandoff()}/read`, expect: staffChange(200, 200) },
  'POST /api/handoffs/:id/typing': { path: async () => `/api/handoffs/${await takenHandoff()}/typing`, expect: staffChange(200, 200) },
  // Snippets: everyone on staff has their own and the team's; an empty one is refused, an unknown one is not found.
  'GET /api/snippets': { expect: staffOnly(200, 200) },
  'POST /api/snippets': { body: () => ({}), expect: staffChange(400, 400) },
  'DELETE /api/snippets/:id': { path: async () => '/api/snippets/no-such-snippet', expect: staffChange(404, 404) },
  // The admin page itself is a static shell (its data needs an admin); everything behind it is for admins only.
  'GET /admin': { expect: everyone(200) },
  'GET /admin.js': { expect: everyone(200) },
  'GET /api/admin/meta': { expect: adminOnly(200) },
  'GET /api/admin/stats': { expect: adminOnly(200) },
  'GET /api/admin/stats.csv': { expect: adminOnly(200) },
  'GET /api/admin/audit': { expect: adminOnly(200) },
  'GET /api/admin/closed': { expect: adminOnly(200) },
  'GET /api/admin/closed/:id': { path: async () => '/api/admin/closed/no-such-handoff', expect: adminOnly(404) },
  // The content editor (issue 16): admins and editors everything; the translator (for ar) reads all and
  // changes ar only; caseworkers nothing. Bodies that reach the handler get a known answer (400 when empty).
  'GET /api/editor/state': { expect: staffOnly(403, 200, 403, 200) },
  // The editor's page (a static shell) and its field-level routes (issue 16.1): readers check and preview,
  // a save of a field refused by the validator is a 422, a translator's save of an en or neutral file a 403.
  'GET /admin/editor': { expect: everyone(200) },
  'GET /editor.js': { expect: everyone(200) },
  'GET /api/editor/topics': { expect: staffOnly(403, 200, 403, 200) },
  'GET /api/editor/topics/:id': { path: async () => '/api/editor/topics/hearing.documents', expect: staffOnly(403, 200, 403, 200) },
  'POST /api/editor/topics/:id/check': {
    path: async () => '/api/editor/topics/hearing.documents/check',
    body: () => ({}),
    expect: staffChange(403, 200, 403, 200),
  },
  'PUT /api/editor/topics/:id': {
    path: async () => '/api/editor/topics/hearing.documents',
    body: () => ({ texts: { en: null } }),
    expect: staffChange(403, 422, 403, 422, 403),
  },
  'GET /api/editor/data': { path: async () => '/api/editor/data?path=flows/main.yaml', expect: staffOnly(403, 200, 403, 200) },
  'POST /api/editor/data/check': { body: () => ({}), expect: staffChange(403, 400, 403, 400) },
  'PUT /api/editor/data': { body: () => ({ path: 'flows/main.yaml', data: { id: 'main' } }), expect: staffChange(403, 422, 403, 422, 403) },
  'POST /api/editor/import-file/preview': { body: () => ({}), expect: staffChange(403, 400, 403, 400) },
  'POST /api/editor/import-file/apply': { body: () => ({ path: EN_FILE, text: 'a: [' }), expect: staffChange(403, 422, 403, 422, 403) },
  'GET /api/editor/review/drafts': { path: async () => '/api/editor/review/drafts?lang=ar', expect: staffOnly(403, 200, 403, 200) },
  'POST /api/editor/review/draft': { body: () => ({ lang: 'ar', path: AR_FILE }), expect: staffChange(403, 404, 403, 404, 404) },
  'POST /api/editor/preview': { body: () => ({}), expect: staffChange(403, 400, 403, 400) },
  'GET /api/editor/files': { expect: staffOnly(403, 200, 403, 200) },
  'GET /api/editor/file': { path: async () => `/api/editor/file?path=${encodeURIComponent(AR_FILE)}`, expect: staffOnly(403, 200, 403, 200) },
  'PUT /api/editor/draft': { body: () => ({ path: EN_FILE }), expect: staffChange(403, 400, 403, 400, 403) },
  'DELETE /api/editor/draft': { path: async () => `/api/editor/draft?path=${encodeURIComponent(AR_FILE)}`, expect: staffChange(403, 404, 403, 404) },
  'GET /api/editor/drafts/diff': { expect: staffOnly(403, 200, 403, 200) },
  'POST /api/editor/check': { expect: staffChange(403, 200, 403, 200) },
  'POST /api/editor/publish': { body: () => ({}), expect: staffChange(403, 400, 403, 400, 403) },
  'GET /api/editor/versions': { expect: staffOnly(403, 200, 403, 200) },
  'GET /api/editor/versions/:id': { path: async () => '/api/editor/versions/1', expect: staffOnly(403, 200, 403, 200) },
  'GET /api/editor/versions/:id/diff': { path: async () => '/api/editor/versions/1/diff', expect: staffOnly(403, 200, 403, 200) },
  'POST /api/editor/versions/:id/restore': {
    path: async () => '/api/editor/versions/1/restore',
    body: () => ({}),
    expect: staffChange(403, 400, 403, 400, 403),
  },
  'GET /api/editor/review': { path: async () => '/api/editor/review?lang=ar', expect: staffOnly(403, 200, 403, 200) },
  'POST /api/editor/review': { body: () => ({ lang: 'en', path: EN_FILE }), expect: staffChange(403, 200, 403, 200, 403) },
  'GET /api/editor/export.zip': { expect: staffOnly(403, 200, 403, 200) },
  'POST /api/editor/import/preview': { body: () => ({}), expect: staffChange(403, 400, 403, 400, 403) },
  'POST /api/editor/import/apply': { body: () => ({}), expect: staffChange(403, 400, 403, 400, 403) },
  'GET /api/editor/sheet': { path: async () => '/api/editor/sheet?lang=ar', expect: staffOnly(403, 200, 403, 200) },
  'POST /api/editor/sheet/preview': { path: async () => '/api/editor/sheet/preview?lang=ar', body: () => ({}), expect: staffChange(403, 400, 403, 400) },
  'POST /api/editor/sheet/apply': { path: async () => '/api/editor/sheet/apply?lang=en', body: () => ({}), expect: staffChange(403, 400, 403, 400, 403) },
  // The co-creation dashboard (issue 16.4): a static shell, its data and charts for admins and editors (translators and caseworkers: 403);
  // an empty one-click request reaches the handler (400).
  'GET /cocreation': { expect: everyone(200) },
  'GET /cocreation.js': { expect: everyone(200) },
  'GET /api/cocreation': { expect: editorOnly(200) },
  'GET /api/cocreation.csv': { expect: editorOnly(200) },
  'GET /api/cocreation/chart/:name': { path: async () => '/api/cocreation/chart/weekly.svg', expect: editorOnly(200) },
  'POST /api/cocreation/example': { body: () => ({}), expect: editorChange(400) },
  'POST /api/cocreation/topic': { body: () => ({}), expect: editorChange(400) },
  // Podcast drafts (issue 16.5): a JSON body is no recording (415); no draft yet (404).
  'POST /api/podcasts/:episode/:lang/audio': { path: async () => '/api/podcasts/hearing/en/audio', body: () => ({}), expect: editorChange(415) },
  'POST /api/podcasts/:episode/:lang/transcript': { path: async () => '/api/podcasts/hearing/en/transcript', body: () => ({}), expect: editorChange(415) },
  'DELETE /api/podcasts/:episode/:lang': { path: async () => '/api/podcasts/hearing/ar', expect: editorChange(404) },
  'POST /api/podcasts/:episode/:lang/to-editor': { path: async () => '/api/podcasts/hearing/ar/to-editor', expect: editorChange(404) },
  'GET /podcasts': { expect: everyone(200) },
  'GET /podcasts.js': { expect: everyone(200) },
  'GET /api/podcasts/drafts': { expect: editorOnly(200) },
  'GET /api/podcasts/:episode/:lang/audio': { path: async () => '/api/podcasts/hearing/en/audio', expect: editorOnly(404) },
};

/** Every route on the console's router, as "METHOD /path". */
function mountedRoutes(router: express.Router): string[] {
  const out: string[] = [];
  for (const layer of router.stack as { route?: { path: string; methods: Record<string, boolean> } }[]) {
    if (!layer.route) continue;
    for (const m of Object.keys(layer.route.methods)) out.push(`${m.toUpperCase()} ${layer.route.path}`);
  }
  return out;
}

describe('console route x role matrix', () => {
  it('has a row for every mounted route, and no row for a route that is gone', () => {
    const mounted = mountedRoutes(rt.router);
    expect(mounted.length).toBeGreaterThan(15);
    expect(
      mounted.filter((r) => !(r in MATRIX)),
      'routes without a matrix row',
    ).toEqual([]);
    expect(
      Object.keys(MATRIX).filter((r) => !mounted.includes(r)),
      'rows for routes not mounted',
    ).toEqual([]);
  });

  it('answers every route with the expected status for every role', async () => {
    const got: Record<string, Partial<Statuses>> = {};
    const want: Record<string, Statuses> = {};
    for (const route of mountedRoutes(rt.router)) {
      const row = MATRIX[route];
      if (!row) continue; // reported by the test above
      const [method, pattern] = route.split(' ') as [string, string];
      want[route] = row.expect;
      got[route] = {};
      for (const role of ROLES) {
        const cred = await credFor(role, row.fresh ?? false);
        const p = row.path ? await row.path() : pattern;
        const body = method === 'GET' ? undefined : row.body?.();
        const ctrl = new AbortController();
        const r = await fetch(`${running.url}/console${p === '/' ? '' : p}`, {
          method,
          headers: {
            ...(cred ? { cookie: cred.cookie, 'X-CSRF-Token': cred.csrf } : {}),
            ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          },
          body: body !== undefined ? JSON.stringify(body) : undefined,
          signal: ctrl.signal,
        });
        got[route][role] = r.status;
        ctrl.abort(); // the event stream stays open otherwise
      }
    }
    expect(got).toEqual(want);
  });
});
