/**
 * Runs tasks of one key one after another, in the order they were queued
 * (a conversation's events, a handoff retry round); tasks of different keys
 * run side by side. A task that fails does not stop the ones after it: the
 * caller of that task gets the error. Within one process only.
 */
export class SerialQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const run = prev.catch(() => undefined).then(task);
    this.tails.set(key, run);
    void run
      .finally(() => {
        if (this.tails.get(key) === run) this.tails.delete(key);
      })
      .catch(() => undefined);
    return run;
  }

  /** Keys with a task queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
