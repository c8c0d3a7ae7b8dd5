/**
 * Checkpoints of the SQLite write-ahead log on a thread of their own (issue 17.1, "the tail at
 * saturation").
 *
 * SQLite copies the log back into the database file when a commit makes it longer than 1000
 * pages, inside that COMMIT, and syncs the file to disk there: on the one thread that serves every
 * request. Measured on the web chat under load, a group commit took 0.6 ms at the median and
 * 40-100 ms at the 99th percentile (1-3 writes each at 30 messages a second: still up to 65 ms),
 * and every message waiting in that turn of the event loop waited with it.
 *
 * Here the main connection never checkpoints (wal_autocheckpoint = 0); a worker thread with a
 * connection of its own runs a PASSIVE checkpoint every `everyMs`: it copies what no reader still
 * needs and never blocks a writer, so commits go on while it syncs. Nothing changes for
 * durability: a commit is in the log (and acknowledged) before any checkpoint sees it, as before.
 * Should the worker fail, the main connection checkpoints itself again as SQLite does by default.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
const tick = () => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // busy (another checkpoint, a migration): the next tick tries again
  }
};
const timer = setInterval(tick, workerData.everyMs);
parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  tick();
  db.close();
  parentPort.close();
});
`;

/** The checkpointing thread of one SQLite file; `close()` before the main connection closes. */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(
    private readonly db: Database.Database,
    file: string,
    everyMs = 500,
  ) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { driver, file, everyMs } });
    this.worker.unref();
    db.pragma('wal_autocheckpoint = 0');
    this.exited = new Promise((resolve) => {
      this.worker.once('exit', () => resolve());
      this.worker.once('error', () => {
        // Back to SQLite's own checkpoints in the commit (its default of 1000 pages).
        if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
      });
    });
  }

  /** Stops the thread after one last checkpoint, and waits for it. */
  async close(): Promise<void> {
    // Held while it closes: an unref'd worker is all the event loop would wait for, and Node would
    // exit with code 0 before the close finished (the caller's exit code and "stopped" lost).
    this.worker.ref();
    this.worker.postMessage('close');
    await this.exited;
  }
}
