/**
 * Group commit for the SQLite store (issue 17.1): the writes asked for in one
 * turn of the event loop run together in one transaction, committed once.
 *
 * A commit is what a write costs most (the pages go to the write-ahead log,
 * the lock is taken and given back); a web chat message made eight of them.
 * Now every write method of the store queues its statements here and its
 * Promise resolves only after the COMMIT that contains them: what a caller
 * acknowledges (an HTTP 200, a socket push) after awaiting a write is on
 * disk, so a process killed with SIGKILL right after loses nothing it said
 * it had. Each write runs in a savepoint of its own, so one that fails is
 * undone alone and rejects alone; the others still commit.
 *
 * The transaction starts with BEGIN IMMEDIATE: it takes the write lock
 * before it reads, so a write that first reads (the next sequence number, a
 * duplicate's key) never meets another process's commit in between. A
 * deferred transaction that read and then wants to write is refused at once
 * with SQLITE_BUSY ("database is locked"), busy_timeout does not help it;
 * BEGIN IMMEDIATE waits up to busy_timeout for the lock instead. Two servers
 * on one file therefore wait for each other rather than fail.
 */
import type Database from 'better-sqlite3';

interface Job {
  fn: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** Runs queued writes of one event-loop turn in one IMMEDIATE transaction (see the file comment). */
export class WriteBatch {
  private queue: Job[] = [];
  private scheduled = false;
  private readonly st;
  /** Commits so far and writes in them (for tests and the benchmark). */
  readonly stats = { commits: 0, writes: 0 };

  constructor(private readonly db: Database.Database) {
    this.st = {
      begin: db.prepare('BEGIN IMMEDIATE'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
      savepoint: db.prepare('SAVEPOINT lotse_w'),
      release: db.prepare('RELEASE lotse_w'),
      rollbackTo: db.prepare('ROLLBACK TO lotse_w'),
    };
  }

  /**
   * Queues `fn` (synchronous statements on the database) for this turn's transaction; resolves
   * with its result once that transaction is committed, rejects with its error (or the commit's).
   */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the I/O of this turn: every request read in it joins the same commit.
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now (also called before a statement that must not run inside a batch). */
  flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    if (!jobs.length) return;
    this.queue = [];
    if (!this.db.open) {
      for (const j of jobs) j.reject(new Error('the database is closed'));
      return;
    }
    let results: { ok: boolean; v: unknown }[];
    try {
      this.st.begin.run();
    } catch (err) {
      for (const j of jobs) j.reject(err);
      return;
    }
    // First all jobs straight in the transaction, no savepoint around each (two statements a job,
    // most of what a flush cost besides the writes themselves: issue 17.1). Only when one throws is
    // the transaction rolled back and the batch run again with a savepoint per job, so that the
    // failed job is undone alone; a job is statements on the database, which run again the same
    // way after the rollback.
    try {
      results = this.runAll(jobs, false);
    } catch {
      try {
        // (An I/O or lock error may have ended the transaction already.)
        if (this.db.inTransaction) this.st.rollback.run();
        this.st.begin.run();
        results = this.runAll(jobs, true);
      } catch (err) {
        if (this.db.inTransaction) this.st.rollback.run();
        for (const j of jobs) j.reject(err);
        return;
      }
    }
    try {
      this.st.commit.run();
    } catch (err) {
      if (this.db.inTransaction) this.st.rollback.run();
      for (const j of jobs) j.reject(err);
      return;
    }
    this.stats.commits++;
    this.stats.writes += jobs.length;
    jobs.forEach((j, i) => (results[i]!.ok ? j.resolve(results[i]!.v) : j.reject(results[i]!.v)));
  }

  /** Runs the jobs in the open transaction; without savepoints the first error is thrown, with them each job's outcome is kept. */
  private runAll(jobs: Job[], savepoints: boolean): { ok: boolean; v: unknown }[] {
    const results: { ok: boolean; v: unknown }[] = [];
    for (const j of jobs) {
      if (!savepoints) {
        results.push({ ok: true, v: j.fn() });
        continue;
      }
      this.st.savepoint.run();
      try {
        const v = j.fn();
        this.st.release.run();
        results.push({ ok: true, v });
      } catch (err) {
        this.st.rollbackTo.run();
        this.st.release.run();
        results.push({ ok: false, v: err });
      }
    }
    return results;
  }
}
