/**
 * The privacy notice names the configured SESSION_TTL_DAYS, not always 30
 * (defect: the engine passed a constant).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ContentManager } from '../../src/content/manager.js';
import { runEngine } from '../../src/engine/engine.js';
import { newSession } from '../../src/engine/session.js';
import { Runtime } from '../../src/runtime/runtime.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { createLogger } from '../../src/util/logger.js';
import { content, repoRoot } from '../helpers/content.js';

const starter = () => content(repoRoot);

/** The notice is the first message after the first language choice. */
function notice(lang: string, sessionTtlDays?: number): string {
  const out = runEngine(
    starter(),
    newSession(),
    { kind: 'button', payload: `l:${lang}` },
    { now: 0, ...(sessionTtlDays !== undefined ? { sessionTtlDays } : {}) },
  );
  const first = out.reply.messages[0];
  return first?.kind === 'text' ? first.text : '';
}

describe('the privacy notice names how long conversations are kept', () => {
  it('in every starter language: 7 when configured 7, 30 by default', () => {
    const langs = starter().pack.languages.map((l) => l.code);
    expect(langs).toEqual(expect.arrayContaining(['ar', 'fa', 'ps', 'uk', 'en', 'de']));
    for (const lang of langs) {
      const seven = notice(lang, 7);
      expect(seven, lang).toBe(starter().t(lang, 'welcome.privacy', { days: 7 }));
      expect(seven, lang).toMatch(/(^|\D)7(\D|$)/);
      expect(seven, lang).not.toContain('30');
      expect(notice(lang), lang).toMatch(/(^|\D)30(\D|$)/);
    }
  });
  it('also when the first message is a question answered at once', () => {
    const out = runEngine(
      starter(),
      newSession(),
      { kind: 'text', text: 'which documents do I need to bring to the interview' },
      { now: 0, sessionTtlDays: 14 },
    );
    const first = out.reply.messages[0];
    expect(first?.kind === 'text' ? first.text : '').toContain('for 14 days');
  });
  it('the runtime passes SESSION_TTL_DAYS to the engine', async () => {
    // A real SQLite file, as the server has.
    const store = new SqliteStore(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-ttl-')), 'lotse.db'));
    await store.migrate();
    const bot = new Runtime({
      content: new ContentManager(repoRoot, createLogger('silent')),
      store,
      clock: { now: () => 0 },
      log: createLogger('silent'),
      config: { SESSION_TTL_DAYS: 7 },
    });
    const ref = { channel: 'webchat' as const, conversationId: 'c1' };
    await bot.handle(ref, { kind: 'start' });
    const reply = await bot.handle(ref, { kind: 'button', payload: 'l:de' });
    const first = reply.messages[0];
    expect(first?.kind === 'text' ? first.text : '').toContain('7 Tage');
    await store.close();
  });
  it('the privacy topic ("what do you keep about me") names it too, in every starter language', () => {
    const c = starter();
    for (const l of c.pack.languages) {
      const out = runEngine(c, { ...newSession(), lang: l.code }, { kind: 'button', payload: 't:meta.privacy' }, { now: 0, sessionTtlDays: 7 });
      const text = out.reply.messages.map((m) => (m.kind === 'text' ? m.text : '')).join(' ');
      expect(text, l.code).toMatch(/(^|[^0-9])7([^0-9]|$)/);
      expect(text, l.code).not.toContain('{{days}}');
      expect(text, l.code).not.toMatch(/(^|[^0-9])30([^0-9]|$)/);
    }
  });
});
