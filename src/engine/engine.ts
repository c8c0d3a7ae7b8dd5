/**
 * The conversation engine: a pure function
 *   (content, session, event, env) -> (new session, reply, effects).
 * No I/O, no clock of its own, no randomness: a whole conversation is a fast,
 * deterministic unit test. The runtime (src/runtime/runtime.ts) does the I/O.
 *
 * Order of precedence for a typed message (why: safety first, then the
 * person's explicit wishes, then what the bot asked, then understanding):
 *   1. distress detector (always, even in the middle of a menu or question)
 *   2. first contact: language choice
 *   3. commands typed in any served language (menu, back, language, person)
 *   4. the answer to a pending question (did you mean, was this helpful, ...)
 *   5. what the current step understands (option number or label)
 *   6. the matcher: answer, "did you mean ...?", or an honest "I don't know"
 */
import type { CompiledContent } from '../content/served.js';
import type { Step } from '../content/schema.js';
import type { Effect } from './effects.js';
import type { Button, InEvent, OutMessage, Reply } from './messages.js';
import { HISTORY_LIMIT, samePosition, type Position, type Session } from './session.js';
import { episodeMessages } from './steps/audio.js';
import { serviceDetails } from './steps/directory.js';
import { stepTypes, type FlowPosition, type StepCtx, type StepOutput } from './steps/index.js';
import { payload } from './steps/types.js';
import { walkthroughMove } from './steps/walkthrough.js';
import { MAX_TEXT_LENGTH as MAX_TEXT } from '../shared/limits.js';
import { latinDigits } from '../util/digits.js';
import { ownUiString, valueAt } from '../util/ui-strings.js';

export type { Effect } from './effects.js';

export interface EngineEnv {
  now: number;
  /**
   * The channel the person writes on (telegram, webchat, ...). Matching never looks at it; it lets
   * content say what is true only there, such as who else can read a Telegram chat.
   */
  channel?: string;
  /**
   * False when no caseworker is on duty now (outside office hours): the
   * crisis answer then says what helps at night instead of promising a
   * person who is not there. Undefined: no handoff is configured.
   */
  officeOpen?: boolean;
}

export interface EngineOutput {
  session: Session;
  reply: Reply;
  effects: Effect[];
}

const MAX_GOTO_CHAIN = 16;

export function runEngine(c: CompiledContent, session: Session, event: InEvent, env: EngineEnv): EngineOutput {
  return new Turn(c, session, env).run(event);
}

class Turn {
  private s: Session;
  private out: OutMessage[] = [];
  private effects: Effect[] = [];

  constructor(
    private readonly c: CompiledContent,
    session: Session,
    private readonly env: EngineEnv,
  ) {
    this.s = structuredClone(session);
    // A session saved under an older content version may name a language that is gone.
    if (this.s.lang && !c.language(this.s.lang)) this.s.lang = undefined;
  }

  private get lang(): string {
    return this.s.lang ?? this.c.defaultLang;
  }

  run(event: InEvent): EngineOutput {
    this.s.turns += 1;
    switch (event.kind) {
      case 'start':
        this.onStart(event.langHint, event.topic);
        break;
      case 'text':
        this.onText(event.text);
        break;
      case 'button':
        this.onButton(event.payload);
        break;
      case 'command':
        this.onCommand(event.command);
        break;
      case 'unsupported':
        if (!this.s.lang) this.languageChoice();
        else this.say(this.t('errors.unsupported'), this.nav({ back: false }));
        break;
    }
    const lang = this.replyLang ?? this.lang;
    return {
      session: this.s,
      reply: { lang, dir: this.c.language(lang)?.dir ?? 'ltr', messages: this.out },
      effects: this.effects,
    };
  }

  // ------------------------------------------------------------ helpers ---
  private t(key: string, vars?: Record<string, unknown>): string {
    return this.c.t(this.lang, key, vars);
  }

  /** A UI string the person's language has itself, or undefined (no fallback: for optional texts). */
  private ownUi(key: string): string | undefined {
    return ownUiString(this.c.pack.ui, this.lang, key);
  }

  private say(text: string, buttons: Button[] = []): void {
    this.out.push({ kind: 'text', text, ...(buttons.length ? { buttons } : {}) });
  }

  /** Put buttons on the last message (channels show buttons of the last message). */
  private attach(buttons: Button[]): void {
    const last = this.out[this.out.length - 1];
    if (!last) return this.say(this.t('menu.text'), buttons);
    last.buttons = dedupe([...(last.buttons ?? []), ...buttons]);
  }

