/**
 * The Telegram channel (grammY), as a Lotse plugin. Mounts nothing without
 * TELEGRAM_BOT_TOKEN.
 *
 * Incoming (both run modes share one path): the update is stored in the inbox (src/store/inbox.ts,
 * keyed by bot and update_id), then handled one at a time per chat (map to an event -> Bot.handle
 * with the inbox key -> send the reply, sender.ts), then marked done. What was stored but not done
 * when the process died is handled at the next start. Re-running an update repeats nothing: the
 * runtime returns the reply it committed, and the messages already sent are skipped (the count is
 * recorded before the next one goes, or with the update's done mark; only a message in flight at
 * the instant of a crash can go twice).
 *  - TELEGRAM_MODE=polling: a getUpdates loop; every update of a batch is stored before the next
 *    getUpdates confirms its offset, so Telegram forgets only updates that are safe in the inbox.
 *  - TELEGRAM_MODE=webhook: POST /telegram/webhook on the express app, registered with a secret
 *    token; a request without the right X-Telegram-Bot-Api-Secret-Token header gets 401 and is
 *    never looked at. The update is stored first; the answer comes after the turn (or after 25 s,
 *    the turn going on: it is stored), 500 when it failed, so Telegram's retry runs it again.
 *    A retry of a done update is answered 200 and not handled again.
 *  - a pressed button: after its turn, the message it was under keeps only that button, marked
 *    "✓ " (editMessageReplyMarkup), so the chat shows what was chosen and old choices are gone;
 *  - "More ›" / "‹ Previous" under a long keyboard (sender.ts `keyboard`): the message shows the
 *    other page of its keyboard (editMessageReplyMarkup); the engine is not asked.
 *
 * Outgoing: every Bot API call goes through two transformers:
 *   throttler (throttle.ts, outermost: a queue per chat, one call at a time and in order, and a
 *   global rate, TELEGRAM_MAX_MESSAGES_PER_SECOND) -> @grammyjs/auto-retry (innermost: waits out
 *   429 retry_after, backs off on 5xx and network errors). Because retries happen inside the
 *   chat's queue slot, a retried message is never overtaken by the next one: nothing is lost or
 *   reordered.
 *
 * Privacy: conversations are keyed by an HMAC of the chat id (ids.ts); the raw chat id is
 * handed to the runtime as `ref.address` and kept only by an open handoff.
 */
import { timingSafeEqual } from 'node:crypto';
import { EventEmitter, setMaxListeners } from 'node:events';
import type express from 'express';
import { type ApiClientOptions, Bot as GrammyBot, GrammyError, type Context, type Transformer } from 'grammy';
import type { Update } from 'grammy/types';
import { autoRetry } from '@grammyjs/auto-retry';
import type { InEvent, Reply } from '../../engine/messages.js';
import { UndeliverableError, type ConversationRef, type Deliverer } from '../../runtime/types.js';
import type { AppContext, Plugin } from '../../server/plugin-api.js';
import type { Inbox, InboxItem, InboxStatus } from '../../store/inbox.js';
import { SerialQueue } from '../../util/serial-queue.js';
import { wellFormedReviver } from '../../util/text.js';
import { CallbackCodec, readPageData } from './callback.js';
import { isReadableUpdate, messageEvent } from './events.js';
import { botApiFetch } from './http.js';
import { botIdOf, derivedWebhookSecret, pseudonym } from './ids.js';
import { pressedKeyboard } from './render.js';
import { apiSignal, TelegramSender } from './sender.js';
import { applySetup, setupPlan } from './setup.js';
import { chatThrottler } from './throttle.js';
import { uiText } from './strings.js';

export const WEBHOOK_PATH = '/telegram/webhook';
/** The keyed-record namespace update ids were de-duplicated in before the inbox (kept so tests can check nothing lands there). */
export const NS_UPDATE = 'tg:update';
export const NS_BLOCKED = 'tg:blocked';
/** An update whose handling failed this often (each try and each start) is given up. */
const MAX_ATTEMPTS = 5;
/** Polling: stop fetching while this many updates are under way. */
const MAX_INFLIGHT = 500;
// edited_message: a corrected question is answered as a new one (it has its own update_id, so it
// passes through the inbox like any message).
const ALLOWED_UPDATES = ['message', 'edited_message', 'callback_query', 'my_chat_member'] as const;
const CLOSE_GRACE_MS = 10_000;

