/**
 * The open-loop load generator of `npm run bench -- load`, in a process of
 * its own (so its work is not counted as the server's, and a slow server
 * cannot slow the schedule down: issue 17.2).
 *
 *   node --import tsx bench/load-gen.ts <mode> <url>[,<url>...] <conversations>
 *
 * With several URLs (instances of one cluster, issue 17.4) the `dl` mode
 * spreads every conversation over them, round robin and without sticky
 * routing: conversation k is created (token, start) on instance k, its
 * messages are POSTed to instance k+1 and its stream socket is opened on
 * instance k+2 (modulo the number of instances), so that every reply a
 * person sees has crossed from one instance to another through the store
 * and the bus.
 *
 * Modes: `dl` speaks Direct Line as Web Chat does (POST the activity, the
 * reply arrives on the conversation's stream socket); `http` POSTs a small
 * JSON message to `<url>/m` and takes the response as the reply (the
 * express limit servers of limit-server.ts).
 *
 * It reads commands on stdin, one per line, and answers each with one JSON
 * line on stdout:
 *   `open <rate> <seconds>`   messages scheduled at fixed times (the i-th at
 *                             t0 + i / rate), sent when their time comes
 *                             whether or not earlier ones were answered;
 *                             latency is measured from the scheduled time,
 *                             not the actual send, so a generator or server
 *                             that falls behind shows as latency (no
 *                             coordinated omission);
 *   `closed <concurrency> <seconds>`  each of `concurrency` senders sends
 *                             the next message when the last was answered:
 *                             the most the server can do;
 *   `stats`                   totals since the start: messages sent, POSTs
 *                             accepted (200), replies received (also those
 *                             that came after a step's 30 s deadline);
 *   `quit`.
 */
import http from 'node:http';
import readline from 'node:readline';
import WebSocket from 'ws';

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

const [mode = 'dl', base = '', convArg = '200'] = process.argv.slice(2);
/** A parsed JSON body, read loosely (the generator only picks a few known fields). */
// biome-ignore lint/suspicious/noExplicitAny: the generator reads a handful of known fields from the server's answers
type Json = any;

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const targets = base.split(',').map((u) => new URL(u));

/** Totals since the start, of the measured messages (not the language choice). */
const totals = { sent: 0, accepted: 0, answered: 0, refused: 0, resetRetried: 0, why: {} as Record<string, number> };

/** A refused message: counted, with what the server said (the status and error code, or the socket error). */
function refusal(err: unknown): void {
  totals.refused++;
  const why = (err instanceof Error ? err.message : String(err)).replace(/"message":"[^"]*"/, '').slice(0, 80);
  totals.why[why] = (totals.why[why] ?? 0) + 1;
}

/**
 * One POST with a JSON body over the keep-alive agent to instance `at`; resolves with status and
 * parsed body. A kept-alive socket the server closed (its keep-alive timeout) just as the request
 * went out is reset: the request goes once more on a fresh socket, as browsers do (the same
 * clientActivityID, so the server takes it once in any case); counted in `resetRetried`.
 */
async function post(path: string, body: unknown, token?: string, at = 0): Promise<{ status: number; json: Json }> {
  try {
    return await postOnce(path, body, token, at);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { reusedSocket?: boolean };
    if (!e.reusedSocket || (e.code !== 'ECONNRESET' && e.code !== 'EPIPE')) throw err;
    totals.resetRetried++;
    return postOnce(path, body, token, at);
  }
}

function postOnce(path: string, body: unknown, token?: string, at = 0): Promise<{ status: number; json: Json }> {
  const target = targets[at % targets.length]!;
  const data = Buffer.from(JSON.stringify(body ?? {}));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': data.length, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json: Json;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = text;
          }
          resolve({ status: res.statusCode ?? 0, json });
        });
      },
    );
    req.on('error', (err) => reject(Object.assign(err, { reusedSocket: req.reusedSocket })));
    req.end(data);
  });
}

/** A sender: one Direct Line conversation with its stream, or an HTTP client of the limit server. */
interface Sender {
  /** Sends one message; resolves with the time its reply arrived (performance.now()). */
  send(text: string, id: string): Promise<number>;
}

let counter = 0;

/** Conversation k: created on instance k, messages to k+1, stream on k+2 (all one with a single URL). */
async function dlConversation(k: number): Promise<Sender> {
  const g = await post('/v3/directline/tokens/generate', undefined, undefined, k);
  if (g.status !== 200) throw new Error(`generate ${g.status}`);
  const token = g.json.token as string;
  const conv = g.json.conversationId as string;
  const s = await post('/v3/directline/conversations', undefined, token, k);
  if (s.status !== 200 && s.status !== 201) throw new Error(`start ${s.status}`);
  // The stream URL names the instance that answered; the socket goes to another one.
  const streamUrl = new URL(s.json.streamUrl as string);
  const streamAt = targets[(k + 2) % targets.length]!;
  streamUrl.host = streamAt.host;
  const ws = new WebSocket(streamUrl.toString(), { perMessageDeflate: false });
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  // The echo of a person's activity carries its clientActivityID and gets a server id; the
  // bot's reply names that id in replyToId. Matching through the echo does not depend on
  // whether the POST's response or the socket's push is read first.
  const byServerId = new Map<string, string>();
  const waiting = new Map<string, (t: number) => void>();
  ws.on('message', (d) => {
    const t = performance.now();
    const str = String(d);
    if (!str) return;
    const set = JSON.parse(str) as { activities?: Json[] };
    for (const a of set.activities ?? []) {
      const cid = a.channelData?.clientActivityID as string | undefined;
      if (a.from?.role === 'user' && cid && a.id) byServerId.set(a.id, cid);
      else if (a.type === 'message' && a.from?.role === 'bot' && a.replyToId) {
        const c = byServerId.get(a.replyToId);
        const w = c ? waiting.get(c) : undefined;
        if (w && c) {
          waiting.delete(c);
          byServerId.delete(a.replyToId);
          if (c.startsWith('m')) totals.answered++;
          w(t);
        }
      }
    }
  });
  const path = `/v3/directline/conversations/${encodeURIComponent(conv)}/activities`;
  const send = (activity: Record<string, unknown>, id: string) =>
    new Promise<number>((resolve, reject) => {
      waiting.set(id, resolve);
      post(path, { ...activity, channelData: { clientActivityID: id } }, token, k + 1).then((r) => {
        if (r.status === 200 && id.startsWith('m')) totals.accepted++;
        if (r.status !== 200) {
          waiting.delete(id);
          reject(new Error(`post ${r.status} ${JSON.stringify(r.json)}`));
        }
      }, reject);
    });
  // Past the language choice, as a person would be.
  await send({ type: 'event', name: 'webchat/join', value: { lang: 'en' } }, `join-${++counter}`);
  await send({ type: 'message', text: 'English' }, `lang-${++counter}`);
  return { send: (text, id) => send({ type: 'message', text }, id) };
}

