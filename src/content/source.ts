/**
 * Where a content pack comes from. Today: files on disk (FileSource). Later:
 * drafts in the store that staff edit in the web editor; both hand the same
 * list of `PackFile`s to `compilePack`, which is pure.
 */
import fs from 'node:fs';
import path from 'node:path';

export interface PackFile {
  /** Path relative to the pack root, with forward slashes: content/ar/topics/hearing.yaml */
  path: string;
  text: string;
}

export interface PackInput {
  files: PackFile[];
  /** Binary assets (audio) that exist, relative to the pack root, with their size in bytes. */
  assets: Map<string, number>;
}

export interface ContentSource {
  read(): Promise<PackInput>;
  /** Absolute folder on disk assets are served from. */
  assetRoot(): string;
}

const textExt = /\.(ya?ml|json)$/;
const assetExt = /\.(mp3|m4a|ogg|opus)$/;

function walk(dir: string, root: string, out: string[]): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, root, out);
    else if (e.isFile()) out.push(path.relative(root, full).split(path.sep).join('/'));
  }
}

export class FileSource implements ContentSource {
  constructor(private readonly root: string) {}

  assetRoot(): string {
    return path.join(this.root, 'content');
  }

  /** Every file below content/, flows/ and locales/. */
  listPaths(): string[] {
    const out: string[] = [];
    for (const top of ['content', 'flows', 'locales']) walk(path.join(this.root, top), this.root, out);
    return out.sort();
  }

  async read(): Promise<PackInput> {
    return this.readSync();
  }

  readSync(): PackInput {
    const files: PackFile[] = [];
    const assets = new Map<string, number>();
    for (const p of this.listPaths()) {
      const full = path.join(this.root, p);
      if (textExt.test(p)) files.push({ path: p, text: fs.readFileSync(full, 'utf8') });
      else if (assetExt.test(p)) assets.set(p, fs.statSync(full).size);
    }
    return { files, assets };
  }
}
