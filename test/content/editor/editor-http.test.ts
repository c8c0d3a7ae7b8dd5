/**
 * The content editor over HTTP (issue 16.2, 16.3), as staff use it, on two
 * real server instances sharing one SQLite file (CONTENT_SOURCE=store):
 *  - an answer published on one instance is served by both within seconds,
 *    without a restart (each polls the store's head);
 *  - an invalid edit is refused with the validator's file, line and field,
 *    and nothing published changes;
 *  - a translator for fa may not touch ar (403), nor publish;
 *  - a review mark shows what changed in the source language since;
 *  - restore makes a new version equal to an older one;
 *  - a zip export imports back with a diff shown first, refused on a stale base;
 *  - one language as XLSX round-trips (only the changed cell becomes a draft,
 *    the file's comments stay), and as CSV.
 * The pack is the test fixture with Farsi added (a copy of its Arabic).
 * editor-http-postgres.test.ts runs the same tests with both instances on one
 * PostgreSQL schema instead of the SQLite file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { payload } from '../../../src/engine/payload.js';
import { handoffPlugin, type HandoffRuntime } from '../../../src/handoff/plugin.js';
import { type Running, startServer } from '../../../src/server/main.js';
import { miniRoot } from '../../helpers/content.js';
import { createTestSchema, type TestSchema } from '../../helpers/postgres.js';
import { editorHttpStore } from './editor-http-store.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-editor-'));
const root = path.join(tmp, 'pack');
const dataDir = path.join(tmp, 'data');
let a: Running;
let b: Running;
let rtA: HandoffRuntime;
let schema: TestSchema | undefined;

const EN_HEARING = 'content/en/topics/hearing.yaml';
const FA_HEARING = 'content/fa/topics/hearing.yaml';
const AR_HEARING = 'content/ar/topics/hearing.yaml';
const PW = 'editor test password';

/** One server instance on the shared data folder and pack, polling the store every 200 ms. */
async function start(): Promise<{ running: Running; rt: HandoffRuntime }> {
  const plugin = handoffPlugin();
  const running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      ...(schema ? { DATABASE_URL: schema.url } : {}),
      CONTENT_ROOT: root,
      CONTENT_SOURCE: 'store',
      CONTENT_POLL_MS: '200',
      LOG_LEVEL: 'silent',
      STAFF_LOGIN_FAILURES_PER_ADDRESS: '100000',
    }),
    plugins: () => [plugin],
  });
  return { running, rt: plugin.runtime! };
}

beforeAll(async () => {
  fs.cpSync(miniRoot, root, { recursive: true });
  fs.cpSync(path.join(root, 'content', 'ar'), path.join(root, 'content', 'fa'), { recursive: true });
  fs.cpSync(path.join(root, 'locales', 'ar'), path.join(root, 'locales', 'fa'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'content', 'fa', 'language.yaml'),
    '{ name: فارسی, englishName: Farsi, dir: rtl, script: Arab, webchatLocale: fa-IR, order: 20, names: [farsi, فارسی] }\n',
  );
  // A comment the spreadsheet import must keep.
  const fa = path.join(root, FA_HEARING);
  fs.writeFileSync(fa, `# Farsi texts of the hearing flow: keep this comment\n${fs.readFileSync(fa, 'utf8')}`);
  if (editorHttpStore.postgres) schema = await createTestSchema();
  // Instance a imports the files into the empty store; b finds version 1 there.
  ({ running: a, rt: rtA } = await start());
  ({ running: b } = await start());
  const mk = (email: string, role: 'admin' | 'editor' | 'translator' | 'caseworker', languages: string[]) =>
    rtA.auth.createStaff({ email, name: email.split('@')[0]!, role, password: PW, languages });
  await mk('admin@ngo.example', 'admin', ['en']);
  await mk('edith@ngo.example', 'editor', []);
  await mk('farid@ngo.example', 'translator', ['fa']);
  await mk('carla@ngo.example', 'caseworker', ['en']);
}, 120_000);
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  await schema?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