  private nav(opts: { back?: boolean; menu?: boolean; human?: boolean } = {}): Button[] {
    const b: Button[] = [];
    if ((opts.back ?? true) && this.s.history.length) b.push({ label: this.t('buttons.back'), payload: payload.nav('back') });
    if (opts.menu ?? true) b.push({ label: this.t('buttons.menu'), payload: payload.nav('menu') });
    if (opts.human ?? true) b.push({ label: this.t('buttons.human'), payload: payload.nav('human') });
    return b;
  }

  private stepCtx(): StepCtx {
    return {
      c: this.c,
      lang: this.lang,
      session: this.s,
      t: (k, v) => this.t(k, v),
      stepText: (pos, ...key) => {
        const v = valueAt(this.c.pack.flowTexts[this.lang]?.[pos.flow]?.[pos.step], key);
        return typeof v === 'string' ? v : undefined;
      },
      topicMessages: (id) => this.topicAnswer(id),
      topicTitle: (id) => this.topicTitle(id),
      nav: (o) => this.nav(o),
    };
  }

  private topicTitle(id: string): string {
    return this.c.pack.topicTexts[this.lang]?.[id]?.title ?? id;
  }

  private topicAnswer(id: string): OutMessage[] {
    const tt = this.c.pack.topicTexts[this.lang]?.[id];
    return (tt?.answer ?? []).map((text) => ({ kind: 'text' as const, text }));
  }

  private moveTo(pos: Position, push: boolean): void {
    if (push && this.s.pos && !samePosition(this.s.pos, pos)) {
      this.s.history.push(this.s.pos);
      if (this.s.history.length > HISTORY_LIMIT) this.s.history.splice(0, this.s.history.length - HISTORY_LIMIT);
    }
    this.s.pos = pos;
  }

  // ------------------------------------------------------- first contact ---
  private onStart(langHint?: string, topic?: string): void {
    const hinted = this.c.resolveLanguage(langHint);
    if (topic && this.c.pack.topics[topic]) this.s.welcomeTopic = topic;
    if (this.s.lang) {
      // A returning person: no need to choose again.
      this.s.pending = undefined;
      this.mainMenu(true);
      return;
    }
    this.languageChoice(hinted);
  }

  /** Language buttons, each language named in its own script; the prompt in every language. */
  private languageChoice(first?: string): void {
    const langs = [...this.c.pack.languages].sort((a, b) => (a.code === first ? -1 : b.code === first ? 1 : 0));
    // Before a choice, render in the hinted language (direction included).
    if (!this.s.lang && first) this.replyLang = first;
    const prompt = langs.map((l) => this.c.t(l.code, 'welcome.chooseLanguage')).filter((v, i, a) => a.indexOf(v) === i);
    this.say(prompt.join('\n'), langs.map((l) => ({ label: l.name, payload: payload.lang(l.code) })));
    this.s.pending = undefined;
  }

  private chooseLanguage(code: string): void {
    const first = !this.s.lang;
    this.s.lang = code;
    if (first) {
      this.say(this.t('welcome.privacy', { days: 30 }));
      this.say(this.t('welcome.intro'));
      const wt = this.s.welcomeTopic;
      this.s.welcomeTopic = undefined;
      if (wt) this.showTopic(wt, true);
      else this.mainMenu(true);
    } else {
      this.say(this.t('language.changed'));
      this.mainMenu(true);
    }
  }

  // -------------------------------------------------------------- events ---
  private onCommand(cmd: 'menu' | 'back' | 'language' | 'human' | 'help'): void {
    if (!this.s.lang && cmd !== 'human') return this.languageChoice();
    this.s.pending = undefined;
    if (cmd === 'menu') this.mainMenu(true);
    else if (cmd === 'back') this.back();
    else if (cmd === 'language') this.languageChoice(this.s.lang);
    else if (cmd === 'human') this.handoff('asked', 'normal');
    else {
      this.say(this.t('welcome.intro'));
      this.mainMenu(true);
    }
  }

