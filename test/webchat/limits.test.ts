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

  it('a text between the two limits is stored whole and answered "too long"', async () => {
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
  });

  it('a text past the channel limit is taken and answered with the limit, once (not a 413 Web Chat shows as "Send failed" for ever)', async () => {
    const c = new DirectLineClient(running.url);
    await c.start();
    await c.post({ type: 'event', name: 'webchat/join', value: { lang: 'en' } });
    const seen = await c.pollUntil((all) => all.some((a) => a.from?.role === 'bot'));
    const bots = () => seen.filter((a) => a.from?.role === 'bot').length;
    const before = bots();
    const text = 'a'.repeat(MAX_MESSAGE_LENGTH + 1);
    const r = await c.post({ type: 'message', text, channelData: { clientActivityID: 'long-1' } });
    expect(r.status).toBe(200);
    await c.pollUntil((all) => all.some((a) => a.from?.role === 'bot' && /4001 characters/.test(a.text ?? '')), seen);
    const answer = seen.find((a) => /4001 characters/.test(a.text ?? ''))!;
    expect(answer.text).toContain(String(MAX_MESSAGE_LENGTH));
    expect(answer.replyToId).toBe(r.json.id);
    // The person's message is in the transcript as sent (Web Chat shows it as sent, not failed).
    expect(seen.find((a) => a.id === r.json.id)?.text).toBe(text);
    // A retry of the same message: the same id, no second answer; then an ordinary message is answered as usual.
    const again = await c.post({ type: 'message', text, channelData: { clientActivityID: 'long-1' } });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(r.json.id);
    await c.post({ type: 'message', text: 'hello' });
    await c.pollUntil((all) => all.filter((a) => a.from?.role === 'bot').length > before + 1, seen);
    expect(seen.filter((a) => /4001 characters/.test(a.text ?? '')).length).toBe(1);
  });
});
