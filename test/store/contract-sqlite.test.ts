/** The store contract (contract.ts) on SQLite: a real file per test, opened again for a restart or a second instance. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../../src/store/sqlite.js';
import { storeContract } from './contract.js';

storeContract({
  name: 'SQLite',
  async fresh() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-contract-'));
    const file = path.join(dir, 'lotse.sqlite');
    const opened: SqliteStore[] = [];
    return {
      open(now) {
        const s = new SqliteStore(file, now);
        opened.push(s);
        return s;
      },
      async writeRawSession(ref, text) {
        const s = new SqliteStore(file);
        s.db.prepare('INSERT INTO sessions (channel, conversation_id, state, updated_at) VALUES (?, ?, ?, 0)').run(ref.channel, ref.conversationId, text);
        await s.close();
      },
      async countRows(table) {
        const s = new SqliteStore(file);
        try {
          return (s.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
        } finally {
          await s.close();
        }
      },
      async dispose() {
        for (const s of opened) await s.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  },
});
