/**
 * Handoff to a person: open, queue, route, relay, close.
 *
 * "Look, listen, link": the bot notices it has reached its limits (asked for
 * a person, distress, three "I don't know"s, a handoff step) and links the
 * person to a caseworker who speaks their language, with the referral
 * documented and kept confidential.
 *
 * Every message is stored before it is delivered or shown, so a restart in
 * the middle loses nothing; undelivered caseworker messages are retried by
 * the sweep.
 */
import type { ContentManager } from '../content/manager.js';
import { crisisMessages } from '../engine/actions/safety.js';
import type { Effect } from '../engine/effects.js';
import type { Button, InEvent, OutMessage, Reply } from '../engine/messages.js';
import { parsePayload, payload } from '../engine/payload.js';
import type { Session } from '../engine/session.js';
import type { Runtime } from '../runtime/runtime.js';
import { isUndeliverable, type ConversationRef, type Turn } from '../runtime/types.js';
import type { Clock, IdGen } from '../util/clock.js';
import type { Logger } from '../util/logger.js';
import type { HandoffEvents } from './events.js';
import { describeOfficeHours, isOpen, type OfficeHours } from './office-hours.js';
import { MAX_MESSAGE_LENGTH } from '../shared/limits.js';
import type { Handoff, HandoffMessage, Handoffs, Outcome } from '../store/handoffs.js';
import { doesCasework, type Staff, type StaffAccounts } from '../store/staff.js';
import { refused } from '../util/http-error.js';
import { SerialQueue } from '../util/serial-queue.js';
import { valueAt } from '../util/ui-strings.js';

/** A caseworker's first name, as the person sees it ("Samira" of "Samira Haddad"). */
function firstName(staff: Pick<Staff, 'name'>): string {
  return staff.name.trim().split(/\s+/)[0] || staff.name;
}

