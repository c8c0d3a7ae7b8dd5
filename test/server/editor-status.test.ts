/**
 * `npm start` says in one line whether the content editor is on and, when it
 * is not, how to switch it on (issue 16): a real server on the test pack, once
 * serving the files (the default) and once the store, its log written to a list.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { startServer } from '../../src/server/main.js';
import { createLogger } from '../../src/util/logger.js';
import { miniRoot } from '../helpers/content.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-editor-status-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** The start-up log lines that speak of the content editor. */
async function editorLines(env: Record<string, string>): Promise<{ msg: string; contentSource: string }[]> {
  const lines: string[] = [];
  const root = path.join(tmp, `pack-${Object.keys(env).length}`);
  fs.cpSync(miniRoot, root, { recursive: true });
  const running = await startServer({
    config: loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: path.join(root, 'data'), CONTENT_ROOT: root, CONTENT_WATCH: 'false', ...env }),
    log: createLogger('info', {}, (l) => lines.push(l)),
    plugins: () => [],
  });
  await running.stop();
  return lines.map((l) => JSON.parse(l) as { msg: string; contentSource: string }).filter((l) => /content editor/.test(l.msg));
}

describe('the start-up line about the content editor', () => {
  it('says the editor is off by default, why, and how to switch it on', async () => {
    const lines = await editorLines({});
    expect(lines).toHaveLength(1);
    expect(lines[0]!.contentSource).toBe('files');
    expect(lines[0]!.msg).toMatch(/^content editor off \(CONTENT_SOURCE=files, the default/);
    expect(lines[0]!.msg).toContain('set CONTENT_SOURCE=store to edit in the browser at /console/admin/editor');
  });

  it('says it is on, and where, with CONTENT_SOURCE=store', async () => {
    const lines = await editorLines({ CONTENT_SOURCE: 'store' });
    expect(lines).toHaveLength(1);
    expect(lines[0]!.contentSource).toBe('store');
    expect(lines[0]!.msg).toMatch(/^content editor on \(CONTENT_SOURCE=store\): staff edit and publish at \/console\/admin\/editor/);
  });
});
