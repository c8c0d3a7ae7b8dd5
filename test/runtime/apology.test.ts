/**
 * A turn that fails (here: the SQLite file is gone from under the store) gets
 * an apology in the person's language, not silence and not a crash: the
 * shared helper the web chat and Azure channels answer with.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContentManager } from '../../src/content/manager.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { createLogger } from '../../src/util/logger.js';
import { repoRoot } from '../helpers/content.js';

describe('a failed turn', () => {
  it('answers with an apology in the conversation language and logs without the message text', async () => {
    const store = new SqliteStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-apology-')), 'lotse.db'));
    await store.migrate();
    const logs: string[] = [];
    const bot = new Runtime({
      content: new ContentManager(repoRoot, createLogger('silent')),
      store,
      clock: { now: () => 0 },
      log: createLogger('info', {}, (l) => logs.push(l)),
      config: { SESSION_TTL_DAYS: 7 },
    });
    const ref = { channel: 'webchat' as const, conversationId: 'c1' };
    expect((await bot.handleOrApologise(ref, { kind: 'start' }, 'ar')).messages.length).toBeGreaterThan(0);
    await store.close();
    const reply = await bot.handleOrApologise(ref, { kind: 'text', text: 'my phone number is 0664 1234567' }, 'ar');
    expect(reply.lang).toBe('ar');
    expect(reply.dir).toBe('rtl');
    const first = reply.messages[0];
    expect(first?.kind).toBe('text');
    expect(first?.kind === 'text' ? first.text : '').not.toMatch(/something went wrong/i);
    expect(first?.kind === 'text' ? first.text.length : 0).toBeGreaterThan(5);
    expect(logs.some((l) => l.includes('turn failed'))).toBe(true);
    expect(logs.join('\n')).not.toContain('1234567');
    // An unknown language falls back to the default one.
    expect((await bot.handleOrApologise(ref, { kind: 'start' }, 'xx')).lang).toBe('en');
  });
});
