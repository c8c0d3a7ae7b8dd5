/**
 * Starts the real Lotse server (startServer, default plugins, the real
 * starter content) with Telegram pointed at a stand-in on loopback, and keeps
 * the Telegram channel at hand.
 *
 * Webhook mode: PUBLIC_URL is a made-up public address, as it would be behind
 * a reverse proxy; the stand-in plays Telegram plus that proxy, delivering to
 * the loopback port the server actually got (it listens on port 0).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import type { TelegramChannel } from '../../src/channels/telegram/plugin.js';
import type { HandoffRuntime } from '../../src/handoff/plugin.js';
import { startServer, type Running } from '../../src/server/main.js';
import { defaultPlugins } from '../../src/server/plugins.js';
import { repoRoot } from '../helpers/content.js';
import type { Logger } from '../../src/util/logger.js';

export const PUBLIC_URL = 'https://lotse.example.org';

export interface Lotse {
  running: Running;
  tg: TelegramChannel;
  handoff: HandoffRuntime;
  dataDir: string;
  stop(): Promise<void>;
}

/** `opts.log`: a logger of the test's own (to read what the server logs); silent otherwise. An empty env value unsets it (PUBLIC_URL: ''). */
export async function startLotse(env: Record<string, string>, opts: { dataDir?: string; log?: Logger } = {}): Promise<Lotse> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-tg-'));
  let plugin: { channel?: TelegramChannel } | undefined;
  let handoff: { runtime?: HandoffRuntime } | undefined;
  const running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: repoRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      LOTSE_SECRET: 'test-secret-test-secret-test-secret-0123',
      PUBLIC_URL,
      ...env,
    }),
    ...(opts.log ? { log: opts.log } : {}),
    plugins: (ctx) => {
      const list = defaultPlugins(ctx);
      plugin = list.find((p) => p.name === 'telegram') as typeof plugin;
      handoff = list.find((p) => p.name === 'handoff') as typeof handoff;
      return list;
    },
  });
  // The channel is created in mount(), after the list was built.
  const tg = plugin?.channel;
  if (!tg) throw new Error('the telegram plugin did not mount (is TELEGRAM_BOT_TOKEN set?)');
  return {
    running,
    tg,
    handoff: handoff!.runtime!,
    dataDir,
    async stop() {
      await running.stop();
      if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Sends an update (through the webhook or the stand-in's queue) and waits until Lotse is done with it; the webhook request's status. */
export async function handledTurn(lotse: Lotse, send: () => Promise<{ status?: number }>): Promise<number | undefined> {
  const handled = new Promise<void>((r) => lotse.tg.events.once('handled', () => r()));
  const { status } = await send();
  await handled;
  return status;
}
