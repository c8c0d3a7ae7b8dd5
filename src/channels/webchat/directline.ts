/**
 * A Direct Line 3.0 server inside Lotse, enough for the unmodified official
 * Web Chat (botframework-directlinejs) in WebSocket and in polling mode.
 *
 *   POST /v3/directline/tokens/generate            new conversation + token (public, rate-limited per address)
 *   POST /v3/directline/tokens/refresh             a fresh token for the same conversation
 *   POST /v3/directline/conversations              start (with a token from generate) -> streamUrl
 *   GET  /v3/directline/conversations/:id          reconnect: new streamUrl from ?watermark=
 *   POST /v3/directline/conversations/:id/activities
 *   GET  /v3/directline/conversations/:id/activities?watermark=   never 5xx (one 5xx stops a polling client for good)
 *   WS   /v3/directline/conversations/:id/stream?watermark=&t=    ActivitySets, replay after the watermark
 *
 * Protocol facts this relies on (botframework-directlinejs 0.15):
 *  - the client keeps `watermark` from every ActivitySet that carries one and sends it back on reconnect and on
 *    every poll; here the watermark is the sequence number of the last activity delivered;
 *  - a 403 means "token expired", a 404 means "conversation ended"; polling stops for good on any other error;
 *  - after a socket closes, the client waits 3-15 s, then GETs /conversations/:id?watermark= for a new streamUrl;
 *  - Web Chat shows the person's message as sent only when the activity comes back with its
 *    `channelData.clientActivityID`, so every accepted activity is echoed with a server id.
 *
 * Everything the next request needs lives in the store (conversations,
 * activity log, rate counters) or in the signed token; in memory there are
 * only the open sockets of this instance and the order of in-flight turns.
 * "Conversation X has new activities" and ephemeral activities (typing) go
 * over the cluster's bus (topic `webchat`), so the instance that holds X's
 * socket pushes what another instance logged (a caseworker's reply, a turn
 * of a message posted there).
 */
import type http from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import express from 'express';
import { WebSocketServer, type WebSocket } from 'ws';
import type { InEvent, Reply } from '../../engine/messages.js';
import { commandOf, payload as enginePayload } from '../../engine/payload.js';
import type { ConversationRef, Deliverer } from '../../runtime/types.js';
import type { AppContext } from '../../server/plugin-api.js';
import { claimUpgrade, clientAddress, refuseSocket } from '../../server/security.js';
import type { Inbox, InboxItem, InboxStatus } from '../../store/inbox.js';
import type { RateCounters } from '../../store/rate-counters.js';
import type { StoredActivity, WebchatConversation as ConversationRow, WebchatLog } from '../../store/webchat-log.js';
import { HttpError } from '../../util/http-error.js';
import { SerialQueue } from '../../util/serial-queue.js';
import { wellFormedReviver } from '../../util/text.js';
import { addressKey } from '../../util/keyed-hash.js';
import { ownUiString } from '../../util/ui-strings.js';
import { BOT, PAYLOAD_KEY, renderReply, typingActivity } from './render.js';
import { bearer, TokenSigner, type TokenClaims } from './tokens.js';

export const DL_PREFIX = '/v3/directline';
const PAGE = 100;
const STREAM_TOKEN_MS = 120_000;
const MINUTE = 60_000;
const HEARTBEAT_MS = 30_000;
/** A stored message whose turn failed this often (each start tries again) is given up. */
const MAX_ATTEMPTS = 5;

/** What the inbox keeps of a web chat message until its turn is done: the event and the activity as logged. */
interface InboxPayload {
  event: InEvent;
  activity: Record<string, unknown>;
  clientId?: string;
}

export interface DirectLineLimits {
  perConversationPerMinute: number;
  perAddressPerMinute: number;
  maxBytes: number;
  maxTextChars: number;
  /** Open stream sockets per conversation and per client address. */
  streamsPerConversation: number;
  streamsPerAddress: number;
}

/**
 * A JSON answer, written directly: express's res.json (settings lookups, a charset pass, an ETag
 * hashed over the body and a freshness check against the request) was 4 % of a web chat
 * message's CPU (issue 17.1), and an ETag on a `no-store` answer serves nobody.
 */
function send(res: express.Response, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(res.req.method === 'HEAD' ? undefined : json);
}

function sendError(res: express.Response, e: HttpError): void {
  for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
  send(res, e.status, { error: { code: e.code, message: e.message } });
}

/** The bus topic of web chat pushes. */
const BUS_TOPIC = 'webchat';
/** On the bus: conversation `c` has new activities in its log, or (`raw`) an ephemeral ActivitySet for its open sockets. */
interface BusNote {
  c: string;
  /** An ephemeral message to send as it is (typing). */
  raw?: string;
  /** Activities just committed, to push as they are (pushHere); neither: flush from the store. */
  stored?: StoredActivity[];
}

interface Sub {
  ws: WebSocket;
  conversationId: string;
  lastSent: number;
  alive: boolean;
  /** A flush is under way; `again` asks it for one more round (so that sends never overlap or reorder). */
  flushing?: boolean;
  again?: boolean;
}

