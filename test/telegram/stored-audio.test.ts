/**
 * A podcast recording that lives in the store (issue 16.5: uploaded through the
 * console, published through the editor) goes to Telegram as the audio file
 * itself, though this instance's disk never had it: a real server with
 * CONTENT_SOURCE=store on the test pack, an MP3 made by ffmpeg, and the Bot API stand-in.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { miniRoot } from '../helpers/content.js';
import { startLotse, type Lotse } from './lotse.js';
import { TelegramStandIn } from './standin.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-tg-stored-'));
const root = path.join(tmp, 'pack');
let api: TelegramStandIn;
let lotse: Lotse;
let mp3: Buffer;
const FILE = 'audio/hearing.en.0123456789ab.mp3';

beforeAll(async () => {
  fs.cpSync(miniRoot, root, { recursive: true });
  const out = path.join(tmp, 'tone.mp3');
  execFileSync('/usr/bin/ffmpeg', [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'sine=frequency=440:duration=2',
    '-ac',
    '1',
    '-c:a',
    'libmp3lame',
    out,
  ]);
  mp3 = fs.readFileSync(out);
  api = await new TelegramStandIn('6363:STORED-standin').start();
  lotse = await startLotse({
    TELEGRAM_BOT_TOKEN: api.token,
    TELEGRAM_API_ROOT: api.url,
    TELEGRAM_MODE: 'polling',
    CONTENT_ROOT: root,
    CONTENT_SOURCE: 'store',
    CONTENT_POLL_MS: '200',
  });
  await lotse.tg.booted;
  // What "To the editor" and publish do: the recording into the store, podcasts.yaml naming it.
  const versions = await lotse.running.ctx.store.contentVersions();
  await versions.putMedia({ path: `content/${FILE}`, sha256: 'test', type: 'audio/mpeg', bytes: mp3, createdAt: Date.now() });
  const editor = lotse.handoff.editor!;
  const me = { id: 'st_test', name: 'Edith', role: 'admin' as const, languages: [] };
  const registry = fs.readFileSync(path.join(root, 'content', 'podcasts.yaml'), 'utf8').replace('audio/hearing.en.mp3', FILE);
  await editor.putDraft(me, { path: 'content/podcasts.yaml', text: registry, why: 'the recording from the console' });
  await editor.publish(me, { why: 'the recording from the console' });
  const end = Date.now() + 30_000;
  while (lotse.running.ctx.content.current().pack.episodes.hearing?.audio.en !== FILE && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  expect(lotse.running.ctx.content.current().pack.episodes.hearing?.audio.en).toBe(FILE);
}, 120_000);
afterAll(async () => {
  await lotse?.stop();
  await api?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function turn(send: () => Promise<unknown>): Promise<void> {
  const done = new Promise<void>((resolve) => lotse.tg.events.once('handled', () => resolve()));
  await send();
  await done;
}

describe('a stored recording on Telegram', () => {
  it('is uploaded as the audio file with the bytes from the store', async () => {
    expect(fs.existsSync(path.join(root, 'content', FILE))).toBe(false);
    const chat = 9401;
    await turn(() => api.text(chat, '/start', 'en'));
    await turn(() => api.press(chat, '=l:en'));
    const before = api.messages(chat).length;
    await turn(() => api.press(chat, '=g:podcasts#hearing'));
    const audio = api
      .messages(chat)
      .slice(before)
      .find((m) => m.method === 'sendAudio');
    expect(
      audio,
      api
        .messages(chat)
        .slice(before)
        .map((m) => `${m.method}: ${m.text}`)
        .join('\n'),
    ).toBeDefined();
    expect(audio!.audio).toMatchObject({ uploaded: true, bytes: mp3.length, filename: path.basename(FILE) });
  });
});
