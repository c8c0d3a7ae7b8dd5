/**
 * The whole pack as a zip of content/, flows/ and locales/ (issue 16.3), so
 * teams that keep their content in git can export it, commit it, change it
 * and import it back (with a diff shown first). jszip comes with exceljs.
 */
import type JSZip from 'jszip';
import { refused } from '../../util/http-error.js';
import type { PackFile } from '../source.js';
import { pathProblem } from './service.js';

/** jszip, loaded when a zip is first made or read (not at every start: it is resident memory for an occasional export). */
async function jszip(): Promise<typeof JSZip> {
  return (await import('jszip')).default;
}

/** The most an uploaded zip may unpack to (the starter pack is about 1 MB of text). */
export const MAX_UNPACKED_BYTES = 50 * 1024 * 1024;

/** Refuses (413) a zip whose entries say they unpack to more than `max` bytes; 400 when it is no zip. Returns the opened zip. */
export async function unpackedSizeWithin(data: Buffer, max: number): Promise<JSZip> {
  let zip: JSZip;
  try {
    zip = await (await jszip()).loadAsync(data);
  } catch {
    throw refused(400, 'this is not a zip file that can be read (an XLSX file is one too)');
  }
  // What each entry says it unpacks to (jszip keeps it from the zip's directory), before anything is unpacked.
  const declared = Object.values(zip.files).reduce((n, e) => n + ((e as unknown as { _data?: { uncompressedSize?: number } })._data?.uncompressedSize ?? 0), 0);
  if (declared > max) throw refused(413, `the file unpacks to more than ${Math.round(max / 1024 / 1024)} MB`);
  return zip;
}

/** A zip of the files, under their pack paths. */
export async function packToZip(files: PackFile[]): Promise<Buffer> {
  const zip = new (await jszip())();
  for (const f of files) zip.file(f.path, f.text);
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE', platform: 'UNIX' });
}

/**
 * The pack files in an uploaded zip. A zip of a folder (`my-pack/content/...`) is read as if the
 * folder were the root. Entries that are not pack texts (audio, README, .git) are `ignored`.
 */
export async function zipToPack(data: Buffer): Promise<{ files: PackFile[]; ignored: string[] }> {
  const zip = await unpackedSizeWithin(data, MAX_UNPACKED_BYTES);
  const entries = Object.values(zip.files).filter((e) => !e.dir);
  const names = entries.map((e) => e.name);
  const top = /^(content|flows|locales)\//;
  let prefix = '';
  if (!names.some((n) => top.test(n))) {
    const first = names[0]?.split('/')[0];
    if (first && names.every((n) => n.startsWith(`${first}/`))) prefix = `${first}/`;
  }
  const files: PackFile[] = [];
  const ignored: string[] = [];
  let total = 0;
  for (const e of entries) {
    const path = e.name.slice(prefix.length);
    if (!e.name.startsWith(prefix) || pathProblem(path)) {
      ignored.push(e.name);
      continue;
    }
    const text = await e.async('string');
    total += text.length;
    if (total > MAX_UNPACKED_BYTES) throw refused(413, `the zip unpacks to more than ${MAX_UNPACKED_BYTES / 1024 / 1024} MB`);
    files.push({ path, text });
  }
  return { files: files.sort((a, b) => (a.path < b.path ? -1 : 1)), ignored: ignored.sort() };
}
