import type { TopicAction } from './types.js';

/**
 * `goodbye`: the topic's answer, and menu and a person for whenever the person comes back.
 *
 * Example: - { id: meta.goodbye, action: goodbye }   # "bye" -> "Goodbye ..." [Menu] [Talk to a person]
 */
export const goodbyeAction: TopicAction = (turn, id) => {
  turn.out.push(...turn.topicAnswer(id));
  turn.attach(turn.nav({ back: false }));
};
