/**
 * The real server with the starter pack and its default plugins, on a fresh data folder, open
 * round the clock (so a handoff is answered by a person, never by the office-hours notice), as
 * the end-to-end tests of the web chat and the console start it. Returns the server and the
 * handoff module's runtime (staff accounts, the service), which the tests use to set up staff.
 */
import { loadConfig } from '../../src/config/config.js';
import type { HandoffRuntime } from '../../src/handoff/plugin.js';
import { type Running, startServer } from '../../src/server/main.js';
import { defaultPlugins } from '../../src/server/plugins.js';
import { repoRoot } from './content.js';

export async function startStarterServer(dataDir: string, env: Record<string, string> = {}): Promise<{ running: Running; rt: HandoffRuntime }> {
  let handoff: { runtime?: HandoffRuntime } | undefined;
  const running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: repoRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      OFFICE_HOURS: 'mo-su 00:00-24:00',
      ...env,
    }),
    plugins: (ctx) => {
      const list = defaultPlugins(ctx);
      handoff = list.find((p) => p.name === 'handoff') as { runtime?: HandoffRuntime };
      return list;
    },
  });
  const rt = handoff?.runtime;
  if (!rt) throw new Error('the handoff plugin did not mount');
  return { running, rt };
}
