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
import type { Staff, StaffAccounts } from '../store/staff.js';
import { refused } from '../util/http-error.js';
import { SerialQueue } from '../util/serial-queue.js';

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
      await this.d.hs.update(h.id, { lastPosition: position });
      lines.push(this.t(lang, 'handoff.wait', { minutes: await this.typicalWaitMinutes() }), this.t(lang, 'handoff.position', { n: position }));
    } else if (urgent) {
      // A person in crisis at night: what helps now first, never only "the office is closed".
      lines.push(this.t(lang, 'distress.night'), this.t(lang, 'handoff.offHours', { hours }));
    } else lines.push(this.t(lang, 'handoff.offHours', { hours }));
    lines.push(this.t(lang, 'handoff.officeHours', { hours }));
    return [{ kind: 'text', text: lines.join('\n\n'), buttons: this.cancelButton(lang) }];
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

  /** 1-based place among queued handoffs (urgent first, then by waiting time). */
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
  async onPersonEvent(ref: ConversationRef, session: Session, event: InEvent, turn?: Turn): Promise<{ reply: Reply; session: Session } | undefined> {
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
    if (event.kind === 'button' && parsePayload(event.payload)?.kind === 'handoffCancel') {
      await this.finish(h, 'cancelled', undefined);
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
    if (event.kind === 'start' || event.kind === 'command' || event.kind === 'button') {
      // A returning person or a stale button: say where they are, keep the handoff.
      const key = h.status === 'active' ? 'handoff.active' : 'handoff.queued';
      return { session, reply: this.reply(lang, [{ kind: 'text', text: this.t(lang, key), buttons: this.cancelButton(lang) }]) };
    }
    if (event.kind === 'unsupported') {
      return { session, reply: this.reply(lang, [{ kind: 'text', text: this.t(lang, 'errors.unsupported') }]) };
    }
    const text = event.text.trim().slice(0, MAX_MESSAGE_LENGTH);
    if (!text) return { session, reply: this.reply(lang, []) };
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
    const distress = this.d.content.current().nlu.distress(text, lang);
    if (distress.level === 'unsure') {
      const alert = await this.system(h.id, 'alert', 'possible distress in the last message: ask whether they are safe', turn && `${turn.key}#alert`);
      this.d.events.alert(h, alert);
      return { session, reply: this.reply(lang, []) };
    }
    if (distress.level === 'clear') {
      if (h.priority > 0) await this.d.hs.update(h.id, { priority: 0 });
      const alert = await this.system(h.id, 'alert', 'distress detected in the last message', turn && `${turn.key}#alert`);
      this.d.events.alert(h, alert);
      this.d.events.queueChanged();
      // The same crisis numbers and caring words as the engine's crisis answer.
      return { session, reply: this.reply(lang, crisisMessages(this.d.content.current(), lang)) };
    }
    return { session, reply: this.reply(lang, []) };
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

  /** The queue as a caseworker sees it: matching handoffs first, urgent first, then longest waiting. */
  async queue(staff: Staff): Promise<(Handoff & { matches: boolean; position?: number; waitingMinutes: number })[]> {
    const open = await this.d.hs.open();
    let pos = 0;
    const withPos = open.map((h) => ({ ...h, position: h.status === 'queued' ? ++pos : undefined }));
    return withPos
      .filter((h) => staff.role === 'admin' || h.status === 'queued' || h.caseworkerId === staff.id)
      .map((h) => ({ ...h, address: undefined, matches: this.matches(staff, h), waitingMinutes: Math.floor((this.now() - h.createdAt) / 60_000) }))
      .sort((a, b) => Number(b.matches) - Number(a.matches) || a.priority - b.priority || a.createdAt - b.createdAt);
  }

  async open(staff: Staff, id: string): Promise<{ handoff: Handoff; messages: HandoffMessage[] }> {
    const h = await this.d.hs.getHandoff(id);
    if (!h) throw refused(404, 'no such handoff');
    if (!this.canOpen(staff, h)) {
      await this.d.hs.audit(staff.id, id, 'open-denied', this.now());
      throw refused(403, 'this conversation belongs to a colleague');
    }
    await this.d.hs.audit(staff.id, id, 'open', this.now());
    return { handoff: { ...h, address: undefined }, messages: await this.d.hs.messages(id) };
  }

  async take(staff: Staff, id: string): Promise<Handoff> {
    const h = await this.d.hs.getHandoff(id);
    if (!h) throw refused(404, 'no such handoff');
    if (!(await this.d.hs.takeIfQueued(id, staff.id, this.now()))) throw refused(409, 'someone else has taken this conversation already');
    await this.d.hs.audit(staff.id, id, 'take', this.now());
    await this.system(id, 'event', `taken by ${staff.name}`);
    this.d.events.queueChanged();
    await this.deliverSystem(h, this.t(h.lang, 'handoff.taken', { name: staff.name.split(' ')[0] }));
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
      messages = [{ kind: 'text', text }];
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
    if (!to?.active) throw refused(400, 'no such colleague');
    await this.d.hs.update(id, { caseworkerId: to.id });
    await this.d.hs.audit(staff.id, id, `transfer:${to.id}`, this.now());
    this.d.events.message(h, await this.system(id, 'event', `transferred from ${staff.name} to ${to.name}`));
    this.d.events.queueChanged();
    return (await this.d.hs.getHandoff(id))!;
  }

  async close(staff: Staff, id: string, outcome: Outcome, note?: string, service?: string): Promise<Handoff> {
    const h = await this.mustOwn(staff, id);
    if (outcome === 'referred' && service && !this.d.content.current().pack.services[service]) throw refused(400, `no service "${service}" in the directory`);
    await this.d.hs.update(id, { outcome, outcomeNote: note?.slice(0, 2000) ?? null, outcomeService: service ?? null });
    await this.d.hs.audit(staff.id, id, `close:${outcome}`, this.now());
    await this.deliverSystem(h, this.t(h.lang, 'handoff.closed'), [{ label: this.t(h.lang, 'buttons.menu'), payload: payload.nav('menu') }]);
    await this.finish(h, 'closed', staff);
    await this.d.bot.updateSession(h.ref, (s) => {
      if (s.handoff?.id === id) s.handoff = undefined;
    });
    this.d.events.queueChanged();
    return (await this.d.hs.getHandoff(id))!;
  }

  private async finish(h: Handoff, status: 'closed' | 'cancelled', staff: Staff | undefined): Promise<void> {
    // The raw address is kept only while a reply may still be owed.
    const owed = (await this.d.hs.undelivered()).some((m) => m.handoffId === h.id);
    await this.d.hs.update(h.id, { status, closedAt: this.now(), ...(owed ? {} : { address: null }) });
    this.d.events.message(h, await this.system(h.id, 'event', status === 'cancelled' ? 'cancelled by the person' : `closed by ${staff?.name ?? 'staff'}`));
  }

  private system(id: string, kind: 'event' | 'alert', text: string, source?: string): Promise<HandoffMessage> {
    return this.d.hs.addMessage({ handoffId: id, author: 'system', kind, text, at: this.now(), ...(source ? { source } : {}) });
  }

  // ----------------------------------------------------------- delivery ---
  private async deliverSystem(h: Handoff, text: string, buttons?: Button[]): Promise<void> {
    await this.deliver(h, [{ kind: 'text', text, ...(buttons ? { buttons } : {}) }]);
  }

  /** Sends on the person's channel; a failure leaves the message undelivered for the sweep to retry. */
  private async deliver(h: Handoff, messages: OutMessage[], seq?: number): Promise<boolean> {
    const fresh = (await this.d.hs.getHandoff(h.id)) ?? h;
    const deliverer = this.d.bot.deliverer(h.ref.channel);
    if (!deliverer) return false;
    try {
      await deliverer.deliver({ ...h.ref, address: fresh.address }, this.reply(h.lang, messages), fresh.address);
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
      if (await this.deliver(h, [{ kind: 'text', text: m.text }], m.seq)) {
        if ((h.status === 'closed' || h.status === 'cancelled') && !(await this.d.hs.undelivered()).some((x) => x.handoffId === h.id))
          await this.d.hs.update(h.id, { address: null });
      } else held.add(m.handoffId);
    }
  }

  /** Tells waiting people their new place when it changed. */
  async updatePositions(): Promise<void> {
    if (!isOpen(this.d.officeHours, this.now())) return;
    const queued = (await this.d.hs.open()).filter((h) => h.status === 'queued');
    for (const [i, h] of queued.entries()) {
      const pos = i + 1;
      if (h.lastPosition === pos) continue;
      await this.d.hs.update(h.id, { lastPosition: pos });
      await this.deliverSystem(h, this.t(h.lang, 'handoff.position', { n: pos }), this.cancelButton(h.lang));
    }
  }

  /**
   * Background work (every minute, and safe to run on several instances):
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
    const purged = await this.d.hs.purgeTranscripts(now - this.d.retentionDays * 86_400_000);
    if (purged) this.d.log.info('handoff transcripts expired', { count: purged });
    // Staff sign-in sessions past their time (a read already refuses them; the row goes too).
    await this.d.staff.deleteExpiredSessions(now);
  }
}
