/**
 * The limit servers of `npm run bench -- load` (issue 17.2): what one Node
 * process on this machine can do at best for a chat message, to compare
 * Lotse with.
 *
 *   node --import tsx bench/limit-server.ts none     express + express.json, no work
 *   node --import tsx bench/limit-server.ts insert   the same + one SQLite INSERT per message
 *                                                    (WAL, synchronous=NORMAL, as Lotse's store)
 *
 * POST /m with `{ text, id }` answers `{ id }`. Prints `{"url":"http://..."}`
 * on stdout once it listens (on a free port of 127.0.0.1).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import express from 'express';

const kind = process.argv[2] ?? 'none';
const app = express();
app.use(express.json({ limit: 4096 }));

let insert: ((text: string, at: number) => void) | undefined;
if (kind === 'insert') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-limit-'));
  const db = new Database(path.join(dir, 'limit.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec('CREATE TABLE m (id INTEGER PRIMARY KEY, text TEXT NOT NULL, at INTEGER NOT NULL)');
  const st = db.prepare('INSERT INTO m (text, at) VALUES (?, ?)');
  insert = (text, at) => void st.run(text, at);
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
}

app.post('/m', (req, res) => {
  const body = req.body as { text?: unknown; id?: unknown };
  insert?.(String(body.text ?? ''), Date.now());
  res.json({ id: body.id ?? null });
});

const server = app.listen(0, '127.0.0.1', () => {
  const a = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${a.port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
