/**
 * One text limit for engine and channels (src/shared/limits.ts): web chat
 * takes a message longer than the engine reads, keeps it whole in the log
 * and answers it like the engine does; only a text past the channel limit
 * is refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { PAYLOAD_KEY } from '../../src/channels/webchat/render.js';
import { startServer, type Running } from '../../src/server/main.js';
import { MAX_MESSAGE_LENGTH, MAX_TEXT_LENGTH } from '../../src/shared/limits.js';
import { miniRoot } from '../helpers/content.js';
import { DirectLineClient } from './dl-client.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-limits-'));
let running: Running;
beforeAll(async () => {
  running = await startServer({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, CONTENT_ROOT: miniRoot, CONTENT_WATCH: 'false', LOG_LEVEL: 'silent' }),
  });
});
afterAll(async () => {
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('message length', () => {
  it('the web chat limit is the shared one, above what the engine reads', () => {
    expect(running.ctx.config.WEBCHAT_MAX_TEXT_CHARS).toBe(MAX_MESSAGE_LENGTH);
    expect(MAX_TEXT_LENGTH).toBeLessThan(MAX_MESSAGE_LENGTH);
  });

  it('a text between the two limits is stored whole and answered "too long"; one past the channel limit is refused', async () => {
    const c = new DirectLineClient(running.url);
    await c.start();
    await c.post({ type: 'event', name: 'webchat/join', value: { lang: 'en' } });
    await c.pollUntil((all) => all.some((a) => a.from?.role === 'bot'));
    await c.post({ type: 'message', value: { [PAYLOAD_KEY]: 'l:en' } });
    await c.pollUntil((all) => all.some((a) => a.from?.role === 'bot'));
    const long = 'a'.repeat(MAX_TEXT_LENGTH + 1000);
    expect((await c.post({ type: 'message', text: long })).status).toBe(200);
    const all = await c.pollUntil((acts) => acts.some((a) => a.from?.role === 'bot' && /very long/.test(a.text ?? '')));
    expect(all.find((a) => a.from?.role === 'user' && a.type === 'message')?.text).toBe(long);
    const tooLong = await c.post({ type: 'message', text: 'a'.repeat(MAX_MESSAGE_LENGTH + 1) });
    expect(tooLong.status).toBe(413);
  });
});