export interface TelegramOptions {
  /** Polling: the long-poll timeout of getUpdates in seconds (Telegram's default here: 30). */
  pollTimeoutSeconds?: number;
  /** How long a webhook request waits for its turn before answering 200 anyway (the turn goes on). */
  webhookTimeoutMs?: number;
  /** auto-retry: give up on a message after this many retries / a retry_after longer than this. */
  maxRetryAttempts?: number;
  maxRetryDelaySeconds?: number;
}

/** The inbox item an update being handled came from: its key, and how many reply messages went out. */
interface TurnState {
  key: string;
  sent: number;
  /** The inbox counted this as the update's first attempt (runtime Turn.firstTry). */
  firstTry: boolean;
  /** The webhook request of this update, while it waits for the turn (see WebhookSlot). */
  webhook?: WebhookSlot;
}

/**
 * A webhook request waiting for its update's turn. Telegram takes one Bot API method in the answer
 * to a webhook request (Bot API, "Making requests when getting updates"): the pressed keyboard's
 * edit, the last call of a press, goes there instead of in a request of its own (issue 17.1: a
 * press cost three calls). Its outcome is not known; the edit is best effort anyway (markPressed).
 */
interface WebhookSlot {
  /** Cleared once the request is answered (the turn done, failed or late): a call after that goes on its own. */
  waiting: boolean;
  reply?: Record<string, unknown>;
}

const OK = '{"ok":true}';
const FAILED = '{"ok":false}';
/** Telegram's updates are a few KB; a message's text is at most 4096 characters. */
const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/** A small JSON answer, written directly (no res.json: no ETag, no content negotiation). */
function answer(res: express.Response, status: number, json: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

/** `\uD800`-`\uDFFF` escaped in JSON: the only way a lone surrogate gets into a parsed string (raw bytes decode to U+FFFD). */
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * The body of a webhook request as JSON, or the HTTP status that refuses it: 400 (not JSON, not
 * an application/json body, not UTF-8 text), 413 (over `limit`), 415 (compressed: Telegram does not).
 * Strings are made well-formed (util/text.ts wellFormedReviver) only when the text has an escaped
 * surrogate, the one way a lone one can arrive; a plain parse otherwise.
 */
export function readUpdateBody(req: express.Request, limit: number): Promise<unknown> {
  const type = String(req.headers['content-type'] ?? '');
  const encoding = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    let status = !/^application\/json\s*(;|$)/i.test(type) ? 400 : encoding !== 'identity' ? 415 : declared > limit ? 413 : 0;
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (c: Buffer) => {
      if (status) return; // drained, not kept
      length += c.length;
      if (length > limit) status = 413;
      else chunks.push(c);
    });
    req.on('error', () => resolve(400));
    req.on('end', () => {
      if (status) return resolve(status);
      const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
      try {
        resolve(SURROGATE_ESCAPE.test(text) ? JSON.parse(text, wellFormedReviver) : JSON.parse(text));
      } catch {
        resolve(400);
      }
    });
  });
}

export class TelegramChannel {
  readonly bot: GrammyBot;
  readonly sender: TelegramSender;
  readonly codec: CallbackCodec;
  readonly botId: string;
  readonly webhookSecret: string;
  /** Resolves when the bot is set up (polling started or webhook registered); never rejects. */
  booted: Promise<void> = Promise.resolve();
  private polling = false;
  /** The last getUpdates answered (false from the first failure until one succeeds again): /readyz says so. */
  private pollHealthy = false;
  private pollTask?: Promise<void>;
  /** Aborts the long poll under way at stop (the other calls run on until the turns are done). */
  private pollAbort = new AbortController();
  /** Several instances: only the elected one polls (Telegram answers a second getUpdates with 409); this stops running for it. */
  private stopElection?: () => Promise<void>;
  /** Polling, and this instance is the elected poller (always, for one instance). */
  private leading = false;
  /** getMe answered: the token works (what a standby instance reports as ready). */
  private initialised = false;
  private webhookSet = false;
  private closing = false;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly abort = new AbortController();
  private readonly fetch = botApiFetch();
  private readonly turns = new WeakMap<object, TurnState>();
  private readonly inbox: Inbox;
  /** One update at a time per chat, in the order stored. */
  private readonly chats = new SerialQueue();
  /** Until the unfinished updates of the last process are queued, new ones wait (each chat keeps its order). */
  private recovering: Promise<void> = Promise.resolve();
  /** Updates being handled in this process, by inbox key: a second copy waits for the first. */
  private readonly running = new Map<string, Promise<boolean>>();
  /**
   * 'handled' (update_id) once an update is done with: its reply sent, or found to be a duplicate.
   * For logs, metrics and tests that need to know a turn is over without guessing a time.
   */
  readonly events = new EventEmitter();

