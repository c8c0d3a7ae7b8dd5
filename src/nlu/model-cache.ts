/**
 * Trained models on disk, keyed by the content snapshot's version, so that
 * a server or CLI start with content it has seen before loads them in
 * milliseconds instead of training for seconds. A cache file that cannot be
 * read (another model version, a half-written file, a disk error) is
 * ignored and the models are trained again: the cache can only make start-up
 * faster, never wrong.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import type { ContentPack } from '../content/pack.js';
import { fromData, MODEL_VERSION, train, type LearnedData, type LearnedModels } from './learned.js';

export interface ModelCache {
  get(key: string): LearnedData | undefined;
  put(key: string, data: LearnedData): void;
}

export class FileModelCache implements ModelCache {
  constructor(readonly dir: string) {}

  private file(key: string): string {
    return path.join(this.dir, `${key.replace(/[^a-zA-Z0-9_-]/g, '_')}.v8`);
  }

  get(key: string): LearnedData | undefined {
    try {
      const d = v8.deserialize(fs.readFileSync(this.file(key))) as LearnedData;
      return d && d.version === MODEL_VERSION ? d : undefined;
    } catch {
      return undefined;
    }
  }

  put(key: string, data: LearnedData): void {
    try {
      fs.mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // Write then rename: a reader never sees half a file.
      const tmp = `${this.file(key)}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, v8.serialize(data), { mode: 0o600 });
      fs.renameSync(tmp, this.file(key));
    } catch {
      // A read-only disk only costs the next start its training time.
    }
  }
}

/** LOTSE_MODEL_CACHE, or a folder in the system's temporary directory. */
export function defaultModelCache(): ModelCache {
  return new FileModelCache(process.env.LOTSE_MODEL_CACHE || path.join(os.tmpdir(), 'lotse-models'));
}

/** The models of a snapshot: from the cache when it has them, otherwise trained and stored. */
export function loadModels(pack: ContentPack, cache: ModelCache | undefined = defaultModelCache()): LearnedModels {
  const key = `${pack.version}-m${MODEL_VERSION}`;
  const hit = cache?.get(key);
  if (hit && hit.packVersion === pack.version) return fromData(hit);
  const m = train(pack);
  cache?.put(key, m.data);
  return m;
}
