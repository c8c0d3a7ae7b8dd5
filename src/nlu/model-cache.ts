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
import { Worker } from 'node:worker_threads';
import type { ContentPack } from '../content/pack.js';
import type { LinearModelData } from './linear.js';
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
      return d && d.version === MODEL_VERSION ? ownCopies(d) : undefined;
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

/**
 * Node's deserializer hands back typed arrays that are views into the file's
 * buffer where they happen to be aligned, and copies the others: the whole
 * file stays in memory beside the copies (49 MB for a 27 MB cache file of
 * the starter pack). Each array gets its own buffer, and the file's is freed.
 */
function ownCopies(d: LearnedData): LearnedData {
  return compactData(d, true);
}

/**
 * The models in their narrowest lossless form: a weight's class in one byte
 * when a model has at most 256 classes (every model of the starter pack: the
 * topic model's 2.7 million weights were two bytes each), a neighbour
 * posting's message in two bytes when there are at most 65,536 of them
 * (the starter pack has 24,000). The same numbers, so the same answers; 8.7
 * MB less in memory and in the cache file for the starter pack. `copy`:
 * every array in a buffer of its own (ownCopies), else only the narrowed ones are new.
 */
export function compactData(d: LearnedData, copy = false): LearnedData {
  const own = <T extends Uint8Array | Uint16Array | Uint32Array | Float32Array>(a: T): T => (copy ? (a.slice() as T) : a);
  const model = (m: LinearModelData): LinearModelData => ({
    ...m,
    hashes: own(m.hashes),
    idf: own(m.idf),
    offsets: own(m.offsets),
    cls: m.classes.length <= 256 && !(m.cls instanceof Uint8Array) ? Uint8Array.from(m.cls) : own(m.cls),
    w: own(m.w),
    bias: own(m.bias),
  });
  const n = d.neighbours;
  return {
    ...d,
    topics: model(d.topics),
    language: model(d.language),
    distress: model(d.distress),
    other: d.other ? model(d.other) : undefined,
    denial: d.denial ? model(d.denial) : undefined,
    crisisKind: d.crisisKind ? model(d.crisisKind) : undefined,
    neighbours: {
      offsets: own(n.offsets),
      samples: n.labels.length <= 65536 && !(n.samples instanceof Uint16Array) ? Uint16Array.from(n.samples) : own(n.samples),
      weights: own(n.weights),
      labels: own(n.labels),
    },
  };
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
  const data = compactData(train(pack).data);
  cache?.put(key, data);
  return fromData(data);
}

/**
 * The models of a snapshot without blocking the event loop: from the cache,
 * or trained in a worker thread (train-worker.mjs) and stored. The server
 * uses this for content reloads; the first start may train on the main
 * thread (loadModels), since nothing is being served yet.
 */
export async function loadModelsInBackground(pack: ContentPack, cache: ModelCache | undefined = defaultModelCache()): Promise<LearnedModels> {
  const key = `${pack.version}-m${MODEL_VERSION}`;
  const hit = cache?.get(key);
  if (hit && hit.packVersion === pack.version) return fromData(hit);
  const data = compactData(await trainInWorker(pack));
  cache?.put(key, data);
  return fromData({ ...data, trainedOffThread: true });
}

/** Trains in a worker thread; the weights come back as transferred buffers. */
export function trainInWorker(pack: ContentPack): Promise<LearnedData> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./train-worker.mjs', import.meta.url), { workerData: { pack } });
    let done = false;
    w.once('message', (m: { ok: true; data: LearnedData } | { ok: false; message: string }) => {
      done = true;
      if (m.ok) resolve(m.data);
      else reject(new Error(`model training failed: ${m.message}`));
      void w.terminate();
    });
    w.once('error', (err) => {
      done = true;
      reject(err);
    });
    w.once('exit', (code) => {
      if (!done) reject(new Error(`model training worker exited with code ${code}`));
    });
  });
}
