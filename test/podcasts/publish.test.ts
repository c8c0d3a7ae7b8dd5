/**
 * A podcast recording published through the editor (issue 16.5), on two real
 * server instances sharing one SQLite file (CONTENT_SOURCE=store) and
 * Debian's ffmpeg:
 *  - an Arabic recording (made here by ffmpeg, OGG/Opus as a phone records it)
 *    and its transcript are uploaded on instance A, and "to the editor" puts
 *    the MP3 into the store and makes drafts of podcasts.yaml (audio,
 *    duration) and content/ar/podcasts.yaml (the transcript);
 *  - the validator refuses a podcasts.yaml that names a recording nobody has;
 *  - after publish, instance B (whose disk never saw the upload) serves the
 *    very MP3 bytes at the episode's audio URL, with byte ranges, and the
 *    transcript page and feed name it;
 *  - on /console/podcasts in Chromium (1366x768 and 390x844), "To the editor"
 *    does the same for the English recording, and says what to publish.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { handoffPlugin, type HandoffRuntime } from '../../src/handoff/plugin.js';
import { sniffAudio } from '../../src/podcasts/audio.js';
import { podcastsPlugin } from '../../src/podcasts/plugin.js';
import { type Running, startServer } from '../../src/server/main.js';
import { launchChromium } from '../helpers/browser.js';
import { WAIT } from '../helpers/console.js';
import { miniRoot } from '../helpers/content.js';

const FFMPEG = '/usr/bin/ffmpeg';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-podcast-publish-'));
const root = path.join(tmp, 'pack');
const dataDir = path.join(tmp, 'data');
const PW = 'podcast publish password';
let a: Running;
let b: Running;
let cred: { cookie: string; csrf: string };
let recording: Buffer;

async function start(): Promise<{ running: Running; rt: HandoffRuntime }> {
  const plugin = handoffPlugin();
  const running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: root,
      CONTENT_SOURCE: 'store',
      CONTENT_POLL_MS: '200',
      LOG_LEVEL: 'silent',
      FFMPEG_PATH: FFMPEG,
    }),
    plugins: () => [podcastsPlugin(), plugin],
  });
  return { running, rt: plugin.runtime! };
}

beforeAll(async () => {
  fs.cpSync(miniRoot, root, { recursive: true });
  const ogg = path.join(tmp, 'tone.ogg');
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=330:duration=3', '-c:a', 'libopus', '-b:a', '32k', ogg]);
  recording = fs.readFileSync(ogg);
  const first = await start();
  a = first.running;
  ({ running: b } = await start());
  await first.rt.auth.createStaff({ email: 'ed@ngo.example', name: 'Edith', role: 'editor', password: PW, languages: ['ar'] });
  const r = await fetch(`${a.url}/console/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'ed@ngo.example', password: PW }),
  });
  expect(r.status).toBe(200);
  cred = { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await r.json()) as { csrf: string }).csrf };
}, 120_000);
afterAll(async () => {
  await a?.stop();
  await b?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function call(method: string, p: string, body?: unknown, type = 'application/json'): Promise<{ status: number; json: any }> {
  const r = await fetch(`${a.url}/console${p}`, {
    method,
    headers: { cookie: cred.cookie, 'X-CSRF-Token': cred.csrf, ...(body !== undefined ? { 'Content-Type': type } : {}) },
    body: body === undefined ? undefined : Buffer.isBuffer(body) ? new Uint8Array(body) : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, json: (r.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text };
}

async function until(what: string, fn: () => Promise<boolean>, boundMs = 60_000): Promise<void> {
  const end = Date.now() + boundMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}
const healthVersion = async (r: Running) => ((await (await fetch(`${r.url}/healthz`)).json()) as { content: string }).content;

describe('a podcast recording published through the editor', () => {
  it('serves the uploaded MP3 from a second instance on the same store once published', async () => {
    // Nothing to hand over before an upload.
    expect((await call('POST', '/api/podcasts/hearing/ar/to-editor')).status).toBe(404);

    const up = await call('POST', '/api/podcasts/hearing/ar/audio', recording, 'audio/ogg');
    expect(up.status, JSON.stringify(up.json)).toBe(201);
    const mp3 = fs.readFileSync(path.join(dataDir, 'drafts', 'audio', up.json.audio.file));
    expect(sniffAudio(mp3)).toBe('mp3');
    const t = await call('POST', '/api/podcasts/hearing/ar/transcript', 'مرحبا بكم.\n\nهذه حلقتنا.', 'text/plain; charset=utf-8');
    expect(t.status).toBe(200);

    const handed = await call('POST', '/api/podcasts/hearing/ar/to-editor');
    expect(handed.status, JSON.stringify(handed.json)).toBe(200);
    const audioPath = handed.json.audio as string;
    expect(audioPath).toBe(`audio/${up.json.audio.file}`);
    expect(handed.json.drafts).toEqual(['content/podcasts.yaml', 'content/ar/podcasts.yaml']);
    // The upload draft is gone (file and record): the editor's drafts are the one copy.
    expect(fs.existsSync(path.join(dataDir, 'drafts', 'audio', up.json.audio.file))).toBe(false);
    expect((await call('GET', '/api/podcasts/drafts')).json.drafts).toEqual([]);

    const registry = (await call('GET', `/api/editor/file?path=${encodeURIComponent('content/podcasts.yaml')}`)).json.draft.text as string;
    expect(registry).toContain(`ar: ${audioPath}`);
    expect(registry).toMatch(/duration: \{ en: 3, ar: 3 \}/);
    expect((await call('GET', `/api/editor/file?path=${encodeURIComponent('content/ar/podcasts.yaml')}`)).json.draft.text).toContain('هذه حلقتنا.');

    // The validator knows the stored recording, and refuses one nobody has.
    const check = await call('POST', '/api/editor/check');
    expect(check.json.problems.filter((p: { severity: string }) => p.severity === 'error')).toEqual([]);
    const broken = await call('PUT', '/api/editor/draft', {
      path: 'content/podcasts.yaml',
      text: registry.replace(audioPath, 'audio/nobody-has-this.mp3'),
      why: 'a typo',
    });
    expect(
      broken.json.problems
        .filter((p: { severity: string }) => p.severity === 'error')
        .map((p: { message: string }) => p.message)
        .join('\n'),
    ).toMatch(/nobody-has-this\.mp3/);
    expect((await call('POST', '/api/editor/publish', { why: 'try' })).status).toBe(422);
    await call('PUT', '/api/editor/draft', { path: 'content/podcasts.yaml', text: registry, why: 'the Arabic recording' });

    const pub = await call('POST', '/api/editor/publish', { why: 'the Arabic recording of the hearing episode' });
    expect(pub.status, JSON.stringify(pub.json)).toBe(200);
    const pv = pub.json.version.packVersion as string;
    await until('instance B serves the published version', async () => (await healthVersion(b)) === pv);

    // B never saw the upload on its disk: the recording comes from the store.
    expect(fs.existsSync(path.join(root, 'content', audioPath))).toBe(false);
    const url = `${b.url}/media/${audioPath}`;
    const whole = await fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('audio/mpeg');
    const served = Buffer.from(await whole.arrayBuffer());
    expect(served.equals(mp3)).toBe(true);
    expect(createHash('sha256').update(served).digest('hex')).toBe(up.json.audio.sha256);
    const part = await fetch(url, { headers: { range: 'bytes=0-99' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-99/${mp3.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(mp3.subarray(0, 100))).toBe(true);

    // The episode's Arabic transcript page plays it, and the Arabic feed encloses it with its size.
    const page = await (await fetch(`${b.url}/podcasts/ar/hearing/transcript`)).text();
    expect(page).toContain(`src="/media/${audioPath}"`);
    expect(page).toContain('هذه حلقتنا.');
    const feed = await (await fetch(`${b.url}/podcasts/ar/feed.xml`)).text();
    expect(feed).toContain(`/media/${audioPath}" length="${mp3.length}" type="audio/mpeg"`);
    // An audio name the pack does not declare is still a 404 on both.
    expect((await fetch(`${b.url}/media/audio/hearing.ar.000000000000.mp3`)).status).toBe(404);
  }, 120_000);

  it('answers 409 for an episode the pack does not have, and keeps the upload', async () => {
    const up = await call('POST', '/api/podcasts/new-one/ar/audio', recording, 'audio/ogg');
    expect(up.status).toBe(201);
    const r = await call('POST', '/api/podcasts/new-one/ar/to-editor');
    expect(r.status).toBe(409);
    expect(r.json.error.message).toMatch(/not in the pack/);
    expect((await call('GET', '/api/podcasts/drafts')).json.drafts.map((d: { episode: string }) => d.episode)).toEqual(['new-one']);
  });
});

describe('the podcast drafts page', () => {
  for (const viewport of [
    { width: 1366, height: 768 },
    { width: 390, height: 844 },
  ])
    it(`hands a recording to the editor with one click at ${viewport.width}x${viewport.height}`, async () => {
      // A clean start: no upload draft and no editor draft of English's recording.
      await call('DELETE', '/api/podcasts/new-one/ar');
      await call('DELETE', `/api/editor/draft?path=${encodeURIComponent('content/podcasts.yaml')}`);
      expect((await call('POST', '/api/podcasts/hearing/en/audio', recording, 'audio/ogg')).status).toBe(201);
      const browser = await launchChromium();
      try {
        const p = await (await browser.newContext({ viewport })).newPage();
        await p.goto(`${a.url}/console`);
        await p.locator('#login input[name=email]').fill('ed@ngo.example');
        await p.locator('#login input[name=password]').fill(PW);
        await p.locator('#login button[type=submit]').click();
        await p.locator('#app').waitFor(WAIT);
        await p.goto(`${a.url}/console/podcasts`);
        await p.getByRole('button', { name: 'To the editor: hearing, English' }).click();
        await p.locator('#status', { hasText: "In the editor's drafts now (content/podcasts.yaml): publish them in the content editor." }).waitFor(WAIT);
        expect(await p.locator('#error').textContent()).toBe('');
      } finally {
        await browser.close();
      }
      const registry = (await call('GET', `/api/editor/file?path=${encodeURIComponent('content/podcasts.yaml')}`)).json.draft.text as string;
      expect(registry).toMatch(/en: audio\/hearing\.en\.[0-9a-f]{12}\.mp3/);
      expect((await call('GET', '/api/podcasts/drafts')).json.drafts).toEqual([]);
    }, 60_000);
});