  constructor(
    private readonly ctx: AppContext,
    private readonly opts: TelegramOptions = {},
  ) {
    const { config } = ctx;
    const token = config.TELEGRAM_BOT_TOKEN!;
    this.botId = botIdOf(token);
    this.webhookSecret = config.TELEGRAM_WEBHOOK_SECRET ?? derivedWebhookSecret(ctx.secret, this.botId);
    // Every API call listens on this signal while it runs (many at once under load).
    setMaxListeners(0, this.abort.signal);
    // Bot API calls over node:http on a keep-alive agent, not node-fetch (http.ts: a tenth of an update's CPU).
    this.bot = new GrammyBot(token, {
      client: { apiRoot: config.TELEGRAM_API_ROOT.replace(/\/+$/, ''), fetch: this.fetch as unknown as NonNullable<ApiClientOptions['fetch']> },
    });

    // Innermost first: auto-retry wraps the raw call, the throttler wraps auto-retry.
    const retry = autoRetry({ maxRetryAttempts: opts.maxRetryAttempts ?? 10, maxDelaySeconds: opts.maxRetryDelaySeconds ?? 600 });
    // A typing indicator is worth nothing late: never retried.
    const retryExceptTyping: Transformer = (prev, method, payload, signal) =>
      // getUpdates is retried by the polling loop itself (a capped back-off, and /readyz told); inside
      // auto-retry it would back off for up to an hour, unseen, during an outage.
      method === 'sendChatAction' || method === 'getUpdates' ? prev(method, payload, signal) : retry(prev, method, payload, signal);
    this.bot.api.config.use(retryExceptTyping);
    // Outermost: one queue per chat (order) and a global rate (throttle.ts).
    this.bot.api.config.use(chatThrottler({ perSecond: config.TELEGRAM_MAX_MESSAGES_PER_SECOND }));

    this.inbox = ctx.store.inbox();
    this.codec = new CallbackCodec(ctx.store);
    this.sender = new TelegramSender({
      api: this.bot.api,
      store: ctx.store,
      log: ctx.log,
      codec: this.codec,
      botId: this.botId,
      content: () => ctx.content.current(),
      publicUrl: config.PUBLIC_URL ? config.publicUrl : undefined,
      signal: this.abort.signal,
    });
    this.install();
  }

  ref(chatId: number | string): ConversationRef {
    return { channel: 'telegram', conversationId: pseudonym(this.ctx.secret, chatId), address: String(chatId) };
  }

  private install(): void {
    const { bot } = this;
    const { store, log } = this.ctx;

    // One update at a time per chat: `process` runs every update in its chat's queue (this.chats, keyed
    // like @grammyjs/runner's sequentialize would be), so grammY needs no middleware of its own for it.
    bot.on('my_chat_member', async (c) => {
      if (c.chat.type !== 'private') return;
      const status = c.myChatMember.new_chat_member.status;
      const id = pseudonym(this.ctx.secret, c.chat.id);
      if (status === 'kicked') await this.markBlocked(id, 'blocked the bot');
      else if (status === 'member') await store.kvDelete(NS_BLOCKED, id);
    });

    bot.on('callback_query:data', async (c) => {
      // Stop the button's spinner at once, whatever happens next.
      void c.answerCallbackQuery().catch(() => undefined);
      if (c.chat?.type !== 'private') return;
      // A page of a long keyboard: only the keyboard changes, the engine is not asked.
      const page = readPageData(c.callbackQuery.data);
      if (page && (await this.turnPage(c, page.key, page.page))) return;
      const payload = await this.codec.decode(c.callbackQuery.data);
      // A button whose mapping expired (months old): show the menu rather than nothing.
      await this.turn(c, payload !== undefined ? { kind: 'button', payload } : { kind: 'command', command: 'menu' });
      await this.markPressed(c);
    });

    // An edited message is answered as a new one: the person corrected their question.
    bot.on(['message', 'edited_message'], async (c) => {
      if (c.chat.type !== 'private') return; // Lotse talks one to one; personal questions do not belong in groups.
      const event = messageEvent(c.msg, c.from?.language_code);
      if (event) await this.turn(c, event);
    });

    bot.catch((err) => log.error('telegram update failed', { update: err.ctx.update.update_id, err: err.error }));
  }