/** A typed command word as compared: trimmed, without "/", lower case, inner spaces single. */
function normalizeCommand(text: string): string {
  return text
    .trim()
    .replace(/^\//, '')
    .toLocaleLowerCase()
    .replace(/\s+/g, ' ')
    .replace(/[.!?؟。]+$/u, '');
}

/** A list of strings from a language's UI texts (e.g. `commands.cancel`), or none. */
function uiList(ui: Record<string, Record<string, unknown>>, lang: string, key: string): string[] {
  const v = valueAt(ui, [lang, ...key.split('.')]);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export interface HandoffDeps {
  hs: Handoffs;
  staff: StaffAccounts;
  bot: Runtime;
  content: ContentManager;
  clock: Clock;
  ids: IdGen;
  log: Logger;
  events: HandoffEvents;
  officeHours: OfficeHours;
  unansweredMinutes: number;
  retentionDays: number;
}

/** During a handoff a typed message counts as "delete my data" only up to this many words. */
const DELETE_REQUEST_MAX_WORDS = 10;

/**
 * At most one full "received" receipt and one "your new place" message per person in this time:
 * on Telegram each message can ring the phone, and a busy queue must not ring it every minute.
 */
export const NOTICE_EVERY_MS = 5 * 60_000;

/** The rating scale offered after a close: 1 (bad) to 5 (very good), short labels that fit a phone's row. */
const RATING_SCALE = [1, 2, 3, 4, 5] as const;

/** A queue entry as the console gets it: the handoff without its address, and why it is where it is. */
export type QueueEntry = Handoff & {
  /** Distress or urgent: first for everyone, whatever the language. */
  urgent: boolean;
  /** The caseworker speaks the person's language. */
  languageMatch: boolean;
  /** Language match and topic match (or urgent): the caseworker is the right one for it. */
  matches: boolean;
  position?: number;
  waitingMinutes: number;
};

export class HandoffService {
  /** Retry rounds run one at a time, so that two of them (the sweep, a person writing again) never send one message twice. */
  private readonly retries = new SerialQueue();

  constructor(private readonly d: HandoffDeps) {}

  private t(lang: string, key: string, vars?: Record<string, unknown>): string {
    return this.d.content.current().t(lang, key, vars);
  }
  private now(): number {
    return this.d.clock.now();
  }
  private reply(lang: string, messages: OutMessage[]): Reply {
    const l = this.d.content.current().language(lang);
    return { lang, dir: l?.dir ?? 'ltr', messages };
  }
  private cancelButton(lang: string): Button[] {
    return [{ label: this.t(lang, 'buttons.cancel'), payload: payload.handoffCancel() }];
  }
  /** Whether a reply already offers Cancel (the last message), so nothing adds a second one. */
  private offersCancel(reply: Reply): boolean {
    return !!reply.messages.at(-1)?.buttons?.some((b) => parsePayload(b.payload)?.kind === 'handoffCancel');
  }

  /**
   * What a typed message means while a handoff is open, in any served language: "cancel" (the
   * locales' `commands.cancel`, or /cancel), "menu" and "language" (the bot's own command words).
   */
  private typedCommand(text: string): 'cancel' | 'menu' | 'language' | undefined {
    const c = this.d.content.current();
    const n = normalizeCommand(text);
    if (!n || n.split(' ').length > 5) return undefined;
    if (n === 'cancel' || c.pack.languages.some((l) => uiList(c.pack.ui, l.code, 'commands.cancel').some((w) => normalizeCommand(w) === n))) return 'cancel';
    const cmd = c.nlu.command(text);
    return cmd === 'menu' || cmd === 'language' ? cmd : undefined;
  }

  // ------------------------------------------------------------ opening ---
  /** Engine effect `handoff` or `distress`: open (or upgrade) the person's handoff; returns what to tell them. */
  async onEffect(ref: ConversationRef, session: Session, e: Effect): Promise<OutMessage[]> {
    if (e.type === 'delete-data') {
      await this.onForgotten(session);
      return [];
    }
    if (e.type !== 'handoff') return [];
    const urgent = e.priority === 'urgent';
    const existing = await this.d.hs.openFor(ref);
    if (existing) {
      if (urgent && existing.priority > 0) {
        await this.d.hs.update(existing.id, { priority: 0 });
        await this.system(existing.id, 'alert', 'priority raised: distress');
      }
      session.handoff = { id: existing.id };
      this.d.events.queueChanged();
      return [{ kind: 'text', text: this.t(e.lang, 'handoff.queued'), buttons: this.cancelButton(e.lang) }];
    }
    const open = isOpen(this.d.officeHours, this.now());
    const h: Handoff = {
      id: this.d.ids.next('ho_'),
      ref: { channel: ref.channel, conversationId: ref.conversationId },
      address: ref.address,
      lang: e.lang,
      reason: e.reason,
      topic: e.topic,
      priority: urgent ? 0 : 1,
      status: 'queued',
      createdAt: this.now(),
      offHours: !open,
      transcriptPurged: false,
    };
    await this.d.hs.insertHandoff(h, [
      ...(session.recent ?? []).map((r) => ({ author: r.who, kind: 'transcript' as const, text: r.text, at: r.at })),
      { author: 'system', kind: 'event', text: `opened: ${e.reason}${urgent ? ' (urgent)' : ''}`, at: this.now() },
    ]);
    session.handoff = { id: h.id };
    this.d.log.info('handoff opened', { handoff: h.id, channel: ref.channel, lang: h.lang, reason: h.reason, priority: h.priority, offHours: h.offHours });
    this.d.events.queueChanged();
    this.d.events.newHandoff(h);
    const lang = e.lang;
    const hours = describeOfficeHours(this.d.officeHours, lang);
    const lines = [this.t(lang, 'handoff.seen')];
    if (open) {
      const position = await this.position(h.id);
      // The place told here counts for the limit too: no "you are number 3" right after "number 4".
      await this.d.hs.update(h.id, { lastPosition: position, positionToldAt: this.now() });
      lines.push(this.t(lang, 'handoff.wait', { minutes: await this.typicalWaitMinutes() }), this.t(lang, 'handoff.position', { n: position }));
    } else if (urgent) {
      // A person in crisis at night: what helps now first, never only "the office is closed".
      lines.push(this.t(lang, 'distress.night'), this.t(lang, 'handoff.offHours', { hours }));
    } else lines.push(this.t(lang, 'handoff.offHours', { hours }));
    lines.push(this.t(lang, 'handoff.officeHours', { hours }));
    return [{ kind: 'text', text: lines.join('\n\n'), buttons: this.cancelButton(lang) }];
  }

  /** The person's ratings after closed handoffs ("Was this help good?"): how many, their average, and per score. */
  async ratings(): Promise<{ n: number; average: number | null; byScore: Record<string, number> }> {
    const rated = (await this.d.hs.closedSince(0)).filter((h) => h.rating !== undefined);
    const byScore: Record<string, number> = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
    for (const h of rated) byScore[String(h.rating)] = (byScore[String(h.rating)] ?? 0) + 1;
    const sum = rated.reduce((a, h) => a + h.rating!, 0);
    return { n: rated.length, average: rated.length ? Math.round((sum / rated.length) * 10) / 10 : null, byScore };
  }

  /** Whether caseworkers are on duty at that time (office hours). */
  isOpenAt(now: number): boolean {
    return isOpen(this.d.officeHours, now);
  }

  /** Median wait of recently taken handoffs, in whole minutes (15 when nothing is known yet). */
  async typicalWaitMinutes(): Promise<number> {
    const waits = (await this.d.hs.closedSince(this.now() - 30 * 86_400_000))
      .filter((h) => h.takenAt)
      .map((h) => (h.takenAt! - h.createdAt) / 60_000)
      .sort((a, b) => a - b);
    if (!waits.length) return this.d.unansweredMinutes;
    return Math.max(1, Math.round(waits[Math.floor(waits.length / 2)]!));
  }

  /** 1-based place among queued handoffs (urgent first, then by waiting time): the order of `hs.open()`. */
  async position(id: string): Promise<number> {
    const queued = (await this.d.hs.open()).filter((h) => h.status === 'queued');
    return queued.findIndex((h) => h.id === id) + 1;
  }

  /**
   * The person's data was deleted (the store ended an open handoff as cancelled and left only the
   * event "deleted by the person"): the console is told, the queue moves on.
   */
  private async onForgotten(session: Session): Promise<void> {
    const id = session.handoff?.id;
    if (!id) return;
    const h = await this.d.hs.getHandoff(id);
    if (!h) return;
    const last = (await this.d.hs.messages(id)).at(-1);
    if (last) this.d.events.message(h, last);
    this.d.events.status(h, { status: h.status, ...(h.caseworkerId ? { caseworkerId: h.caseworkerId } : {}) });
    this.d.events.queueChanged();
    void this.updatePositions();
  }

  /**
   * "Delete my data" is for the bot, also during a handoff: the topic typed in any language, its
   * button, the confirmation buttons, and a typed yes/no right after the bot asked.
   */
  private isDeleteRequest(session: Session, event: InEvent, lang: string): boolean {
    const c = this.d.content.current();
    const deletes = (topic: string | null | undefined) => !!topic && c.pack.topics[topic]?.action === 'delete-data';
    if (event.kind === 'button') {
      const p = parsePayload(event.payload);
      return p?.kind === 'deleteData' || (p?.kind === 'topic' && deletes(p.id));
    }
    if (event.kind !== 'text') return false;
    const text = event.text.trim();
    if (!text) return false;
    if (session.pending?.kind === 'delete-confirm') {
      const cmd = c.nlu.command(text);
      if (cmd === 'yes' || cmd === 'no') return true;
    }
    // A short request only: a long message that mentions deleting something is for the caseworker.
    if (text.split(/\s+/).length > DELETE_REQUEST_MAX_WORDS) return false;
    const m = c.nlu.match(text, session.lang ?? lang);
    return !m.distress && m.decision === 'answer' && deletes(m.topic);
  }

  // ------------------------------------------------- the person's side ---
  /** While a handoff is open the bot stays silent; messages go to the caseworker. */
  async onPersonEvent(
    ref: ConversationRef,
    session: Session,
    event: InEvent,
    turn?: Turn,
  ): Promise<{ reply: Reply; session: Session } | { event: InEvent } | undefined> {
    if (event.kind === 'button') {
      const p = parsePayload(event.payload);
      if (p?.kind === 'rate') return this.onRating(session, p.score, p.nonce);
    }
    const id = session.handoff?.id;
    if (!id) return undefined;
    const h = await this.d.hs.getHandoff(id);
    if (!h || h.status === 'closed' || h.status === 'cancelled') {
      session.handoff = undefined;
      return undefined;
    }
    const lang = h.lang;
    // Not relayed: the bot asks "Delete everything?" and, on yes, erases the handoff with the rest.
    if (this.isDeleteRequest(session, event, lang)) return undefined;
    // A delete confirmation left unanswered does not catch a later "yes" meant for the caseworker.
    if (session.pending?.kind === 'delete-confirm') session.pending = undefined;
    // A new address (Telegram chat) replaces an old one while the handoff is open.
    if (ref.address && ref.address !== h.address) await this.d.hs.update(h.id, { address: ref.address });
    const typed = event.kind === 'text' ? this.typedCommand(event.text) : undefined;
    if ((event.kind === 'button' && parsePayload(event.payload)?.kind === 'handoffCancel') || typed === 'cancel') {
      await this.finish(h, 'cancelled', undefined, typed ? `typed "${event.kind === 'text' ? event.text.trim().slice(0, 40) : ''}"` : undefined);
      session.handoff = undefined;
      this.d.events.queueChanged();
      void this.updatePositions();
      return {
        session,
        reply: this.reply(lang, [
          { kind: 'text', text: this.t(lang, 'handoff.cancelled'), buttons: [{ label: this.t(lang, 'buttons.menu'), payload: payload.nav('menu') }] },
        ]),
      };
    }
    // "menu" and "language" (typed in any language, the slash commands, their buttons) are for the
    // bot: the engine answers, the handoff stays open, the caseworker sees what happened, and the
    // reply ends with "you are still waiting" and Cancel (`decorate`).
    const forBot =
      typed ??
      (event.kind === 'command' && (event.command === 'menu' || event.command === 'language') ? event.command : undefined) ??
      (event.kind === 'button' ? this.botButton(event.payload) : undefined);
    if (forBot) {
      const what = forBot === 'menu' ? 'opened the menu' : forBot === 'language' ? 'is choosing another language' : "is reading the bot's answers";
      this.d.events.message(h, await this.system(h.id, 'event', `the person ${what} (the request stays open)`));
      if (event.kind === 'button') await this.followLanguage(h, event.payload);
      // A typed word is handed on as the command it is (the engine might read a short word otherwise).
      return typed ? { event: { kind: 'command', command: typed } } : undefined;
    }
    if (event.kind === 'start' || event.kind === 'command' || event.kind === 'button') {
      // A returning person or a stale button: say where they are, keep the handoff.
      const key = h.status === 'active' ? 'handoff.active' : 'handoff.queued';
      return { session, reply: this.reply(lang, [{ kind: 'text', text: this.t(lang, key), buttons: this.cancelButton(lang) }]) };
    }
    if (event.kind === 'unsupported') {
      // The caseworker hears that something came which they cannot see (not what it showed).
      this.d.events.message(
        h,
        await this.system(h.id, 'event', `the person sent a ${event.what.replace(/_/g, ' ')}, which is not passed on`, turn && `${turn.key}#media`),
      );
      return { session, reply: this.reply(lang, [{ kind: 'text', text: this.t(lang, 'errors.unsupported') }]) };
    }
    const text = event.text.trim().slice(0, MAX_MESSAGE_LENGTH);
    if (!text) return { session, reply: this.reply(lang, []) };
    // The words under a photo or a file are relayed as text; the attachment is not, and both sides are told.
    const media = event.media?.replace(/_/g, ' ');
    if (media)
      this.d.events.message(
        h,
        await this.system(h.id, 'event', `the person sent a ${media} with the words below; the ${media} itself is not passed on`, turn && `${turn.key}#media`),
      );
    const withNote = (r: Reply): Reply =>
      media ? { ...r, quiet: false, messages: [{ kind: 'text', text: this.t(lang, 'handoff.mediaCaption') }, ...r.messages] } : r;
    // Under the stored message's key: relayed once, also when the turn runs again after a crash.
    const msg = await this.d.hs.addMessage({
      handoffId: h.id,
      author: 'person',
      kind: 'message',
      text,
      at: this.now(),
      ...(turn ? { source: `${turn.key}#message` } : {}),
    });
    this.d.events.message(h, msg);
    // They are reachable again (e.g. unblocked the bot): what could not be delivered goes out now.
    // Messages only wait after the caseworker was told, so an ordinary message costs no write here.
    if (h.unreachableNoticeAt) {
      await this.d.hs.update(h.id, { unreachableNoticeAt: null });
      if ((await this.d.hs.retryUndeliverable(h.id)) > 0) void this.retryUndelivered(h.id);
    }
    // The distress detector still listens, and tells the caseworker. Unsure:
    // the caseworker, a person, is the one to ask "are you safe?"; clear: the
    // crisis numbers go out at once too.
    // A bare yes or no (the answer to the caseworker's question) is not read for distress: alone,
    // "no" scores as a clear crisis and "nein" as an unsure one (src/engine/engine.ts onText).
    const nlu = this.d.content.current().nlu;
    const word = nlu.command(text);
    const distress = word === 'yes' || word === 'no' ? { level: undefined } : nlu.distress(text, lang);
    if (distress.level === 'unsure') {
      const alert = await this.system(h.id, 'alert', 'possible distress in the last message: ask whether they are safe', turn && `${turn.key}#alert`);
      this.d.events.alert(h, alert);
      return { session, reply: withNote(await this.receipt(h)) };
    }
    if (distress.level === 'clear') {
      if (h.priority > 0) await this.d.hs.update(h.id, { priority: 0 });
      const alert = await this.system(h.id, 'alert', 'distress detected in the last message', turn && `${turn.key}#alert`);
      this.d.events.alert(h, alert);
      this.d.events.queueChanged();
      // The same crisis numbers and caring words as the engine's crisis answer; Cancel stays.
      const crisis = crisisMessages(this.d.content.current(), lang);
      const r = this.reply(lang, crisis);
      if (h.status === 'queued' && !this.offersCancel(r))
        r.messages.push({ kind: 'text', text: this.t(lang, 'handoff.queued'), buttons: this.cancelButton(lang) });
      return { session, reply: withNote(r) };
    }
    return { session, reply: withNote(await this.receipt(h)) };
  }

  /**
   * The answer to a typed message while waiting: never silence. The first one (and again after
   * NOTICE_EVERY_MS) says it reached the queue and a person will read it; the ones in between get a
   * short "received ✓". Both carry Cancel and are quiet (no notification where the channel can).
   * While a caseworker is in the conversation nothing is added: their "seen" and replies are the answer.
   */
  private async receipt(h: Handoff): Promise<Reply> {
    if (h.status !== 'queued') return this.reply(h.lang, []);
    const now = this.now();
    const full = h.ackedAt === undefined || now - h.ackedAt >= NOTICE_EVERY_MS;
    if (full) await this.d.hs.update(h.id, { ackedAt: now });
    const text = this.t(h.lang, full ? 'handoff.received' : 'handoff.receivedShort');
    return { ...this.reply(h.lang, [{ kind: 'text', text, buttons: this.cancelButton(h.lang) }]), quiet: true };
  }

  /** A button that is the bot's, not the caseworker's (the menu, its topics, a language): which one, roughly. */
  private botButton(raw: string): 'menu' | 'language' | 'content' | undefined {
    const p = parsePayload(raw);
    if (!p) return undefined;
    if (p.kind === 'nav' && p.what === 'menu') return 'menu';
    if (p.kind === 'nav' && p.what === 'language') return 'language';
    if (p.kind === 'lang') return 'language';
    if (p.kind === 'topic' || p.kind === 'goto' || p.kind === 'page' || p.kind === 'dirCategory' || p.kind === 'dirService' || p.kind === 'dirUp')
      return 'content';
    if (p.kind === 'episodeIn' || p.kind === 'feedback' || p.kind === 'noneOfThese' || (p.kind === 'nav' && p.what !== 'human' && p.what !== 'cancel'))
      return 'content';
    return undefined;
  }

  /**
   * The person picks another language while a handoff is open: the handoff follows (the
   * caseworker's texts and the bot's notices then come in it). The engine switches to any served
   * language pressed, so the handoff follows any served one too.
   */
  private async followLanguage(h: Handoff, raw: string): Promise<void> {
    const p = parsePayload(raw);
    if (p?.kind !== 'lang' || p.code === h.lang || !this.d.content.current().language(p.code)) return;
    await this.d.hs.update(h.id, { lang: p.code });
    this.d.events.message(h, await this.system(h.id, 'event', `the person switched the language from ${h.lang} to ${p.code}`));
    this.d.events.queueChanged();
  }

  /**
   * After the engine answered during an open handoff (the menu, a language, a topic): the person
   * hears they are still waiting or talking with the team, with Cancel, so the request is never
   * out of sight. Not after a question the bot waits for (delete, safety): its buttons come last.
   */
  async decorate(session: Session, reply: Reply): Promise<void> {
    const id = session.handoff?.id;
    if (!id || session.pending || this.offersCancel(reply)) return;
    const h = await this.d.hs.getHandoff(id);
    if (!h || (h.status !== 'queued' && h.status !== 'active')) return;
    const lang = reply.lang;
    reply.messages.push({ kind: 'text', text: this.t(lang, h.status === 'active' ? 'handoff.active' : 'handoff.queued'), buttons: this.cancelButton(lang) });
  }

  /** "Was this help good?" answered: stored once on the handoff (statistics), thanked in the person's language. */
  private async onRating(session: Session, score: number, nonce: number | undefined): Promise<{ reply: Reply; session: Session }> {
    const asked = session.rating;
    const lang = session.lang ?? this.d.content.current().defaultLang;
    const menu = [{ label: this.t(lang, 'buttons.menu'), payload: payload.nav('menu') }];
    if (!asked || nonce === undefined || nonce !== asked.nonce || !(await this.d.hs.rateOnce(asked.handoffId, score)))
      return { session, reply: this.reply(lang, [{ kind: 'text', text: this.t(lang, 'handoff.rateDone'), buttons: menu }]) };
    session.rating = undefined;
    const h = await this.d.hs.getHandoff(asked.handoffId);
    if (h) this.d.events.message(h, await this.system(h.id, 'event', `the person rated the help ${score} of 5`));
    this.d.log.info('handoff rated', { handoff: asked.handoffId, rating: score });
    return { session, reply: this.reply(lang, [{ kind: 'text', text: this.t(lang, 'handoff.rateThanks'), buttons: menu }]) };
  }

  /** The person is typing (web chat tells us): the console shows it to whoever has the conversation open. */
  async personTyping(ref: ConversationRef): Promise<void> {
    const h = await this.d.hs.openFor(ref);
    if (h) this.d.events.typing(h);
  }

  // ------------------------------------------------- the console's side ---
  matches(staff: Staff, h: Handoff): boolean {
    const topicOk = !staff.topics.length || (h.topic !== undefined && (staff.topics.includes(h.topic) || staff.topics.includes(h.topic.split('.')[0]!)));
    return staff.languages.includes(h.lang) && (topicOk || h.priority === 0);
  }

  canOpen(staff: Staff, h: Handoff): boolean {
    if (staff.role === 'admin') return true;
    if (h.status === 'queued') return true;
    return h.caseworkerId === staff.id;
  }

  /** Whether the caseworker handles the handoff's topic (no topics configured: every topic). */
  topicMatches(staff: Staff, h: Handoff): boolean {
    return !staff.topics.length || (h.topic !== undefined && (staff.topics.includes(h.topic) || staff.topics.includes(h.topic.split('.')[0]!)));
  }

  /**
   * The queue as a caseworker sees it. A person in distress comes first for everyone, whatever the
   * language (a Pashto crisis must not wait behind routine Arabic requests for the Arabic
   * caseworker: content answers work in every language, and a colleague can be paged); then
   * language match, topic match, and the longest waiting. `urgent` and `languageMatch` tell the
   * console why, so it can say "urgent, needs a Pashto speaker".
   */
  async queue(staff: Staff): Promise<QueueEntry[]> {
    const open = await this.d.hs.open();
    let pos = 0;
    const withPos = open.map((h) => ({ ...h, position: h.status === 'queued' ? ++pos : undefined }));
    const rank = (e: QueueEntry) => [e.urgent ? 0 : 1, e.languageMatch ? 0 : 1, this.topicMatches(staff, e) ? 0 : 1, e.createdAt];
    return withPos
      .filter((h) => staff.role === 'admin' || h.status === 'queued' || h.caseworkerId === staff.id)
      .map((h) => ({
        ...h,
        address: undefined,
        urgent: h.priority === 0,
        languageMatch: staff.languages.includes(h.lang),
        matches: this.matches(staff, h),
        waitingMinutes: Math.floor((this.now() - h.createdAt) / 60_000),
      }))
      .sort((a, b) => {
        const ra = rank(a);
        const rb = rank(b);
        for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
        return 0;
      });
  }

  /**
   * "Page a colleague": tells the staff who speak the person's language (on the console's event
   * stream) that this handoff needs them; the transcript notes it. Returns how many colleagues
   * speak it, so the console can say when nobody on the team does.
   */
  async page(staff: Staff, id: string): Promise<{ paged: number; lang: string }> {
    const h = await this.d.hs.getHandoff(id);
    if (!h) throw refused(404, 'no such handoff');
    if (!this.canOpen(staff, h)) throw refused(403, 'this conversation belongs to a colleague');
    if (h.status !== 'queued' && h.status !== 'active') throw refused(409, 'this conversation is not open');
    const speakers = (await this.d.staff.allStaff()).filter((s) => s.active && doesCasework(s.role) && s.id !== staff.id && s.languages.includes(h.lang));
    await this.d.hs.audit(staff.id, id, `page:${h.lang}`, this.now());
    this.d.events.message(h, await this.system(id, 'event', `${staff.name} paged colleagues who speak ${h.lang} (${speakers.length})`));
    this.d.events.paged(h, staff);
    return { paged: speakers.length, lang: h.lang };
  }

  /**
   * The caseworker has read the conversation (opened it, took it, or the console says so): the
   * person hears it once per new message of theirs, quietly ("Samira has read your message").
   */
  async markRead(staff: Staff, id: string): Promise<void> {
    const h = await this.d.hs.getHandoff(id);
    if (!h || !this.canOpen(staff, h) || (h.status !== 'queued' && h.status !== 'active')) return;
    if (h.status === 'active' && h.caseworkerId !== staff.id) return;
    const last = (await this.d.hs.messages(id, h.seenSeq ?? 0)).filter((m) => m.author === 'person' && m.kind === 'message').at(-1);
    if (!last) return;
    await this.d.hs.update(id, { seenSeq: last.seq });
    await this.deliver(h, [{ kind: 'text', text: this.t(h.lang, 'handoff.read', { name: firstName(staff) }) }], undefined, true);
  }

  /** The caseworker is typing: the person sees "typing…" where the channel has it. */
  async caseworkerTyping(staff: Staff, id: string): Promise<void> {
    const h = await this.mustOwn(staff, id);
    const deliverer = this.d.bot.deliverer(h.ref.channel);
    await deliverer?.typing?.({ ...h.ref, address: h.address }, h.address, firstName(staff)).catch(() => undefined);
  }

  async open(staff: Staff, id: string): Promise<{ handoff: Handoff; messages: HandoffMessage[] }> {
    const h = await this.d.hs.getHandoff(id);
    if (!h) throw refused(404, 'no such handoff');
    if (!this.canOpen(staff, h)) {
      await this.d.hs.audit(staff.id, id, 'open-denied', this.now());
      throw refused(403, 'this conversation belongs to a colleague');
    }
    await this.d.hs.audit(staff.id, id, 'open', this.now());
    const messages = await this.d.hs.messages(id);
    await this.markRead(staff, id);
    return { handoff: { ...h, address: undefined }, messages };
  }

  async take(staff: Staff, id: string): Promise<Handoff> {
    const h = await this.d.hs.getHandoff(id);
    if (!h) throw refused(404, 'no such handoff');
    if (!(await this.d.hs.takeIfQueued(id, staff.id, this.now()))) throw refused(409, 'someone else has taken this conversation already');
    await this.d.hs.audit(staff.id, id, 'take', this.now());
    await this.system(id, 'event', `taken by ${staff.name}`);
    this.d.events.status(h, { status: 'active', caseworkerId: staff.id, by: staff.name });
    this.d.events.queueChanged();
    await this.deliverSystem(h, this.t(h.lang, 'handoff.taken', { name: firstName(staff) }));
    void this.updatePositions();
    return (await this.d.hs.getHandoff(id))!;
  }

  private async mustOwn(staff: Staff, id: string): Promise<Handoff> {
    const h = await this.d.hs.getHandoff(id);
    if (!h) throw refused(404, 'no such handoff');
    if (h.status !== 'active') throw refused(409, 'this conversation is not open');
    if (h.caseworkerId !== staff.id && staff.role !== 'admin') throw refused(403, 'this conversation belongs to a colleague');
    return h;
  }

  /** A caseworker's message: stored first, then delivered on the person's own channel. */
  async send(staff: Staff, id: string, input: { text?: string; topic?: string }): Promise<HandoffMessage> {
    const h = await this.mustOwn(staff, id);
    const c = this.d.content.current();
    let text: string;
    let messages: OutMessage[];
    if (input.topic) {
      // A content answer in the person's language, even one the caseworker does not read.
      const tt = c.pack.topicTexts[h.lang]?.[input.topic];
      if (!tt) throw refused(400, `no answer "${input.topic}" in ${h.lang}`);
      text = tt.answer.join('\n\n');
      messages = tt.answer.map((a) => ({ kind: 'text' as const, text: a }));
    } else {
      text = (input.text ?? '').trim();
      if (!text) throw refused(400, 'the message is empty');
      if (text.length > MAX_MESSAGE_LENGTH) throw refused(413, `the message is too long (${MAX_MESSAGE_LENGTH} characters at most)`);
      messages = [{ kind: 'text', text, from: this.from(staff, h.lang) }];
    }
    const msg = await this.d.hs.addMessage({
      handoffId: id,
      author: 'caseworker',
      staffId: staff.id,
      kind: 'message',
      text,
      topic: input.topic,
      at: this.now(),
    });
    this.d.events.message(h, msg);
    await this.deliver(h, messages, msg.seq);
    return msg;
  }

  /** Who wrote a caseworker's message, in the person's language (the bubble's heading, the screen reader's words). */
  private from(staff: Pick<Staff, 'name'>, lang: string): { name: string; label: string; said: string } {
    const name = firstName(staff);
    return { name, label: this.t(lang, 'handoff.from', { name }), said: this.t(lang, 'handoff.said', { name }) };
  }

  async note(staff: Staff, id: string, text: string): Promise<HandoffMessage> {
    const h = await this.d.hs.getHandoff(id);
    if (!h || !this.canOpen(staff, h)) throw refused(h ? 403 : 404, h ? 'this conversation belongs to a colleague' : 'no such handoff');
    if (!text.trim()) throw refused(400, 'the note is empty');
    const msg = await this.d.hs.addMessage({
      handoffId: id,
      author: 'caseworker',
      staffId: staff.id,
      kind: 'note',
      text: text.trim().slice(0, MAX_MESSAGE_LENGTH),
      at: this.now(),
    });
    this.d.events.message(h, msg);
    return msg;
  }

  async transfer(staff: Staff, id: string, toStaffId: string): Promise<Handoff> {
    const h = await this.mustOwn(staff, id);
    const to = await this.d.staff.staffById(toStaffId);
    if (!to?.active || !doesCasework(to.role)) throw refused(400, 'no such colleague');
    await this.d.hs.update(id, { caseworkerId: to.id });
    await this.d.hs.audit(staff.id, id, `transfer:${to.id}`, this.now());
    this.d.events.message(h, await this.system(id, 'event', `transferred from ${staff.name} to ${to.name}`));
    this.d.events.status(h, { status: 'active', caseworkerId: to.id, by: staff.name, transferredFrom: staff.id });
    this.d.events.queueChanged();
    return (await this.d.hs.getHandoff(id))!;
  }

  async close(staff: Staff, id: string, outcome: Outcome, note?: string, service?: string): Promise<Handoff> {
    const h = await this.mustOwn(staff, id);
    if (outcome === 'referred' && service && !this.d.content.current().pack.services[service]) throw refused(400, `no service "${service}" in the directory`);
    await this.d.hs.update(id, { outcome, outcomeNote: note?.slice(0, 2000) ?? null, outcomeService: service ?? null });
    await this.d.hs.audit(staff.id, id, `close:${outcome}`, this.now());
    // The rating keyboard gets a fresh nonce of the person's session: one press of it counts, once.
    let nonce = 0;
    await this.d.bot.updateSession(h.ref, (s) => {
      if (s.handoff?.id === id) s.handoff = undefined;
      nonce = (s.kb ?? 0) + 1;
      s.kb = nonce;
      s.rating = { handoffId: id, nonce };
    });
    const lang = (await this.d.hs.getHandoff(id))?.lang ?? h.lang;
    await this.deliver(h, [
      { kind: 'text', text: this.t(lang, 'handoff.closed'), buttons: [{ label: this.t(lang, 'buttons.menu'), payload: payload.nav('menu') }] },
      { kind: 'text', text: this.t(lang, 'handoff.rateQuestion'), buttons: RATING_SCALE.map((n) => ({ label: String(n), payload: payload.rate(n, nonce) })) },
    ]);
    await this.finish(h, 'closed', staff);
    this.d.events.queueChanged();
    return (await this.d.hs.getHandoff(id))!;
  }

  private async finish(h: Handoff, status: 'closed' | 'cancelled', staff: Staff | undefined, how?: string): Promise<void> {
    // The raw address is kept only while a reply may still be owed.
    const owed = (await this.d.hs.undelivered()).some((m) => m.handoffId === h.id);
    await this.d.hs.update(h.id, { status, closedAt: this.now(), ...(owed ? {} : { address: null }) });
    const text = status === 'cancelled' ? `cancelled by the person${how ? ` (${how})` : ''}` : `closed by ${staff?.name ?? 'staff'}`;
    this.d.events.message(h, await this.system(h.id, 'event', text));
    this.d.events.status(h, { status, ...(h.caseworkerId ? { caseworkerId: h.caseworkerId } : {}), ...(staff ? { by: staff.name } : {}) });
  }

  private system(id: string, kind: 'event' | 'alert', text: string, source?: string): Promise<HandoffMessage> {
    return this.d.hs.addMessage({ handoffId: id, author: 'system', kind, text, at: this.now(), ...(source ? { source } : {}) });
  }

  // ----------------------------------------------------------- delivery ---
  private async deliverSystem(h: Handoff, text: string, buttons?: Button[]): Promise<void> {
    await this.deliver(h, [{ kind: 'text', text, ...(buttons ? { buttons } : {}) }]);
  }

  /** Sends on the person's channel; a failure leaves the message undelivered for the sweep to retry. */
  private async deliver(h: Handoff, messages: OutMessage[], seq?: number, quiet?: boolean): Promise<boolean> {
    const fresh = (await this.d.hs.getHandoff(h.id)) ?? h;
    const deliverer = this.d.bot.deliverer(h.ref.channel);
    if (!deliverer) return false;
    try {
      const reply = this.reply(fresh.lang, messages);
      await deliverer.deliver({ ...h.ref, address: fresh.address }, quiet ? { ...reply, quiet } : reply, fresh.address);
      if (seq) await this.d.hs.markDelivered(seq, this.now());
      return true;
    } catch (err) {
      if (!isUndeliverable(err)) {
        this.d.log.warn('handoff delivery failed; will retry', { handoff: h.id, channel: h.ref.channel, err });
        return false;
      }
      // The person blocked the bot (or left the channel): retrying on a timer would only hammer the
      // channel. The caseworker is told once; the message waits until the person writes again.
      this.d.log.info('handoff delivery impossible until the person writes again', { handoff: h.id, channel: h.ref.channel });
      if (seq) await this.d.hs.markUndeliverable(seq, this.now());
      if (!fresh.unreachableNoticeAt) {
        await this.d.hs.update(h.id, { unreachableNoticeAt: this.now() });
        const alert = await this.system(
          h.id,
          'alert',
          `the person cannot be reached on ${h.ref.channel} (they blocked the bot or left); messages wait until they write again`,
        );
        this.d.events.alert(h, alert);
      }
      return false;
    }
  }

  /** Sends caseworker messages that have not reached the person yet, in order (all handoffs, or one). */
  retryUndelivered(handoffId?: string): Promise<void> {
    return this.retries.run('retry', () => this.retryRound(handoffId));
  }

  private async retryRound(handoffId: string | undefined): Promise<void> {
    // Keep each conversation's order: once a message fails, nothing later of that handoff goes before it.
    const held = new Set<string>();
    for (const m of await this.d.hs.undelivered()) {
      if ((handoffId && m.handoffId !== handoffId) || held.has(m.handoffId)) continue;
      const h = await this.d.hs.getHandoff(m.handoffId);
      if (!h) continue;
      const author = !m.topic && m.staffId ? await this.d.staff.staffById(m.staffId) : undefined;
      const msg: OutMessage = { kind: 'text', text: m.text, ...(author ? { from: this.from(author, h.lang) } : {}) };
      if (await this.deliver(h, [msg], m.seq)) {
        if ((h.status === 'closed' || h.status === 'cancelled') && !(await this.d.hs.undelivered()).some((x) => x.handoffId === h.id))
          await this.d.hs.update(h.id, { address: null });
      } else held.add(m.handoffId);
    }
  }

  /**
   * Tells waiting people their new place, only when it means something and rarely: when they moved
   * forward (not when someone in crisis went ahead of them), at most once per NOTICE_EVERY_MS per
   * person, quietly. A move held back by the limit is told by a later call (the sweep runs every
   * half minute), with the place of that moment.
   */
  updatePositions(): Promise<void> {
    // One round at a time: two at once (a cancel and the sweep) would both tell the same move.
    return this.retries.run('positions', () => this.positionRound());
  }

  private async positionRound(): Promise<void> {
    const now = this.now();
    if (!isOpen(this.d.officeHours, now)) return;
    const queued = (await this.d.hs.open()).filter((h) => h.status === 'queued');
    for (const [i, h] of queued.entries()) {
      const pos = i + 1;
      if (h.lastPosition === pos) continue;
      if (h.lastPosition !== undefined && pos > h.lastPosition) {
        // Further back: remembered silently, so that moving forward again is news.
        await this.d.hs.update(h.id, { lastPosition: pos });
        continue;
      }
      if (h.positionToldAt !== undefined && now - h.positionToldAt < NOTICE_EVERY_MS) continue;
      await this.d.hs.update(h.id, { lastPosition: pos, positionToldAt: now });
      await this.deliver(h, [{ kind: 'text', text: this.t(h.lang, 'handoff.position', { n: pos }), buttons: this.cancelButton(h.lang) }], undefined, true);
    }
  }

  /**
   * Background work (every half minute, on the elected instance only: the waiting notice is read,
   * then marked, so two sweeps at once could both send it):
   * a polite word to people nobody has answered in time (the handoff stays
   * open), retries of undelivered messages, and retention of transcripts.
   */
  async sweep(): Promise<void> {
    const now = this.now();
    const open = isOpen(this.d.officeHours, now);
    for (const h of await this.d.hs.open()) {
      if (h.status !== 'queued' || h.waitingNoticeAt || !open) continue;
      if (now - h.createdAt < this.d.unansweredMinutes * 60_000) continue;
      await this.d.hs.update(h.id, { waitingNoticeAt: now });
      await this.system(h.id, 'event', 'nobody took this in time: the person was told, the request stays open');
      await this.deliverSystem(h, this.t(h.lang, 'handoff.stillWaiting'), this.cancelButton(h.lang));
      this.d.events.queueChanged();
    }
    await this.retryUndelivered();
    await this.updatePositions();
    const purged = await this.d.hs.purgeTranscripts(now - this.d.retentionDays * 86_400_000);
    if (purged) this.d.log.info('handoff transcripts expired', { count: purged });
    // Staff sign-in sessions past their time (a read already refuses them; the row goes too).
    await this.d.staff.deleteExpiredSessions(now);
  }
}
