/**
 * Azure Bot Service endpoint (/api/messages, Microsoft 365 Agents SDK):
 * absent without an app id; with one, requests without valid Bot Framework
 * authentication never reach the bot.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { azureConversationId } from '../../src/channels/azure/plugin.js';
import { loadConfig } from '../../src/config/config.js';
import { startServer, type Running } from '../../src/server/main.js';
import { miniRoot } from '../helpers/content.js';

const dirs: string[] = [];
const servers: Running[] = [];
async function start(env: Record<string, string>): Promise<Running> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-azure-'));
  dirs.push(dataDir);
  const r = await startServer({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, CONTENT_ROOT: miniRoot, CONTENT_WATCH: 'false', LOG_LEVEL: 'silent', ...env }),
  });
  servers.push(r);
  return r;
}
afterAll(async () => {
  for (const s of servers) await s.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const activity = {
  type: 'message',
  id: 'a1',
  text: 'hello',
  channelId: 'msteams',
  serviceUrl: 'https://smba.trafficmanager.net/emea/',
  from: { id: 'user-1' },
  recipient: { id: 'bot' },
  conversation: { id: 'conv-1' },
};

describe('Azure Bot Service endpoint', () => {
  it('is not mounted without MICROSOFT_APP_ID', async () => {
    const r = await start({});
    const res = await fetch(`${r.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(activity) });
    expect(res.status).toBe(404);
  });

  it('refuses unauthenticated and forged requests once an app id is configured, and the bot never sees them', async () => {
    const r = await start({
      MICROSOFT_APP_ID: '00000000-0000-0000-0000-000000000001',
      MICROSOFT_APP_PASSWORD: 'not-used-here',
      MICROSOFT_APP_TENANT_ID: '00000000-0000-0000-0000-000000000002',
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${r.url}/api/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(activity) });
    const none = await post({});
    expect(none.status).toBe(401);
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const forged = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'x' })}.${b64({ aud: '00000000-0000-0000-0000-000000000001', iss: 'https://api.botframework.com', exp: Math.floor(Date.now() / 1000) + 600 })}.${b64('sig')}`;
    const bad = await post({ Authorization: `Bearer ${forged}` });
    expect(bad.status).toBe(401);
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ aud: '00000000-0000-0000-0000-000000000001', iss: 'https://api.botframework.com' })}.`;
    expect((await post({ Authorization: `Bearer ${unsigned}` })).status).toBe(401);
    expect((await post({ Authorization: 'Basic abc' })).status).toBe(401);
    // No turn ran: the bot has no session for this Teams conversation.
    const conversationId = azureConversationId(r.ctx.secret, 'msteams', 'conv-1');
    expect(await r.ctx.store.getSession({ channel: 'azure', conversationId })).toBeUndefined();
  });
});