  /** One turn: typing, the runtime, the reply. */
  private async turn(c: Context, event: InEvent): Promise<void> {
    const chatId = c.chat!.id;
    const ref = this.ref(chatId);
    // "typing…" only for an answer that takes a while: for an immediate one it was a third of the
    // Bot API calls of an update, for a blink nobody sees (issue 17.1).
    const after = this.ctx.config.TYPING_AFTER_MS;
    const typing = after ? setTimeout(() => this.sender.typing(chatId), after) : void this.sender.typing(chatId);
    // Writing to the bot means it is not blocked (any more). A read on every turn, a write only when marked.
    if (await this.isBlocked(ref.conversationId)) await this.ctx.store.kvDelete(NS_BLOCKED, ref.conversationId);
    const state = this.turns.get(c.update);
    let reply: Reply;
    try {
      reply = await this.ctx.bot.handle(ref, event, state ? { key: state.key, firstTry: state.firstTry } : undefined);
    } catch (err) {
      this.ctx.log.error('telegram turn failed', { err });
      reply = this.errorReply(c.from?.language_code);
    } finally {
      clearTimeout(typing);
    }
    // How many messages went out is recorded before anything else goes to Telegram, so that a re-run
    // after a crash starts after them: with the next message's markSending (one write, not two), and
    // after the last one by markSent, or, for a message (nothing is sent after the reply: no pressed
    // keyboard to edit), by the markDone that follows the turn (a done update is never run again).
    let unsaved = false;
    let outcome: Awaited<ReturnType<TelegramSender['sendReply']>> | undefined;
    try {
      outcome = await this.sender.sendReply(chatId, reply, {
        skip: state?.sent ?? 0,
        onSending: async (n) => {
          if (!state) return;
          await this.inbox.markSending(state.key, n, state.sent);
          unsaved = false;
        },
        onSent: (n) => {
          if (!state) return;
          state.sent = n;
          unsaved = true;
        },
      });
    } finally {
      if (state && unsaved && (outcome !== 'sent' || c.callbackQuery)) await this.inbox.markSent(state.key, state.sent);
    }
    if (outcome === 'blocked') await this.markBlocked(ref.conversationId, 'messages refused');
  }

  /**
   * After a press: the message's keyboard becomes the chosen button alone, marked (render.ts
   * `pressedKeyboard`). Best effort: a message too old to be sent along (Telegram then gives it
   * with date 0) or one Telegram will not edit keeps its keyboard, whose old choices the engine
   * answers as expired anyway.
   */
  private async markPressed(c: Context): Promise<void> {
    const q = c.callbackQuery;
    const msg = q?.message;
    if (!q?.data || !msg || msg.date === 0) return;
    const markup = pressedKeyboard('reply_markup' in msg ? msg.reply_markup?.inline_keyboard : undefined, q.data);
    if (!markup) return;
    const slot = this.turns.get(c.update)?.webhook;
    if (slot?.waiting) {
      slot.reply = { method: 'editMessageReplyMarkup', chat_id: msg.chat.id, message_id: msg.message_id, reply_markup: markup };
      return;
    }
    try {
      await this.bot.api.editMessageReplyMarkup(msg.chat.id, msg.message_id, { reply_markup: markup }, apiSignal(this.abort.signal));
    } catch (err) {
      this.ctx.log.debug('telegram: the pressed keyboard was not edited', { err: err instanceof GrammyError ? err.description : String(err) });
    }
  }

  /**
   * "More ›" / "‹ Previous" under a long keyboard (sender.ts `keyboard`): the message shows that
   * page instead. False when it cannot (the pages expired, the message is too old to edit): the
   * press is then answered like any unknown button, with the menu.
   */
  private async turnPage(c: Context, key: string, page: number): Promise<boolean> {
    const msg = c.callbackQuery?.message;
    if (!msg || msg.date === 0) return false;
    const markup = await this.sender.keyboardPage(key, page);
    if (!markup) return false;
    try {
      await this.bot.api.editMessageReplyMarkup(msg.chat.id, msg.message_id, { reply_markup: markup }, apiSignal(this.abort.signal));
    } catch (err) {
      // "message is not modified": a second tap of the same page button (or a re-run after a crash).
      if (err instanceof GrammyError && /not modified/i.test(err.description)) return true;
      this.ctx.log.debug('telegram: a keyboard page was not shown', { err: err instanceof GrammyError ? err.description : String(err) });
      return false;
    }
    return true;
  }

