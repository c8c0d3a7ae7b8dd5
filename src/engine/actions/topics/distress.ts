import type { TopicAction } from './types.js';

/**
 * `distress`: the crisis answer (numbers, caring words, a person now).
 *
 * Example: - { id: meta.distress, action: distress }   # the "I need help now" menu option -> "... 144 ..."
 */
export const distressAction: TopicAction = (turn) => turn.distress('');
