/**
 * The bot's command list and description in every content language
 * (setMyCommands / setMyDescription / setMyShortDescription with a
 * language_code), plus the same in the default language for everyone else.
 *
 * Telegram shows a person the list and description of their app language,
 * so an Arabic phone sees Arabic commands before the first message. The texts
 * come from locales/<lang>/translation.json (`telegram` section). Telegram is
 * only called when they changed since the last start (a hash in the store).
 */
import { createHash } from 'node:crypto';
import type { Api } from 'grammy';
import type { BotCommand, LanguageCode } from 'grammy/types';
import { apiSignal } from './sender.js';
import type { CompiledContent } from '../../content/served.js';
import type { Store } from '../../store/store.js';
import { uiText } from './strings.js';
import { LISTED_COMMANDS } from '../../engine/payload.js';

export const NS_SETUP = 'tg:setup';
/** The commands Telegram lists (one table for every channel: src/engine/payload.ts). */
export const COMMAND_NAMES = LISTED_COMMANDS;

export interface LanguageSetup {
  /** undefined: the default for every language without its own. */
  languageCode?: string;
  commands: BotCommand[];
  description: string;
  shortDescription: string;
}

const cut = (s: string, n: number) => ([...s].length > n ? [...s].slice(0, n - 1).join('') + '…' : s);

export function setupPlan(c: CompiledContent): LanguageSetup[] {
  const one = (lang: string, languageCode?: string): LanguageSetup => ({
    ...(languageCode ? { languageCode } : {}),
    commands: COMMAND_NAMES.map((command) => ({ command, description: cut(uiText(c, lang, `telegram.commands.${command}`), 256) })),
    description: cut(uiText(c, lang, 'telegram.description'), 512),
    shortDescription: cut(uiText(c, lang, 'telegram.shortDescription'), 120),
  });
  // Telegram takes two-letter ISO 639-1 codes only.
  const langs = c.pack.languages.map((l) => l.code).filter((code) => /^[a-z]{2}$/.test(code));
  return [one(c.defaultLang), ...langs.map((code) => one(code, code))];
}

/** Applies the plan unless the store says this exact plan was applied for this bot. Returns whether it called Telegram. */
export async function applySetup(api: Api, store: Store, botId: string, plan: LanguageSetup[], signal?: AbortSignal): Promise<boolean> {
  const hash = createHash('sha256').update(JSON.stringify(plan)).digest('hex');
  if ((await store.kvGet(NS_SETUP, botId)) === hash) return false;
  for (const p of plan) {
    const lc = p.languageCode ? { language_code: p.languageCode as LanguageCode } : {};
    await api.setMyCommands(p.commands, lc, apiSignal(signal));
    await api.setMyDescription(p.description, lc, apiSignal(signal));
    await api.setMyShortDescription(p.shortDescription, lc, apiSignal(signal));
  }
  await store.kvPut(NS_SETUP, botId, hash);
  return true;
}
