/**
 * Crash benchmark (issue 13.2 / 13.9): the crash test's scenario (test/helpers/crash.ts) at a
 * larger load. A Lotse server in a child process (`lotse serve`) gets web chat conversations over
 * Direct Line and Telegram chats in long polling against the Bot API stand-in, every third in an
 * open handoff; half-way through the web chat load it is killed with SIGKILL and started again on
 * the same SQLite file, and the people carry on (web chat POSTs that got no answer are sent again
 * with the same clientActivityID; Telegram gives again what was not confirmed).
 *
 * Figures: messages acknowledged (web chat: POST answered 200; Telegram: offset confirmed),
 * processed (answered as in a reference run without a crash, or at the caseworker's side once),
 * duplicated, lost; how many were unfinished at the kill and finished at the start; and the
 * Telegram messages that were on their way at the kill and went again (in doubt).
 */
import { crashScenario, type CrashOptions } from '../test/helpers/crash.js';
import { runAlone } from './server.js';

export async function benchCrash(opts: CrashOptions = {}): Promise<Record<string, unknown>> {
  const o = { webConversations: 24, telegramChats: 12, messages: 12, handoffEvery: 3, ...opts };
  const r = await crashScenario(o);
  return {
    ...r.figures,
    problems: r.problems,
    note: `${o.webConversations} web chat conversations and ${o.telegramChats} Telegram chats (every ${o.handoffEvery}rd in an open handoff), ${o.messages} messages each; SIGKILL when half the web chat load was acknowledged, restart on the same SQLite file`,
  };
}

// `node --import tsx bench/crash.ts` runs it alone.
runAlone(import.meta.url, benchCrash);
