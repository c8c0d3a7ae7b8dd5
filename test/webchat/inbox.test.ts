/**
 * Web chat at-least-once (issue 13.2), against the real server (startServer, mini content, a
 * real SQLite file). A crash leaves a message stored in the inbox whose turn never ran; here the
 * test leaves it there itself (through the Inbox interface, in the form the channel stores), then:
 *  - a retried POST with the same clientActivityID runs the turn (it used to answer
 *    `duplicate` and never run it), and the caller gets the same activity id each time;
 *  - a retry of a finished message is a duplicate: no second answer;
 *  - a server started on the same file answers what was stored and not finished.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type Running } from '../../src/server/main.js';
import { miniRoot } from '../helpers/content.js';
import { type Activity, DirectLineClient } from './dl-client.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-dl-inbox-'));
const start = () =>
  startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: miniRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      LOTSE_SECRET: 'inbox-test-secret-inbox-test-secret-0123',
    }),
  });
let running: Running | undefined;
afterAll(async () => {
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** What the channel stores for a typed message before it answers 200 (src/channels/webchat/directline.ts). */
function stored(conversationId: string, userId: string, clientId: string, text: string) {
  return {
    channel: 'webchat',
    externalId: `${conversationId}|c:${clientId}`,
    conversationId,
    payload: {
      event: { kind: 'text', text },
      activity: {
        type: 'message',
        text,
        textFormat: 'plain',
        channelId: 'directline',
        conversation: { id: conversationId },
        from: { id: userId, role: 'user' },
        recipient: { id: 'lotse', role: 'bot' },
        channelData: { clientActivityID: clientId },
      },
      clientId,
    },
    now: Date.now(),
  };
}

const answersTo = (all: Activity[], id: string) => all.filter((a) => a.from?.role === 'bot' && a.replyToId === id);

describe('web chat messages stored before they are answered', () => {
  it('a retry of an unfinished message runs its turn (same id); a retry of a finished one does not', async () => {
    running = await start();
    const c = new DirectLineClient(running.url);
    await c.start();
    await c.post({ type: 'event', name: 'webchat/join', value: { lang: 'en' }, channelData: { clientActivityID: 'j' } });
    await c.pollUntil((all) => all.some((a) => a.from?.role === 'bot'));
    const userId = (JSON.parse(Buffer.from(c.token.split('.')[1] ?? '', 'base64url').toString() || '{}') as { u?: string }).u ?? '';
    // The process died after storing "menu" and logging it (the person saw it sent), before its turn ran.
    const k1 = stored(c.conversationId, userId, 'k1', 'menu');
    await running.ctx.store.inbox().accept(k1);
    const now = Date.now();
    const logged = await running.ctx.store.webchatLog().append(c.conversationId, [{ activity: k1.payload.activity, clientId: 'k1' }], now, now + 86_400_000);
    const one = await c.post({ type: 'message', text: 'menu', channelData: { clientActivityID: 'k1' } });
    expect(one.status).toBe(200);
    expect(one.json.id).toBe(logged.stored[0]!.activity.id);
    const all = await c.pollUntil((acts) => answersTo(acts, one.json.id).length > 0);
    const answered = answersTo(all, one.json.id).length;
    expect(answered).toBeGreaterThan(0);
    // Finished: a retry gets the same id and no second answer (the next message's answer comes, that one's does not).
    const two = await c.post({ type: 'message', text: 'menu', channelData: { clientActivityID: 'k1' } });
    expect(two.status).toBe(200);
    expect(two.json.id).toBe(one.json.id);
    const next = await c.post({ type: 'message', text: 'hello', channelData: { clientActivityID: 'k2' } });
    const after = await c.pollUntil((acts) => answersTo(acts, next.json.id).length > 0, [...all]);
    expect(answersTo(after, one.json.id)).toHaveLength(answered);
    expect(after.filter((a) => a.channelData?.clientActivityID === 'k1')).toHaveLength(1);
    expect(await running.ctx.store.inbox().pending('webchat')).toEqual([]);
  });

  it('a server started on the same file answers the messages stored and not finished', async () => {
    const c = new DirectLineClient(running!.url);
    await c.start();
    await c.post({ type: 'event', name: 'webchat/join', value: { lang: 'en' }, channelData: { clientActivityID: 'j' } });
    await c.pollUntil((all) => all.some((a) => a.from?.role === 'bot'));
    const token = JSON.parse(Buffer.from(c.token.split('.')[1] ?? '', 'base64url').toString() || '{}') as { u?: string };
    await running!.stop();
    // As the crash left it: stored, not in the log, not answered.
    const { SqliteStore } = await import('../../src/store/sqlite.js');
    const store = new SqliteStore(path.join(dataDir, 'lotse.sqlite'));
    await store.migrate();
    await store.inbox().accept(stored(c.conversationId, token.u ?? '', 'lost-1', 'menu'));
    await store.close();

    running = await start();
    (c as { base: string }).base = running.url;
    c.watermark = '';
    const all = await c.pollUntil((acts) => {
      const mine = acts.find((a) => a.channelData?.clientActivityID === 'lost-1');
      return !!mine && answersTo(acts, mine.id!).length > 0;
    });
    const mine = all.filter((a) => a.channelData?.clientActivityID === 'lost-1');
    expect(mine).toHaveLength(1);
    expect(answersTo(all, mine[0]!.id!).length).toBeGreaterThan(0);
    expect(await running.ctx.store.inbox().pending('webchat')).toEqual([]);
  });
});