  private onButton(p: string): void {
    if (p.startsWith('l:')) {
      const code = p.slice(2);
      if (this.c.language(code)) {
        const pending = this.s.pending;
        if (pending?.kind === 'language' && this.s.lang) {
          // The person told us which language their message was in: answer it in that language.
          this.s.pending = undefined;
          this.s.lang = code;
          this.say(this.t('language.changed'));
          return this.understand(pending.text, code);
        }
        return this.chooseLanguage(code);
      }
      return this.languageChoice();
    }
    if (!this.s.lang) return this.languageChoice();
    const pending = this.s.pending;
    this.s.pending = undefined;
    if (p.startsWith('t:')) return this.showTopic(p.slice(2), true);
    if (p.startsWith('g:')) return this.enterTarget(p.slice(2), true);
    if (p === 'fb:y' || p === 'fb:n') {
      if (pending?.kind === 'feedback') this.feedback(pending.topic, p === 'fb:y');
      else this.mainMenu(true);
      return;
    }
    if (p === 'd:none') {
      if (pending?.kind === 'disambiguation') return this.unknown(pending.text);
      return this.mainMenu(true);
    }
    if (p.startsWith('au:')) {
      const [, episode, lang] = p.split(':');
      const msgs = episodeMessages(this.c, this.lang, episode ?? '', lang);
      if (!msgs.length) return this.mainMenu(true);
      this.out.push(...msgs);
      return this.say(this.t('menu.text'), this.nav());
    }
    if (p === payload.safe('yes') || p === payload.safe('no')) return this.safetyAnswer(p === payload.safe('yes'), pending?.kind === 'safety-check' ? pending.text : undefined);
    if (p === 'del:yes' || p === 'del:no') return this.deleteAnswer(p === 'del:yes');
    if (p === 'dx:yes') return this.handoff('distress', 'urgent');
    if (p === 'dx:no') {
      this.say(this.t('feedback.thanksYes'), this.nav({ back: false }));
      return;
    }
    if (p.startsWith('n:')) {
      const what = p.slice(2);
      if (what === 'menu') return this.mainMenu(true);
      if (what === 'back') return this.back();
      if (what === 'language') return this.languageChoice(this.s.lang);
      if (what === 'human') return this.handoff('asked', 'normal');
      if (what === 'next' || what === 'prev') return this.walk(what === 'next' ? 1 : -1) ? undefined : this.mainMenu(true);
    }
    // A button of the current step (walkthrough page, directory level).
    const pos = this.s.pos;
    if (pos && 'flow' in pos) {
      const step = this.findStep(pos.flow, pos.step);
      const type = step && stepTypes[step.type];
      const r = type?.onButton?.(this.stepCtx(), step as never, pos, p);
      if (r) return this.applyStep(r, pos);
    }
    // An old button whose step is gone: show the menu rather than nothing.
    this.mainMenu(true);
  }