interface Cred {
  cookie: string;
  csrf: string;
}
const creds = new Map<string, Cred>();
async function as(who: string): Promise<Cred> {
  const c = creds.get(who);
  if (c) return c;
  const r = await fetch(`${a.url}/console/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `${who}@ngo.example`, password: PW }),
  });
  expect(r.status, `sign-in of ${who}`).toBe(200);
  const cred = { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await r.json()) as { csrf: string }).csrf };
  creds.set(who, cred);
  return cred;
}

/** A request to the editor API as `who`; JSON in and out unless `raw` says otherwise. */
async function api(
  who: string,
  method: string,
  p: string,
  body?: unknown,
  opts: { type?: string; server?: Running } = {},
): Promise<{ status: number; json: any; buf: Buffer; type: string }> {
  const cred = await as(who);
  const isBuf = Buffer.isBuffer(body);
  const r = await fetch(`${(opts.server ?? a).url}/console/api/editor${p}`, {
    method,
    headers: {
      cookie: cred.cookie,
      'X-CSRF-Token': cred.csrf,
      ...(body !== undefined ? { 'Content-Type': opts.type ?? 'application/json' } : {}),
    },
    body: body === undefined ? undefined : isBuf ? new Uint8Array(body as Buffer) : JSON.stringify(body),
  });
  const buf = Buffer.from(await r.arrayBuffer());
  const type = r.headers.get('content-type') ?? '';
  return { status: r.status, json: type.includes('json') ? JSON.parse(buf.toString('utf8')) : undefined, buf, type };
}

/** Waits (without a timed assertion: up to a generous bound) until `fn` is true. */
async function until(what: string, fn: () => Promise<boolean>, boundMs = 30_000): Promise<void> {
  const end = Date.now() + boundMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}

const healthVersion = async (r: Running) => ((await (await fetch(`${r.url}/healthz`)).json()) as { content: string }).content;

/** What the bot answers on a server to the topic button, in English. */
let people = 0;
async function answerOn(r: Running, topic: string): Promise<string> {
  const ref = { channel: 'cli' as const, conversationId: `editor-${++people}` };
  await r.ctx.bot.handle(ref, { kind: 'start' });
  await r.ctx.bot.handle(ref, { kind: 'button', payload: 'l:en' });
  const reply = await r.ctx.bot.handle(ref, { kind: 'button', payload: payload.topic(topic) });
  return reply.messages.map((m) => ('text' in m ? m.text : '')).join('\n');
}

async function publishedText(p: string): Promise<string> {
  return (await api('edith', 'GET', `/file?path=${encodeURIComponent(p)}`)).json.published.text as string;
}

describe(`content editor over HTTP, two instances on one store (${editorHttpStore.postgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('imported the files as version 1 on first start, and both instances serve it', async () => {
    for (const r of [a, b]) expect(r.ctx.config.STORE).toBe(editorHttpStore.postgres ? 'postgres' : 'sqlite');
    const s = await api('edith', 'GET', '/state');
    expect(s.status).toBe(200);
    expect(s.json.head).toMatchObject({ id: 1, kind: 'import', authorName: 'import' });
    expect(s.json.me).toMatchObject({ role: 'editor', canPublish: true });
    expect(s.json.languages.map((l: { code: string }) => l.code)).toEqual(['ar', 'fa', 'en']);
    expect(await healthVersion(a)).toBe(s.json.head.packVersion);
    expect(await healthVersion(b)).toBe(s.json.head.packVersion);
    const files = await api('edith', 'GET', '/files');
    expect(files.json.files.map((f: { path: string }) => f.path)).toContain(FA_HEARING);
  });

  it('publishes an edited answer on one instance, and both serve it within seconds without a restart', async () => {
    expect(await answerOn(b, 'hearing.interpreter')).toContain('You have a right to an interpreter.');
    const text = (await publishedText(EN_HEARING)).replace('You have a right to an interpreter.', 'You have a right to a free interpreter in your language.');
    const put = await api('edith', 'PUT', '/draft', { path: EN_HEARING, text, why: 'say it is free' });
    expect(put.status).toBe(200);
    expect(put.json.problems.filter((p: { severity: string }) => p.severity === 'error')).toEqual([]);
    const diff = await api('edith', 'GET', '/drafts/diff');
    expect(diff.json.files).toHaveLength(1);
    expect(diff.json.files[0].unified).toContain('+  answer: ["You have a right to a free interpreter in your language."]');

    const pub = await api('edith', 'POST', '/publish', { why: 'interpreters are free', base: 1 });
    expect(pub.status).toBe(200);
    expect(pub.json.version).toMatchObject({ id: 2, parent: 1, kind: 'publish', authorName: 'edith', why: 'interpreters are free' });
    expect(pub.json.diff.files.map((f: { path: string }) => f.path)).toEqual([EN_HEARING]);
    const pv = pub.json.version.packVersion as string;
    await until('both instances serve version 2', async () => (await healthVersion(a)) === pv && (await healthVersion(b)) === pv);
    expect(await answerOn(a, 'hearing.interpreter')).toContain('a free interpreter in your language');
    expect(await answerOn(b, 'hearing.interpreter')).toContain('a free interpreter in your language');
    expect((await api('edith', 'GET', '/state')).json.drafts).toEqual([]);
  });

  it('refuses to publish an invalid edit with the validator’s file, line and field, and nothing published changes', async () => {
    const before = await api('edith', 'GET', '/state');
    const text = (await publishedText(EN_HEARING)).replace('title: Interpreter', 'title: ""');
    const put = await api('edith', 'PUT', '/draft', { path: EN_HEARING, text, why: 'oops' });
    // A draft is saved as work in progress, with the problems to show at once.
    expect(put.status).toBe(200);
    const errors = put.json.problems.filter((p: { severity: string }) => p.severity === 'error');
    expect(errors[0]).toMatchObject({ path: EN_HEARING, line: 8 });
    expect(errors[0].message).toMatch(/hearing\.interpreter\.title/);

    const pub = await api('edith', 'POST', '/publish', { why: 'try' });
    expect(pub.status).toBe(422);
    expect(pub.json.error.code).toBe('Invalid');
    expect(pub.json.error.message).toContain(`${EN_HEARING}:8`);
    expect(pub.json.error.problems[0]).toMatchObject({ severity: 'error', path: EN_HEARING, line: 8 });
    const after = await api('edith', 'GET', '/state');
    expect(after.json.head).toEqual(before.json.head);
    expect(await healthVersion(a)).toBe(before.json.head.packVersion);
    expect(await answerOn(a, 'hearing.interpreter')).toContain('a free interpreter');
    // The draft stays for its author to fix; discarding it leaves no draft.
    expect(after.json.drafts.map((d: { path: string }) => d.path)).toEqual([EN_HEARING]);
    expect((await api('edith', 'DELETE', `/draft?path=${encodeURIComponent(EN_HEARING)}`)).status).toBe(200);
    expect((await api('edith', 'GET', '/state')).json.drafts).toEqual([]);
  });

  it('lets a translator for fa edit and review fa only: ar, flows and publishing are refused with 403', async () => {
    const ar = await publishedText(AR_HEARING);
    const refusedAr = await api('farid', 'PUT', '/draft', { path: AR_HEARING, text: `${ar}\n` });
    expect(refusedAr.status).toBe(403);
    expect(refusedAr.json.error.message).toBe(`you translate fa; ${AR_HEARING} is ar`);
    expect((await api('farid', 'PUT', '/draft', { path: 'flows/main.yaml', text: 'x: 1\n' })).status).toBe(403);
    expect((await api('farid', 'POST', '/review', { lang: 'ar', path: AR_HEARING })).status).toBe(403);
    const fa = await publishedText(FA_HEARING);
    expect((await api('farid', 'PUT', '/draft', { path: FA_HEARING, text: `${fa}# checked\n`, why: 'note' })).status).toBe(200);
    expect((await api('farid', 'POST', '/publish', { why: 'mine' })).status).toBe(403);
    expect((await api('farid', 'DELETE', `/draft?path=${encodeURIComponent(FA_HEARING)}`)).status).toBe(200);
    expect((await api('edith', 'GET', '/state')).json.drafts).toEqual([]);
    // Nobody on the editor's side reads people's conversations, and a caseworker has no editor.
    const queue = await fetch(`${a.url}/console/api/queue`, { headers: { cookie: (await as('farid')).cookie } });
    expect(queue.status).toBe(403);
    expect((await api('carla', 'GET', '/state')).status).toBe(403);
  });

  it('shows a reviewer what changed in the source language since their review', async () => {
    const mark = await api('farid', 'POST', '/review', { lang: 'fa', path: FA_HEARING });
    expect(mark.status).toBe(200);
    expect(mark.json.review).toMatchObject({ lang: 'fa', path: FA_HEARING, versionId: 2, staffName: 'farid' });
    let list = await api('farid', 'GET', '/review?lang=fa');
    let row = list.json.files.find((f: { path: string }) => f.path === FA_HEARING);
    expect(row).toMatchObject({ source: EN_HEARING, changedSinceReview: false, sourceChanged: false, sourceDiff: '' });

    const text = (await publishedText(EN_HEARING)).replace('Bring originals and copies of evidence.', 'Bring originals and two copies of evidence.');
    expect((await api('edith', 'PUT', '/draft', { path: EN_HEARING, text })).status).toBe(200);
    expect((await api('edith', 'POST', '/publish', { why: 'two copies' })).json.version.id).toBe(3);
    list = await api('farid', 'GET', '/review?lang=fa');
    row = list.json.files.find((f: { path: string }) => f.path === FA_HEARING);
    expect(row.sourceChanged).toBe(true);
    expect(row.changedSinceReview).toBe(false);
    expect(row.sourceDiff).toContain('-  answer: ["Bring your identity documents and the asylum card.", "Bring originals and copies of evidence."]');
    expect(row.sourceDiff).toContain('+  answer: ["Bring your identity documents and the asylum card.", "Bring originals and two copies of evidence."]');
  });

  it('restores an earlier version as a new one, with its history and diff, served by both instances', async () => {
    const v1 = await api('edith', 'GET', '/versions/1');
    const r = await api('edith', 'POST', '/versions/1/restore', { why: 'back to the imported texts' });
    expect(r.status).toBe(200);
    expect(r.json.version).toMatchObject({ id: 4, parent: 3, kind: 'restore', restoredFrom: 1, why: 'back to the imported texts' });
    expect((await api('edith', 'GET', '/versions/4')).json.files).toEqual(v1.json.files);
    expect(r.json.version.packVersion).toBe(v1.json.version.packVersion);
    const d = await api('edith', 'GET', '/versions/4/diff');
    expect(d.json).toMatchObject({ from: 3, to: 4 });
    expect(d.json.files.map((f: { path: string }) => f.path)).toEqual([EN_HEARING]);
    expect(d.json.files[0].unified).toContain('+  answer: ["You have a right to an interpreter."]');
    const pv = r.json.version.packVersion as string;
    await until('both instances serve the restored version', async () => (await healthVersion(a)) === pv && (await healthVersion(b)) === pv);
    expect(await answerOn(b, 'hearing.interpreter')).not.toContain('free');
    const hist = await api('edith', 'GET', '/versions');
    // The import added every file.
    const all = v1.json.files.length as number;
    expect(hist.json.versions.map((v: { id: number; kind: string; changed: number }) => [v.id, v.kind, v.changed])).toEqual([
      [4, 'restore', 1],
      [3, 'publish', 1],
      [2, 'publish', 1],
      [1, 'import', all],
    ]);
    expect((await api('farid', 'POST', '/versions/2/restore', { why: 'x' })).status).toBe(403);
  });

  it('exports the pack as a zip and imports it back with a diff shown first; a stale preview is refused', async () => {
    const zipRes = await api('edith', 'GET', '/export.zip');
    expect(zipRes.status).toBe(200);
    expect(zipRes.type).toBe('application/zip');
    const zip = await JSZip.loadAsync(zipRes.buf);
    const names = Object.keys(zip.files).filter((n) => !zip.files[n]!.dir);
    expect(names).toContain(FA_HEARING);
    expect(names.every((n) => /^(content|flows|locales)\//.test(n))).toBe(true);
    // A team edits in git: one file changes, one file goes, and the zip comes back in a folder.
    const edited = new JSZip();
    for (const n of names) {
      if (n === 'content/ar/podcasts.yaml') continue;
      let t = await zip.files[n]!.async('string');
      if (n === EN_HEARING) t = t.replace('Interpreter', 'Interpreters');
      edited.file(`my-pack/${n}`, t);
    }
    edited.file('my-pack/README.md', 'not pack content');
    const body = await edited.generateAsync({ type: 'nodebuffer' });
    const prev = await api('edith', 'POST', '/import/preview', body, { type: 'application/zip' });
    expect(prev.status).toBe(200);
    expect(prev.json.base).toBe(4);
    expect(prev.json.ignored).toEqual(['my-pack/README.md']);
    expect(prev.json.diff.files.map((f: { path: string; status: string }) => [f.path, f.status])).toEqual([
      ['content/ar/podcasts.yaml', 'removed'],
      [EN_HEARING, 'changed'],
    ]);
    expect(prev.json.diff.files[1].unified).toContain('+  title: Interpreters');
    // Nothing changed yet.
    expect((await api('edith', 'GET', '/state')).json.head.id).toBe(4);
    // The podcasts file is needed (its podcasts are referenced): the validator says so, per file.
    expect(prev.json.ok).toBe(false);
    const bad = await api('edith', 'POST', '/import/apply?base=4&why=from%20git', body, { type: 'application/zip' });
    expect(bad.status).toBe(422);
    expect((await api('edith', 'GET', '/state')).json.head.id).toBe(4);

    const good = new JSZip();
    for (const n of names)
      good.file(n, n === EN_HEARING ? (await zip.files[n]!.async('string')).replace('Interpreter', 'Interpreters') : await zip.files[n]!.async('string'));
    const goodBody = await good.generateAsync({ type: 'nodebuffer' });
    const p2 = await api('edith', 'POST', '/import/preview', goodBody, { type: 'application/zip' });
    expect(p2.json).toMatchObject({ ok: true, base: 4 });
    expect(p2.json.diff.files.map((f: { path: string }) => f.path)).toEqual([EN_HEARING]);
    const applied = await api('edith', 'POST', '/import/apply?base=4&why=from%20git', goodBody, { type: 'application/zip' });
    expect(applied.status).toBe(200);
    expect(applied.json.version).toMatchObject({ id: 5, kind: 'import', why: 'from git' });
    const stale = await api('edith', 'POST', '/import/apply?base=4', goodBody, { type: 'application/zip' });
    expect(stale.status).toBe(409);
    expect(stale.json.error).toMatchObject({ code: 'Conflict', head: 5 });
    expect((await api('farid', 'POST', '/import/preview', goodBody, { type: 'application/zip' })).status).toBe(403);
  });

  it('round-trips Farsi as XLSX beside English: one changed cell becomes one draft, comments kept', async () => {
    const res = await api('farid', 'GET', '/sheet?lang=fa');
    expect(res.status).toBe(200);
    expect(res.type).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.buf as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).values).toEqual([undefined, 'file', 'key', 'en', 'fa']);
    let target = 0;
    ws.eachRow((r, n) => {
      if (r.getCell(1).value === FA_HEARING && r.getCell(2).value === 'hearing.interpreter/answer/0') target = n;
    });
    expect(target).toBeGreaterThan(1);
    expect(ws.getRow(target).getCell(3).value).toBe('You have a right to an interpreter.');
    const keys: string[] = [];
    ws.eachRow((r) => keys.push(String(r.getCell(2).value)));
    // Phrasings and review states are not translations.
    expect(keys.some((k) => /examples|keywords|\/review$/.test(k))).toBe(false);
    ws.getRow(target).getCell(4).value = 'شما حق دارید یک مترجم رایگان داشته باشید.';
    const up = Buffer.from(await wb.xlsx.writeBuffer());
    const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    const prev = await api('farid', 'POST', '/sheet/preview?lang=fa', up, { type: XLSX });
    expect(prev.status).toBe(200);
    expect(prev.json.changes).toEqual([
      { file: FA_HEARING, key: 'hearing.interpreter/answer/0', before: expect.any(String), after: 'شما حق دارید یک مترجم رایگان داشته باشید.' },
    ]);
    expect(prev.json.unknown).toEqual([]);
    expect((await api('edith', 'GET', '/state')).json.drafts).toEqual([]);
    // The same sheet as Arabic is refused to him: he translates fa.
    expect((await api('farid', 'POST', '/sheet/apply?lang=ar', up, { type: XLSX })).status).toBe(403);
    const applied = await api('farid', 'POST', '/sheet/apply?lang=fa', up, { type: XLSX });
    expect(applied.status).toBe(200);
    expect(applied.json.drafts.map((d: { path: string }) => d.path)).toEqual([FA_HEARING]);
    const file = await api('farid', 'GET', `/file?path=${encodeURIComponent(FA_HEARING)}`);
    expect(file.json.draft.text).toContain('# Farsi texts of the hearing flow: keep this comment');
    expect(file.json.draft.text).toContain('شما حق دارید یک مترجم رایگان داشته باشید.');
    const diff = await api('edith', 'GET', '/drafts/diff');
    expect(diff.json.files).toHaveLength(1);
    expect(diff.json.files[0]).toMatchObject({ path: FA_HEARING, added: 1, removed: 1 });
    const pub = await api('edith', 'POST', '/publish', { why: 'Farsi from the spreadsheet' });
    expect(pub.status).toBe(200);
  });

  it('exports and reads back CSV the same way', async () => {
    const res = await api('farid', 'GET', '/sheet?lang=fa&format=csv');
    expect(res.status).toBe(200);
    const csv = res.buf.toString('utf8');
    expect(csv.startsWith('\uFEFFfile,key,en,fa\r\n')).toBe(true);
    const changed = csv.replace('شما حق دارید یک مترجم رایگان داشته باشید.', 'مترجم رایگان است.');
    expect(changed).not.toBe(csv);
    const prev = await api('farid', 'POST', '/sheet/preview?lang=fa', Buffer.from(changed, 'utf8'), { type: 'text/csv' });
    expect(prev.status).toBe(200);
    expect(prev.json.changes.map((c: { key: string; after: string }) => [c.key, c.after])).toEqual([['hearing.interpreter/answer/0', 'مترجم رایگان است.']]);
    const same = await api('farid', 'POST', '/sheet/preview?lang=fa', Buffer.from(csv, 'utf8'), { type: 'text/csv' });
    expect(same.json.changes).toEqual([]);
  });
});
