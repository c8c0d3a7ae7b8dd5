/**
 * The bot runtime: loads a conversation's session from the store, runs the
 * pure engine, saves the new session and carries out the engine's effects
 * (feedback, unanswered questions, data deletion, handoff requests).
 *
 * It is the only place where engine and I/O meet.
 */
import type { Config } from '../config/config.js';
import type { Locks } from '../cluster/cluster.js';
import type { ContentManager } from '../content/manager.js';
import { runEngine, type Effect, type EngineEnv } from '../engine/engine.js';
import type { InEvent, OutMessage, Reply } from '../engine/messages.js';
import { newSession, readSession, RECENT_LIMIT, type Session } from '../engine/session.js';
import { maskPersonalData, type Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import { SerialQueue } from '../util/serial-queue.js';
import type { BotRuntime, ChannelId, ConversationRef, Deliverer, Turn } from './types.js';
import { ownUiString } from '../util/ui-strings.js';

/**
 * Hooks let the handoff module take over a conversation (relay to a
 * caseworker) without the runtime knowing how handoff works.
 */
export interface ConversationHooks {
  /** Called before the engine; return a Reply to answer instead of the bot (e.g. relay to a caseworker). */
  // Return `{ event }` to let the engine answer a different event (a typed "menu" during a handoff as the menu command).
  intercept?(
    ref: ConversationRef,
    session: Session,
    event: InEvent,
    turn?: Turn,
  ): Promise<{ reply: Reply; session?: Session } | { event: InEvent } | undefined>;
  /**
   * Called for every effect the engine asks for, before the session is saved:
   * the hook may change the session and add messages to the reply.
   */
  // biome-ignore lint/suspicious/noConfusingVoidType: a plugin's effect handler may return nothing at all
  effect?(ref: ConversationRef, session: Session, effect: Effect, turn?: Turn): Promise<{ messages?: OutMessage[] } | void>;
  /** Called after the engine answered (and its effects ran), before the session is saved: the hook may add messages to the reply. */
  after?(ref: ConversationRef, session: Session, reply: Reply): Promise<void>;
  /** The person is typing (where the channel says so): e.g. the console shows it to the caseworker. Best effort, no reply. */
  typing?(ref: ConversationRef): void;
  /** Facts of the moment the engine may use (e.g. whether the office is open now); pure data, no I/O for the engine. */
  env?(ref: ConversationRef, now: number): Partial<EngineEnv>;
}

/** What the runtime needs, injected so tests can pass their own store, clock and content. */
export interface RuntimeDeps {
  content: ContentManager;
  store: Store;
  clock: Clock;
  log: Logger;
  config?: Pick<Config, 'SESSION_TTL_DAYS'> & Partial<Pick<Config, 'WEBCHAT_CONVERSATION_DAYS'>>;
  /** The conversation locks shared by the instances (ctx.cluster.locks); without them, this process's queue alone orders a conversation's turns. */
  locks?: Locks;
}

/** Days the remembered exchanges (raw text, for a caseworker who takes over) are kept: no longer than the web chat's own log. */
export const RECENT_TEXT_DAYS = 7;

/**
 * The one `BotRuntime` of a server: channels call `handle`, the handoff module adds its hooks
 * (`addHooks`), and messages nobody asked for go out through the registered deliverers.
 */
export class Runtime implements BotRuntime {
  private readonly deliverers = new Map<ChannelId, Deliverer>();
  private readonly hooks: ConversationHooks[] = [];
  /**
   * Events of one conversation run one after another (a double tap must not
   * race the session). This serialises within one process; across instances
   * the conversation's lock (`deps.locks`, on Redis) does, so two instances
   * never run two turns of one conversation at once.
   */
  private readonly queues = new SerialQueue();

  constructor(private readonly deps: RuntimeDeps) {}

  /** Add hooks (the handoff module does, at mount); they run in the order added. */
  addHooks(h: ConversationHooks): void {
    this.hooks.push(h);
  }

  /** A channel that can send on its own registers its deliverer under its ChannelId (one per channel). */
  registerChannel(channel: ChannelId, deliverer: Deliverer): void {
    this.deliverers.set(channel, deliverer);
  }

  /** The person is typing: the hooks that care (an open handoff) are told; errors are theirs to swallow. */
  personTyping(ref: ConversationRef): void {
    for (const h of this.hooks) h.typing?.(ref);
  }

  /** The deliverer of a channel, for messages nobody asked for right now; undefined when that channel is not running. */
  deliverer(channel: ChannelId): Deliverer | undefined {
    return this.deliverers.get(channel);
  }

  /** The content manager, for modules that need texts outside a turn (the handoff module's messages). */
  get content(): ContentManager {
    return this.deps.content;
  }

  /** Answer one event of a conversation: load the session, run the hooks and the engine, apply effects, save. One conversation's events run one at a time. */
  handle(ref: ConversationRef, event: InEvent, turn?: Turn): Promise<Reply> {
    return this.queues.run(queueKey(ref), () => this.locked(ref, () => this.handleNow(ref, event, turn)));
  }

  /**
   * handle(), or when the turn fails (a store error, a bug), an apology in
   * the conversation's language instead of silence: what every channel that
   * must answer the request it is in (web chat, Azure) sends. Telegram does
   * not use it: there a failed update is retried by Telegram itself.
   *
   * Example: const reply = await ctx.bot.handleOrApologise(ref, { kind: 'text', text: 'hi' }, 'ar');
   */
  async handleOrApologise(ref: ConversationRef, event: InEvent, lang?: string, turn?: Turn): Promise<Reply> {
    try {
      return await this.handle(ref, event, turn);
    } catch (err) {
      this.deps.log.error('turn failed; the person gets an apology', { channel: ref.channel, err });
      const c = this.deps.content.current();
      const l = lang && c.language(lang) ? lang : c.defaultLang;
      const text =
        ownUiString(c.pack.ui, l, 'webchat.error') ??
        ownUiString(c.pack.ui, c.defaultLang, 'webchat.error') ??
        'Sorry, something went wrong. Please try again.';
      return { lang: l, dir: c.language(l)?.dir ?? 'ltr', messages: [{ kind: 'text', text }] };
    }
  }

  /** The conversation's session, validated and migrated to the current version; a fresh one when none is stored or it is unusable. */
  async loadSession(ref: ConversationRef): Promise<Session> {
    const rec = await this.deps.store.getSession(ref);
    if (!rec) return newSession();
    const { session, problem } = readSession(rec.state);
    if (problem) this.deps.log.warn('stored session unusable: starting a fresh one', { channel: ref.channel, problem });
    return session;
  }

  /** Store a conversation's session, stamped with the clock's time (for expiry). */
  async saveSession(ref: ConversationRef, session: Session): Promise<void> {
    await this.deps.store.putSession({ ref, state: session, updatedAt: this.deps.clock.now() });
  }

  /** Change a conversation's session outside an event (e.g. a caseworker closed the handoff), in turn with its events. */
  // biome-ignore lint/suspicious/noConfusingVoidType: the updater may change the session in place and return nothing
  updateSession(ref: ConversationRef, fn: (s: Session) => Session | void): Promise<Session> {
    return this.queues.run(queueKey(ref), () =>
      this.locked(ref, async () => {
        const s = await this.loadSession(ref);
        const next = fn(s) ?? s;
        await this.saveSession(ref, next);
        return next;
      }),
    );
  }

  /** Runs `fn` holding the conversation's lock across instances (none needed without shared locks: the queue orders it). */
  private locked<T>(ref: ConversationRef, fn: () => Promise<T>): Promise<T> {
    return this.deps.locks ? this.deps.locks.withLock(`conv:${queueKey(ref)}`, fn) : fn();
  }

  private async handleNow(ref: ConversationRef, event: InEvent, turn?: Turn): Promise<Reply> {
    // This message's turn already ran to its end (the process died before the reply was out, or
    // the delivery was retried): the same reply again, and nothing done twice.
    if (turn && !turn.firstTry) {
      const committed = await this.deps.store.inbox().committedReply(turn.key);
      if (committed) return committed as Reply;
    }
    const content = this.deps.content.current();
    let session = await this.loadSession(ref);
    const now = this.deps.clock.now();
    for (const h of this.hooks) {
      const r = await h.intercept?.(ref, session, event, turn);
      if (r && 'event' in r) {
        event = r.event;
        continue;
      }
      if (r) {
        const s = r.session ?? session;
        remember(s, event, r.reply, now, this.recentMs());
        await this.commit(ref, s, r.reply, turn);
        return r.reply;
      }
    }
    // The privacy notice names how long the store keeps a conversation.
    let env: EngineEnv = { now, channel: ref.channel, ...(this.deps.config ? { sessionTtlDays: this.deps.config.SESSION_TTL_DAYS } : {}) };
    for (const h of this.hooks) if (h.env) env = { ...env, ...h.env(ref, now), now, channel: ref.channel };
    // The session as it was before the turn: "delete my data" starts a fresh one, the hooks still need to know of an open handoff.
    const before = session;
    const out = runEngine(content, session, event, env);
    session = out.session;
    const reply = out.reply;
    // Remember this exchange before the effects: a handoff opened by it must
    // show the caseworker the very message that asked for a person.
    remember(session, event, reply, now, this.recentMs());
    let deleted = false;
    for (const e of out.effects) {
      if (e.type === 'delete-data') {
        // Everything about the person, on every table; the log keeps counts only.
        const gone = await this.deps.store.forgetPerson(ref);
        this.deps.log.info('person data deleted', { channel: ref.channel, ...gone });
        deleted = true;
        // The handoff module tells the console (an open handoff ended); nothing else is stored after this.
        await this.apply(ref, before, e, content.pack.version, turn);
        continue;
      }
      const extra = await this.apply(ref, session, e, content.pack.version, turn);
      if (extra.length) reply.messages.push(...extra);
    }
    if (!deleted)
      for (const h of this.hooks) {
        try {
          await h.after?.(ref, session, reply);
        } catch (err) {
          this.deps.log.error('after-turn hook failed', { err });
        }
      }
    await this.commit(ref, deleted ? undefined : session, reply, turn);
    return reply;
  }

  /** Saves the session; for a stored message together with its reply, in one transaction (a crash leaves both or neither). */
  private async commit(ref: ConversationRef, session: Session | undefined, reply: Reply, turn: Turn | undefined): Promise<void> {
    const rec = session ? { ref, state: session, updatedAt: this.deps.clock.now() } : undefined;
    if (turn) await this.deps.store.inbox().commitTurn(turn.key, rec, reply);
    else if (rec) await this.deps.store.putSession(rec);
  }

  /** How long remembered exchanges are kept (the web chat log's retention, 7 days at most). */
  private recentMs(): number {
    return Math.min(this.deps.config?.WEBCHAT_CONVERSATION_DAYS ?? RECENT_TEXT_DAYS, RECENT_TEXT_DAYS) * 86_400_000;
  }

  private async apply(ref: ConversationRef, session: Session, e: Effect, version: string, turn?: Turn): Promise<OutMessage[]> {
    const now = this.deps.clock.now();
    const extra: OutMessage[] = [];
    try {
      if (e.type === 'feedback') {
        await this.deps.store.addFeedback({ ref, topic: e.topic, lang: e.lang, helpful: e.helpful, contentVersion: version, at: now });
        // The co-creation loop (issue 16.4) learns from the question whose answer did not help, masked like an unanswered one.
        const question = e.helpful ? undefined : questionBeforeFeedback(session);
        if (question)
          await this.deps.store.addUnanswered({
            ref: { channel: ref.channel, conversationId: ref.conversationId },
            lang: e.lang,
            text: maskPersonalData(question),
            contentVersion: version,
            at: now,
            kind: 'not-helpful',
            topic: e.topic,
          });
      } else if (e.type === 'unanswered')
        await this.deps.store.addUnanswered({
          ref: { channel: ref.channel, conversationId: ref.conversationId },
          lang: e.lang,
          text: maskPersonalData(e.text),
          contentVersion: version,
          at: now,
        });
      for (const h of this.hooks) {
        const r = await h.effect?.(ref, session, e, turn);
        if (r?.messages) extra.push(...r.messages);
      }
    } catch (err) {
      this.deps.log.error('effect failed', { effect: e.type, err });
    }
    return extra;
  }
}

/**
 * The question a "not helpful" was about: the text the person typed just
 * before the answer that asked "Was this helpful?". `recent` holds this turn
 * already (the "no", pressed or typed, and the thanks), so it is the person's
 * entry before that; when it was a button press too (a menu, "Did you mean"), the
 * answer was not found by a question and there is none. Undefined then.
 */
export function questionBeforeFeedback(session: Session): string | undefined {
  const recent = session.recent ?? [];
  const people = recent.filter((r) => r.who === 'person');
  const press = people[people.length - 1];
  const before = people[people.length - 2];
  if (!press || !before) return undefined;
  // Typed text is kept as typed; a button press is stored as "[payload]".
  return /^\[[^\s\]]*\]$/.test(before.text) ? undefined : before.text;
}

const queueKey = (ref: ConversationRef) => `${ref.channel}:${ref.conversationId}`;

/** Keeps the last exchanges in the session for a caseworker who takes over; none older than `keepMs`. */
function remember(session: Session, event: InEvent, reply: Reply, at: number, keepMs: number): void {
  const recent = (session.recent ??= []).filter((r) => r.at > at - keepMs);
  session.recent = recent;
  if (event.kind === 'text') recent.push({ who: 'person', text: event.text.slice(0, 1000), at });
  else if (event.kind === 'button') recent.push({ who: 'person', text: `[${event.payload}]`, at });
  for (const m of reply.messages) if (m.kind === 'text') recent.push({ who: 'bot', text: m.text.slice(0, 1000), at });
  if (recent.length > RECENT_LIMIT) recent.splice(0, recent.length - RECENT_LIMIT);
}
