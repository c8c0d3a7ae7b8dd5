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

  /** Re-read the files; keep the current version when the new one has errors. Returns true when swapped. */
  reload(): boolean {
    try {
      const next = loadContentFromDir(this.root);
      this.lastProblems = [];
      if (next.pack.version === this.snapshot.pack.version) return false;
      this.snapshot = next;
      this.log.info('content reloaded', { version: next.pack.version });
      for (const l of this.listeners) l(next);
      return true;
    } catch (err) {
      if (err instanceof ContentError) {
        this.lastProblems = err.problems;
        this.log.error('content change rejected; still serving the last valid version', {
          version: this.snapshot.pack.version,
          problems: err.problems.filter((p) => p.severity === 'error').slice(0, 20).map(formatProblem),
        });
      } else this.log.error('content reload failed', { err });
      return false;
    }
  }

  watch(): void {
    for (const dir of ['content', 'flows', 'locales']) {
      const full = path.join(this.root, dir);
      if (!fs.existsSync(full)) continue;
      const w = fs.watch(full, { recursive: true }, () => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => this.reload(), 300);
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
