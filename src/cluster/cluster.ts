/**
 * What several instances of Lotse must share while they run, beyond the store (issue 17.3/17.4):
 *
 *  - a `Bus`: publish/subscribe of small events (the caseworker console's live events, "new
 *    activities in web chat conversation X" for the instance that holds its socket);
 *  - `Locks`: a lock per conversation, so two instances never run two turns of one conversation
 *    at once;
 *  - `Leadership`: one instance among many does a job (the Telegram poller: Telegram refuses two
 *    getUpdates at once), and another takes over within seconds when it dies.
 *
 * One instance (no REDIS_URL) gets the in-process implementations below, which behave exactly as
 * the EventEmitter and the per-process queues did before; REDIS_URL chooses src/cluster/redis.ts.
 * Nothing durable travels here: what must survive lives in the store, and every listener catches
 * up from it (the console by sequence number, a Direct Line socket by watermark), so a message
 * lost on the bus delays a push, never loses a message.
 */
import { EventEmitter } from 'node:events';
import { SerialQueue } from '../util/serial-queue.js';

/** Publish/subscribe of JSON-serialisable events by topic, to every instance (this one included, synchronously). */
export interface Bus {
  publish(topic: string, data: unknown): void;
  /** `fn` gets every event of `topic` published anywhere from now on; returns the unsubscribe. */
  subscribe(topic: string, fn: (data: unknown) => void): () => void;
}

/** A lock per key (a conversation) held while `fn` runs; waiters queue. */
export interface Locks {
  /**
   * Runs `fn` while holding the lock of `key`, waiting for it first. The lock lives on while `fn`
   * runs (renewed), and is released when it ends or fails. A holder that dies loses it after the
   * lock's time to live. Rejects (without running `fn`) when the lock is not had within the wait.
   */
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T>;
}

/** What a job that runs on one instance only is told. */
export interface LeaderJob {
  /** This instance now leads: start the job. */
  gained(): void | Promise<void>;
  /** It no longer does (stopping, or the lease could not be renewed): stop the job at once. */
  lost(): void | Promise<void>;
}

/** Elects one instance per name to run a job. */
export interface Leadership {
  /** Runs for leadership of `name` until the returned stop is called (which also gives the lead up). */
  elect(name: string, job: LeaderJob): () => Promise<void>;
}

/** The three together, as the server hands them to plugins (`ctx.cluster`). */
export interface Cluster {
  /** 'memory' (one instance) or 'redis'. */
  readonly kind: 'memory' | 'redis';
  /** This process's id among the instances (logs, lock owners). */
  readonly instanceId: string;
  readonly bus: Bus;
  readonly locks: Locks;
  readonly leadership: Leadership;
  /** Reachable now (/readyz). */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/** The bus of one process: an EventEmitter. */
export class LocalBus implements Bus {
  private readonly em = new EventEmitter().setMaxListeners(0);
  publish(topic: string, data: unknown): void {
    this.em.emit(topic, data);
  }
  subscribe(topic: string, fn: (data: unknown) => void): () => void {
    this.em.on(topic, fn);
    return () => this.em.off(topic, fn);
  }
}

/** The locks of one process: a queue per key (tasks of one key one after another). */
export class LocalLocks implements Locks {
  private readonly q = new SerialQueue();
  withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.q.run(key, fn);
  }
}

/** One process leads everything it runs for, at once. */
export class LocalLeadership implements Leadership {
  elect(_name: string, job: LeaderJob): () => Promise<void> {
    let on = true;
    const started = Promise.resolve().then(() => (on ? job.gained() : undefined));
    return async () => {
      if (!on) return;
      on = false;
      await started;
      await job.lost();
    };
  }
}

/** The cluster of a single instance (no REDIS_URL). */
export function memoryCluster(instanceId = `local-${process.pid}`): Cluster {
  return {
    kind: 'memory',
    instanceId,
    bus: new LocalBus(),
    locks: new LocalLocks(),
    leadership: new LocalLeadership(),
    ready: async () => true,
    close: async () => undefined,
  };
}
