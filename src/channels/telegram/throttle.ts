/**
 * The outgoing throttler: an API transformer with
 *  - one queue per chat: calls to a chat run one at a time, first in first out (a reply's messages,
 *    a caseworker's message and the next turn's typing action never overtake each other), and
 *  - a global token bucket: at most `perSecond` messages per second across all chats (Telegram
 *    allows about 30), with bursts up to one second's worth; the rest wait in line, in order.
 *
 * Installed outside auto-retry, so a message that gets 429 or 5xx keeps its chat's place while it
 * waits and is retried: nothing behind it in that chat can go first.
 *
 * Why not @grammyjs/transformer-throttler: it is built on Bottleneck, which measured ~10 ms added to
 * every call on loopback (sequential sendMessage: 2 ms plain, 12 ms throttled) and capped the whole
 * bot at about 100 calls per second. This one adds no timer while under the limit.
 *
 * The queues are per process: two instances each keep their own rate (Telegram's 429 and
 * auto-retry catch what they overshoot together).
 */
import type { Transformer } from 'grammy';

/** Methods that do not count against the message rate (they still keep their chat's order). */
const FREE = new Set(['sendChatAction']);

export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly waiting: (() => void)[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = perSecond;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.perSecond, this.tokens + ((t - this.last) / 1000) * this.perSecond);
    this.last = t;
  }

  /** Resolves when a message may go (immediately while under the rate). */
  take(): Promise<void> {
    this.refill();
    if (!this.waiting.length && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.timer || !this.waiting.length) return;
    const ms = Math.max(1, Math.ceil(((1 - this.tokens) / this.perSecond) * 1000));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiting.length && this.tokens >= 1) {
        this.tokens -= 1;
        this.waiting.shift()!();
      }
      this.schedule();
    }, ms);
  }

  get queued(): number {
    return this.waiting.length;
  }
}

export function chatThrottler(opts: { perSecond: number }): Transformer {
  const bucket = new TokenBucket(opts.perSecond);
  const chains = new Map<string, Promise<unknown>>();
  return (prev, method, payload, signal) => {
    const chatId = payload && typeof payload === 'object' && 'chat_id' in payload ? String((payload as { chat_id: unknown }).chat_id) : undefined;
    if (chatId === undefined) return prev(method, payload, signal);
    const before = chains.get(chatId) ?? Promise.resolve();
    const run = before.then(async () => {
      if (!FREE.has(method)) await bucket.take();
      return prev(method, payload, signal);
    });
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    chains.set(chatId, tail);
    void tail.then(() => {
      if (chains.get(chatId) === tail) chains.delete(chatId);
    });
    return run;
  };
}
