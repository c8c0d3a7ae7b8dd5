/**
 * Holds the content snapshot the bot serves and swaps it atomically when the
 * files change, or (issue 16) when the store has a newer published version. A broken edit never takes the bot down: the last valid
 * version keeps serving and the problems are logged.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compilePack } from './compile.js';
import { formatProblem, type Problem } from './problems.js';
import { FileSource, type PackInput } from './source.js';
import { StoreSource } from './store-source.js';
import type { ContentVersions } from '../store/content-versions.js';
import { compileContent, type CompiledContent } from './served.js';
import type { LearnedModels } from '../nlu/learned.js';
import { loadModelsInBackground } from '../nlu/model-cache.js';
import { sha256Hex } from '../util/hash.js';
import type { ContentPack } from './pack.js';
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

/** Compiles a pack input with the models from the cache or trained in a worker; throws ContentError when it is broken. */
async function compileInBackground(
  input: PackInput,
  assetRoot: string,
): Promise<{ content: CompiledContent; models: 'cache' | 'worker'; learned: LearnedModels }> {
  const { pack, problems } = compilePack(input);
  if (!pack) throw new ContentError(problems);
  const learned = await loadModelsInBackground(pack);
  return { content: compileContent(pack, assetRoot, learned), models: learned.data.trainedOffThread ? 'worker' : 'cache', learned };
}

/**
 * A hash of what model training reads from a pack (src/nlu/learned.ts), answers aside: the
 * languages, the topic ids, each topic text's title, examples and keywords, the safety
 * phrases, crisis examples, look-alikes, off-topic questions and other languages' crises.
 * Two packs with the same key differ only where the models do not look, but for the answers,
 * which the language model also reads: an edited answer then serves at once with the models
 * it has, and the exact ones replace them when trained (issue 16: a published fix is served
 * within seconds, not after minutes of training on every instance).
 */
export function trainingKey(pack: ContentPack): string {
  const texts = Object.fromEntries(
    Object.entries(pack.topicTexts).map(([lang, ts]) => [
      lang,
      Object.fromEntries(Object.entries(ts).map(([id, t]) => [id, [t.title, t.examples, t.keywords]])),
    ]),
  );
  return sha256Hex(
    JSON.stringify([
      pack.languages.map((l) => [l.code, l.script]),
      Object.keys(pack.topics),
      texts,
      pack.safety,
      pack.distressExamples,
      pack.notDistress,
      pack.offTopic,
      pack.otherDistress,
    ]),
  );
}

/** How many versions back the server looks at start for one that compiles. */
const STARTUP_TRIES = 20;

/** Runs `fn` every `ms` until the returned function is called; tests inject their own to step it by hand. */
export type PollTimer = (ms: number, fn: () => void) => () => void;

/** The default `PollTimer`: setInterval, not keeping the process alive on its own. */
export const intervalTimer: PollTimer = (ms, fn) => {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
};

/** How `ContentManager.fromStore` polls: every `pollMs` (default 2000), with `timer` (default setInterval). */
export interface StorePollOptions {
  pollMs?: number;
  timer?: PollTimer;
  /** For the first version's record, when the store is empty (ms epoch). */
  now?: () => number;
}

export class ContentManager {
  private snapshot: CompiledContent;
  private watchers: fs.FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private listeners: ((c: CompiledContent) => void)[] = [];
  lastProblems: Problem[] = [];
  /** Serving from the store: where from, and which version is served (undefined: from the files). */
  private store: { source: StoreSource; served: number; failed?: number; stopPoll?: () => void } | undefined;
  /** The models serving now, with the training key of the pack they were trained for (store mode). */
  private learned: { key: string; models: LearnedModels } | undefined;

  constructor(
    readonly root: string,
    private readonly log: Logger,
    initial?: CompiledContent,
  ) {
    this.snapshot = initial ?? loadContentFromDir(root);
  }

