import type { TopicAction } from './types.js';

/**
 * `greeting`: the topic's answer, then the main menu.
 *
 * Example: - { id: meta.greeting, action: greeting }   # "hello" -> "Hello! ..." and the main menu
 */
export const greetingAction: TopicAction = (turn, id, push) => {
  turn.out.push(...turn.topicAnswer(id));
  turn.mainMenu(push);
};