function httpSender(): Sender {
  return {
    send: async (text, id) => {
      const r = await post('/m', { text, id });
      if (r.status !== 200) throw new Error(`post ${r.status}`);
      totals.accepted++;
      totals.answered++;
      return performance.now();
    },
  };
}

async function openSenders(n: number): Promise<Sender[]> {
  if (mode === 'http') return Array.from({ length: n }, httpSender);
  const out: Sender[] = [];
  for (let i = 0; i < n; i += 25) out.push(...(await Promise.all(Array.from({ length: Math.min(25, n - i) }, (_, j) => dlConversation(i + j)))));
  return out;
}

interface StepResult {
  sent: number;
  answered: number;
  failed: number;
  /** Of the failed: POSTs refused (non-200 or a broken connection), the rest got no reply in time. */
  refused: number;
  seconds: number;
  /** Reply latency in ms, ascending (from the scheduled time in open mode, from the send in closed mode). */
  latencies: number[];
  /** How late the generator itself sent, at worst (ms): it should stay small. */
  maxSendLagMs: number;
}

function summary(r: StepResult) {
  const l = r.latencies;
  const pct = (p: number) => (l.length ? Number(l[Math.min(l.length - 1, Math.ceil((p / 100) * l.length) - 1)]!.toFixed(1)) : null);
  return {
    sent: r.sent,
    answered: r.answered,
    failed: r.failed,
    refused: r.refused,
    seconds: Number(r.seconds.toFixed(2)),
    perSecond: Math.round(r.answered / r.seconds),
    p50: pct(50),
    p99: pct(99),
    max: l.length ? Number(l.at(-1)!.toFixed(1)) : null,
    maxSendLagMs: Number(r.maxSendLagMs.toFixed(1)),
  };
}

async function openLoop(senders: Sender[], rate: number, seconds: number): Promise<StepResult> {
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  let failed = 0;
  let maxLag = 0;
  const done: Promise<void>[] = [];
  const t0 = performance.now() + 20;
  let i = 0;
  await new Promise<void>((resolveAll) => {
    const tick = () => {
      const now = performance.now();
      while (i < total && t0 + i * interval <= now) {
        const scheduled = t0 + i * interval;
        maxLag = Math.max(maxLag, now - scheduled);
        const s = senders[i % senders.length]!;
        const id = `m${++counter}`;
        totals.sent++;
        done.push(
          s.send(QUESTIONS[i % QUESTIONS.length]!, id).then(
            (t) => void latencies.push(t - scheduled),
            (err: unknown) => {
              failed++;
              refusal(err);
            },
          ),
        );
        i++;
      }
      if (i < total) setTimeout(tick, Math.max(0, Math.min(interval, t0 + i * interval - performance.now())));
      else resolveAll();
    };
    setTimeout(tick, 20);
  });
  await withDeadline(Promise.all(done), 30_000);
  const took = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  // Refused and unanswered (still waiting at the deadline) alike count as failed; `refused` are the refused alone.
  return { sent: total, answered: latencies.length, failed: total - latencies.length, refused: failed, seconds: took, latencies, maxSendLagMs: maxLag };
}

async function closedLoop(senders: Sender[], concurrency: number, seconds: number): Promise<StepResult> {
  const latencies: number[] = [];
  let failed = 0;
  let refused = 0;
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let i = 0;
  await Promise.all(
    senders.slice(0, concurrency).map(async (s) => {
      while (performance.now() < end) {
        const start = performance.now();
        totals.sent++;
        try {
          const t = await withDeadline(s.send(QUESTIONS[i++ % QUESTIONS.length]!, `m${++counter}`), 30_000);
          if (t === undefined) failed++;
          else latencies.push(t - start);
        } catch (err) {
          failed++;
          refused++;
          refusal(err);
        }
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  return { sent: latencies.length + failed, answered: latencies.length, failed, refused, seconds: secs, latencies, maxSendLagMs: 0 };
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);
}

async function main(): Promise<void> {
  const senders = await openSenders(Number(convArg));
  process.stdout.write(`${JSON.stringify({ ready: senders.length })}\n`);
  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    const [cmd, a = '0', b = '0'] = line.trim().split(/\s+/);
    if (cmd === 'quit') break;
    if (cmd === 'stats') {
      process.stdout.write(`${JSON.stringify(totals)}\n`);
      continue;
    }
    const r = cmd === 'open' ? await openLoop(senders, Number(a), Number(b)) : await closedLoop(senders, Number(a), Number(b));
    process.stdout.write(`${JSON.stringify(summary(r))}\n`);
  }
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
