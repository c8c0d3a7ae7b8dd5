/**
 * Issue 13.2 / 13.9: the server is killed (SIGKILL) in the middle of a load of web chat and
 * Telegram conversations, some in open handoffs, and started again on the same SQLite file.
 * Every acknowledged message is processed, every reply is delivered exactly once (Telegram: a
 * message the server reports in doubt, on its way at the kill, may go twice, and only that), and
 * the caseworker sees every relayed message once, in order. The scenario is test/helpers/crash.ts
 * (the benchmark runs the same one); its problems are asserted empty.
 */
import { describe, expect, it } from 'vitest';
import { crashScenario } from '../helpers/crash.js';

describe('a crash under load', () => {
  it('SIGKILL mid-load, restart on the same file: nothing acknowledged is lost, nothing is done twice', async () => {
    const r = await crashScenario({ webConversations: 6, telegramChats: 6, messages: 10, handoffEvery: 3 });
    process.stdout.write(`crash figures: ${JSON.stringify(r.figures)}\n`);
    expect(r.problems).toEqual([]);
    // The kill came in the middle: part of the web chat load was acknowledged before it, the rest after.
    expect(r.figures.webchat.acknowledgedBeforeKill).toBeGreaterThan(0);
    expect(r.figures.webchat.acknowledgedBeforeKill).toBeLessThan(r.figures.webchat.acknowledged);
    expect(r.figures.lost).toBe(0);
    expect(r.figures.processed).toBe(r.figures.acknowledged);
    // Web chat and the caseworker's side are exactly once; Telegram doubles only where the server said so.
    expect(r.figures.duplicated).toBeLessThanOrEqual(r.figures.telegram.inDoubtResent);
  }, 300_000);
});
