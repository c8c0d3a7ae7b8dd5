/**
 * The plugins a standard deployment runs. A plugin that is not configured
 * (Telegram without a token, Azure without an app id) mounts nothing.
 */
import { handoffPlugin } from '../handoff/plugin.js';
import { podcastsPlugin } from '../podcasts/plugin.js';
import type { AppContext, Plugin } from './plugin.js';

export function defaultPlugins(_ctx: AppContext): Plugin[] {
  return [podcastsPlugin(), handoffPlugin()];
}
