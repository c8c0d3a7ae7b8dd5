import { payload } from '../../payload.js';
import { newSession } from '../../session.js';
import type { Turn } from '../../turn.js';
import type { TopicAction } from './types.js';

/**
 * `delete-data`: the topic's answer, then "Delete everything?" [Yes] [No];
 * yes deletes (effect `delete-data`) and starts afresh.
 *
 * Example: - { id: meta.delete-data, action: delete-data }   # "delete my data" -> [Yes del:yes:<nonce>] [No del:no:<nonce>]
 */
export const deleteDataAction: TopicAction = (turn, id) => {
  turn.out.push(...turn.topicAnswer(id));
  deleteConfirm(turn);
};

/**
 * "Delete everything?" [Yes] [No], bound to this question by a fresh nonce: an older Yes has expired.
 *
 * Example: deleteConfirm(turn) -> "Delete everything?" [Yes del:yes:3] [No del:no:3], pending delete-confirm
 */
export function deleteConfirm(turn: Turn): void {
  const n = turn.nonce();
  turn.s.pending = { kind: 'delete-confirm' };
  turn.say(turn.t('privacy.deleteConfirm'), [
    { label: turn.t('buttons.yes'), payload: payload.deleteData(true, n) },
    { label: turn.t('buttons.no'), payload: payload.deleteData(false, n) },
  ]);
}

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
