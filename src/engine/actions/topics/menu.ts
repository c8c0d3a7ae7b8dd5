import type { TopicAction } from './types.js';

/**
 * `menu`: the main menu (the topic's answer is not shown).
 *
 * Example: - { id: meta.menu, action: menu }   # "what can you do" -> the main menu
 */
export const menuAction: TopicAction = (turn, _id, push) => turn.mainMenu(push);