  private onText(raw: string): void {
    // Control characters and bidi overrides can hide text; the rest is kept as typed.
    const text = raw.replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\u202A-\u202E]/g, '').trim();
    if (!text) return;
    if (text.length > MAX_TEXT) {
      if (!this.s.lang) return this.languageChoice();
      return this.say(this.t('errors.tooLong'), this.nav({ back: false }));
    }
    // 1. Safety first, whatever else is pending (menus, "did you mean", a question of the bot).
    const pendingBefore = this.s.pending;
    const d = this.c.nlu.distress(text, this.s.lang);
    if (d.level) {
      // Answer in the language the person wrote in: in a crisis people fall back to their first language.
      if (d.lang && this.c.language(d.lang) && (!this.s.lang || d.level === 'clear')) this.s.lang = d.lang;
      this.s.lang ??= this.c.defaultLang;
      // Answering "are you safe?" with more of the same is not a "yes".
      if (d.level === 'clear' || pendingBefore?.kind === 'safety-check') return this.distress(text);
      return this.safetyCheck(text);
    }
    // 2. First contact.
    if (!this.s.lang) {
      const named = this.c.nlu.languageByName(text);
      if (named) return this.chooseLanguage(named);
      const m = this.c.nlu.match(text);
      if (m.langConfident) {
        this.chooseLanguageQuietly(m.lang);
        return this.understand(text, m.lang);
      }
      return this.languageChoice(m.langCandidates[0]);
    }
    // 3. Commands in any served language.
    const cmd = this.c.nlu.command(text);
    const pending = this.s.pending;
    if (cmd === 'menu') return this.clearPending(), this.mainMenu(true);
    if (cmd === 'back') {
      this.clearPending();
      if (this.walk(-1)) return;
      return this.back();
    }
    if (cmd === 'language') return this.clearPending(), this.languageChoice(this.s.lang);
    if (cmd === 'human') return this.clearPending(), this.handoff('asked', 'normal');
    if (cmd === 'next' && !pending && this.walk(1)) return;
    // 4. The answer to what the bot asked.
    if (pending) {
      this.s.pending = undefined;
      if (pending.kind === 'safety-check' && (cmd === 'yes' || cmd === 'no')) return this.safetyAnswer(cmd === 'yes', pending.text);
      if (pending.kind === 'feedback' && (cmd === 'yes' || cmd === 'no')) return this.feedback(pending.topic, cmd === 'yes');
      if (pending.kind === 'delete-confirm' && (cmd === 'yes' || cmd === 'no')) return this.deleteAnswer(cmd === 'yes');
      if (pending.kind === 'distress-offer' && cmd === 'yes') return this.handoff('distress', 'urgent');
      if (pending.kind === 'distress-offer' && cmd === 'no') return this.say(this.t('feedback.thanksYes'), this.nav({ back: false }));
      if (pending.kind === 'disambiguation') {
        const n = /^\s*[1-3١-٣۱-۳]\s*$/.test(text) ? Number(latinDigits(text.trim())) : undefined;
        if (n && pending.options[n - 1]) return this.showTopic(pending.options[n - 1]!, true);
        if (cmd === 'no') return this.unknown(pending.text);
      }
      if (pending.kind === 'language') {
        const named = this.c.nlu.languageByName(text);
        if (named) {
          this.s.lang = named;
          this.say(this.t('language.changed'));
          return this.understand(pending.text, named);
        }
      }
    }
    // 5. What the current step understands.
    const pos = this.s.pos;
    if (pos && 'flow' in pos) {
      const step = this.findStep(pos.flow, pos.step);
      const r = step && stepTypes[step.type].onText?.(this.stepCtx(), step as never, pos, text);
      if (r) return this.applyStep(r, pos);
    }
    // 6. Understanding.
    this.understand(text, this.s.lang);
  }

  private clearPending(): void {
    this.s.pending = undefined;
  }

  /** Set the language from a confident detection at first contact: short notice, no menu yet. */
  private chooseLanguageQuietly(code: string): void {
    this.s.lang = code;
    this.say(this.t('welcome.privacy', { days: 30 }));
  }

  /**
   * Understands a message. `safe`: the person has just said they are safe,
   * so a doubtful message is answered as the question it also is.
   */
  private understand(text: string, sessionLang: string | undefined, safe = false): void {
    const found = this.c.nlu.match(text, sessionLang);
    if (found.distressLevel === 'clear' && !safe) return this.distress(text);
    if (found.distressLevel === 'unsure' && !safe) return this.safetyCheck(text);
    // Safe by their own word: answer the question the message also asked.
    const m = safe && found.distress ? { ...found, ...found.question, distress: false } : found;
    if (m.lang !== this.s.lang) {
      if (m.langConfident && m.decision !== 'unknown') {
        this.s.lang = m.lang;
        this.say(this.t('language.changed'));
      } else if (!m.langConfident && m.langCandidates.length > 1 && !m.langCandidates.includes(this.s.lang!)) {
        // Unsure which language this is: ask rather than guess.
        this.s.pending = { kind: 'language', text, candidates: m.langCandidates };
        const opts = m.langCandidates.map((code) => this.c.language(code)).filter((l) => l !== undefined);
        this.say(opts.map((l) => this.c.t(l.code, 'language.unsure')).filter((v, i, a) => a.indexOf(v) === i).join('\n'), opts.map((l) => ({ label: l.name, payload: payload.lang(l.code) })));
        return;
      }
    }
    if (m.decision === 'answer' && m.topic) {
      this.s.unknownStreak = 0;
      return this.showTopic(m.topic, true);
    }
    if (m.decision === 'clarify' && m.topic) {
      const options = [m.topic, ...m.alternatives.map((a) => a.topic)].filter((v, i, a) => a.indexOf(v) === i).slice(0, 3);
      this.s.pending = { kind: 'disambiguation', options, text };
      this.say(
        this.t('disambiguation.question'),
        [...options.map((id) => ({ label: this.topicTitle(id), payload: payload.topic(id) })), { label: this.t('disambiguation.none'), payload: 'd:none' }],
      );
      // The pending state must survive the topic button: keep it until the next event.
      return;
    }
    this.unknown(text);
  }

  private unknown(text: string): void {
    this.s.unknownStreak += 1;
    this.effects.push({ type: 'unanswered', text, lang: this.lang });
    if (this.s.unknownStreak >= 3) {
      this.s.unknownStreak = 0;
      this.say(this.t('fallback.unknown'));
      return this.handoff('unknown', 'normal');
    }
    this.say(this.t('fallback.unknown'));
    this.say(this.t('fallback.offer'), this.nav({ back: false }));
  }

  // ------------------------------------------------------------- topics ---
  private showTopic(id: string, push: boolean): void {
    const topic = this.c.pack.topics[id];
    if (!topic) return this.mainMenu(true);
    this.s.lastTopic = id;
    switch (topic.action) {
      case 'greeting':
        this.out.push(...this.topicAnswer(id));
        return this.mainMenu(push);
      case 'menu':
        return this.mainMenu(push);
      case 'language':
        return this.languageChoice(this.s.lang);
      case 'handoff':
        return this.handoff('asked', 'normal');
      case 'distress':
        return this.distress('');
      case 'delete-data':
        this.out.push(...this.topicAnswer(id));
        this.s.pending = { kind: 'delete-confirm' };
        this.say(this.t('privacy.deleteConfirm'), [
          { label: this.t('buttons.yes'), payload: 'del:yes' },
          { label: this.t('buttons.no'), payload: 'del:no' },
        ]);
        return;
      case 'privacy': {
        this.out.push(...this.topicAnswer(id));
        // What this channel adds (locales: privacy.channel.<channel>), e.g. that Telegram can read bot chats.
        const note = this.env.channel ? this.ownUi(`privacy.channel.${this.env.channel}`) : undefined;
        if (note) this.say(note);
        this.moveTo({ topic: id }, push);
        return this.attach([{ label: this.topicTitle('meta.delete-data'), payload: payload.topic('meta.delete-data') }, ...this.nav()]);
      }
      case 'thanks':
      case 'goodbye':
        this.out.push(...this.topicAnswer(id));
        return this.attach(this.nav({ back: false }));
    }
    this.out.push(...this.topicAnswer(id));
    if (topic.episode) this.out.push(...episodeMessages(this.c, this.lang, topic.episode));
    for (const sid of topic.services) {
      const svc = this.c.pack.services[sid];
      if (svc) this.say(serviceDetails(this.c, this.lang, svc));
    }
    this.moveTo({ topic: id }, push);
    const buttons: Button[] = [];
    if (topic.flowLink) buttons.push({ label: this.t('buttons.stepByStep'), payload: payload.goto(topic.flowLink) });
    for (const r of topic.related.slice(0, 3)) buttons.push({ label: this.topicTitle(r), payload: payload.topic(r) });
    if (topic.feedback) {
      this.s.pending = { kind: 'feedback', topic: id };
      this.say(this.t('feedback.question'), [
        { label: this.t('buttons.yes'), payload: 'fb:y' },
        { label: this.t('buttons.no'), payload: 'fb:n' },
        ...buttons,
        ...this.nav(),
      ]);
    } else this.attach([...buttons, ...this.nav()]);
  }

  private feedback(topic: string, helpful: boolean): void {
    this.effects.push({ type: 'feedback', topic, lang: this.lang, helpful });
    if (helpful) this.say(this.t('feedback.thanksYes'), this.nav());
    else this.say(this.t('feedback.thanksNo'), [{ label: this.t('buttons.human'), payload: payload.nav('human') }, ...this.nav({ human: false })]);
  }

  private deleteAnswer(yes: boolean): void {
    if (!yes) return this.say(this.t('privacy.keep'), this.nav());
    this.effects.push({ type: 'delete-data' });
    const lang = this.lang;
    this.say(this.t('privacy.deleted'));
    // Start afresh; the reply still goes out in the language just used.
    this.s = { v: 1, history: [], unknownStreak: 0, turns: 0 };
    this.replyLang = lang;
  }

  private replyLang: string | undefined;

  // ----------------------------------------------------- safety & people ---
  private distress(text: string): void {
    this.effects.push({ type: 'distress', lang: this.lang, text });
    this.say(this.t('distress.numbers'));
    const care = this.topicAnswer('meta.distress');
    if (care.length) this.out.push(...care);
    else this.say(this.t('distress.care'));
    this.s.pending = { kind: 'distress-offer' };
    this.s.lastTopic = 'meta.distress';
    // At night "a person now" would be a promise nobody keeps: say what helps now, then offer to leave a message.
    if (this.env.officeOpen === false) this.say(this.t('distress.night'));
    this.say(this.t(this.env.officeOpen === false ? 'distress.nightLeave' : 'distress.offer'), [
      { label: this.t('buttons.yes'), payload: 'dx:yes' },
      { label: this.t('buttons.no'), payload: 'dx:no' },
    ]);
  }

  /**
   * The detector is unsure: ask instead of answering, so a doubtful message
   * is never simply matched to a topic ("look, listen": notice and ask).
   */
  private safetyCheck(text: string): void {
    this.effects.push({ type: 'distress', lang: this.lang, text, level: 'unsure' });
    this.s.pending = { kind: 'safety-check', text };
    this.say(this.t('distress.check'), [
      { label: this.t('distress.checkSafe'), payload: payload.safe('yes') },
      { label: this.t('distress.checkNotSafe'), payload: payload.safe('no') },
    ]);
  }

  /** "Yes, I am safe": a kind word, then the message as the question it was. "No": the crisis answer. */
  private safetyAnswer(safe: boolean, text: string | undefined): void {
    if (!safe) return this.distress(text ?? '');
    this.say(this.t('distress.checkThanks'));
    if (text) return this.understand(text, this.s.lang, true);
    this.mainMenu(true);
  }

  private handoff(reason: string, priority: 'normal' | 'urgent'): void {
    const intro = this.c.pack.flowTexts[this.lang]?.human?.handoff?.text;
    // Never a dead end: the handoff module adds "Cancel"; without it the menu is still there.
    this.say(intro ? `${intro}\n\n${this.t('handoff.intro')}` : this.t('handoff.intro'), this.nav({ back: false, human: false }));
    this.effects.push({ type: 'handoff', reason, priority, lang: this.lang, topic: this.s.lastTopic });
  }

  // -------------------------------------------------------------- flows ---
  private findStep(flowId: string, stepId: string): Step | undefined {
    return this.c.pack.flows[flowId]?.steps.find((s) => s.id === stepId);
  }

  private mainMenu(push: boolean): void {
    this.enterTarget('main', push);
  }

  private back(): void {
    const prev = this.s.history.pop();
    if (!prev) return this.mainMenu(false);
    if ('topic' in prev) return this.showTopic(prev.topic, false);
    this.enterPosition(prev, false, 0);
  }

  /** In a walkthrough, move a page; returns false when not in one. */
  private walk(delta: 1 | -1): boolean {
    const pos = this.s.pos;
    if (!pos || !('flow' in pos)) return false;
    const step = this.findStep(pos.flow, pos.step);
    if (step?.type !== 'walkthrough') return false;
    this.applyStep(walkthroughMove(this.stepCtx(), step, pos, delta), pos);
    return true;
  }

  private enterTarget(target: string, push: boolean, depth = 0): void {
    if (target.startsWith('@topic:')) return this.showTopic(target.slice(7), push);
    const [flowId, stepId] = target.split('#') as [string, string | undefined];
    const flow = this.c.pack.flows[flowId];
    if (!flow) return depth ? undefined : this.say(this.t('menu.text'), this.nav({ back: false, menu: false }));
    const sid = stepId ?? flow.start ?? flow.steps[0]!.id;
    this.enterPosition({ flow: flowId, step: sid }, push, depth);
  }

  private enterPosition(pos: FlowPosition, push: boolean, depth: number): void {
    const step = this.findStep(pos.flow, pos.step);
    if (!step) return this.mainMenu(false);
    if (depth > MAX_GOTO_CHAIN) return; // a go-to loop in content; validation warns about it
    // Move first, so that the step sees the history it can go back to.
    if (step.type !== 'goto') this.moveTo(pos, push);
    const r = stepTypes[step.type].enter(this.stepCtx(), step as never, pos);
    if (r.pos && step.type !== 'goto') this.s.pos = r.pos;
    this.applyStep(r, r.pos ?? pos, depth);
  }

  private applyStep(r: StepOutput, pos: FlowPosition, depth = 0): void {
    this.out.push(...r.messages);
    if (r.effects) this.effects.push(...r.effects);
    if (r.pos && this.s.pos && 'flow' in this.s.pos && this.s.pos.flow === pos.flow && this.s.pos.step === pos.step) this.s.pos = r.pos;
    if (r.back) return this.back();
    if (r.goto) this.enterTarget(r.goto, true, depth + 1);
  }
}

function dedupe(buttons: Button[]): Button[] {
  const seen = new Set<string>();
  return buttons.filter((b) => (seen.has(b.payload) ? false : (seen.add(b.payload), true)));
}
