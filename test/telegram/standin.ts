/**
 * A small Telegram Bot API stand-in on loopback, for what `telegram-test-api`
 * does not cover: sendAudio (multipart upload and file_id), setWebhook with a
 * secret token (and webhook delivery with retries), setMyCommands and the
 * descriptions, long polling getUpdates with offsets, 403 for blocked chats,
 * and injected 429 (retry_after) / 5xx answers.
 *
 * It checks what real Telegram checks and Lotse could get wrong: HTML parse
 * mode (only Telegram's tags, balanced, only its named entities), text and
 * caption lengths, callback data of 1-64 bytes.
 *
 * editMessageReplyMarkup as the Bot API has it: the bot's own message by chat_id and
 * message_id ("message to edit not found" otherwise), the new inline keyboard (none or
 * an empty one takes it away), "message is not modified" when it would stay the same;
 * a pressed button's callback_query carries its message with the keyboard as it is.
 *
 * allowed_updates as Telegram has it: an update of a kind the bot did not ask for (getUpdates'
 * last allowed_updates, or the webhook's) is never delivered; it is kept in `withheld`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Call {
  n: number;
  method: string;
  payload: Record<string, unknown>;
  /** HTTP status answered. */
  status: number;
  /** Made in the answer to a webhook request, not as a request of its own. */
  webhookReply?: boolean;
}

export interface SentMessage {
  message_id: number;
  chat_id: number;
  method: 'sendMessage' | 'sendAudio';
  /** Text or caption as sent (HTML when parse_mode is HTML). */
  text: string;
  parse_mode?: string;
  buttons: { text: string; callback_data: string }[][];
  audio?: { file_id: string; uploaded: boolean; bytes: number; title?: string; performer?: string; filename?: string };
}

export type Interceptor = (method: string, payload: Record<string, unknown>, n: number) => { status: number; body: unknown } | undefined;

const TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'a', 'code', 'pre', 'span', 'tg-spoiler', 'blockquote', 'tg-emoji']);

/** Telegram's HTML parse mode, as strictly as the real server: returns the visible text or throws the Bot API's error text. */
export function parseTelegramHtml(html: string): string {
  const stack: string[] = [];
  let visible = '';
  let i = 0;
  while (i < html.length) {
    const ch = html[i]!;
    if (ch === '<') {
      const m = /^<(\/?)([a-z-]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>/i.exec(html.slice(i));
      if (!m) throw new Error(`Bad Request: can't parse entities: Unsupported start tag at byte offset ${i}`);
      const [all, close, name] = m as unknown as [string, string, string];
      const tag = name.toLowerCase();
      if (!TAGS.has(tag)) throw new Error(`Bad Request: can't parse entities: Unsupported start tag "${tag}" at byte offset ${i}`);
      if (close) {
        if (stack.pop() !== tag) throw new Error(`Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${tag}"`);
      } else {
        if (tag === 'a') {
          const href = /href="([^"]*)"/.exec(m[3] ?? '')?.[1];
          if (!href || !/^(https?|tg):\/\//.test(href.replace(/&amp;/g, '&'))) throw new Error("Bad Request: can't parse entities: Unsupported URL protocol");
        }
        stack.push(tag);
      }
      i += all.length;
      continue;
    }
    if (ch === '>') throw new Error(`Bad Request: can't parse entities: Unexpected end tag at byte offset ${i}`);
    if (ch === '&') {
      const m = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/i.exec(html.slice(i));
      if (!m) throw new Error(`Bad Request: can't parse entities: Unsupported entity at byte offset ${i}`);
      visible += ({ lt: '<', gt: '>', amp: '&', quot: '"' } as Record<string, string>)[m[1]!] ?? '?';
      i += m[0].length;
      continue;
    }
    visible += ch;
    i++;
  }
  if (stack.length) throw new Error(`Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"`);
  return visible;
}

