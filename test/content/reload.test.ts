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
    const m = new ContentManager(dir, createLogger('info', {}, (l) => logs.push(l)));
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
});
