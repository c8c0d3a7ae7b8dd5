import { payload } from '../../payload.js';
import { newSession } from '../../session.js';
import type { Turn } from '../../turn.js';
import type { TopicAction } from './types.js';

/**
 * `delete-data`: the topic's answer, then "Delete everything?" [Yes] [No];
 * yes deletes (effect `delete-data`) and starts afresh.
 *
 * Example: - { id: meta.delete-data, action: delete-data }   # "delete my data" -> [Yes del:yes] [No del:no]
 */
export const deleteDataAction: TopicAction = (turn, id) => {
  turn.out.push(...turn.topicAnswer(id));
  turn.s.pending = { kind: 'delete-confirm' };
  turn.say(turn.t('privacy.deleteConfirm'), [
    { label: turn.t('buttons.yes'), payload: payload.deleteData(true) },
    { label: turn.t('buttons.no'), payload: payload.deleteData(false) },
  ]);
};

/**
 * The answer to "Delete everything?". Yes: effect `delete-data`, a fresh session, the goodbye
 * still in the language just used.
 *
 * Example: deleteAnswer(turn, true) -> "Your data is deleted." and effect { type: 'delete-data' }
 */
export function deleteAnswer(turn: Turn, yes: boolean): void {
  if (!yes) return turn.say(turn.t('privacy.keep'), turn.nav());
  turn.effects.push({ type: 'delete-data' });
  const lang = turn.lang;
  turn.say(turn.t('privacy.deleted'));
  // Start afresh; the reply still goes out in the language just used.
  turn.s = newSession();
  turn.replyLang = lang;
}
