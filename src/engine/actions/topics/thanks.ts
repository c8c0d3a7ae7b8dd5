import type { TopicAction } from './types.js';

/**
 * `thanks`: the topic's answer ("You are welcome"), menu and a person.
 *
 * Example: - { id: meta.thanks, action: thanks }   # "thank you" -> "You are welcome." [Menu] [Talk to a person]
 */
export const thanksAction: TopicAction = (turn, id) => {
  turn.out.push(...turn.topicAnswer(id));
  turn.attach(turn.nav({ back: false }));
};
