/**
 * Holds the content snapshot the bot serves and swaps it atomically when the
 * files change. A broken edit never takes the bot down: the last valid
 * version keeps serving and the problems are logged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compilePack } from './compile.js';
import { formatProblem, type Problem } from './problems.js';
import { FileSource } from './source.js';
import { compileContent, type CompiledContent } from './served.js';
import { loadModelsInBackground } from '../nlu/model-cache.js';
import { releaseGarbage } from '../util/memory.js';
import type { Logger } from '../util/logger.js';

export class ContentError extends Error {
  constructor(readonly problems: Problem[]) {
    super(`content has ${problems.filter((p) => p.severity === 'error').length} error(s):\n${problems.map(formatProblem).join('\n')}`);
  }
}

/** Load and compile a pack from disk; throws ContentError when it is broken. */
export function loadContentFromDir(root: string): CompiledContent {
  const source = new FileSource(root);
  const { pack, problems } = compilePack(source.readSync());
  if (!pack) throw new ContentError(problems);
  return compileContent(pack, source.assetRoot());
}

/**
 * The same, with the models trained in a worker thread when the cache does
 * not have them: the event loop stays free, so the bot keeps answering on
 * the current version while the next one trains.
 */
export async function loadContentFromDirInBackground(root: string): Promise<{ content: CompiledContent; models: 'cache' | 'worker' }> {
  const source = new FileSource(root);
  const { pack, problems } = compilePack(source.readSync());
  if (!pack) throw new ContentError(problems);
  const models = await loadModelsInBackground(pack);
  return { content: compileContent(pack, source.assetRoot(), models), models: models.data.trainedOffThread ? 'worker' : 'cache' };
}

export class ContentManager {
  private snapshot: CompiledContent;
  private watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private listeners: ((c: CompiledContent) => void)[] = [];
  lastProblems: Problem[] = [];

  constructor(
    readonly root: string,
    private readonly log: Logger,
  ) {
    this.snapshot = loadContentFromDir(root);
  }

  current(): CompiledContent {
    return this.snapshot;
  }

  onChange(fn: (c: CompiledContent) => void): void {
    this.listeners.push(fn);
  }

  /**
   * Re-read the files; keep the current version when the new one has errors.
   * Returns true when swapped. Trains on this thread when the models are not
   * cached (the CLI, tests); the server's watcher uses reloadInBackground().
   */
  reload(): boolean {
    try {
      return this.swap(loadContentFromDir(this.root));
    } catch (err) {
      this.rejected(err);
      return false;
    }
  }

  /**
   * reload() with the models trained in a worker thread: the current version
   * keeps serving, unblocked, until the next one is ready. Reloads asked for
   * while one runs are coalesced into one more afterwards.
   */
  reloadInBackground(): Promise<boolean> {
    if (this.pending) {
      this.again = true;
      return this.pending;
    }
    const run = async (): Promise<boolean> => {
      let swapped = false;
      do {
        this.again = false;
        try {
          const next = await loadContentFromDirInBackground(this.root);
          swapped = this.swap(next.content, next.models === 'worker' ? 'trained in a worker thread' : 'from the cache') || swapped;
        } catch (err) {
          this.rejected(err);
        }
      } while (this.again);
      return swapped;
    };
    this.pending = run().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private pending: Promise<boolean> | undefined;
  private again = false;

  private swap(next: CompiledContent, models?: string): boolean {
    this.lastProblems = [];
    if (next.pack.version === this.snapshot.pack.version) return false;
    this.snapshot = next;
    this.log.info('content reloaded', { version: next.pack.version, ...(models ? { models } : {}) });
    for (const l of this.listeners) l(next);
    releaseGarbage();
    return true;
  }

  private rejected(err: unknown): void {
    if (err instanceof ContentError) {
      this.lastProblems = err.problems;
      this.log.error('content change rejected; still serving the last valid version', {
        version: this.snapshot.pack.version,
        problems: err.problems
          .filter((p) => p.severity === 'error')
          .slice(0, 20)
          .map(formatProblem),
      });
    } else this.log.error('content reload failed', { err });
  }

  watch(): void {
    for (const dir of ['content', 'flows', 'locales']) {
      const full = path.join(this.root, dir);
      if (!fs.existsSync(full)) continue;
      const w = fs.watch(full, { recursive: true }, () => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.reloadInBackground(), 300);
      });
      w.on('error', (err) => this.log.warn('content watcher error', { err }));
      this.watchers.push(w);
    }
  }

  close(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
