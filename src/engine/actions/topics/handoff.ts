import type { TopicAction } from './types.js';

/**
 * `handoff`: ask for a person (reason `asked`).
 *
 * Example: - { id: meta.human, action: handoff }   # "talk to a person" -> effect { type: 'handoff', reason: 'asked' }
 */
export const handoffAction: TopicAction = (turn) => turn.handoff('asked', 'normal');
