/**
 * Topic actions: one file each, keyed by content/topics.yaml `action`
 * (src/content/schema.ts `topicAction`). A topic without an action shows its
 * answer (./answer.ts).
 */
import type { z } from 'zod';
import type { topicAction } from '../../../content/schema.js';
import type { Turn } from '../../turn.js';
import { answerTopic } from './answer.js';
import { deleteDataAction } from './delete-data.js';
import { distressAction } from './distress.js';
import { goodbyeAction } from './goodbye.js';
import { greetingAction } from './greeting.js';
import { handoffAction } from './handoff.js';
import { languageAction } from './language.js';
import { menuAction } from './menu.js';
import { privacyAction } from './privacy.js';
import { thanksAction } from './thanks.js';
import type { TopicAction } from './types.js';

export type { TopicAction } from './types.js';
export { deleteAnswer, deleteConfirm } from './delete-data.js';
export { feedback } from './answer.js';

/** Every action the schema allows has its handler (a new one in the schema fails the typecheck here). */
export const topicActions: { [A in z.infer<typeof topicAction>]: TopicAction } = {
  greeting: greetingAction,
  menu: menuAction,
  language: languageAction,
  handoff: handoffAction,
  distress: distressAction,
  privacy: privacyAction,
  'delete-data': deleteDataAction,
  thanks: thanksAction,
  goodbye: goodbyeAction,
};

/**
 * Shows a topic: its action, or its answer. An unknown id (an old button) shows the main menu.
 *
 * Example: showTopic(turn, 'meta.privacy', true) -> the privacy answer and [Delete my data]
 */
export function showTopic(turn: Turn, id: string, push: boolean): void {
  const topic = turn.c.pack.topics[id];
  if (!topic) return turn.mainMenu(true);
  turn.s.lastTopic = id;
  (topic.action ? topicActions[topic.action] : answerTopic)(turn, id, push);
}