  private errorReply(languageCode?: string): Reply {
    const c = this.ctx.content.current();
    const lang = c.resolveLanguage(languageCode) ?? c.defaultLang;
    return { lang, dir: c.language(lang)?.dir ?? 'ltr', messages: [{ kind: 'text', text: uiText(c, lang, 'telegram.error') }] };
  }

  async markBlocked(conversationId: string, reason: string): Promise<void> {
    // Kept no longer than a conversation is (SESSION_TTL_DAYS): a pseudonymous record too.
    await this.ctx.store.kvPut(NS_BLOCKED, conversationId, JSON.stringify({ at: this.ctx.clock.now(), reason }), this.ctx.config.SESSION_TTL_DAYS * 86_400_000);
    this.ctx.log.info('telegram: chat marked unreachable', { reason });
  }

  isBlocked(conversationId: string): Promise<boolean> {
    return this.ctx.store.kvGet(NS_BLOCKED, conversationId).then((v) => v !== undefined);
  }

  /** Messages nobody asked for right now (a caseworker's answer): to the chat in `address`. */
  deliverer(): Deliverer {
    return {
      deliver: async (ref, reply, address) => {
        const chat = address ?? ref.address;
        if (!chat) throw new Error('telegram: no chat id to deliver to (the person has to write again)');
        if (pseudonym(this.ctx.secret, chat) !== ref.conversationId) throw new Error('telegram: the chat id does not belong to this conversation');
        // Not retried forever: a person who blocked the bot gets nothing (and Telegram is not even
        // asked) until they write again, which clears the mark.
        if (await this.isBlocked(ref.conversationId)) throw new UndeliverableError('telegram: the person blocked the bot or left Telegram', 'telegram');
        const outcome = await this.sender.sendReply(chat, reply);
        if (outcome === 'blocked') {
          await this.markBlocked(ref.conversationId, 'messages refused');
          throw new UndeliverableError('telegram: Telegram refuses messages to this chat (blocked or deleted)', 'telegram');
        }
      },
      // A caseworker is writing: "typing…" in the person's chat (sendChatAction, best effort).
      typing: async (ref, address) => {
        const chat = address ?? ref.address;
        if (chat && pseudonym(this.ctx.secret, chat) === ref.conversationId) this.sender.typing(chat);
      },
    };
  }

