/**
 * Telegram's UI strings (locales/<lang>/translation.json, section `telegram`),
 * in the requested language, else the pack's default language, else the
 * English built in here (a content pack without a `telegram` section still works).
 */
import type { CompiledContent } from '../../content/served.js';
import { ownUiString } from '../../util/ui-strings.js';

export const BUILT_IN: Record<string, string> = {
  'telegram.commands.menu': 'Main menu',
  'telegram.commands.language': 'Change the language',
  'telegram.commands.help': 'What this bot can do',
  'telegram.commands.human': 'Talk to a person',
  'telegram.commands.stop': 'How to stop, and deleting your data',
  'telegram.description': 'Information for newcomers: the asylum interview, life in the accommodation and where to get help.',
  'telegram.shortDescription': 'Information for newcomers, in your language.',
  'telegram.error': 'Sorry, something went wrong. Please try again.',
  'telegram.listen': 'Listen',
  'telegram.pageNext': 'More ({{n}}/{{total}}) ›',
  'telegram.pagePrev': '‹ Previous ({{n}}/{{total}})',
  'podcasts.transcript': 'Read the text',
};

export function uiText(c: CompiledContent, lang: string, key: string): string {
  return ownUiString(c.pack.ui, lang, key) ?? ownUiString(c.pack.ui, c.defaultLang, key) ?? BUILT_IN[key] ?? key;
}

/** True when the language has its own string (not a fallback). */
export function hasOwn(c: CompiledContent, lang: string, key: string): boolean {
  return ownUiString(c.pack.ui, lang, key) !== undefined;
}
