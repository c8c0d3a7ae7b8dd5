/**
 * A minimal Direct Line 3.0 client for protocol tests and the benchmark:
 * plain fetch and ws, speaking exactly what botframework-directlinejs sends.
 */
import WebSocket from 'ws';

export interface Activity {
  id?: string;
  type: string;
  text?: string;
  from?: { id: string; role?: string };
  channelId?: string;
  channelData?: Record<string, unknown>;
  conversation?: { id: string };
  suggestedActions?: { actions: { type: string; title: string; value: unknown }[] };
  attachments?: { contentType: string; content: Record<string, unknown> }[];
  [k: string]: unknown;
}

export class DirectLineClient {
  token = '';
  conversationId = '';
  watermark = '';
  constructor(
    readonly base: string,
    readonly headers: Record<string, string> = {},
  ) {}

  get dl(): string {
    return `${this.base}/v3/directline`;
  }

  async req(
    method: string,
    path: string,
    body?: unknown,
    token = this.token,
    extra: Record<string, string> = {},
  ): Promise<{ status: number; json: any; headers: Headers }> {
    const r = await fetch(`${this.dl}${path}`, {
      method,
      headers: {
        ...this.headers,
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...extra,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await r.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = text;
    }
    return { status: r.status, json, headers: r.headers };
  }

  async start(): Promise<{ streamUrl: string }> {
    const g = await this.req('POST', '/tokens/generate', undefined, '');
    if (g.status !== 200) throw new Error(`generate: ${g.status} ${JSON.stringify(g.json)}`);
    this.token = g.json.token;
    this.conversationId = g.json.conversationId;
    const s = await this.req('POST', '/conversations');
    if (s.status !== 201 && s.status !== 200) throw new Error(`start: ${s.status} ${JSON.stringify(s.json)}`);
    return { streamUrl: s.json.streamUrl };
  }

  post(activity: Record<string, unknown>) {
    return this.req('POST', `/conversations/${this.conversationId}/activities`, activity);
  }

  async poll(): Promise<Activity[]> {
    const r = await this.req('GET', `/conversations/${this.conversationId}/activities?watermark=${this.watermark}`);
    if (r.status !== 200) throw new Error(`poll: ${r.status} ${JSON.stringify(r.json)}`);
    if (r.json.watermark) this.watermark = r.json.watermark;
    return r.json.activities as Activity[];
  }

  /** Polls until `until` holds for everything received so far (no timing assertions: a deadline only to fail a hung test). */
  async pollUntil(until: (all: Activity[]) => boolean, all: Activity[] = [], deadlineMs = 20_000): Promise<Activity[]> {
    const end = Date.now() + deadlineMs;
    for (;;) {
      all.push(...(await this.poll()));
      if (until(all)) return all;
      if (Date.now() > end) throw new Error(`condition not met; got ${JSON.stringify(all.map((a) => [a.type, a.from?.role, a.text?.slice(0, 40)]))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Opens a stream socket and collects every ActivitySet it receives. */
export function openStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ ws: WebSocket; sets: { activities: Activity[]; watermark?: string }[]; waitFor(pred: (acts: Activity[]) => boolean): Promise<Activity[]> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const sets: { activities: Activity[]; watermark?: string }[] = [];
    const waiters: (() => void)[] = [];
    ws.on('message', (d) => {
      const s = String(d);
      if (!s) return;
      sets.push(JSON.parse(s));
      for (const w of [...waiters]) w();
    });
    ws.once('open', () =>
      resolve({
        ws,
        sets,
        waitFor: (pred) =>
          new Promise((res, rej) => {
            const all = () => sets.flatMap((x) => x.activities);
            const check = () => {
              if (pred(all())) {
                waiters.splice(waiters.indexOf(check), 1);
                res(all());
              }
            };
            waiters.push(check);
            check();
            setTimeout(() => rej(new Error(`stream condition not met: ${JSON.stringify(all().map((a) => [a.type, a.text?.slice(0, 30)]))}`)), 20_000).unref();
          }),
      }),
    );
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })));
    ws.once('error', reject);
  });
}
