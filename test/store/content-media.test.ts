/**
 * Podcast recordings in the content store (issue 16.5, migration 460), the
 * same contract on a real SQLite file and a real PostgreSQL schema: bytes come
 * back exactly, a path keeps its first bytes (paths are content-addressed),
 * sizes list every recording, an unknown path is undefined, and a second
 * store object on the same database (another instance) sees them.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/store.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { createTestSchema, type TestSchema } from '../helpers/postgres.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-media-'));
let schema: TestSchema | undefined;
const open: Store[] = [];
afterAll(async () => {
  for (const s of open) await s.close();
  await schema?.drop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const kinds: [string, () => Promise<() => Promise<Store>>][] = [
  [
    'SQLite file',
    async () => {
      const file = path.join(tmp, 'lotse.db');
      return async () => {
        const s = new SqliteStore(file);
        await s.migrate();
        return s;
      };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      schema = await createTestSchema();
      const t = schema;
      return async () => {
        const s = t.store();
        await s.migrate();
        return s;
      };
    },
  ],
];

for (const [name, factory] of kinds)
  describe(`content media (${name})`, () => {
    it('keeps recordings byte for byte, first bytes per path, seen by another instance', async () => {
      const make = await factory();
      const a = await make();
      const b = await make();
      open.push(a, b);
      const va = await a.contentVersions();
      const vb = await b.contentVersions();
      // Every byte value, and more than one page of a typical driver buffer.
      const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(70_000)]);
      const p = 'content/audio/hearing.ar.3f2a9c1b04de.mp3';
      expect(await va.media(p)).toBeUndefined();
      await va.putMedia({ path: p, sha256: 'abc', type: 'audio/mpeg', bytes, createdAt: 1_700_000_000_123 });
      await va.putMedia({ path: p, sha256: 'other', type: 'audio/mpeg', bytes: Buffer.from('not the first'), createdAt: 2 });
      await va.putMedia({ path: 'content/audio/b.en.000000000000.mp3', sha256: 'b', type: 'audio/mpeg', bytes: Buffer.from('xyz'), createdAt: 3 });
      const got = await vb.media(p);
      expect(got).toMatchObject({ path: p, sha256: 'abc', type: 'audio/mpeg', createdAt: 1_700_000_000_123 });
      expect(Buffer.from(got!.bytes).equals(bytes)).toBe(true);
      expect([...(await vb.mediaSizes())]).toEqual([
        ['content/audio/b.en.000000000000.mp3', 3],
        [p, bytes.length],
      ]);
    });
  });