export class DirectLineServer {
  readonly store: WebchatLog;
  readonly rates: RateCounters;
  readonly signer: TokenSigner;
  readonly limits: DirectLineLimits;
  private readonly subs = new Map<string, Set<Sub>>();
  private readonly wss: WebSocketServer;
  private readonly turns = new SerialQueue();
  readonly inbox: Inbox;
  /** The store commits the writes of one tick together (Store.groupsWritesPerTick): dependent writes are asked for at once. */
  private readonly grouped: boolean;
  /** Inbox keys whose turn is queued or running in this process. */
  private readonly running = new Set<string>();
  /** Until the unfinished messages of the last process are queued, new turns wait (each conversation keeps its order). */
  private recovering: Promise<unknown> = Promise.resolve();
  private readonly inflight = new Set<Promise<unknown>>();
  /** Stream sockets open or being opened, per `c:<conversation>` and `a:<address>` (released when the socket closes). */
  private readonly streamCount = new Map<string, number>();
  private heartbeat?: NodeJS.Timeout;
  private closing = false;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ctx: AppContext,
    /** Express's compiled `trust proxy` (app.get('trust proxy fn')), for the client's address on upgrades. */
    private readonly trust: (addr: string, i: number) => boolean = () => false,
  ) {
    this.store = ctx.store.webchatLog();
    this.rates = ctx.store.rateCounters();
    this.inbox = ctx.store.inbox();
    this.grouped = ctx.store.groupsWritesPerTick;
    this.signer = new TokenSigner(ctx.secret);
    const c = ctx.config;
    this.limits = {
      perConversationPerMinute: c.WEBCHAT_RATE_PER_CONVERSATION,
      perAddressPerMinute: c.WEBCHAT_RATE_PER_ADDRESS,
      maxBytes: c.WEBCHAT_MAX_ACTIVITY_BYTES,
      maxTextChars: c.WEBCHAT_MAX_TEXT_CHARS,
      streamsPerConversation: c.WEBCHAT_MAX_STREAMS_PER_CONVERSATION,
      streamsPerAddress: c.WEBCHAT_MAX_STREAMS_PER_ADDRESS,
    };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: 4096, perMessageDeflate: false });
    this.unsubscribe = ctx.cluster.bus.subscribe(BUS_TOPIC, (d) => this.fromBus(d as BusNote));
  }

  /** A note from the bus (this instance's or another's): flush the conversation's sockets here, or send them an ephemeral message. */
  private fromBus(n: BusNote): void {
    const set = this.subs.get(n.c);
    if (!set) return;
    if (n.raw !== undefined) {
      for (const s of set) if (s.ws.readyState === s.ws.OPEN) s.ws.send(n.raw);
    } else if (n.stored) this.pushHere(n.c, n.stored);
    else for (const s of set) void this.flush(s);
  }

  private get log() {
    return this.ctx.log;
  }
  private now(): number {
    return this.ctx.clock.now();
  }
  private get tokenTtlMs(): number {
    return this.ctx.config.WEBCHAT_TOKEN_TTL_SECONDS * 1000;
  }
  get conversationTtlMs(): number {
    return this.ctx.config.WEBCHAT_CONVERSATION_DAYS * 86_400_000;
  }

  // ------------------------------------------------------------- origins ---
  /** The origin this server is reached at (for same-origin checks and absolute URLs). */
  baseUrl(req: http.IncomingMessage & { protocol?: string }): string {
    if (this.ctx.config.PUBLIC_URL) return this.ctx.config.publicUrl;
    const proto = (req as express.Request).protocol ?? ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
    return `${proto}://${req.headers.host ?? 'localhost'}`;
  }

  originAllowed(origin: string | undefined, req: http.IncomingMessage): boolean {
    if (!origin) return true; // not a browser, or a same-origin GET
    const allowed = this.ctx.config.WEBCHAT_ALLOWED_ORIGINS;
    if (allowed.includes('*')) return true;
    const norm = origin.replace(/\/$/, '').toLowerCase();
    if (norm === this.baseUrl(req).toLowerCase()) return true;
    const host = req.headers.host?.toLowerCase();
    if (host && (norm === `http://${host}` || norm === `https://${host}`)) return true;
    return allowed.some((a) => a.replace(/\/$/, '').toLowerCase() === norm);
  }

  /** CORS for the configured NGO origins (no cookies are ever used: tokens travel in headers). */
  cors(): express.RequestHandler {
    return (req, res, next) => {
      const origin = req.headers.origin;
      if (origin) {
        if (!this.originAllowed(origin, req)) {
          if (req.method === 'GET' || req.method === 'HEAD') return next();
          return sendError(res, new HttpError(403, 'OriginNotAllowed', `origin ${origin} may not use this chat; add it to WEBCHAT_ALLOWED_ORIGINS`));
        }
        res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Vary', 'Origin');
        res.setHeader('Access-Control-Expose-Headers', 'Retry-After');
      }
      if (req.method === 'OPTIONS') {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
        res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, x-ms-bot-agent, x-requested-with');
        res.setHeader('Access-Control-Max-Age', '600');
        return void res.status(204).end();
      }
      next();
    };
  }

  // -------------------------------------------------------------- limits ---
  private async limit(key: string, max: number, what: string): Promise<void> {
    this.refuseOver(await this.rates.hit(key, MINUTE, this.now()), max, what);
  }

  /** A 429 with Retry-After when a counted hit is over its limit. */
  private refuseOver({ n, resetAt }: { n: number; resetAt: number }, max: number, what: string): void {
    if (n > max) {
      const retry = Math.max(1, Math.ceil((resetAt - this.now()) / 1000));
      throw new HttpError(429, 'TooManyRequests', `too many ${what}: at most ${max} a minute; try again in ${retry} s`, { 'Retry-After': String(retry) });
    }
  }

  private addressLimitKey(req: express.Request): string {
    return addressKey(this.ctx.secret, req.ip ?? req.socket.remoteAddress ?? '?');
  }

  private limitAddress(req: express.Request): Promise<void> {
    return this.limit(this.addressLimitKey(req), this.limits.perAddressPerMinute, 'requests from this address');
  }

  // --------------------------------------------------------------- auth ---
  private async auth(req: express.Request, conversationId?: string): Promise<{ claims: TokenClaims; conv: ConversationRow }> {
    const v = this.signer.verify(bearer(req.headers.authorization), 'dl', this.now());
    if (!v.ok) throw new HttpError(v.code === 'TokenMissing' ? 401 : 403, v.code, v.message);
    if (conversationId !== undefined && v.claims.c !== conversationId) throw new HttpError(403, 'Forbidden', 'this token belongs to another conversation');
    const conv = await this.store.getConversation(v.claims.c);
    if (!conv || conv.expiresAt <= this.now()) throw new HttpError(404, 'NotFound', 'the conversation has ended or does not exist');
    if (conv.userId !== v.claims.u) throw new HttpError(403, 'Forbidden', 'this token does not belong to this conversation');
    return { claims: v.claims, conv };
  }

  // -------------------------------------------------------- conversations ---
  async newConversation(req: express.Request, lang?: string): Promise<ConversationRow> {
    const now = this.now();
    const id = randomBytes(16).toString('base64url');
    const userId = `u_${randomBytes(12).toString('base64url')}`;
    await this.store.createConversation({ id, userId, baseUrl: this.baseUrl(req), lang, now, expiresAt: now + this.conversationTtlMs });
    return (await this.store.getConversation(id))!;
  }

  tokenFor(conv: ConversationRow): { conversationId: string; token: string; expires_in: number } {
    return {
      conversationId: conv.id,
      token: this.signer.sign('dl', conv.id, conv.userId, this.now(), this.tokenTtlMs),
      expires_in: Math.floor(this.tokenTtlMs / 1000),
    };
  }

  resumeFor(conv: ConversationRow): string {
    return this.signer.sign('resume', conv.id, conv.userId, this.now(), this.conversationTtlMs);
  }

  private streamUrl(req: express.Request, conv: ConversationRow, watermark: string): string {
    const t = this.signer.sign('stream', conv.id, conv.userId, this.now(), STREAM_TOKEN_MS);
    const base = this.baseUrl(req).replace(/^http/, 'ws');
    return `${base}${DL_PREFIX}/conversations/${encodeURIComponent(conv.id)}/stream?watermark=${encodeURIComponent(watermark)}&t=${encodeURIComponent(t)}`;
  }

  // -------------------------------------------------------------- router ---
  router(): express.Router {
    const r = express.Router();
    const wrap =
      (fn: (req: express.Request, res: express.Response) => void | Promise<void>): express.RequestHandler =>
      (req, res) => {
        Promise.resolve()
          .then(() => fn(req, res))
          .catch((err: unknown) => {
            if (err instanceof HttpError) return sendError(res, err);
            this.log.error('direct line request failed', { err, path: req.path });
            if (!res.headersSent) sendError(res, new HttpError(500, 'ServiceError', 'internal error'));
          });
      };
    const json = express.json({ limit: this.limits.maxBytes, type: () => true, strict: true, reviver: wellFormedReviver });
    const body: express.RequestHandler = (req, res, next) =>
      json(req, res, (err?: unknown) => {
        if (!err) return next();
        const e = err as { type?: string; status?: number };
        if (e.type === 'entity.too.large')
          return sendError(res, new HttpError(413, 'MessageSizeTooBig', `the activity is larger than ${this.limits.maxBytes} bytes`));
        return sendError(res, new HttpError(400, 'BadSyntax', 'the body is not valid JSON'));
      });

    r.use(this.cors());

    r.post(
      '/tokens/generate',
      wrap(async (req, res) => {
        await this.limitAddress(req);
        const conv = await this.newConversation(req);
        send(res, 200, this.tokenFor(conv));
      }),
    );

    r.post(
      '/tokens/refresh',
      wrap(async (req, res) => {
        const { conv } = await this.auth(req);
        send(res, 200, this.tokenFor(conv));
      }),
    );

    r.post(
      '/conversations',
      wrap(async (req, res) => {
        let conv: ConversationRow;
        let token: string;
        let expires: number;
        if (req.headers.authorization) {
          const a = await this.auth(req);
          conv = a.conv;
          token = bearer(req.headers.authorization)!;
          expires = Math.max(0, Math.floor((a.claims.exp - this.now()) / 1000));
        } else {
          // No token: a plain Direct Line client starting anonymously (rate-limited like /tokens/generate).
          await this.limitAddress(req);
          conv = await this.newConversation(req);
          const t = this.tokenFor(conv);
          token = t.token;
          expires = t.expires_in;
        }
        send(res, conv.lastSeq === 0 ? 201 : 200, { conversationId: conv.id, token, expires_in: expires, streamUrl: this.streamUrl(req, conv, '') });
      }),
    );

    r.get(
      '/conversations/:id',
      wrap(async (req, res) => {
        const { conv, claims } = await this.auth(req, req.params.id as string);
        const wm = typeof req.query.watermark === 'string' ? req.query.watermark : '';
        send(res, 200, {
          conversationId: conv.id,
          token: bearer(req.headers.authorization),
          expires_in: Math.max(0, Math.floor((claims.exp - this.now()) / 1000)),
          streamUrl: this.streamUrl(req, conv, /^\d{0,12}$/.test(wm) ? wm : ''),
        });
      }),
    );

    // Never 5xx: a polling Web Chat stops for good after one. Auth errors keep their meaning (403 expired, 404 ended).
    r.get('/conversations/:id/activities', async (req, res) => {
      const wmRaw = typeof req.query.watermark === 'string' ? req.query.watermark : '';
      const wm = /^\d{1,12}$/.test(wmRaw) ? Number(wmRaw) : 0;
      try {
        const { conv } = await this.auth(req, req.params.id as string);
        const page = await this.store.after(conv.id, wm, PAGE);
        const last = page.length ? page[page.length - 1]!.seq : Math.min(wm, conv.lastSeq);
        send(res, 200, { activities: page.map((p) => p.activity), watermark: String(last) });
      } catch (err) {
        if (err instanceof HttpError && err.status < 500) return sendError(res, err);
        this.log.warn('activities read failed; answering an empty page', { err });
        send(res, 200, { activities: [], watermark: wmRaw || undefined });
      }
    });

    r.post(
      '/conversations/:id/activities',
      body,
      wrap((req, res) => this.postActivity(req, res)),
    );

    r.post(
      '/conversations/:id/upload',
      wrap(async (req, _res) => {
        await this.auth(req, req.params.id as string);
        throw new HttpError(415, 'UnsupportedMediaType', 'this chat reads text only; files are not accepted');
      }),
    );

    r.get('/conversations/:id/stream', (_req, res) => sendError(res, new HttpError(426, 'UpgradeRequired', 'this URL is a WebSocket')));

    r.use((_req: express.Request, res: express.Response) => sendError(res, new HttpError(404, 'NotFound', 'no such Direct Line route')));
    return r;
  }

  // ----------------------------------------------------------- activities ---
  private async postActivity(req: express.Request, res: express.Response): Promise<void> {
    const { conv, claims } = await this.auth(req, req.params.id as string);
    const a = req.body as unknown;
    if (!a || typeof a !== 'object' || Array.isArray(a)) throw new HttpError(400, 'BadArgument', 'the body must be one activity object');
    const act = a as Record<string, unknown>;
    const type = act.type;
    if (typeof type !== 'string') throw new HttpError(400, 'BadArgument', 'activity.type is required');
    if (!['message', 'event', 'typing'].includes(type))
      throw new HttpError(400, 'BadArgument', `activity type "${type.slice(0, 40)}" is not accepted (message, event or typing)`);
    const cd = act.channelData && typeof act.channelData === 'object' ? (act.channelData as Record<string, unknown>) : {};
    const clientId = cd.clientActivityID;
    if (clientId !== undefined && (typeof clientId !== 'string' || clientId.length > 100))
      throw new HttpError(400, 'BadArgument', 'channelData.clientActivityID must be a string of at most 100 characters');

    if (type === 'typing') {
      send(res, 200, { id: '' });
      // A caseworker in the conversation sees the person typing (ephemeral, nothing stored).
      this.ctx.bot.personTyping?.({ channel: 'webchat', conversationId: conv.id });
      return;
    }
    // One after the other: a message refused for its conversation does not count against the address.
    // Both in one write (one group commit, not two in a row: issue 17.1).
    const hits = [
      { key: `conv:${conv.id}`, max: this.limits.perConversationPerMinute, what: 'messages in this conversation' },
      { key: this.addressLimitKey(req), max: this.limits.perAddressPerMinute, what: 'requests from this address' },
    ];
    const counted = await this.rates.hitEach(hits, MINUTE, this.now());
    counted.forEach((c, i) => this.refuseOver(c, hits[i]!.max, hits[i]!.what));

    let event: InEvent | undefined;
    const echo: Record<string, unknown> = { type };
    if (type === 'message') {
      const text = act.text;
      if (text !== undefined && typeof text !== 'string') throw new HttpError(400, 'BadArgument', 'activity.text must be a string');
      // Too long to read or relay: taken (a 413 left Web Chat at "Send failed. Retry" for ever, and
      // a retry failed the same way) and answered, in the person's language, with the limit.
      if (typeof text === 'string' && text.length > this.limits.maxTextChars) return this.answerTooLong(res, conv, claims.u, act, text, clientId);
      const value = act.value && typeof act.value === 'object' ? (act.value as Record<string, unknown>) : undefined;
      const p = value?.[PAYLOAD_KEY];
      const mb = cd.messageBack && typeof cd.messageBack === 'object' ? (cd.messageBack as Record<string, unknown>).displayText : undefined;
      const display = typeof mb === 'string' ? mb.slice(0, 500) : undefined;
      const attachments = Array.isArray(act.attachments) ? act.attachments.length : 0;
      if (typeof p === 'string' && p.length > 0 && p.length <= 300) {
        event = { kind: 'button', payload: p };
        echo.value = { [PAYLOAD_KEY]: p };
        if (display) echo.channelData = { messageBack: { displayText: display } };
        // The transcript shows the button's label as the person's message (also after a reload).
        const shown = display ?? (typeof text === 'string' ? text : '');
        if (shown) echo.text = shown;
      } else if (typeof text === 'string' && text.trim()) {
        event = commandOf(text) ?? { kind: 'text', text };
        echo.text = text;
        echo.textFormat = 'plain';
      } else if (attachments) {
        event = { kind: 'unsupported', what: 'file' };
        echo.text = display ?? '';
      } else {
        throw new HttpError(400, 'BadArgument', 'a message needs text or a button value');
      }
    } else {
      const name = act.name;
      if (typeof name !== 'string' || !name || name.length > 100) throw new HttpError(400, 'BadArgument', 'an event needs a name of at most 100 characters');
      const v = act.value && typeof act.value === 'object' ? (act.value as Record<string, unknown>) : {};
      const str = (x: unknown, max = 40) => (typeof x === 'string' && x.length <= max ? x : undefined);
      if (name === 'webchat/join') {
        const langHint = str(v.lang) ?? str(act.locale);
        const topic = str(v.topic, 100);
        event = { kind: 'start', ...(langHint ? { langHint } : {}), ...(topic ? { topic } : {}) };
      } else if (name === 'webchat/language') {
        const code = this.ctx.content.current().resolveLanguage(str(v.lang));
        if (code) event = { kind: 'button', payload: enginePayload.lang(code) };
      }
      echo.name = name;
    }
    if (typeof act.locale === 'string' && act.locale.length <= 20) echo.locale = act.locale;

    const now = this.now();
    const full = {
      ...echo,
      channelId: 'directline',
      conversation: { id: conv.id },
      from: { id: claims.u, role: 'user' },
      recipient: { id: BOT.id, name: BOT.name, role: 'bot' },
      timestamp: new Date(now).toISOString(),
      channelData: { ...((echo.channelData as object | undefined) ?? {}), ...(clientId ? { clientActivityID: clientId } : {}) },
    };
    if (!event) {
      // Nothing for the bot to answer (an event it does not know): logged, no turn.
      const { stored } = await this.store.append(
        conv.id,
        [{ activity: full, ...(typeof clientId === 'string' ? { clientId } : {}) }],
        now,
        now + this.conversationTtlMs,
      );
      send(res, 200, { id: stored[0]!.activity.id });
      this.push(conv.id, stored);
      return;
    }
    // Stored before it is acknowledged (the inbox), then logged, then answered 200: a message the
    // person saw go out is answered even when the process dies right after. A retry of one whose
    // turn did not finish runs it again; of a finished one, it is a duplicate.
    const externalId = `${conv.id}|${typeof clientId === 'string' ? `c:${clientId}` : `s:${randomBytes(12).toString('base64url')}`}`;
    // A new message is stored with its first attempt counted (Inbox.accept's `attempt`, as Telegram
    // does): its turn starts now and only checks the count (runTurn, `fresh`).
    const accepted = this.inbox.accept({
      channel: 'webchat',
      externalId,
      conversationId: conv.id,
      payload: { event, activity: full, ...(typeof clientId === 'string' ? { clientId } : {}) } satisfies InboxPayload,
      now,
      attempt: true,
    });
    let item: InboxItem;
    let status: InboxStatus;
    let logged: { stored: StoredActivity; duplicate: boolean };
    if (this.grouped) {
      // One commit for the message in the inbox and in the log (issue 17.1: a commit round each),
      // atomic together: a message in the inbox is in the log, so a retry never needs the payload
      // stored earlier.
      const log = this.logIncoming(conv.id, `webchat:${externalId}`, undefined, full, clientId as string | undefined);
      [{ item, status }, logged] = await Promise.all([accepted, log]);
    } else {
      ({ item, status } = await accepted);
      logged = await this.logIncoming(conv.id, item.key, item.payload as InboxPayload | undefined, full, clientId as string | undefined);
    }
    const { stored, duplicate } = logged;
    send(res, 200, { id: stored.activity.id });
    if (duplicate) this.notify(conv.id);
    else this.push(conv.id, [stored]);
    // New to the inbox but already in the log: answered before the inbox kept its key (48 hours).
    if (status === 'fresh' && duplicate) await this.inbox.markDone(item.key, now);
    else if (status !== 'done') {
      await this.recovering.catch(() => undefined);
      this.runTurn(conv, event, stored.activity.id as string, item.key, status === 'fresh');
    }
  }

  /**
   * A text over the channel's limit: logged as the person sent it (so Web Chat sees it arrive), not
   * read or relayed to anybody, and answered at once with the limit and what to do, in the
   * conversation's language. A retry with the same clientActivityID is a duplicate and is not
   * answered twice. No turn of the bot: nothing of it reaches the engine or a caseworker.
   */
  private async answerTooLong(
    res: express.Response,
    conv: ConversationRow,
    userId: string,
    act: Record<string, unknown>,
    text: string,
    clientId: unknown,
  ): Promise<void> {
    const now = this.now();
    const c = this.ctx.content.current();
    const lang = (conv.lang && c.language(conv.lang) ? conv.lang : undefined) ?? c.defaultLang;
    const activity = {
      type: 'message',
      text,
      textFormat: 'plain',
      ...(typeof act.locale === 'string' && act.locale.length <= 20 ? { locale: act.locale } : {}),
      channelId: 'directline',
      conversation: { id: conv.id },
      from: { id: userId, role: 'user' },
      recipient: { id: BOT.id, name: BOT.name, role: 'bot' },
      timestamp: new Date(now).toISOString(),
      channelData: typeof clientId === 'string' ? { clientActivityID: clientId } : {},
    };
    const cid = typeof clientId === 'string' ? clientId : `lotse:long:${randomBytes(12).toString('base64url')}`;
    const { stored, duplicate } = await this.store.append(conv.id, [{ activity, clientId: cid }], now, now + this.conversationTtlMs);
    const id = stored[0]!.activity.id as string;
    send(res, 200, { id });
    this.notify(conv.id);
    if (duplicate) return;
    const n = (x: number) => new Intl.NumberFormat(lang, { numberingSystem: 'latn', useGrouping: false }).format(x);
    const vars = { length: n(text.length), max: n(this.limits.maxTextChars) };
    // A content pack without the string (an older one) still gets a polite answer, in English.
    const say =
      ownUiString(c.pack.ui, lang, 'webchat.tooLong') || ownUiString(c.pack.ui, c.defaultLang, 'webchat.tooLong')
        ? c.t(lang, 'webchat.tooLong', vars)
        : `Your message has ${vars.length} characters; at most ${vars.max} fit in one message, so it was not sent. Please shorten it or send it in several parts.`;
    const reply: Reply = { lang, dir: c.language(lang)?.dir ?? 'ltr', messages: [{ kind: 'text', text: say }] };
    await this.appendReply(conv.id, reply, id, `long:${conv.id}:${cid}`);
  }

  /**
   * The person's activity in the log, once: under its clientActivityID, or the inbox key when it
   * came without one (so a turn finished after a crash does not log it twice).
   */
  private async logIncoming(
    conversationId: string,
    key: string,
    p: InboxPayload | undefined,
    activity: Record<string, unknown>,
    clientId?: string,
  ): Promise<{ stored: StoredActivity; duplicate: boolean }> {
    const now = this.now();
    const { stored, duplicate } = await this.store.append(
      conversationId,
      [{ activity: p?.activity ?? activity, clientId: clientId ?? p?.clientId ?? `lotse:${key}` }],
      now,
      now + this.conversationTtlMs,
    );
    return { stored: stored[0]!, duplicate };
  }

  /**
   * Runs one turn of the bot for a stored message, in order with the conversation's other turns,
   * and marks the message done when its reply is in the log. Once per message in this process:
   * a retried POST while the turn runs only gets the activity id.
   */
  private runTurn(conv: ConversationRow, event: InEvent, replyToId: string, key: string, fresh = false): void {
    if (this.running.has(key)) return;
    this.running.add(key);
    const ref: ConversationRef = { channel: 'webchat', conversationId: conv.id };
    // The item's lock (shared by the instances) around the whole turn: an instance that picks up a
    // message another one is answering waits for it, then finds it done (attempt 0) and skips it.
    const run = this.turns.run(conv.id, () =>
      this.ctx.cluster.locks.withLock(`inbox:${key}`, async () => {
        try {
          // Fresh: stored just now with its first attempt counted (postActivity), only checked here.
          const attempts = fresh ? await this.inbox.unfinished(key) : await this.inbox.attempt(key);
          if (attempts === 0) {
            // Done already (by another instance) or gone ("delete my data"): nothing to answer.
            return;
          }
          if (attempts > MAX_ATTEMPTS) {
            this.log.error('web chat message given up after repeated failures', { attempts: MAX_ATTEMPTS });
          } else {
            // "typing…" only for an answer that takes a while: an immediate one would show it for a
            // blink and cost a socket frame per message (issue 17.1).
            const after = this.ctx.config.TYPING_AFTER_MS;
            const showTyping = () => this.broadcast(conv.id, typingActivity(conv.lang));
            const typing = after ? setTimeout(showTyping, after) : void showTyping();
            let reply: Reply;
            try {
              reply = await this.ctx.bot.handleOrApologise(ref, event, conv.lang, { key, firstTry: fresh && attempts === 1 });
            } finally {
              clearTimeout(typing);
            }
            // "Delete my data": the store erased the conversation and its log. The last reply goes to open
            // sockets only, never into the log again; the conversation has ended (the page starts a new one).
            const now = await this.store.getConversation(conv.id);
            if (!now) this.sendEphemeral(conv, reply, replyToId);
            else {
              // The inbox's "done" once the reply is committed: a reply a person can see is never lost,
              // and a crash between the two only re-runs a turn whose reply is stored already.
              await this.appendReplyTo(now, reply, replyToId, key, true);
              return;
            }
          }
          await this.inbox.markDone(key, this.now());
        } finally {
          this.running.delete(key);
        }
      }),
    );
    this.inflight.add(run);
    void run.finally(() => this.inflight.delete(run)).catch((err: unknown) => this.log.error('web chat turn failed; it runs again at the next start', { err }));
  }

  /**
   * At start: every stored message whose turn did not finish (the process died) is logged if it
   * was not yet, and answered, in the order received.
   */
  recover(): Promise<number> {
    const run = this.recoverNow();
    this.recovering = run;
    return run;
  }

  /**
   * With several instances, on the elected one, every few seconds: messages acknowledged more than
   * `olderThanMs` ago and still not answered, because the instance that took them died. They are
   * answered here as at a start (an instance still working on one holds its lock; this one then
   * finds it done).
   */
  adoptOrphans(olderThanMs: number): Promise<number> {
    return this.recoverNow(this.now() - olderThanMs);
  }

  private async recoverNow(receivedBefore = Number.POSITIVE_INFINITY): Promise<number> {
    const items = (await this.inbox.pending('webchat')).filter((i) => i.receivedAt < receivedBefore && !this.running.has(i.key));
    let n = 0;
    for (const item of items) {
      const p = item.payload as InboxPayload | undefined;
      const conv = await this.store.getConversation(item.conversationId);
      if (!p?.event || !conv || conv.expiresAt <= this.now()) {
        // The conversation ended (expired or deleted) meanwhile: nobody is there to answer.
        await this.inbox.markDone(item.key, this.now());
        continue;
      }
      const { stored, duplicate } = await this.logIncoming(conv.id, item.key, p, p.activity, p.clientId);
      if (duplicate) this.notify(conv.id);
      else this.push(conv.id, [stored]);
      this.runTurn(conv, p.event, stored.activity.id as string, item.key);
      n++;
    }
    if (n) this.log.info('web chat: unfinished messages from before the restart are being answered', { n });
    return n;
  }

  /**
   * Renders a reply, appends it to the log and pushes it to open sockets. With `key` (the inbox
   * item answered), the activities are logged under ids derived from it: appended again after a
   * crash, they are refused as already there.
   */
  async appendReply(conversationId: string, reply: Reply, replyToId?: string, key?: string): Promise<StoredActivity[]> {
    const conv = await this.store.getConversation(conversationId);
    if (!conv) throw new Error('no such web chat conversation');
    return this.appendReplyTo(conv, reply, replyToId, key);
  }

  /**
   * appendReply() for a conversation already read. `done`: the inbox item `key` is marked done in
   * the same transaction as the reply (WebchatLog.append's `inboxDone`).
   */
  private async appendReplyTo(conv: ConversationRow, reply: Reply, replyToId?: string, key?: string, done = false): Promise<StoredActivity[]> {
    const c = this.ctx.content.current();
    const activities = renderReply(reply, {
      baseUrl: conv.baseUrl,
      locale: (lang) => webchatLocale(c.language(lang), lang),
      transcriptLabel: (lang) => c.t(lang, 'podcasts.transcript'),
    });
    const now = this.now();
    const items = activities.map((a, i) => ({
      activity: {
        ...a,
        channelId: 'directline',
        conversation: { id: conv.id },
        recipient: { id: conv.userId, role: 'user' },
        timestamp: new Date(now).toISOString(),
        ...(replyToId ? { replyToId } : {}),
      },
      ...(key ? { clientId: `lotse-reply:${key}:${i}` } : {}),
    }));
    // The reply and the inbox's "done" in one transaction: a "done" committed alone before the
    // reply, and a kill between the two, lost the message (the three-instance test); two
    // transactions in order cost one commit round more (issue 17.1).
    const appended = this.store.append(conv.id, items, now, now + this.conversationTtlMs, done && key ? { inboxDone: { key, at: now } } : undefined);
    const lang = reply.lang !== conv.lang ? this.store.setLang(conv.id, reply.lang) : undefined;
    const { stored, duplicate } = await appended;
    await lang;
    if (duplicate) this.notify(conv.id);
    else this.push(conv.id, stored);
    return stored;
  }

  /** A reply for a conversation that no longer exists (its data was deleted): rendered, sent to open sockets (on any instance), stored nowhere. */
  private sendEphemeral(conv: ConversationRow, reply: Reply, replyToId?: string): void {
    const c = this.ctx.content.current();
    const now = this.now();
    const activities = renderReply(reply, {
      baseUrl: conv.baseUrl,
      locale: (lang) => webchatLocale(c.language(lang), lang),
      transcriptLabel: (lang) => c.t(lang, 'podcasts.transcript'),
    }).map((a, i) => ({
      ...a,
      id: `${conv.id}|deleted-${i}`,
      channelId: 'directline',
      conversation: { id: conv.id },
      recipient: { id: conv.userId, role: 'user' },
      timestamp: new Date(now).toISOString(),
      ...(replyToId ? { replyToId } : {}),
    }));
    this.ctx.cluster.bus.publish(BUS_TOPIC, { c: conv.id, raw: JSON.stringify({ activities }) } satisfies BusNote);
  }

  /** Pushed messages (caseworker relay, late answers) for web chat conversations. */
  deliverer(): Deliverer {
    return {
      deliver: async (ref, reply) => {
        await this.appendReply(ref.conversationId, reply);
      },
      typing: async (ref, _address, name) => {
        const conv = await this.store.getConversation(ref.conversationId);
        if (conv) this.broadcast(conv.id, typingActivity(conv.lang, name));
      },
    };
  }

  /** Resolves when every turn under way has been answered (graceful shutdown, tests, benchmarks). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  // ------------------------------------------------------------ sockets ---
  /**
   * Handles WebSocket upgrades under /v3/directline (claimed, so the server's last listener does not
   * answer them 404); other paths are left to whoever else listens, and in the end refused.
   */
  attach(server: http.Server): void {
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      const reject = (status: number, code: string, message: string, headers?: Record<string, string>) =>
        refuseSocket(socket, status, JSON.stringify({ error: { code, message } }), headers);
      // Anything in here runs outside express: an exception would reach the
      // process and stop the server for everyone, so the handler is total.
      const raw = req.url ?? '/';
      if (raw !== DL_PREFIX && !raw.startsWith(`${DL_PREFIX}/`)) return;
      claimUpgrade(req);
      this.onUpgrade(req, socket, head, reject).catch((err: unknown) => {
        this.log.warn('websocket upgrade refused: malformed request', { err: String(err) });
        reject(400, 'BadRequest', 'malformed stream request');
      });
    });
    this.heartbeat = setInterval(() => {
      for (const set of this.subs.values())
        for (const s of set) {
          if (!s.alive) {
            s.ws.terminate();
            continue;
          }
          s.alive = false;
          s.ws.ping();
        }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private async onUpgrade(
    req: http.IncomingMessage,
    socket: Duplex,
    head: Buffer,
    reject: (status: number, code: string, message: string, headers?: Record<string, string>) => void,
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const m = /^\/v3\/directline\/conversations\/([^/]+)\/stream$/.exec(url.pathname);
    if (!m) return reject(404, 'NotFound', 'no WebSocket at this address');
    if (this.closing) return reject(503, 'ShuttingDown', 'the server is restarting; reconnect shortly');
    if (!this.originAllowed(req.headers.origin, req)) return reject(403, 'OriginNotAllowed', 'origin not allowed');
    let id: string;
    try {
      id = decodeURIComponent(m[1]!);
    } catch {
      return reject(400, 'BadRequest', 'malformed conversation id');
    }
    const v = this.signer.verify(url.searchParams.get('t') ?? undefined, 'stream', this.now());
    if (!v.ok) return reject(403, v.code, v.message);
    if (v.claims.c !== id) return reject(403, 'Forbidden', 'this stream token belongs to another conversation');
    const conv = await this.store.getConversation(id);
    if (!conv || conv.userId !== v.claims.u) return reject(404, 'NotFound', 'no such conversation');
    const wmRaw = url.searchParams.get('watermark') ?? '';
    const wm = /^\d{1,12}$/.test(wmRaw) ? Number(wmRaw) : 0;
    // Caps: a person's tabs, and everyone behind one address. The extra socket is refused before
    // the handshake (429; directlinejs retries later), so nobody already connected is displaced.
    const addr = clientAddress(req, this.trust);
    const byConv = `c:${id}`;
    const byAddr = `a:${addr}`;
    if ((this.streamCount.get(byConv) ?? 0) >= this.limits.streamsPerConversation)
      return reject(429, 'TooManyStreams', `at most ${this.limits.streamsPerConversation} open streams per conversation; close another tab`, {
        'Retry-After': '15',
      });
    if ((this.streamCount.get(byAddr) ?? 0) >= this.limits.streamsPerAddress)
      return reject(429, 'TooManyStreams', 'too many open streams from this address; try again shortly', { 'Retry-After': '15' });
    this.reserve(byConv, 1);
    this.reserve(byAddr, 1);
    // The socket's close releases the slots, whether the handshake failed or the stream ended later.
    socket.once('close', () => {
      this.reserve(byConv, -1);
      this.reserve(byAddr, -1);
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, id, wm));
  }

  private reserve(key: string, d: number): void {
    const n = (this.streamCount.get(key) ?? 0) + d;
    if (n > 0) this.streamCount.set(key, n);
    else this.streamCount.delete(key);
  }

  private onSocket(ws: WebSocket, conversationId: string, watermark: number): void {
    const sub: Sub = { ws, conversationId, lastSent: watermark, alive: true };
    let set = this.subs.get(conversationId);
    if (!set) this.subs.set(conversationId, (set = new Set()));
    set.add(sub);
    ws.on('pong', () => (sub.alive = true));
    // The client pings with empty messages; it never sends activities over the socket.
    ws.on('message', () => (sub.alive = true));
    ws.on('close', () => {
      set!.delete(sub);
      if (!set!.size && this.subs.get(conversationId) === set) this.subs.delete(conversationId);
    });
    ws.on('error', () => ws.terminate());
    void this.flush(sub);
  }

  /** Sends a socket everything after what it has seen, from the store (so nothing is lost between replay and live). */
  private async flush(sub: Sub): Promise<void> {
    if (sub.flushing) {
      sub.again = true;
      return;
    }
    sub.flushing = true;
    try {
      do {
        sub.again = false;
        for (;;) {
          if (sub.ws.readyState !== sub.ws.OPEN) return;
          const page = await this.store.after(sub.conversationId, sub.lastSent, PAGE);
          if (!page.length || sub.ws.readyState !== sub.ws.OPEN) break;
          sub.lastSent = page[page.length - 1]!.seq;
          sub.ws.send(JSON.stringify({ activities: page.map((p) => p.activity), watermark: String(sub.lastSent) }));
          if (page.length < PAGE) break;
        }
      } while (sub.again);
    } catch (err) {
      this.log.warn('stream flush failed; closing the socket so the client reconnects', { err });
      sub.ws.close(1011);
    } finally {
      sub.flushing = false;
    }
  }

  /** New activities are in the conversation's log: every instance flushes its sockets of it. */
  private notify(conversationId: string): void {
    this.ctx.cluster.bus.publish(BUS_TOPIC, { c: conversationId } satisfies BusNote);
  }

  /**
   * Activities just appended (and committed) go to the open sockets as they are, on every instance
   * (the bus): a socket that has seen everything before them gets them without the log being read
   * back and parsed again (that was a read per socket per push, issue 17.1). A socket behind, or in
   * the middle of a replay, catches up from the store as before.
   */
  private push(conversationId: string, stored: StoredActivity[]): void {
    if (!stored.length) return;
    this.ctx.cluster.bus.publish(BUS_TOPIC, { c: conversationId, stored } satisfies BusNote);
  }

  /** push() on this instance's sockets of the conversation. */
  private pushHere(conversationId: string, stored: StoredActivity[]): void {
    const set = this.subs.get(conversationId);
    if (!set || !stored.length) return;
    const first = stored[0]!.seq;
    const last = stored[stored.length - 1]!.seq;
    let msg: string | undefined;
    for (const s of set) {
      if (s.flushing || s.lastSent !== first - 1) {
        void this.flush(s);
        continue;
      }
      if (s.ws.readyState !== s.ws.OPEN) continue;
      msg ??= JSON.stringify({ activities: stored.map((p) => p.activity), watermark: String(last) });
      s.lastSent = last;
      s.ws.send(msg);
    }
  }

  /** Ephemeral activities (typing) go to open sockets only (on any instance); they are not part of the log. */
  private broadcast(conversationId: string, activity: Record<string, unknown>): void {
    const raw = JSON.stringify({
      activities: [{ ...activity, id: `${conversationId}|typing`, conversation: { id: conversationId }, timestamp: new Date(this.now()).toISOString() }],
    });
    this.ctx.cluster.bus.publish(BUS_TOPIC, { c: conversationId, raw } satisfies BusNote);
  }

  /** Closes this instance's sockets of one conversation (or all), as a restart or a network drop would. */
  dropSockets(conversationId?: string): number {
    let n = 0;
    for (const [id, set] of this.subs)
      if (!conversationId || id === conversationId)
        for (const s of set) {
          s.ws.terminate();
          n++;
        }
    return n;
  }

  openSockets(): number {
    let n = 0;
    for (const set of this.subs.values()) n += set.size;
    return n;
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    await this.idle();
    this.unsubscribe();
    for (const set of this.subs.values()) for (const s of set) s.ws.close(1001, 'server restarting');
    this.wss.close();
  }
}

/** The BCP 47 locale Web Chat gets for a content language: `webchatLocale`, else the first regional alias. */
export function webchatLocale(l: { code: string; webchatLocale?: string; aliases?: string[] } | undefined, fallback: string): string {
  if (!l) return fallback;
  return l.webchatLocale ?? l.aliases?.find((a) => /^[a-z]{2,3}-[A-Z]{2}$/.test(a)) ?? l.code;
}
