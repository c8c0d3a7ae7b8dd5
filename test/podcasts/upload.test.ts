/**
 * Podcast drafts (issue 16.5) against a real server, SQLite file and
 * Debian's ffmpeg: a two-second recording made by ffmpeg here (OGG/Opus,
 * as a phone records it) is uploaded, transcoded to MP3 that ffprobe reads
 * back as MP3 of the same length, and kept as a draft with its language and
 * transcript; a PDF named .mp3 is refused with 415, a file over the limit
 * with 413, and a server whose ffmpeg is missing says so (503) before it
 * reads the upload. The page /console/podcasts does the same in Chromium
 * (axe-core finds no serious or critical violation at 1366x768 and 390x844);
 * LOTSE_SCREENSHOTS=1 writes docs/screenshots/podcast-drafts.png.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { handoffPlugin, type HandoffRuntime } from '../../src/handoff/plugin.js';
import { FfmpegMissing, findFfmpeg, sniffAudio } from '../../src/podcasts/audio.js';
import { type Running, startServer } from '../../src/server/main.js';
import { launchChromium } from '../helpers/browser.js';
import { WAIT } from '../helpers/console.js';
import { miniRoot, repoRoot } from '../helpers/content.js';

const FFMPEG = '/usr/bin/ffmpeg';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-upload-'));
const servers: Running[] = [];

async function start(name: string, env: Record<string, string> = {}): Promise<{ running: Running; rt: HandoffRuntime; dataDir: string }> {
  const plugin = handoffPlugin();
  const dataDir = path.join(tmp, name);
  const running = await startServer({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, CONTENT_ROOT: miniRoot, CONTENT_WATCH: 'false', LOG_LEVEL: 'silent', ...env }),
    plugins: () => [plugin],
  });
  servers.push(running);
  return { running, rt: plugin.runtime!, dataDir };
}

async function signIn(running: Running, rt: HandoffRuntime): Promise<{ cookie: string; csrf: string }> {
  await rt.auth.createStaff({ email: 'ed@ngo.example', name: 'Edith', role: 'admin', password: 'upload test password', languages: ['en'] });
  const r = await fetch(`${running.url}/console/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'ed@ngo.example', password: 'upload test password' }),
  });
  expect(r.status).toBe(200);
  return { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await r.json()) as { csrf: string }).csrf };
}

let main: Awaited<ReturnType<typeof start>>;
let cred: { cookie: string; csrf: string };
let recording: Buffer;

beforeAll(async () => {
  // A real recording: two seconds of a 440 Hz tone, as OGG/Opus (what a phone's voice recorder makes).
  const ogg = path.join(tmp, 'tone.ogg');
  execFileSync(FFMPEG, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', '-c:a', 'libopus', '-b:a', '32k', ogg]);
  recording = fs.readFileSync(ogg);
  main = await start('main', { PODCAST_UPLOAD_MAX_MB: '1', FFMPEG_PATH: FFMPEG });
  cred = await signIn(main.running, main.rt);
}, 60_000);
afterAll(async () => {
  for (const s of servers) await s.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const upload = (running: Running, c: { cookie: string; csrf: string }, body: Buffer, url = '/console/api/podcasts/hearing/en/audio', type = 'audio/mpeg') =>
  fetch(`${running.url}${url}`, { method: 'POST', headers: { cookie: c.cookie, 'X-CSRF-Token': c.csrf, 'Content-Type': type }, body: new Uint8Array(body) });

describe('podcast audio upload', () => {
  it('transcodes a real recording to MP3 and keeps it as a draft with its language and transcript', async () => {
    expect(sniffAudio(recording)).toBe('ogg');
    // The browser's word is "audio/mpeg" and it is not true: the bytes decide.
    const r = await upload(main.running, cred, recording);
    expect(r.status).toBe(201);
    const draft = (await r.json()) as {
      episode: string;
      lang: string;
      episodeExists: boolean;
      audio: { file: string; bytes: number; durationSeconds: number; uploadedAs: string; type: string };
    };
    expect(draft).toMatchObject({ episode: 'hearing', lang: 'en', episodeExists: true, audio: { type: 'audio/mpeg', uploadedAs: 'ogg', by: 'Edith' } });
    expect(draft.audio.durationSeconds).toBeGreaterThan(1.9);
    expect(draft.audio.durationSeconds).toBeLessThan(2.2);
    const file = path.join(main.dataDir, 'drafts', 'audio', draft.audio.file);
    expect(fs.statSync(file).size).toBe(draft.audio.bytes);
    const probe = JSON.parse(
      execFileSync(
        '/usr/bin/ffprobe',
        ['-v', 'error', '-show_entries', 'format=format_name,duration:stream=codec_name,channels,sample_rate', '-of', 'json', file],
        { encoding: 'utf8' },
      ),
    ) as { format: { format_name: string; duration: string }; streams: { codec_name: string; channels: number; sample_rate: string }[] };
    expect(probe.format.format_name).toBe('mp3');
    expect(probe.streams).toEqual([{ codec_name: 'mp3', channels: 1, sample_rate: '44100' }]);
    expect(Math.abs(Number(probe.format.duration) - 2)).toBeLessThan(0.15);
    expect(sniffAudio(fs.readFileSync(file))).toBe('mp3');

    // The transcript in the same language, then the drafts list and the recording to listen to.
    const t = await fetch(`${main.running.url}/console/api/podcasts/hearing/en/transcript`, {
      method: 'POST',
      headers: { cookie: cred.cookie, 'X-CSRF-Token': cred.csrf, 'Content-Type': 'text/plain; charset=utf-8' },
      body: 'Hello, and welcome.\r\n\r\nThis is our own episode.',
    });
    expect(t.status).toBe(200);
    const list = (await (await fetch(`${main.running.url}/console/api/podcasts/drafts`, { headers: { cookie: cred.cookie } })).json()) as {
      drafts: { episode: string; lang: string; transcript: { text: string }; audio: { file: string } }[];
      ffmpeg: { available: boolean };
    };
    expect(list.ffmpeg.available).toBe(true);
    expect(list.drafts).toHaveLength(1);
    expect(list.drafts[0]).toMatchObject({
      episode: 'hearing',
      lang: 'en',
      transcript: { text: 'Hello, and welcome.\n\nThis is our own episode.' },
      audio: { file: draft.audio.file },
    });
    const audio = await fetch(`${main.running.url}/console/api/podcasts/hearing/en/audio`, { headers: { cookie: cred.cookie } });
    expect(audio.status).toBe(200);
    expect(audio.headers.get('content-type')).toMatch(/^audio\/mpeg/);
    expect(Buffer.from(await audio.arrayBuffer()).equals(fs.readFileSync(file))).toBe(true);
  });

  it('refuses a file that is not audio with 415, whatever its name and type say', async () => {
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    const r = await upload(main.running, cred, pdf, '/console/api/podcasts/hearing/en/audio?name=episode.mp3', 'audio/mpeg');
    expect(r.status).toBe(415);
    expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(/not an audio file/);
    // Bytes that start like audio but are not: ffmpeg cannot read them, also 415.
    const fake = Buffer.concat([Buffer.from('OggS'), Buffer.alloc(2000, 7)]);
    expect((await upload(main.running, cred, fake)).status).toBe(415);
    // No temporary file is left behind.
    expect(fs.readdirSync(path.join(main.dataDir, 'drafts', 'audio')).filter((f) => f.startsWith('.upload-'))).toEqual([]);
  });

  it('refuses a file over the limit with 413, declared or streamed', async () => {
    const big = Buffer.concat([recording, Buffer.alloc(1024 * 1024 + 1, 0)]);
    const r = await upload(main.running, cred, big);
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: { message: string } }).error.message).toBe('the file is larger than 1 MB');
    // Without a declared length (chunked), the count while streaming stops it.
    const stream = new ReadableStream({
      start(c) {
        c.enqueue(new Uint8Array(big.subarray(0, 600_000)));
        c.enqueue(new Uint8Array(big.subarray(600_000)));
        c.close();
      },
    });
    const r2 = await fetch(`${main.running.url}/console/api/podcasts/hearing/en/audio`, {
      method: 'POST',
      headers: { cookie: cred.cookie, 'X-CSRF-Token': cred.csrf, 'Content-Type': 'application/octet-stream' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(r2.status).toBe(413);
  });

  it('asks for a served language and a well-formed episode id', async () => {
    expect((await upload(main.running, cred, recording, '/console/api/podcasts/hearing/xx/audio')).status).toBe(400);
    expect((await upload(main.running, cred, recording, '/console/api/podcasts/Bad%20Id/en/audio')).status).toBe(400);
  });

  it('says clearly that ffmpeg is missing, before reading the upload', async () => {
    const other = await start('no-ffmpeg', { FFMPEG_PATH: path.join(tmp, 'no', 'ffmpeg') });
    const c = await signIn(other.running, other.rt);
    const r = await upload(other.running, c, recording);
    expect(r.status).toBe(503);
    expect(((await r.json()) as { error: { message: string } }).error.message).toBe(
      `ffmpeg is not at FFMPEG_PATH=${path.join(tmp, 'no', 'ffmpeg')}: install Debian's ffmpeg (apt-get install ffmpeg) or correct FFMPEG_PATH`,
    );
    const list = (await (await fetch(`${other.running.url}/console/api/podcasts/drafts`, { headers: { cookie: c.cookie } })).json()) as {
      ffmpeg: { available: boolean; message: string };
    };
    expect(list.ffmpeg).toEqual({ available: false, message: expect.stringContaining('apt-get install ffmpeg') });
    expect(fs.existsSync(path.join(other.dataDir, 'drafts'))).toBe(false);
  });

  it('deletes a draft, its file and its record', async () => {
    const list = async () =>
      (
        (await (await fetch(`${main.running.url}/console/api/podcasts/drafts`, { headers: { cookie: cred.cookie } })).json()) as {
          drafts: { audio?: { file: string } }[];
        }
      ).drafts;
    const [draft] = await list();
    const file = path.join(main.dataDir, 'drafts', 'audio', draft!.audio!.file);
    expect(fs.existsSync(file)).toBe(true);
    const del = () =>
      fetch(`${main.running.url}/console/api/podcasts/hearing/en`, { method: 'DELETE', headers: { cookie: cred.cookie, 'X-CSRF-Token': cred.csrf } });
    expect((await del()).status).toBe(200);
    expect(fs.existsSync(file)).toBe(false);
    expect(await list()).toEqual([]);
    expect((await del()).status).toBe(404);
  });

  it('finds ffmpeg on PATH when FFMPEG_PATH is unset, and names the package when it is not there', () => {
    expect(findFfmpeg(undefined, `${path.join(tmp, 'empty')}${path.delimiter}/usr/bin`)).toBe('/usr/bin/ffmpeg');
    expect(() => findFfmpeg(undefined, path.join(tmp, 'empty'))).toThrow(FfmpegMissing);
    expect(() => findFfmpeg(undefined, path.join(tmp, 'empty'))).toThrow(
      "ffmpeg is not installed: audio cannot be transcoded. Install Debian's ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH",
    );
  });
});

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's serious and critical violations on the page as it is now. */
async function axeProblems(p: Page): Promise<string[]> {
  if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(axeSource);
  const found = await p.evaluate(async () => {
    const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return (r.violations as { id: string; impact: string; nodes: { target: string[] }[] }[]).map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`);
}

describe('the podcast drafts page in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  async function open(viewport: { width: number; height: number }): Promise<Page> {
    const p = await (await browser.newContext({ viewport })).newPage();
    await p.goto(`${main.running.url}/console`);
    await p.locator('#login input[name=email]').fill('ed@ngo.example');
    await p.locator('#login input[name=password]').fill('upload test password');
    await p.locator('#login button[type=submit]').click();
    await p.locator('#app').waitFor(WAIT);
    await p.goto(`${main.running.url}/console/podcasts`);
    await p.locator('#upload').waitFor(WAIT);
    return p;
  }

  it('uploads a recording with its transcript at 1366x768, lists it to listen to, and passes axe', async () => {
    const p = await open({ width: 1366, height: 768 });
    const f = p.locator('#upload');
    await f.locator('select[name=lang]').selectOption('ar');
    await f.locator('input[name=file]').setInputFiles({ name: 'recording.ogg', mimeType: 'audio/ogg', buffer: recording });
    await f.locator('textarea[name=transcript]').fill('مرحبا، هذه حلقتنا.');
    await f.getByRole('button', { name: 'Upload' }).click();
    await p.locator('#status', { hasText: 'Saved: hearing in Arabic, 0:02 (MP3' }).waitFor(WAIT);
    const row = p.locator('#drafts tbody tr', { hasText: 'Arabic' });
    expect(await row.locator('td').nth(5).textContent()).toBe('مرحبا، هذه حلقتنا.');
    const src = await row.locator('audio').getAttribute('src');
    expect(await p.evaluate(async (u) => (await fetch(u!)).headers.get('content-type'), src)).toMatch(/^audio\/mpeg/);
    expect(await axeProblems(p)).toEqual([]);
    if (process.env.LOTSE_SCREENSHOTS === '1') {
      fs.mkdirSync(path.join(repoRoot, 'docs', 'screenshots'), { recursive: true });
      await p.screenshot({ path: path.join(repoRoot, 'docs', 'screenshots', 'podcast-drafts.png'), fullPage: true });
    }
    // Deleting asks first, then the row goes.
    p.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Delete hearing, Arabic' }).click();
    await p.locator('#status', { hasText: 'Deleted the draft of hearing in Arabic.' }).waitFor(WAIT);
    expect(await p.locator('#drafts tbody tr').allTextContents()).toEqual(['No drafts yet.']);
    // A file that is not audio: the server's refusal is shown.
    await f.locator('input[name=file]').setInputFiles({ name: 'notes.mp3', mimeType: 'audio/mpeg', buffer: Buffer.from('%PDF-1.4 not audio') });
    await f.getByRole('button', { name: 'Upload' }).click();
    await p.locator('#error', { hasText: 'not an audio file' }).waitFor(WAIT);
    await p.context().close();
  });

  it('at 390x844 nothing scrolls sideways but the table, and axe finds nothing serious', async () => {
    const p = await open({ width: 390, height: 844 });
    expect(await axeProblems(p)).toEqual([]);
    const wide = await p.evaluate(() =>
      Array.from(document.querySelectorAll('body *'))
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.closest('.table-wrap'))
        .map((e) => `${e.tagName}#${e.id}.${e.className}`),
    );
    expect(wide).toEqual([]);
    expect(await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)).toBe(false);
    await p.context().close();
  });
});
