import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ContentManager } from '../../src/content/manager.js';
import { createLogger } from '../../src/util/logger.js';
import { miniRoot } from '../helpers/content.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-reload-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('content reload', () => {
  it('swaps to a valid edit and keeps serving the last valid version when an edit is broken', () => {
    fs.cpSync(miniRoot, dir, { recursive: true });
    const logs: string[] = [];
    const m = new ContentManager(
      dir,
      createLogger('info', {}, (l) => logs.push(l)),
    );
    const v1 = m.current().pack.version;
    const file = path.join(dir, 'content/en/topics/hearing.yaml');
    const good = fs.readFileSync(file, 'utf8');

    fs.writeFileSync(file, good.replace('Bring your identity documents', 'Bring your ID documents'));
    expect(m.reload()).toBe(true);
    const v2 = m.current().pack.version;
    expect(v2).not.toBe(v1);
    expect(m.current().pack.topicTexts.en!['hearing.documents']!.answer[0]).toContain('ID documents');

    fs.writeFileSync(file, good.replace('hearing.documents:', 'hearing.documents:\n  - broken'));
    expect(m.reload()).toBe(false);
    expect(m.current().pack.version).toBe(v2);
    expect(m.lastProblems.length).toBeGreaterThan(0);
    expect(logs.some((l) => l.includes('content change rejected; still serving the last valid version'))).toBe(true);
    // The snapshot the engine reads is immutable.
    expect(Object.isFrozen(m.current().pack.topicTexts.en)).toBe(true);
  });

  it('reloads in the background: the models of the new version train in a worker thread while the current one serves', async () => {
    const root = fs.mkdtempSync(path.join(dir, 'bg-'));
    fs.cpSync(miniRoot, root, { recursive: true });
    const cacheBefore = process.env.LOTSE_MODEL_CACHE;
    // An empty model cache, so the new version must be trained.
    process.env.LOTSE_MODEL_CACHE = fs.mkdtempSync(path.join(dir, 'models-'));
    try {
      const logs: string[] = [];
      const m = new ContentManager(
        root,
        createLogger('info', {}, (l) => logs.push(l)),
      );
      const v1 = m.current();
      const file = path.join(root, 'content/en/topics/hearing.yaml');
      fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('Bring your identity documents', 'Bring your passport and ID documents'));
      const reloading = m.reloadInBackground();
      // Until the new version is ready, the current one answers.
      expect(m.current()).toBe(v1);
      expect(m.current().nlu.match('which documents do I bring to the interview', 'en').topic).toBe('hearing.documents');
      // Asked again while one runs: the same reload, not a second worker.
      expect(m.reloadInBackground()).toBe(reloading);
      expect(await reloading).toBe(true);
      expect(m.current().pack.version).not.toBe(v1.pack.version);
      expect(m.current().pack.topicTexts.en!['hearing.documents']!.answer[0]).toContain('passport and ID documents');
      expect(m.current().nlu.match('which documents do I bring to the interview', 'en').topic).toBe('hearing.documents');
      const line = logs.find((l) => l.includes('content reloaded'));
      expect(line).toContain('trained in a worker thread');

      // A broken edit: rejected in the background too, the last valid version keeps serving.
      const v2 = m.current().pack.version;
      fs.writeFileSync(file, 'hearing.documents:\n  - broken: [');
      expect(await m.reloadInBackground()).toBe(false);
      expect(m.current().pack.version).toBe(v2);
      expect(m.lastProblems.length).toBeGreaterThan(0);
    } finally {
      if (cacheBefore === undefined) delete process.env.LOTSE_MODEL_CACHE;
      else process.env.LOTSE_MODEL_CACHE = cacheBefore;
    }
  });
});
