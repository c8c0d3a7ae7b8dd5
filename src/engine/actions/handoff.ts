/**
 * Asking for a person. The engine only asks (effect `handoff`); the handoff
 * module (src/handoff) queues it, tells the person what happens next and
 * adds "Cancel". Used for "talk to a person" anywhere, a yes after three "I don't know"s,
 * a crisis, and the `handoff` step.
 */
import type { Effect } from '../effects.js';
import type { Button, TextMessage } from '../messages.js';
import type { Turn } from '../turn.js';

/** What a handoff request produces: the message the person sees and the `handoff` effect the runtime passes to src/handoff. */
export type HandoffRequest = { message: TextMessage; effect: Extract<Effect, { type: 'handoff' }> };

/**
 * The message and effect of a handoff request. Pure: shared by the engine and the `handoff` step.
 * `intro`: the flow's own words before the standard text; `nav`: buttons that keep it from being a
 * dead end (the menu) without the handoff module.
 *
 * Example: handoffRequest({ intro: 'I will connect you with a person.', text: 'A person from our team can help you ...',
 *   nav, reason: 'asked', priority: 'normal', lang: 'en' }) -> { message: { text: 'I will connect ...\n\nA person ...' }, effect: { type: 'handoff', ... } }
 */
export function handoffRequest(o: {
  intro: string | undefined;
  text: string;
  nav: Button[];
  reason: string;
  priority: 'normal' | 'urgent';
  lang: string;
  topic: string | undefined;
}): HandoffRequest {
  return {
    message: { kind: 'text', text: o.intro ? `${o.intro}\n\n${o.text}` : o.text, ...(o.nav.length ? { buttons: o.nav } : {}) },
    effect: { type: 'handoff', reason: o.reason, priority: o.priority, lang: o.lang, topic: o.topic },
  };
}

/**
 * Hand the conversation to a person, with the human flow's handoff text as intro.
 *
 * Example: typed "person" -> "I will connect you with a person.\n\nA person from our team can help you ..." [Menu]
 *   ([] when the handoff module runs: its message with Cancel follows);
 *   effect { type: 'handoff', reason: 'asked', priority: 'normal', lang: 'en' }
 */
export function handoff(turn: Turn, reason: string, priority: 'normal' | 'urgent'): void {
  const r = handoffRequest({
    intro: turn.c.pack.flowTexts[turn.lang]?.human?.handoff?.text,
    text: turn.t('handoff.intro'),
    // With the handoff module its answer (with Cancel) follows at once: a Menu-only card in between was noise.
    nav: turn.env.officeOpen !== undefined ? [] : turn.nav({ back: false, human: false }),
    reason,
    priority,
    lang: turn.lang,
    topic: turn.s.lastTopic,
  });
  turn.out.push(r.message);
  turn.effects.push(r.effect);
}