export class TelegramStandIn {
  readonly token: string;
  readonly botId: number;
  server!: http.Server;
  url = '';
  calls: Call[] = [];
  sent: SentMessage[] = [];
  commands = new Map<string, { command: string; description: string }[]>();
  descriptions = new Map<string, string>();
  shortDescriptions = new Map<string, string>();
  webhook?: { url: string; secret?: string; allowed_updates?: string[] };
  blocked = new Set<number>();
  answeredCallbacks: string[] = [];
  /** editMessageReplyMarkup calls that changed a message: which one, and its keyboard after. */
  edits: { chat_id: number; message_id: number; buttons: { text: string; callback_data: string }[][] }[] = [];
  interceptor?: Interceptor;
  /** Where the webhook's public address really leads (the reverse proxy in front of Lotse). */
  webhookOrigin?: string;
  /** Updates Telegram did not deliver because their kind is not in the bot's allowed_updates. */
  withheld: Record<string, unknown>[] = [];
  private pollAllowed?: string[];
  /** TCP connections the bot opened to this Bot API so far (a client without keep-alive opens one per call). */
  connections = 0;
  /** An outage of the Bot API: every call answers 502 until it is set back to false. */
  down = false;
  private files = new Map<string, number>();
  private pending: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];
  private watchers: (() => void)[] = [];
  private nextUpdateId = 1000;
  private nextMessageId = 1;
  private n = 0;

  constructor(token = '4242:STANDIN-token') {
    this.token = token;
    this.botId = Number(token.split(':')[0]);
  }

  async start(): Promise<this> {
    this.server = http.createServer(
      (req, res) =>
        void this.route(req, res).catch((err) => {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ ok: false, error_code: 500, description: `stand-in failed: ${(err as Error).message}` }));
        }),
    );
    this.server.on('connection', () => this.connections++);
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const w of this.waiters.splice(0)) w();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  // ------------------------------------------------------------- the API ---
  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!m || m[1] !== this.token) return send(m ? 401 : 404, { ok: false, error_code: m ? 401 : 404, description: m ? 'Unauthorized' : 'Not Found' });
    if (this.down) return send(502, { ok: false, error_code: 502, description: 'Bad Gateway' });
    const method = m[2]!;
    const payload = await this.body(req);
    const n = ++this.n;
    const injected = this.interceptor?.(method, payload, n);
    const answer = injected ?? (await this.handle(method, payload));
    this.calls.push({ n, method, payload, status: answer.status });
    for (const w of this.watchers.slice()) w();
    send(answer.status, answer.body);
  }

  private async body(req: http.IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const buf = Buffer.concat(chunks);
    const type = String(req.headers['content-type'] ?? '');
    if (!buf.length) return {};
    if (type.startsWith('application/json')) return JSON.parse(buf.toString('utf8')) as Record<string, unknown>;
    if (type.startsWith('multipart/form-data')) {
      const boundary = /boundary="?([^";]+)"?/.exec(type)?.[1];
      if (!boundary) throw new Error('multipart without boundary');
      const out: Record<string, unknown> = {};
      const delim = Buffer.from(`--${boundary}`);
      let at = buf.indexOf(delim);
      while (at !== -1) {
        const start = at + delim.length;
        if (buf.subarray(start, start + 2).toString() === '--') break;
        const next = buf.indexOf(delim, start);
        if (next === -1) break;
        const part = buf.subarray(start + 2, next - 2); // after CRLF, before CRLF
        const split = part.indexOf('\r\n\r\n');
        const head = part.subarray(0, split).toString('utf8');
        const body = part.subarray(split + 4);
        // grammY writes `name="x";filename=y` (filename unquoted).
        const name = /[^e]name="?([^";\r\n]*)"?/i.exec(head)?.[1] ?? '';
        const filename = /filename="?([^";\r\n]*)"?/i.exec(head)?.[1];
        if (filename !== undefined) out[name] = { upload: true, bytes: body.length, filename };
        else {
          const v = body.toString('utf8');
          try {
            out[name] = JSON.parse(v);
          } catch {
            out[name] = v;
          }
        }
        at = next;
      }
      // grammY sends an uploaded file as attach://<field>.
      for (const [k, v] of Object.entries(out)) if (typeof v === 'string' && v.startsWith('attach://')) out[k] = out[v.slice(9)];
      return out;
    }
    return Object.fromEntries(new URLSearchParams(buf.toString('utf8')));
  }

  private ok(result: unknown) {
    return { status: 200, body: { ok: true, result } };
  }
  private fail(status: number, description: string) {
    return { status, body: { ok: false, error_code: status, description } };
  }

  private async handle(method: string, p: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
    const chat = Number(p.chat_id);
    if ('chat_id' in p && this.blocked.has(chat)) return this.fail(403, 'Forbidden: bot was blocked by the user');
    switch (method) {
      case 'getMe':
        return this.ok({
          id: this.botId,
          is_bot: true,
          first_name: 'Lotse (stand-in)',
          username: 'lotse_standin_bot',
          can_join_groups: false,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        });
      case 'getUpdates': {
        if (this.webhook) return this.fail(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
        const offset = Number(p.offset ?? 0);
        // Telegram keeps the last allowed_updates given until another is.
        if (Array.isArray(p.allowed_updates)) this.pollAllowed = p.allowed_updates as string[];
        this.pending = this.pending.filter((u) => (u.update_id as number) >= offset && this.delivers(u, this.pollAllowed));
        if (!this.pending.length && Number(p.timeout ?? 0) > 0) {
          await new Promise<void>((r) => {
            const t = setTimeout(r, Math.min(Number(p.timeout), 2) * 1000);
            this.waiters.push(() => {
              clearTimeout(t);
              r();
            });
          });
        }
        this.pending = this.pending.filter((u) => this.delivers(u, this.pollAllowed));
        return this.ok(this.pending.slice(0, Number(p.limit ?? 100)));
      }
      case 'setWebhook':
        this.webhook = { url: String(p.url), secret: p.secret_token as string | undefined, allowed_updates: p.allowed_updates as string[] | undefined };
        return this.ok(true);
      case 'deleteWebhook':
        this.webhook = undefined;
        return this.ok(true);
      case 'getWebhookInfo':
        return this.ok({ url: this.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: 0 });
      case 'setMyCommands':
        this.commands.set(String(p.language_code ?? ''), p.commands as { command: string; description: string }[]);
        return this.ok(true);
      case 'setMyDescription':
        this.descriptions.set(String(p.language_code ?? ''), String(p.description ?? ''));
        return this.ok(true);
      case 'setMyShortDescription':
        this.shortDescriptions.set(String(p.language_code ?? ''), String(p.short_description ?? ''));
        return this.ok(true);
      case 'sendChatAction':
        return this.ok(true);
      case 'answerCallbackQuery':
        this.answeredCallbacks.push(String(p.callback_query_id));
        return this.ok(true);
      case 'editMessageReplyMarkup': {
        const msg = this.sent.find((m) => m.chat_id === chat && m.message_id === Number(p.message_id));
        if (!msg) return this.fail(400, 'Bad Request: message to edit not found');
        const markup = p.reply_markup as { inline_keyboard?: { text: string; callback_data: string }[][] } | undefined;
        const buttons = (markup?.inline_keyboard ?? []).filter((row) => row.length);
        for (const row of buttons)
          for (const b of row) if (!b.callback_data || Buffer.byteLength(b.callback_data) > 64) return this.fail(400, 'Bad Request: BUTTON_DATA_INVALID');
        if (JSON.stringify(buttons) === JSON.stringify(msg.buttons))
          return this.fail(
            400,
            'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
          );
        msg.buttons = buttons;
        this.edits.push({ chat_id: chat, message_id: msg.message_id, buttons });
        return this.ok({
          message_id: msg.message_id,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chat, type: 'private', first_name: 'Person' },
          ...(msg.method === 'sendMessage' ? { text: msg.text } : {}),
          ...(buttons.length ? { reply_markup: { inline_keyboard: buttons } } : {}),
        });
      }
      case 'sendMessage':
      case 'sendAudio': {
        const text = String((method === 'sendMessage' ? p.text : p.caption) ?? '');
        let visible = text;
        if (p.parse_mode === 'HTML') {
          try {
            visible = parseTelegramHtml(text);
          } catch (e) {
            return this.fail(400, (e as Error).message);
          }
        }
        if (method === 'sendMessage' && (!visible.trim() || visible.length > 4096))
          return this.fail(400, visible.trim() ? 'Bad Request: message is too long' : 'Bad Request: message text is empty');
        if (method === 'sendAudio' && visible.length > 1024) return this.fail(400, 'Bad Request: message caption is too long');
        const markup = p.reply_markup as { inline_keyboard?: { text: string; callback_data: string }[][] } | undefined;
        for (const row of markup?.inline_keyboard ?? [])
          for (const b of row) if (!b.callback_data || Buffer.byteLength(b.callback_data) > 64) return this.fail(400, 'Bad Request: BUTTON_DATA_INVALID');
        let audio: SentMessage['audio'];
        if (method === 'sendAudio') {
          const a = p.audio as { upload?: boolean; bytes?: number; filename?: string } | string | undefined;
          if (typeof a === 'string') {
            if (!this.files.has(a)) return this.fail(400, 'Bad Request: wrong file identifier/HTTP URL specified');
            audio = { file_id: a, uploaded: false, bytes: this.files.get(a)!, title: p.title as string, performer: p.performer as string };
          } else if (a?.upload) {
            const id = `AUDIO-${this.files.size + 1}-${a.bytes}`;
            this.files.set(id, a.bytes ?? 0);
            audio = { file_id: id, uploaded: true, bytes: a.bytes ?? 0, filename: a.filename, title: p.title as string, performer: p.performer as string };
          } else return this.fail(400, 'Bad Request: there is no audio in the request');
        }
        const msg: SentMessage = {
          message_id: this.nextMessageId++,
          chat_id: chat,
          method,
          text,
          parse_mode: p.parse_mode as string | undefined,
          buttons: markup?.inline_keyboard ?? [],
          audio,
        };
        this.sent.push(msg);
        const result: Record<string, unknown> = {
          message_id: msg.message_id,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chat, type: 'private', first_name: 'Person' },
        };
        if (method === 'sendMessage') result.text = visible;
        else
          result.audio = {
            file_id: audio!.file_id,
            file_unique_id: `u${audio!.file_id}`,
            duration: Number(p.duration ?? 0),
            title: p.title,
            performer: p.performer,
          };
        return this.ok(result);
      }
      default:
        return this.fail(404, 'Not Found: method not found');
    }
  }

  // ------------------------------------------------------ the people side ---
  /** An update from Telegram: queued for getUpdates, or POSTed to the webhook (returns the HTTP status then). */
  async push(update: Record<string, unknown>, opts: { secret?: string | null } = {}): Promise<{ update: Record<string, unknown>; status?: number }> {
    const u = { update_id: update.update_id ?? this.nextUpdateId++, ...update };
    if (!this.webhook) {
      this.pending.push(u);
      for (const w of this.waiters.splice(0)) w();
      return { update: u };
    }
    if (!this.delivers(u, this.webhook.allowed_updates)) return { update: u };
    return { update: u, status: await this.post(u, opts.secret === undefined ? this.webhook.secret : opts.secret) };
  }

  /** Whether Telegram hands this update over under these allowed_updates (withheld otherwise). */
  private delivers(u: Record<string, unknown>, allowed: string[] | undefined): boolean {
    const kind = Object.keys(u).find((k) => k !== 'update_id');
    if (!allowed?.length || (kind && allowed.includes(kind))) return true;
    this.withheld.push(u);
    return false;
  }

  /** Sends an update to the webhook again (Telegram retries when it got no 2xx in time). */
  async post(update: Record<string, unknown>, secret: string | null | undefined = this.webhook?.secret): Promise<number> {
    const target = new URL(this.webhook!.url);
    const url = this.webhookOrigin ? new URL(target.pathname + target.search, this.webhookOrigin).toString() : target.toString();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
      body: JSON.stringify(update),
    });
    // A method in the answer is carried out, as Telegram does (its outcome goes nowhere).
    const text = await res.text();
    if (res.ok && /^application\/json/.test(res.headers.get('content-type') ?? '')) {
      const { method, ...payload } = JSON.parse(text) as { method?: unknown } & Record<string, unknown>;
      if (typeof method === 'string') {
        const n = ++this.n;
        const answer = await this.handle(method, payload);
        this.calls.push({ n, method, payload, status: answer.status, webhookReply: true });
        for (const w of this.watchers.slice()) w();
      }
    }
    return res.status;
  }

  private from(chat: number, languageCode?: string) {
    return { id: chat, is_bot: false, first_name: 'Person', ...(languageCode ? { language_code: languageCode } : {}) };
  }

  text(chat: number, text: string, languageCode?: string): Promise<{ update: Record<string, unknown>; status?: number }> {
    const cmd = /^\/[a-z_]+/.exec(text);
    return this.push({
      message: {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat: { id: chat, type: 'private', first_name: 'Person' },
        from: this.from(chat, languageCode),
        text,
        ...(cmd ? { entities: [{ type: 'bot_command', offset: 0, length: cmd[0].length }] } : {}),
      },
    });
  }

  /** A photo (or, with `document`, a file) with a caption, as Telegram sends it. */
  media(chat: number, caption: string | undefined, kind: 'photo' | 'document' = 'photo'): Promise<{ update: Record<string, unknown>; status?: number }> {
    const attachment =
      kind === 'photo'
        ? { photo: [{ file_id: `p${this.nextMessageId}`, file_unique_id: `p${this.nextMessageId}`, width: 90, height: 120, file_size: 2000 }] }
        : { document: { file_id: `d${this.nextMessageId}`, file_unique_id: `d${this.nextMessageId}`, file_name: 'letter.pdf', mime_type: 'application/pdf' } };
    return this.push({
      message: {
        message_id: this.nextMessageId++,
        date: Math.floor(Date.now() / 1000),
        chat: { id: chat, type: 'private', first_name: 'Person' },
        from: this.from(chat),
        ...attachment,
        ...(caption !== undefined ? { caption } : {}),
      },
    });
  }

  /** The person edits a message they sent earlier (message_id): an edited_message update with the new text. */
  edit(chat: number, messageId: number, text: string): Promise<{ update: Record<string, unknown>; status?: number }> {
    const now = Math.floor(Date.now() / 1000);
    return this.push({
      edited_message: {
        message_id: messageId,
        date: now - 5,
        edit_date: now,
        chat: { id: chat, type: 'private', first_name: 'Person' },
        from: this.from(chat),
        text,
      },
    });
  }

  press(chat: number, callbackData: string): Promise<{ update: Record<string, unknown>; status?: number }> {
    const msg = [...this.sent].reverse().find((m) => m.chat_id === chat && m.buttons.flat().some((b) => b.callback_data === callbackData));
    return this.push({
      callback_query: {
        id: `cb${this.nextUpdateId}`,
        from: this.from(chat),
        chat_instance: `ci${chat}`,
        data: callbackData,
        message: {
          message_id: msg?.message_id ?? 1,
          date: Math.floor(Date.now() / 1000),
          chat: { id: chat, type: 'private', first_name: 'Person' },
          text: 'x',
          ...(msg?.buttons.length ? { reply_markup: { inline_keyboard: msg.buttons } } : {}),
        },
      },
    });
  }

  /** The person blocks (or unblocks) the bot: Telegram sends my_chat_member and refuses messages to them. */
  setBlocked(chat: number, blocked: boolean): Promise<{ update: Record<string, unknown>; status?: number }> {
    if (blocked) this.blocked.add(chat);
    else this.blocked.delete(chat);
    const member = (status: string) => ({
      user: { id: this.botId, is_bot: true, first_name: 'Lotse' },
      status,
      ...(status === 'kicked' ? { until_date: 0 } : {}),
    });
    return this.push({
      my_chat_member: {
        chat: { id: chat, type: 'private', first_name: 'Person' },
        from: this.from(chat),
        date: Math.floor(Date.now() / 1000),
        old_chat_member: member(blocked ? 'member' : 'kicked'),
        new_chat_member: member(blocked ? 'kicked' : 'member'),
      },
    });
  }

  // ------------------------------------------------------------- reading ---
  /** Updates queued for getUpdates whose offset the bot has not confirmed yet (Telegram would send them again). */
  get unconfirmed(): number {
    return this.pending.length;
  }

  messages(chat: number): SentMessage[] {
    return this.sent.filter((m) => m.chat_id === chat);
  }

  /** Resolves once `pred` holds (checked after every API call): no fixed waiting times. */
  until(pred: () => boolean): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve) => {
      const w = () => {
        if (!pred()) return;
        this.watchers.splice(this.watchers.indexOf(w), 1);
        resolve();
      };
      this.watchers.push(w);
    });
  }
}

/** The button with this label in the last message that has one. */
export function buttonData(messages: SentMessage[], label: string): string {
  for (const m of [...messages].reverse()) {
    const b = m.buttons.flat().find((x) => x.text === label);
    if (b) return b.callback_data;
  }
  throw new Error(`no button "${label}" in: ${messages.flatMap((m) => m.buttons.flat().map((b) => b.text)).join(' | ')}`);
}
