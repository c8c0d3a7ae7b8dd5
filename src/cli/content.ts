/**
 * `lotse content export DIR` and `lotse content import DIR [--apply]` (issue 16.3): the store's
 * content pack as files, for teams that keep their content in git. Export writes the head (or
 * `--version N`) into DIR's content/, flows/ and locales/ (and removes pack texts there that the
 * version does not have; audio files stay). Import shows what DIR would change, as a unified
 * diff, with the validator's problems; `--apply --why TEXT` then makes it the new version.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/config.js';
import { compilePack } from '../content/compile.js';
import { EditorService } from '../content/editor/service.js';
import { ContentError } from '../content/manager.js';
import { formatProblem } from '../content/problems.js';
import { FileSource } from '../content/source.js';
import { StoreSource } from '../content/store-source.js';
import { createStore } from '../store/index.js';
import { systemClock } from '../util/clock.js';
import { HttpError } from '../util/http-error.js';
import { createLogger } from '../util/logger.js';

const TEXT = /\.(ya?ml|json)$/;

/** Runs one content command against DATA_DIR's store; refusals are printed and exit 1. */
export async function contentCommand(sub: string | undefined, dir: string | undefined, flags: Record<string, string | true>): Promise<number> {
  if ((sub !== 'export' && sub !== 'import') || !dir) {
    process.stderr.write('usage: lotse content export DIR [--version N]\n       lotse content import DIR [--apply --why TEXT]\n');
    return 1;
  }
  const config = loadConfig();
  const store = await createStore(config, systemClock);
  await store.migrate();
  const versions = await store.contentVersions();
  const who = { id: 'cli', name: `command line (${os.userInfo().username})`, role: 'admin' as const, languages: [] };
  // The command line serves nothing: the server's instances pick a new version up by polling.
  const editor = new EditorService({
    versions,
    content: {
      current: () => {
        throw new Error('the command line serves no content');
      },
      servedVersion: () => undefined,
      pollStore: async () => false,
    },
    root: config.contentRoot,
    now: () => Date.now(),
    log: createLogger('warn'),
    offline: true,
  });
  const root = path.resolve(dir);
  try {
    if (sub === 'export') {
      const n = typeof flags.version === 'string' ? Number(flags.version) : undefined;
      const { version, files } = await editor.exportFiles(who, n);
      const keep = new Set(files.map((f) => f.path));
      let removed = 0;
      for (const p of new FileSource(root).listPaths())
        if (TEXT.test(p) && !keep.has(p)) {
          fs.rmSync(path.join(root, p));
          removed++;
        }
      for (const f of files) {
        fs.mkdirSync(path.dirname(path.join(root, f.path)), { recursive: true });
        fs.writeFileSync(path.join(root, f.path), f.text);
      }
      process.stdout.write(`wrote version ${version.id} (${files.length} files${removed ? `, removed ${removed}` : ''}) to ${root}\n`);
      return 0;
    }
    const input = new FileSource(root).readSync();
    if (!(await versions.head())) {
      // An empty store: the folder becomes version 1, as a server's first start would do.
      if (!flags.apply) {
        process.stdout.write(`the store holds no version: --apply imports ${input.files.length} files as version 1\n`);
        return 0;
      }
      const v = await new StoreSource(versions, root).importFilesIfEmpty((i) => {
        const { pack, problems } = compilePack(i);
        if (!pack) throw new ContentError(problems);
        return pack.version;
      }, Date.now());
      process.stdout.write(`imported ${input.files.length} files as version ${v?.id ?? 1}\n`);
      return 0;
    }
    const preview = await editor.importPreview(who, input.files);
    for (const f of preview.diff.files) process.stdout.write(f.unified);
    process.stdout.write(`\n${preview.diff.files.length} file(s) differ from version ${preview.base}\n`);
    const errors = preview.problems.filter((p) => p.severity === 'error');
    if (errors.length) process.stderr.write(`${errors.map(formatProblem).join('\n')}\n`);
    if (!flags.apply) return errors.length ? 1 : 0;
    if (!preview.diff.files.length) {
      process.stdout.write('nothing to import\n');
      return 0;
    }
    const { version } = await editor.importApply(who, input.files, { base: preview.base, why: typeof flags.why === 'string' ? flags.why : undefined });
    process.stdout.write(`published version ${version.id}\n`);
    return 0;
  } catch (err) {
    if (err instanceof HttpError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    if (err instanceof ContentError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}
