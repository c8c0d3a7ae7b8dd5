import type { Button } from '../../messages.js';
import { payload } from '../../payload.js';
import { episodeMessages } from '../../steps/audio.js';
import { serviceDetails } from '../../steps/directory.js';
import type { Turn } from '../../turn.js';
import type { TopicAction } from './types.js';

/**
 * A topic without an action: its answer, its episode, its services, then
 * "Step by step" (its flow), related topics, and "Was this helpful?" when the
 * topic asks for feedback.
 *
 * Example (content/topics.yaml):
 *   - { id: hearing.documents, feedback: true, related: [hearing.interpreter] }
 *   -> the answer, "Was this helpful?" [Yes fb:y] [No fb:n] [Interpreter t:hearing.interpreter] [Menu] [Talk to a person]
 */
export const answerTopic: TopicAction = (turn, id, push) => {
  const topic = turn.c.pack.topics[id];
  if (!topic) return turn.mainMenu(true);
  turn.out.push(...turn.topicAnswer(id));
  if (topic.episode) turn.out.push(...episodeMessages(turn.c, turn.lang, topic.episode));
  for (const sid of topic.services) {
    const svc = turn.c.pack.services[sid];
    if (svc) turn.say(serviceDetails(turn.c, turn.lang, svc));
  }
  turn.moveTo({ topic: id }, push);
  const buttons: Button[] = [];
  if (topic.flowLink) buttons.push({ label: turn.t('buttons.stepByStep'), payload: payload.goto(topic.flowLink) });
  for (const r of topic.related.slice(0, 3)) buttons.push({ label: turn.topicTitle(r), payload: payload.topic(r) });
  if (topic.feedback) {
    turn.s.pending = { kind: 'feedback', topic: id };
    turn.say(turn.t('feedback.question'), [
      { label: turn.t('buttons.yes'), payload: payload.feedback(true) },
      { label: turn.t('buttons.no'), payload: payload.feedback(false) },
      ...buttons,
      ...turn.nav(),
    ]);
  } else turn.attach([...buttons, ...turn.nav()]);
};

/**
 * The answer to "Was this helpful?" (effect `feedback`); "no" offers a person first.
 *
 * Example: feedback(turn, 'hearing.documents', false) -> effect { type: 'feedback', topic: 'hearing.documents', helpful: false }, [Talk to a person] [Menu]
 */
export function feedback(turn: Turn, topic: string, helpful: boolean): void {
  turn.effects.push({ type: 'feedback', topic, lang: turn.lang, helpful });
  if (helpful) turn.say(turn.t('feedback.thanksYes'), turn.nav());
  else turn.say(turn.t('feedback.thanksNo'), [{ label: turn.t('buttons.human'), payload: payload.nav('human') }, ...turn.nav({ human: false })]);
}