  /**
   * Serves the store's newest version (issue 16), and polls the store every `pollMs` so that a
   * version published on any instance is served here within seconds. On the first start with an
   * empty store, the files under `root` become version 1. The files are not watched: once the
   * editor is used, they are import and export only.
   */
  static async fromStore(root: string, log: Logger, versions: ContentVersions, opts: StorePollOptions = {}): Promise<ContentManager> {
    const source = new StoreSource(versions, root);
    const first = await source.importFilesIfEmpty((input) => {
      const { pack, problems } = compilePack(input);
      if (!pack) throw new ContentError(problems);
      return pack.version;
    }, (opts.now ?? Date.now)());
    if (first) log.info('content store was empty: imported the files as version 1', { version: first.packVersion });
    // The newest version that compiles: one that does not (published by older code, a schema made
    // stricter since) must not keep the bot from starting; it is logged and skipped like on a poll.
    let failed: number | undefined;
    let start: { id: number; content: CompiledContent; learned: LearnedModels } | undefined;
    for (const v of await versions.versions(STARTUP_TRIES)) {
      try {
        const r = await compileInBackground(await source.readVersion(v.id), source.assetRoot());
        start = { id: v.id, content: r.content, learned: r.learned };
        break;
      } catch (err) {
        failed ??= v.id;
        if (!(err instanceof ContentError)) throw err;
        log.error('content version does not compile; serving an older one', { storeVersion: v.id, problems: err.problems.slice(0, 5).map(formatProblem) });
      }
    }
    if (!start) throw new Error(`none of the newest ${STARTUP_TRIES} content versions in the store compiles`);
    const m = new ContentManager(root, log, start.content);
    m.store = { source, served: start.id, ...(failed !== undefined && failed > start.id ? { failed } : {}) };
    m.learned = { key: trainingKey(start.content.pack), models: start.learned };
    m.store.stopPoll = (opts.timer ?? intervalTimer)(opts.pollMs ?? 2000, () => void m.pollStore());
    return m;
  }

  /** The store's version served now (undefined when serving files). */
  servedVersion(): number | undefined {
    return this.store?.served;
  }

  /**
   * Asks the store for its head and, when it is newer than what is served, compiles and swaps
   * to it (models from the cache or a worker thread). Returns true when it swapped. A version
   * that does not compile (published by older code, say) is logged once and skipped; the last
   * good one keeps serving.
   */
  async pollStore(): Promise<boolean> {
    const st = this.store;
    if (!st) return false;
    if (this.pending) return this.pending;
    const run = async (): Promise<boolean> => {
      try {
        const head = await st.source.head();
        if (!head || head.id === st.served || head.id === st.failed) return false;
        try {
          const input = await st.source.readVersion(head.id);
          const { pack, problems } = compilePack(input);
          if (!pack) throw new ContentError(problems);
          if (pack.version === this.snapshot.pack.version) {
            // The same files as what is served (a restore of it): nothing to swap.
            st.served = head.id;
            return true;
          }
          const key = trainingKey(pack);
          if (this.learned?.key === key) {
            // Nothing the topic and distress models learn from changed: serve it now with the models we have.
            st.served = head.id;
            this.swap(compileContent(pack, st.source.assetRoot(), this.learned.models), 'the previous version’s (same examples)', head.id);
            void this.exactModels(pack, key, st.source.assetRoot());
            return true;
          }
          const next = await compileInBackground(input, st.source.assetRoot());
          st.served = head.id;
          this.learned = { key, models: next.learned };
          this.swap(next.content, next.models === 'worker' ? 'trained in a worker thread' : 'from the cache', head.id);
          return true;
        } catch (err) {
          st.failed = head.id;
          this.rejected(err);
          return false;
        }
      } catch (err) {
        this.log.warn('content store poll failed', { err });
        return false;
      }
    };
    this.pending = run().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
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
    if (this.store) return false;
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
    if (this.store) return this.pollStore();
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

  private swap(next: CompiledContent, models?: string, storeVersion?: number): boolean {
    this.lastProblems = [];
    if (next.pack.version === this.snapshot.pack.version) return false;
    this.snapshot = next;
    this.log.info('content reloaded', { version: next.pack.version, ...(storeVersion !== undefined ? { storeVersion } : {}), ...(models ? { models } : {}) });
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

  /**
   * The models trained for exactly this pack (from the cache or a worker), put in place of the
   * borrowed ones while the pack is still the one served. Training is best effort: the borrowed
   * models keep serving when it fails.
   */
  private async exactModels(pack: ContentPack, key: string, assetRoot: string): Promise<void> {
    try {
      const models = await loadModelsInBackground(pack);
      if (this.snapshot.pack.version !== pack.version) return;
      this.snapshot = compileContent(pack, assetRoot, models);
      this.learned = { key, models };
      this.log.info('content models replaced by those trained for this version', { version: pack.version });
      for (const l of this.listeners) l(this.snapshot);
      releaseGarbage();
    } catch (err) {
      this.log.warn('model training for the served version failed; the previous version’s models keep serving', { err });
    }
  }

  /** Hot reload of the files (serving files only: the store is polled instead). */
  watch(): void {
    if (this.store) return;
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
    this.store?.stopPoll?.();
    clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
