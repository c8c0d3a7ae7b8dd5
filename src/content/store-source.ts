/**
 * The content pack from the store (issue 16): the newest published version's
 * files, with the audio assets that exist on disk and those uploaded through
 * the console (issue 16.5), which live in the store so every instance has them. The same `PackInput` as `FileSource`, so `compilePack`
 * does not know where it came from.
 */
import type { ContentVersion, ContentVersions } from '../store/content-versions.js';
import { FileSource, type ContentSource, type PackFile, type PackInput } from './source.js';

/** Who imported the first version, for the history. */
export const FIRST_IMPORT = { authorName: 'import', why: 'first start: imported from the files' } as const;

/** The texts of one version, by path (sorted). */
export async function versionFiles(versions: ContentVersions, versionId: number): Promise<PackFile[]> {
  const list = await versions.files(versionId);
  const texts = await versions.blobs(list.map((f) => f.hash));
  return list.map((f) => {
    const text = texts.get(f.hash);
    // A missing blob would be a broken store: say so rather than serve a pack without the file.
    if (text === undefined) throw new Error(`content version ${versionId}: the text of ${f.path} is missing from the store`);
    return { path: f.path, text };
  });
}

/** The pack's audio assets: the files under `root` on disk, and the recordings in the store (a path in both: the disk's). */
export async function packAssets(root: string, versions: ContentVersions): Promise<Map<string, number>> {
  const out = await versions.mediaSizes();
  for (const [p, size] of new FileSource(root).readSync().assets) out.set(p, size);
  return out;
}

/** `ContentSource` of the store's head; `root` is where the audio files are. */
export class StoreSource implements ContentSource {
  private readonly disk: FileSource;

  constructor(
    private readonly versions: ContentVersions,
    readonly root: string,
  ) {
    this.disk = new FileSource(root);
  }

  assetRoot(): string {
    return this.disk.assetRoot();
  }

  /** The audio files on disk and in the store, with their sizes. */
  async assets(): Promise<Map<string, number>> {
    return packAssets(this.root, this.versions);
  }

  async read(): Promise<PackInput> {
    return (await this.readHead()).input;
  }

  /** The newest version (a cheap query: what the poll asks every few seconds). */
  head(): Promise<ContentVersion | undefined> {
    return this.versions.head();
  }

  /** One version's pack input. */
  async readVersion(id: number): Promise<PackInput> {
    return { files: await versionFiles(this.versions, id), assets: await this.assets() };
  }

  /** The head version with its pack input; throws when the store holds no version yet (see `importFilesIfEmpty`). */
  async readHead(): Promise<{ version: ContentVersion; input: PackInput }> {
    const version = await this.versions.head();
    if (!version) throw new Error('the store holds no content version yet');
    return { version, input: await this.readVersion(version.id) };
  }

  /**
   * First start with an empty store: the files under `root` become version 1. Two instances
   * starting at once both try; the store takes one (`expectHead`), the other finds it there.
   * `packVersion` is the compiled hash of the files (the caller compiled them).
   */
  async importFilesIfEmpty(packVersion: (input: PackInput) => string, now: number): Promise<ContentVersion | undefined> {
    if (await this.versions.head()) return undefined;
    const input = this.disk.readSync();
    return this.versions.addVersion({
      expectHead: undefined,
      kind: 'import',
      packVersion: packVersion(input),
      authorName: FIRST_IMPORT.authorName,
      why: FIRST_IMPORT.why,
      createdAt: now,
      files: input.files,
    });
  }
}
