/**
 * `DATABASE_URL=postgres://... npm start`, as a test: the real server
 * (startServer, the starter pack and its default plugins) on a PostgreSQL
 * schema of its own answers a web chat message through Direct Line, keeps
 * nothing in a SQLite file, and a second instance on the same database (same
 * LOTSE_SECRET, its own data folder) carries on the same conversation. With
 * CONTENT_SOURCE=store, two instances starting at once on an empty database
 * import the starter content once, as version 1, and serve it. The staff CLI
 * works on the same database, and the config chooses the store from
 * DATABASE_URL.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';
import { FileSource } from '../../src/content/source.js';
import { FIRST_IMPORT, versionFiles } from '../../src/content/store-source.js';
import type { Running } from '../../src/server/main.js';
import { createTestSchema, type TestSchema } from '../helpers/postgres.js';
import { miniRoot, repoRoot } from '../helpers/content.js';
import { startStarterServer } from '../helpers/server.js';
import { DirectLineClient } from '../webchat/dl-client.js';

const SECRET = 'postgres-test-secret-0123456789abcdef';
let t: TestSchema;
const dirs: string[] = [];
const running: Running[] = [];

async function start(env: Record<string, string> = {}): Promise<Awaited<ReturnType<typeof startStarterServer>>> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-pg-server-'));
  dirs.push(dataDir);
  const s = await startStarterServer(dataDir, { DATABASE_URL: t.url, LOTSE_SECRET: SECRET, ...env });
  running.push(s.running);
  return s;
}

beforeAll(async () => {
  t = await createTestSchema();
});
afterAll(async () => {
  for (const r of running) await r.stop();
  await t?.drop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('the server on PostgreSQL', () => {
  it('answers a web chat message through Direct Line, with everything in the database; a second instance carries on the conversation', async () => {
    const one = await start();
    expect(one.running.ctx.config.STORE).toBe('postgres');
    const web = new DirectLineClient(one.running.url);
    await web.start();
    await web.post({ type: 'event', name: 'webchat/join', value: { lang: 'en' } });
    const seen = await web.pollUntil((acts) => acts.some((a) => a.suggestedActions));
    const pick = seen.find((a) => a.suggestedActions)!.suggestedActions!.actions.find((x) => x.title === 'English')!;
    const r = await web.post({ type: 'message', from: { id: web.conversationId }, value: pick.value, channelData: { clientActivityID: 'en-1' } });
    expect(r.status).toBe(200);
    const postedId = r.json.id as string;
    const after = await web.pollUntil((acts) => acts.some((a) => a.replyToId === postedId), seen);
    const reply = after.filter((a) => a.replyToId === postedId);
    expect(reply.map((a) => a.text ?? '').join('\n').length).toBeGreaterThan(0);

    // Everything is in the PostgreSQL schema; the data folder holds no database file.
    expect(fs.existsSync(path.join(dirs[0]!, 'lotse.sqlite'))).toBe(false);
    const c = new pg.Client({ connectionString: t.url });
    await c.connect();
    try {
      // The tables are in the test's own schema (DATABASE_URL's options set the search_path), not in public.
      expect((await c.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s).toBe(t.schema);
      expect(
        (
          await c.query<{ s: string }>(
            "SELECT table_schema AS s FROM information_schema.tables WHERE table_name = 'webchat_activities' AND table_schema = $1",
            [t.schema],
          )
        ).rowCount,
      ).toBe(1);
      const acts = (
        await c.query<{ activity: string }>('SELECT activity FROM webchat_activities WHERE conversation_id = $1 ORDER BY seq', [web.conversationId])
      ).rows;
      expect(acts.map((x) => (JSON.parse(x.activity) as { id: string }).id)).toEqual(after.map((a) => a.id));
      const session = (await c.query<{ state: string }>("SELECT state FROM sessions WHERE channel = 'webchat' AND conversation_id = $1", [web.conversationId]))
        .rows[0];
      expect(JSON.parse(session!.state)).toMatchObject({ lang: 'en' });
      expect((await c.query("SELECT 1 FROM inbox WHERE channel = 'webchat'")).rowCount).toBeGreaterThan(0);
    } finally {
      await c.end();
    }

    // The handoff module's tables and staff accounts are there too.
    const staff = await one.rt.auth.createStaff({ email: 'cw@ngo.example', name: 'Clara', role: 'admin', password: 'correct horse battery' });
    expect((await (await one.running.ctx.store.staffAccounts()).staffByEmail('CW@ngo.example'))?.id).toBe(staff.id);

    // A second instance on the same database: the client's next message goes there, the answer is read from the first.
    const two = await start();
    const viaTwo = new DirectLineClient(two.running.url);
    viaTwo.token = web.token;
    viaTwo.conversationId = web.conversationId;
    const r2 = await viaTwo.post({ type: 'message', from: { id: web.conversationId }, text: '/menu' });
    expect(r2.status).toBe(200);
    const secondId = r2.json.id as string;
    const both = await web.pollUntil((acts) => acts.some((a) => a.replyToId === secondId), after);
    expect(both.filter((a) => a.replyToId === secondId).length).toBeGreaterThan(0);
    // One log, numbered once: the watermark runs on without gaps or repeats across the two instances.
    const ids = both.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.map((id) => Number(String(id).split('|')[1]))).toEqual(ids.map((_, i) => i + 1));
    expect(await two.running.ctx.store.ping()).toBe(true);

    // A clean shutdown ends the pool: the store answers no more, and stopping again is harmless.
    await two.running.stop();
    expect(await two.running.ctx.store.ping()).toBe(false);
    await two.running.stop();
  });
});

describe('the server on PostgreSQL with the content in the store', () => {
  it('two instances starting at once on an empty database import the starter content once, as version 1, serve it and answer a web chat message', async () => {
    const own = await createTestSchema();
    const started: Running[] = [];
    try {
      const startHere = async () => {
        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-pg-store-content-'));
        dirs.push(dataDir);
        const s = await startStarterServer(dataDir, { DATABASE_URL: own.url, LOTSE_SECRET: SECRET, CONTENT_SOURCE: 'store' });
        started.push(s.running);
        return s.running;
      };
      const [one, two] = await Promise.all([startHere(), startHere()]);
      expect(one.ctx.config.STORE).toBe('postgres');
      const versions = await one.ctx.store.contentVersions();
      const all = await versions.versions(10);
      expect(all).toHaveLength(1);
      expect(all[0]).toMatchObject({ id: 1, kind: 'import', authorName: FIRST_IMPORT.authorName, why: FIRST_IMPORT.why });
      // Both serve version 1, compiled from the same files as on disk.
      for (const r of [one, two]) {
        expect(r.ctx.content.servedVersion()).toBe(1);
        expect(r.ctx.content.current().pack.version).toBe(all[0]!.packVersion);
      }
      const disk = new FileSource(repoRoot).readSync().files;
      const stored = await versionFiles(versions, 1);
      expect(stored.length).toBeGreaterThan(10);
      expect(stored).toEqual([...disk].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)));
      const c = new pg.Client({ connectionString: own.url });
      await c.connect();
      try {
        expect((await c.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM content_versions')).rows[0]?.n).toBe(1);
      } finally {
        await c.end();
      }

      // A person chats with the second instance: the first question and the answer to a language pick come from the stored pack.
      const web = new DirectLineClient(two.url);
      await web.start();
      await web.post({ type: 'event', name: 'webchat/join', value: { lang: 'de' } });
      const seen = await web.pollUntil((acts) => acts.some((a) => a.suggestedActions));
      const pick = seen.find((a) => a.suggestedActions)!.suggestedActions!.actions.find((x) => x.title === 'Deutsch')!;
      const r = await web.post({ type: 'message', from: { id: web.conversationId }, value: pick.value, channelData: { clientActivityID: 'de-1' } });
      expect(r.status).toBe(200);
      const postedId = r.json.id as string;
      const after = await web.pollUntil((acts) => acts.some((a) => a.replyToId === postedId), seen);
      const reply = after.filter((a) => a.replyToId === postedId);
      expect(reply.map((a) => a.text ?? '').join('\n').length).toBeGreaterThan(0);
      const session = await one.ctx.store.getSession({ channel: 'webchat', conversationId: web.conversationId });
      expect(session?.state).toMatchObject({ lang: 'de' });
    } finally {
      for (const r of started) await r.stop();
      await own.drop();
    }
  });
});

describe('the CLI on PostgreSQL', () => {
  it('`lotse staff add` with DATABASE_URL creates the account in the database the server uses, and exits', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-pg-cli-'));
    dirs.push(dataDir);
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'src/cli/lotse.mjs'), 'staff', 'add', '--email', 'Boss@ngo.example', '--name', 'Boss'], {
      encoding: 'utf8',
      cwd: dataDir,
      env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: t.url, LOG_LEVEL: 'silent', LOTSE_STAFF_PASSWORD: 'the first admin pw' },
      timeout: 60_000,
    });
    expect(r.status, r.stderr).toBe(0);
    // The server above already made an admin in this database: the CLI sees it, so the new account is a caseworker.
    expect(r.stdout).toMatch(/created caseworker boss@ngo\.example/);
    expect(fs.existsSync(path.join(dataDir, 'lotse.sqlite'))).toBe(false);
    const s = t.store();
    expect(await (await s.staffAccounts()).staffByEmail('boss@ngo.example')).toMatchObject({ name: 'Boss', role: 'caseworker', active: true });
  });
});

describe('the content commands on PostgreSQL', () => {
  it('`lotse content import` and `export` with DATABASE_URL publish to and read from the database, and exit', async () => {
    const own = await createTestSchema();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-pg-content-cli-'));
    dirs.push(tmp);
    const pack = path.join(tmp, 'pack');
    fs.cpSync(miniRoot, pack, { recursive: true });
    const lotse = (...args: string[]) =>
      spawnSync(process.execPath, [path.join(repoRoot, 'src/cli/lotse.mjs'), 'content', ...args], {
        encoding: 'utf8',
        cwd: tmp,
        env: { ...process.env, DATA_DIR: path.join(tmp, 'data'), DATABASE_URL: own.url, CONTENT_ROOT: pack, LOG_LEVEL: 'silent' },
        // A pool left open would keep the process running: it must end well before this.
        timeout: 60_000,
      });
    try {
      const first = lotse('import', pack, '--apply');
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/imported \d+ files as version 1/);
      const en = path.join(pack, 'content/en/topics/hearing.yaml');
      fs.writeFileSync(en, fs.readFileSync(en, 'utf8').replace('title: Interpreter', 'title: Interpreters'));
      const applied = lotse('import', pack, '--apply', '--why', 'plural');
      expect(applied.status, applied.stderr).toBe(0);
      expect(applied.stdout).toContain('published version 2');
      const versions = await own.store().contentVersions();
      expect((await versions.versions(10)).map((v) => [v.id, v.kind, v.why])).toEqual([
        [2, 'import', 'plural'],
        [1, 'import', FIRST_IMPORT.why],
      ]);
      const out = path.join(tmp, 'out');
      const exported = lotse('export', out, '--version', '1');
      expect(exported.status, exported.stderr).toBe(0);
      expect(fs.readFileSync(path.join(out, 'content/en/topics/hearing.yaml'), 'utf8')).toContain('title: Interpreter\n');
      expect(fs.existsSync(path.join(tmp, 'data', 'lotse.sqlite'))).toBe(false);
    } finally {
      await own.drop();
    }
  });
});

describe('choosing the store', () => {
  it('DATABASE_URL postgres:// chooses PostgreSQL; without it, SQLite; a bad one is refused without showing it', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://lotse:pw@db:5432/lotse' }).STORE).toBe('postgres');
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/lotse' }).STORE).toBe('postgres');
    expect(loadConfig({}).STORE).toBe('sqlite');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/lotse', STORE: 'sqlite' }).STORE).toBe('sqlite');
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/lotse' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/lotse' })).toThrow(/DATABASE_URL: looks like postgres:\/\//);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root:hunter2@db/lotse' })).not.toThrow(/hunter2/);
    expect(() => loadConfig({ STORE: 'postgres' })).toThrow(/DATABASE_URL: required when STORE=postgres/);
  });
});