  /**
   * The webhook endpoint: refuses requests without the secret token before anything else, then
   * answers 200 when the turn is done (or after `webhookTimeoutMs`, the turn going on), and 500 when
   * it failed before anything reached the person (Telegram then sends the update again).
   * (grammY's webhookCallback is not used: after its timeout a failing turn becomes an unhandled
   * rejection, which would stop the process.)
   */
  webhookHandler(): express.RequestHandler {
    const expected = Buffer.from(this.webhookSecret);
    const timeoutMs = this.opts.webhookTimeoutMs ?? 25_000;
    return async (req, res) => {
      const got = Buffer.from(String(req.headers['x-telegram-bot-api-secret-token'] ?? ''));
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
        this.ctx.log.warn('telegram: webhook request without the right secret token refused', { ip: req.ip });
        return answer(res, 401, '{"ok":false,"error":"unauthorized"}');
      }
      if (this.closing) return answer(res, 503, '{"ok":false,"error":"shutting down"}'); // Telegram retries
      // Read here, not by express.json: the secret is checked before the body is looked at, and an
      // update is read for a small part of body-parser's cost (readUpdateBody).
      const body = await readUpdateBody(req, WEBHOOK_BODY_LIMIT);
      if (typeof body === 'number') return answer(res, body, `{"ok":false,"error":"${body === 413 ? 'too large' : 'bad request'}"}`);
      const update = body as Update | undefined;
      if (!update || typeof update !== 'object' || typeof update.update_id !== 'number') return answer(res, 400, '{"ok":false,"error":"not an update"}');
      // Malformed but numbered (a message without a chat, a text that is a number...): acknowledged
      // with 200 and logged, not 4xx/5xx. Telegram repeats every webhook request that does not get a
      // 2xx until it gives up (Bot API, setWebhook: "In case of an unsuccessful request, we will give
      // up after a reasonable amount of attempts"), and this bot's later updates wait behind it
      // meanwhile; an update that cannot be read now cannot be read on any retry either. (A body
      // without update_id keeps its 400: that is not Telegram speaking at all.)
      if (!isReadableUpdate(update)) {
        this.ctx.log.warn('telegram: malformed update acknowledged and dropped', { update: update.update_id });
        return answer(res, 200, OK);
      }
      // Stored before anything else: from here on the update is answered even if the process dies.
      let stored: { item: InboxItem; status: InboxStatus };
      try {
        stored = await this.storeUpdate(update);
      } catch (err) {
        this.ctx.log.error('telegram: update could not be stored; Telegram sends it again', { update: update.update_id, err });
        return answer(res, 500, FAILED);
      }
      if (stored.status === 'done') {
        this.ctx.log.info('telegram: update already handled', { update: update.update_id });
        this.events.emit('handled', update.update_id);
        return answer(res, 200, OK);
      }
      // A copy of an update under way here waits for it; one left unfinished by a crash or a failed try runs again.
      await this.recovering;
      const slot: WebhookSlot = { waiting: true };
      const run = this.process(stored.item, update, false, slot, stored.status === 'fresh');
      void run.then(() => this.events.emit('handled', update.update_id));
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        run.then((ok) => (ok ? ('done' as const) : ('failed' as const))),
        new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs))),
      ]);
      clearTimeout(timer);
      slot.waiting = false;
      // Done: the one Bot API call the turn left for the answer (WebhookSlot), if any.
      if (outcome === 'done' && slot.reply) return answer(res, 200, JSON.stringify(slot.reply));
      answer(res, outcome === 'failed' ? 500 : 200, outcome === 'failed' ? FAILED : OK);
    };
  }

  /** The chat an update belongs to (its order and its pseudonym), if it names one. */
  private chatOf(u: Update): number | undefined {
    return u.message?.chat?.id ?? u.edited_message?.chat?.id ?? u.callback_query?.message?.chat?.id ?? u.callback_query?.from?.id ?? u.my_chat_member?.chat?.id;
  }

  /**
   * Stores an update in the inbox, keyed by bot and update id: before Telegram is told it arrived.
   * A new one is stored with its first attempt counted (it is processed right away: `process`, fresh).
   */
  private storeUpdate(update: Update): Promise<{ item: InboxItem; status: InboxStatus }> {
    const chat = this.chatOf(update);
    return this.inbox.accept({
      channel: 'telegram',
      externalId: `${this.botId}:${update.update_id}`,
      conversationId: chat !== undefined ? pseudonym(this.ctx.secret, chat) : '-',
      payload: update,
      now: this.ctx.clock.now(),
      attempt: true,
    });
  }

  /**
   * Handles a stored update: after the chat's earlier ones, once at a time in this process (a
   * second copy gets the first one's promise), then marks it done. Resolves true when done, false
   * when it failed (it stays in the inbox: Telegram's retry or the next start runs it again).
   * `announce`: emit 'handled' when over (polling, recovery; the webhook emits per request).
   * `fresh`: this process has just stored it (Inbox.accept said so) with its first attempt counted
   * (storeUpdate): only checked here, not counted again; and while the count is still 1, no run of
   * it can have committed a reply before (runtime Turn.firstTry).
   */
  private process(item: InboxItem, update: Update, announce: boolean, webhook?: WebhookSlot, fresh = false): Promise<boolean> {
    const known = this.running.get(item.key);
    if (known) return known;
    const chat = this.chatOf(update);
    // The item's lock (shared by the instances) around the whole update: a new poller recovering
    // what its predecessor left waits for a turn still under way elsewhere, then finds it done.
    const run = this.chats.run(chat !== undefined ? String(chat) : `u:${update.update_id}`, () =>
      this.ctx.cluster.locks.withLock(`inbox:${item.key}`, async () => {
        try {
          const attempts = fresh ? await this.inbox.unfinished(item.key) : await this.inbox.attempt(item.key);
          // Gone: the person deleted their data meanwhile.
          if (attempts === 0) return true;
          if (attempts > MAX_ATTEMPTS) {
            this.ctx.log.error('telegram: update given up after repeated failures', { update: update.update_id, attempts: MAX_ATTEMPTS });
          } else {
            await this.bot.init(apiSignal(this.abort.signal));
            // The one message Telegram may or may not have got when the last try ended: at least once, so it goes again.
            if (item.sending > item.sent) this.ctx.log.warn('telegram: a message in doubt is sent again', { update: update.update_id, message: item.sending });
            this.turns.set(update, { key: item.key, sent: item.sent, firstTry: fresh && attempts === 1, ...(webhook ? { webhook } : {}) });
            await this.bot.handleUpdate(update);
          }
          await this.inbox.markDone(item.key, this.ctx.clock.now());
          return true;
        } catch (err) {
          this.ctx.log.error('telegram update failed; it runs again when Telegram sends it again or at the next start', {
            update: update.update_id,
            err: (err as { error?: unknown }).error ?? err,
          });
          return false;
        } finally {
          this.running.delete(item.key);
          if (announce) this.events.emit('handled', update.update_id);
        }
      }),
    );
    this.running.set(item.key, run);
    this.inflight.add(run);
    void run.finally(() => this.inflight.delete(run));
    return run;
  }

  /** At start: the updates stored but not finished by the last process, in the order they came. */
  private async recover(): Promise<void> {
    const items = await this.inbox.pending('telegram');
    for (const item of items) if (item.payload) void this.process(item, item.payload as Update, true);
    if (items.length) this.ctx.log.info('telegram: unfinished updates from before the restart are being handled', { n: items.length });
  }

  /**
   * Long polling: each batch is stored in the inbox before the next getUpdates confirms its offset
   * (Telegram then forgets it), and handled meanwhile; a crash loses nothing that Telegram was told
   * we have. Replaces @grammyjs/runner, which confirmed a batch as soon as it was scheduled.
   */
  private async poll(): Promise<void> {
    const { log } = this.ctx;
    const abort = this.pollAbort;
    const signal = apiSignal(abort.signal);
    let offset: number | undefined;
    let backoff = 0;
    this.polling = true;
    try {
      while (!this.closing && !abort.signal.aborted) {
        let updates: Update[];
        try {
          updates = await this.bot.api.getUpdates(
            { ...(offset !== undefined ? { offset } : {}), timeout: this.opts.pollTimeoutSeconds ?? 30, allowed_updates: [...ALLOWED_UPDATES] },
            signal,
          );
          backoff = 0;
          this.pollHealthy = true;
        } catch (err) {
          if (this.closing || abort.signal.aborted) break;
          this.pollHealthy = false;
          // Capped at 5 s: a long outage must not leave the bot deaf long after Telegram is back.
          backoff = Math.min(backoff ? backoff * 2 : 500, 5_000);
          log.warn('telegram: getUpdates failed; trying again', { err: err instanceof GrammyError ? err.description : String(err), inMs: backoff });
          // Cut short by stop(): a shutdown never waits out the back-off.
          await new Promise<void>((r) => {
            const done = () => {
              clearTimeout(t);
              abort.signal.removeEventListener('abort', done);
              r();
            };
            const t = setTimeout(done, backoff);
            abort.signal.addEventListener('abort', done);
          });
          continue;
        }
        for (const u of updates) {
          let stored: { item: InboxItem; status: InboxStatus };
          try {
            stored = await this.storeUpdate(u);
          } catch (err) {
            // Not confirmed: Telegram gives it (and the rest of the batch) again with the next getUpdates.
            log.error('telegram: update could not be stored; fetching it again', { update: u.update_id, err });
            break;
          }
          offset = u.update_id + 1;
          if (stored.status !== 'done') void this.process(stored.item, u, true, undefined, stored.status === 'fresh');
        }
        while (this.inflight.size >= MAX_INFLIGHT && !this.closing && !abort.signal.aborted) await Promise.race(this.inflight);
      }
    } finally {
      this.polling = false;
    }
  }

  /** After the server listens: bot info, then polling or the webhook, then commands and descriptions. */
  start(): Promise<void> {
    // What the last process stored and did not finish, first (each chat's queue keeps the order).
    // (Several instances polling: the elected poller does, when it takes over.)
    if (this.ctx.cluster.kind === 'memory' || this.ctx.config.TELEGRAM_MODE === 'webhook')
      this.recovering = this.recover().catch((err: unknown) => this.ctx.log.error('telegram: recovery of unfinished updates failed', { err }));
    // De-duplication records expire after 48 h; the server's housekeeping deletes them (Store.kvSweep).
    this.booted = this.boot().catch((err) => {
      if (!this.closing) this.ctx.log.error('telegram: could not start (check TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT)', { err });
    });
    return this.booted;
  }

  private async boot(): Promise<void> {
    const { config, log } = this.ctx;
    const signal = apiSignal(this.abort.signal);
    await this.bot.init(signal);
    this.initialised = true;
    if (config.TELEGRAM_MODE === 'polling') {
      if (!config.PUBLIC_URL)
        log.warn(
          'telegram: PUBLIC_URL is not set, so Telegram messages leave out links to this server (audio transcripts, an episode Telegram refused as a file): a phone cannot open http://localhost. Set PUBLIC_URL to the address people reach this server at, e.g. PUBLIC_URL=https://lotse.your-ngo.org',
        );
      // getUpdates is refused while a webhook is set (e.g. left over from a webhook deployment).
      await this.bot.api.deleteWebhook({ drop_pending_updates: false }, signal);
      if (this.closing) return;
      if (this.ctx.cluster.kind === 'memory') {
        this.leading = true;
        this.pollTask = this.poll().catch((err: unknown) => log.error('telegram: polling stopped', { err }));
        log.info('telegram: long polling', { bot: this.bot.botInfo.username });
      } else {
        // Several instances: one polls; when it dies another takes over within seconds, first
        // finishing what it had stored and not finished (in order), then polling from where
        // Telegram was last told (the unconfirmed updates come again and are recognised).
        this.stopElection = this.ctx.cluster.leadership.elect(`telegram-poller:${this.botId}`, {
          gained: () => {
            if (this.closing) return;
            this.leading = true;
            this.pollAbort = new AbortController();
            this.recovering = this.recover().catch((err: unknown) => log.error('telegram: recovery of unfinished updates failed', { err }));
            this.pollTask = this.recovering.then(() => this.poll()).catch((err: unknown) => log.error('telegram: polling stopped', { err }));
            log.info('telegram: long polling (the elected instance)', { bot: this.bot.botInfo.username });
          },
          lost: async () => {
            this.leading = false;
            this.pollAbort.abort();
            await this.pollTask;
          },
        });
      }
    } else {
      const url = `${config.publicUrl}${WEBHOOK_PATH}`;
      await this.bot.api.setWebhook(url, { secret_token: this.webhookSecret, allowed_updates: [...ALLOWED_UPDATES], max_connections: 40 }, signal);
      this.webhookSet = true;
      log.info('telegram: webhook registered', { bot: this.bot.botInfo.username, url });
    }
    if (config.TELEGRAM_SET_COMMANDS) {
      try {
        const changed = await applySetup(this.bot.api, this.ctx.store, this.botId, setupPlan(this.ctx.content.current()), this.abort.signal);
        if (changed) log.info('telegram: commands and description set in every language');
      } catch (err) {
        log.warn('telegram: could not set commands and description', { err });
      }
    }
  }

  async ready(): Promise<boolean> {
    // A standby instance (another one polls) is ready when its token works: it sends caseworkers' replies.
    if (this.ctx.config.TELEGRAM_MODE === 'polling')
      return this.leading ? this.polling && this.pollHealthy : this.initialised && this.ctx.cluster.kind !== 'memory';
    return this.webhookSet;
  }

  /** Stop taking updates, let the turns under way finish (up to 10 s), then cancel what waits. */
  async stop(): Promise<void> {
    this.closing = true;
    await this.stopElection?.();
    this.pollAbort.abort();
    await this.pollTask;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.inflight]), new Promise((r) => (timer = setTimeout(r, CLOSE_GRACE_MS)))]);
    clearTimeout(timer);
    this.abort.abort();
    await this.booted;
    this.fetch.close();
  }
}

export function telegramPlugin(opts: TelegramOptions = {}): Plugin & { channel?: TelegramChannel } {
  const plugin: Plugin & { channel?: TelegramChannel } = {
    name: 'telegram',
    mount(app, ctx) {
      if (!ctx.config.TELEGRAM_BOT_TOKEN) return;
      const ch = new TelegramChannel(ctx, opts);
      plugin.channel = ch;
      ctx.bot.registerChannel('telegram', ch.deliverer());
      if (ctx.config.TELEGRAM_MODE === 'webhook') app.post(WEBHOOK_PATH, ch.webhookHandler());
    },
    started() {
      // In the background: the server serves web chat even while Telegram is unreachable.
      void plugin.channel?.start();
    },
    async close() {
      await plugin.channel?.stop();
    },
    async ready() {
      // No token: Telegram is not part of this deployment, so /readyz does not report it at all.
      return plugin.channel ? plugin.channel.ready() : undefined;
    },
  };
  return plugin;
}
