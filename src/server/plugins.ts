/**
 * The plugins a standard deployment runs. A plugin that is not configured
 * (Telegram without a token, Azure without an app id) mounts nothing.
 */
import { azurePlugin } from '../channels/azure/plugin.js';
import { webchatPlugin } from '../channels/webchat/plugin.js';
import { handoffPlugin } from '../handoff/plugin.js';
import { podcastsPlugin } from '../podcasts/plugin.js';
import type { TelegramChannel } from '../channels/telegram/plugin.js';
import type { AppContext, Plugin } from './plugin-api.js';

export function defaultPlugins(_ctx: AppContext): Plugin[] {
  return [podcastsPlugin(), handoffPlugin(), webchatPlugin(), azurePlugin(), telegram()];
}

/**
 * The Telegram plugin, its module (grammY, its runner and auto-retry: about 15 MB of resident
 * memory) loaded only when a token is set; without one it mounts nothing, as the plugin itself.
 */
function telegram(): Plugin & { readonly channel?: TelegramChannel } {
  let inner: (Plugin & { channel?: TelegramChannel }) | undefined;
  return {
    name: 'telegram',
    /** The running channel once mounted (tests drive it). */
    get channel() {
      return inner?.channel;
    },
    async mount(app, ctx) {
      if (!ctx.config.TELEGRAM_BOT_TOKEN) return;
      const { telegramPlugin } = await import('../channels/telegram/plugin.js');
      inner = telegramPlugin();
      await inner.mount(app, ctx);
    },
    started: (server, ctx) => inner?.started?.(server, ctx),
    close: async () => {
      await inner?.close?.();
    },
    ready: async () => inner?.ready?.(),
  };
}
