/**
 * The plugins a standard deployment runs. A plugin that is not configured
 * (Telegram without a token, Azure without an app id) mounts nothing.
 */
import { azurePlugin } from '../channels/azure/plugin.js';
import { telegramPlugin } from '../channels/telegram/plugin.js';
import { webchatPlugin } from '../channels/webchat/plugin.js';
import { handoffPlugin } from '../handoff/plugin.js';
import { podcastsPlugin } from '../podcasts/plugin.js';
import type { AppContext, Plugin } from './plugin-api.js';

export function defaultPlugins(_ctx: AppContext): Plugin[] {
  return [podcastsPlugin(), handoffPlugin(), webchatPlugin(), azurePlugin(), telegramPlugin()];
}
