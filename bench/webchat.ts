/**
 * Web chat (Direct Line) benchmark: a Lotse server in a child process with
 * the starter content, and a loopback load generator in this process that
 * speaks Direct Line like Web Chat does (POST the activity, read the reply
 * from the stream socket).
 *
 *  - throughput: CONCURRENCY conversations, each sending MESSAGES questions
 *    one after another (the next when the answer to the last has arrived);
 *    messages/s over the whole run and the p50/p99 reply latency (POST sent
 *    -> first bot activity with that replyToId received on the socket);
 *  - memory: the server's resident set size with 1,000 open conversations,
 *    each with an open stream socket and one exchange behind it.
 *
 * Rate limits are raised for the run (it is one address sending a lot).
 */
import { DirectLineClient, openStream, type Activity } from '../test/webchat/dl-client.js';
import { percentile, runAlone, startServerProcess } from './server.js';

const QUESTIONS = [
  'when is my interview',
  'what documents do I need for the interview',
  'can I bring my own interpreter',
  'what happens after the interview',
  'can I cook in my room',
  'where can I see a doctor',
  'I need a lawyer',
  'how do I tell my story',
];

export interface WebchatBenchOptions {
  concurrency?: number;
  messagesPerConversation?: number;
  openConversations?: number;
  /** Profile mode: drive a server that is already running (no memory figures). */
  url?: string;
}

/** A conversation with an open stream, past the language choice (English). */
async function openConversation(url: string) {
  const c = new DirectLineClient(url);
  const { streamUrl } = await c.start();
  const s = await openStream(streamUrl);
  const waiters = new Map<string, (t: number) => void>();
  s.ws.on('message', (d) => {
    const set = JSON.parse(String(d) || '{}') as { activities?: Activity[] };
    for (const a of set.activities ?? []) {
      const to = a.replyToId as string | undefined;
      if (a.type === 'message' && a.from?.role === 'bot' && to && waiters.has(to)) {
        waiters.get(to)!(performance.now());
        waiters.delete(to);
      }
    }
  });
  /** Posts and resolves with the reply latency in ms. */
  const ask = async (activity: Record<string, unknown>): Promise<number> => {
    const t0 = performance.now();
    let id = '';
    const replied = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply in 30 s')), 30_000);
      c.post(activity).then(
        (r) => {
          if (r.status !== 200) return reject(new Error(`post ${r.status}: ${JSON.stringify(r.json)}`));
          id = r.json.id;
          // The reply may already be there if the bot was faster than this response.
          const found = s.sets.flatMap((x) => x.activities).some((a) => a.replyToId === id && a.type === 'message');
          if (found) {
            clearTimeout(timer);
            resolve(performance.now());
          } else
            waiters.set(id, (t) => {
              clearTimeout(timer);
              resolve(t);
            });
        },
        (e) => reject(e),
      );
    });
    return (await replied) - t0;
  };
  await ask({ type: 'event', name: 'webchat/join', value: { lang: 'en' } });
  const prompt = s.sets.flatMap((x) => x.activities).find((a) => a.suggestedActions);
  const english = prompt?.suggestedActions?.actions.find((a) => a.title === 'English');
  if (english) await ask({ type: 'message', value: english.value, text: 'English' });
  // Only the latest sets are needed from now on.
  s.sets.length = 0;
  return { c, s, ask };
}

export async function benchWebchat(opts: WebchatBenchOptions = {}): Promise<Record<string, unknown>> {
  const concurrency = opts.concurrency ?? 50;
  const perConversation = opts.messagesPerConversation ?? 20;
  const openCount = opts.openConversations ?? 1000;
  const server = opts.url
    ? undefined
    : await startServerProcess('webchat', {
        WEBCHAT_RATE_PER_CONVERSATION: '1000000',
        WEBCHAT_RATE_PER_ADDRESS: '1000000',
        // Every simulated person connects from 127.0.0.1: the per-address stream cap (100) would refuse the 101st.
        WEBCHAT_MAX_STREAMS_PER_ADDRESS: '100000',
      });
  const url = opts.url ?? server!.url;
  const rss = () => (server ? server.rssMB() : NaN);
  try {
    const rssIdle = rss();

    // ---- throughput and latency
    const convs = await Promise.all(Array.from({ length: concurrency }, () => openConversation(url)));
    const latencies: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      convs.map(async (cv, i) => {
        for (let m = 0; m < perConversation; m++) {
          const text = QUESTIONS[(i + m) % QUESTIONS.length]!;
          latencies.push(await cv.ask({ type: 'message', text, channelData: { clientActivityID: `b${i}-${m}` } }));
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    for (const cv of convs) cv.s.ws.close();
    latencies.sort((a, b) => a - b);

    // ---- memory with many open conversations
    const open: Awaited<ReturnType<typeof openConversation>>[] = [];
    const batch = 50;
    for (let i = 0; i < openCount; i += batch) {
      open.push(...(await Promise.all(Array.from({ length: Math.min(batch, openCount - i) }, () => openConversation(url)))));
    }
    const rssOpen = rss();
    for (const cv of open) cv.s.ws.close();

    return {
      load: `${concurrency} concurrent conversations x ${perConversation} questions each (English starter content), loopback, one POST + stream reply per message`,
      messages: latencies.length,
      messagesPerSecond: Math.round(latencies.length / seconds),
      replyLatencyMs: {
        p50: Number(percentile(latencies, 50).toFixed(1)),
        p99: Number(percentile(latencies, 99).toFixed(1)),
        max: Number(latencies.at(-1)!.toFixed(1)),
      },
      memory: {
        rssAfterStartMB: Number(rssIdle.toFixed(1)),
        openConversations: open.length,
        rssWithOpenConversationsMB: Number(rssOpen.toFixed(1)),
        perOpenConversationKB: Number((((rssOpen - rssIdle) * 1024) / open.length).toFixed(1)),
      },
    };
  } finally {
    await server?.stop();
  }
}

// `node --import tsx bench/webchat.ts` runs it alone.
runAlone(import.meta.url, benchWebchat);
