import { DEFAULT_SESSION_TTL_DAYS } from '../../env.js';
import { payload } from '../../payload.js';
import type { TopicAction } from './types.js';

/**
 * `privacy`: the topic's answer, what the channel adds (locales:
 * `privacy.channel.<channel>`, e.g. that Telegram can read bot chats), and a
 * button to delete one's data.
 *
 * Example: - { id: meta.privacy, action: privacy }   # on Telegram: the answer, the Telegram note, [Delete my data t:meta.delete-data]
 */
export const privacyAction: TopicAction = (turn, id, push) => {
  // The answer names how long conversations are kept: `{{days}}` is the configured SESSION_TTL_DAYS.
  const days = String(turn.env.sessionTtlDays ?? DEFAULT_SESSION_TTL_DAYS);
  turn.out.push(...turn.topicAnswer(id).map((m) => (m.kind === 'text' ? { ...m, text: m.text.replaceAll('{{days}}', days) } : m)));
  const note = turn.env.channel ? turn.ownUi(`privacy.channel.${turn.env.channel}`) : undefined;
  if (note) turn.say(note);
  turn.moveTo({ topic: id }, push);
  turn.attach([{ label: turn.topicTitle('meta.delete-data'), payload: payload.topic('meta.delete-data') }, ...turn.nav()]);
};
