import type { TopicAction } from './types.js';

/**
 * `language`: the language choice, the current language first.
 *
 * Example: - { id: meta.language, action: language }   # "change language" -> [English] [العربية]
 */
export const languageAction: TopicAction = (turn) => turn.languageChoice(turn.s.lang);
