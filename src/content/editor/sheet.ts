/**
 * One language as a spreadsheet, for translators who work offline (issue
 * 16.3): every text of the language's files beside the source language's,
 * one row per text (`file`, `key`, source, translation). XLSX through
 * exceljs, or CSV (UTF-8 with a BOM, RFC 4180). Only the translation column
 * is read back; each changed cell is written into its YAML file with the
 * `yaml` library's document model, so comments and layout stay as they were.
 *
 * Not in the sheet: example phrasings, keywords and safety phrases (they are
 * written in each language, not translated) and fields that are not text to
 * translate (ids, review states, sources, dates).
 */
import type ExcelJS from 'exceljs';
import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import { refused } from '../../util/http-error.js';
import { MAX_UNPACKED_BYTES, unpackedSizeWithin } from './pack-zip.js';
import { counterpartPath, languageOfPath } from './service.js';

/** Keys whose values are not translations. */
const SKIP_KEYS = new Set([
  'review',
  'examples',
  'keywords',
  'sources',
  'checked',
  'partial',
  'id',
  'flow',
  'url',
  'read',
  'phone',
  'email',
  'audio',
  'order',
  'script',
  'dir',
  'aliases',
  'names',
  'audioFallback',
  'reference',
]);

/** A text's place in a file: map keys and list indexes. */
export type Segments = (string | number)[];

/** One row of the sheet. */
export interface SheetRow {
  /** The translation's file: content/fa/topics/hearing.yaml. */
  file: string;
  /** Where in the file, segments joined by "/": hearing.invitation/answer/0 (topic ids hold dots). */
  key: string;
  source: string;
  translation: string;
}

/** A cell the import would change. */
export interface SheetChange {
  file: string;
  key: string;
  before: string | null;
  after: string;
}

const keyOf = (s: Segments) => s.map(String).join('/');

/** Whether a file of `lang` is in the sheet (translations, not phrasings). */
export function inSheet(path: string, lang: string): boolean {
  if (languageOfPath(path) !== lang) return false;
  if (path.startsWith(`content/${lang}/examples/`) || path === `content/${lang}/safety.yaml`) return false;
  return /\.(ya?ml|json)$/.test(path);
}

/** The data of a file's text (JSON or YAML), or undefined when it does not parse. */
function dataOf(path: string, text: string): unknown {
  try {
    return path.endsWith('.json') ? JSON.parse(text) : parseDocument(text).toJS();
  } catch {
    return undefined;
  }
}

/** Every translatable text of a file, in file order, by key. */
export function flatten(path: string, text: string): Map<string, { segments: Segments; value: string }> {
  const out = new Map<string, { segments: Segments; value: string }>();
  const walk = (v: unknown, at: Segments) => {
    if (typeof v === 'string') out.set(keyOf(at), { segments: at, value: v });
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        if (!SKIP_KEYS.has(k)) walk(x, [...at, k]);
      }
  };
  walk(dataOf(path, text), []);
  return out;
}

/** The rows of one language: its files and their source-language counterparts (files only the source has appear with empty translations). */
export function sheetRows(files: Map<string, string>, lang: string, sourceLang: string): SheetRow[] {
  const targets = new Set<string>();
  for (const p of files.keys()) {
    if (inSheet(p, lang)) targets.add(p);
    if (lang !== sourceLang && inSheet(p, sourceLang)) {
      const t = counterpartPath(p, lang);
      if (t) targets.add(t);
    }
  }
  const rows: SheetRow[] = [];
  for (const file of [...targets].sort()) {
    const src = lang === sourceLang ? undefined : counterpartPath(file, sourceLang);
    const s = src && files.has(src) ? flatten(src, files.get(src)!) : new Map<string, { segments: Segments; value: string }>();
    const t = files.has(file) ? flatten(file, files.get(file)!) : new Map<string, { segments: Segments; value: string }>();
    for (const key of new Set([...s.keys(), ...t.keys()])) rows.push({ file, key, source: s.get(key)?.value ?? '', translation: t.get(key)?.value ?? '' });
  }
  return rows;
}

// ------------------------------------------------------------ writing ---

/** The sheet as an XLSX workbook (header row: file, key, <source>, <lang>). */
/**
 * ExcelJS, loaded when a sheet is first made or read: loaded at start it was 29 MB of the
 * server's resident memory (issue 10: at most 180 MB), for what an editor does now and then.
 */
async function excel(): Promise<typeof ExcelJS> {
  return (await import('exceljs')).default;
}

export async function toXlsx(rows: SheetRow[], lang: string, sourceLang: string, rtl: boolean): Promise<Buffer> {
  const wb = new (await excel()).Workbook();
  wb.creator = 'Lotse';
  const ws = wb.addWorksheet(lang, { views: [{ state: 'frozen', ySplit: 1, rightToLeft: false }] });
  ws.columns = [
    { header: 'file', key: 'file', width: 34 },
    { header: 'key', key: 'key', width: 40 },
    { header: sourceLang, key: 'source', width: 60 },
    { header: lang, key: 'translation', width: 60 },
  ];
  ws.getRow(1).font = { bold: true };
  for (const r of rows) ws.addRow({ file: r.file, key: r.key, source: r.source, translation: r.translation });
  ws.getColumn(3).alignment = { wrapText: true, vertical: 'top' };
  ws.getColumn(4).alignment = { wrapText: true, vertical: 'top', ...(rtl ? { readingOrder: 'rtl' as const } : {}) };
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const csvCell = (s: string) => (/[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The sheet as CSV: UTF-8 with a BOM (spreadsheet programs then read Arabic script right), CRLF line ends. */
export function toCsv(rows: SheetRow[], lang: string, sourceLang: string): string {
  const lines = [['file', 'key', sourceLang, lang], ...rows.map((r) => [r.file, r.key, r.source, r.translation])];
  return `\uFEFF${lines.map((l) => l.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

// ------------------------------------------------------------ reading ---

/** RFC 4180 CSV into rows of cells (quotes, doubled quotes, CRLF or LF, a leading BOM). */
export function parseCsv(text: string): string[][] {
  const s = text.replace(/^\uFEFF/, '');
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell === '') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (quoted) throw refused(400, 'the CSV ends inside a quoted cell');
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** A cell's value as text (exceljs gives rich text, numbers, formulas' results, hyperlinks). */
function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('text' in v && typeof v.text === 'string') return v.text;
    if ('result' in v) return cellText(v.result as ExcelJS.CellValue);
  }
  return '';
}

/** The rows of an uploaded XLSX's first sheet, as text cells. */
export async function parseXlsx(data: Buffer): Promise<string[][]> {
  // An XLSX is a zip: refuse one that unpacks to far more than a sheet of texts before exceljs unpacks it.
  await unpackedSizeWithin(data, MAX_UNPACKED_BYTES);
  const wb = new (await excel()).Workbook();
  try {
    await wb.xlsx.load(data as unknown as ArrayBuffer);
  } catch {
    throw refused(400, 'this is not an XLSX file that can be read');
  }
  const ws = wb.worksheets[0];
  if (!ws) throw refused(400, 'the workbook has no sheet');
  const rows: string[][] = [];
  ws.eachRow({ includeEmpty: false }, (r) => {
    const cells: string[] = [];
    for (let c = 1; c <= Math.max(4, r.cellCount); c++) cells.push(cellText(r.getCell(c).value));
    rows.push(cells);
  });
  return rows;
}

/** The (file, key, translation) triples of a sheet, by its header row. */
export function readSheet(rows: string[][], lang: string): { file: string; key: string; value: string }[] {
  const header = (rows[0] ?? []).map((h) => h.trim());
  const fileCol = header.indexOf('file');
  const keyCol = header.indexOf('key');
  const langCol = header.lastIndexOf(lang);
  if (fileCol < 0 || keyCol < 0 || langCol < 0 || langCol === fileCol || langCol === keyCol)
    throw refused(400, `the first row must name the columns "file", "key" and "${lang}" (as the exported sheet does)`);
  return rows
    .slice(1)
    .map((r) => ({ file: (r[fileCol] ?? '').trim(), key: (r[keyCol] ?? '').trim(), value: r[langCol] ?? '' }))
    .filter((r) => r.file && r.key);
}

/** Sets one text in a YAML document, creating maps and lists on the way (a list where the next segment is an index). */
function setIn(doc: Document, segments: Segments, value: string): void {
  if (!isMap(doc.contents) && !isSeq(doc.contents)) doc.contents = doc.createNode(typeof segments[0] === 'number' ? [] : {}) as never;
  for (let i = 1; i < segments.length; i++) {
    const at = segments.slice(0, i);
    const node = doc.getIn(at, true);
    if (!isMap(node) && !isSeq(node)) doc.setIn(at, doc.createNode(typeof segments[i] === 'number' ? [] : {}));
  }
  doc.setIn(segments, value);
}

/**
 * What a filled-in sheet changes: for each of `lang`'s files, its new text. Empty cells change
 * nothing (a translator who leaves a cell empty has not translated it yet). Rows whose file is
 * not a sheet file of `lang`, or whose key neither the file nor its source has, are `unknown`.
 */
export function applySheet(
  files: Map<string, string>,
  lang: string,
  sourceLang: string,
  cells: { file: string; key: string; value: string }[],
): { changed: Map<string, string>; changes: SheetChange[]; unknown: { file: string; key: string }[] } {
  const byFile = new Map<string, { key: string; value: string }[]>();
  const unknown: { file: string; key: string }[] = [];
  for (const c of cells) {
    const src = counterpartPath(c.file, sourceLang);
    if (!inSheet(c.file, lang) || (!files.has(c.file) && !(src && files.has(src)))) unknown.push({ file: c.file, key: c.key });
    else byFile.set(c.file, [...(byFile.get(c.file) ?? []), { key: c.key, value: c.value }]);
  }
  const changed = new Map<string, string>();
  const changes: SheetChange[] = [];
  for (const [file, list] of byFile) {
    const text = files.get(file) ?? '';
    const src = counterpartPath(file, sourceLang);
    const known = new Map([...(src && files.has(src) ? flatten(src, files.get(src)!) : []), ...flatten(file, text)]);
    const json = file.endsWith('.json');
    const current = flatten(file, text);
    const edits: { segments: Segments; value: string }[] = [];
    for (const { key, value } of list) {
      const k = known.get(key);
      if (!k) {
        unknown.push({ file, key });
        continue;
      }
      const before = current.get(key)?.value ?? null;
      if (value.trim() === '' || value === before) continue;
      edits.push({ segments: k.segments, value });
      changes.push({ file, key, before, after: value });
    }
    if (!edits.length) continue;
    if (json) {
      let data = dataOf(file, text || '{}') as Record<string, unknown> | undefined;
      if (data === undefined || typeof data !== 'object') data = {};
      for (const e of edits) setJson(data, e.segments, e.value);
      changed.set(file, `${JSON.stringify(data, null, 2)}\n`);
    } else changed.set(file, editYaml(text, edits));
  }
  return { changed, changes, unknown };
}

/**
 * Writes new texts into a YAML file. A text that is there already is replaced where it stands,
 * as a double-quoted scalar (JSON's string syntax is YAML's), and every other byte of the file
 * stays as it was; a text the file lacks is added through the document model (the file is then
 * written out again, comments kept).
 */
export function editYaml(text: string, edits: { segments: Segments; value: string }[]): string {
  const doc = parseDocument(text);
  const inPlace: { from: number; to: number; text: string }[] = [];
  const added: { segments: Segments; value: string }[] = [];
  for (const e of edits) {
    const node = doc.getIn(e.segments, true);
    if (isScalar(node) && node.range) inPlace.push({ from: node.range[0], to: node.range[1], text: JSON.stringify(e.value) });
    else added.push(e);
  }
  let out = text;
  for (const r of inPlace.sort((x, y) => y.from - x.from)) out = out.slice(0, r.from) + r.text + out.slice(r.to);
  if (!added.length) return out;
  const again = parseDocument(out);
  for (const e of added) setIn(again, e.segments, e.value);
  return again.toString({ lineWidth: 0 });
}

function setJson(data: Record<string, unknown>, segments: Segments, value: string): void {
  let at: Record<string | number, unknown> = data;
  for (let i = 0; i < segments.length - 1; i++) {
    const s = segments[i]!;
    if (!at[s] || typeof at[s] !== 'object') at[s] = typeof segments[i + 1] === 'number' ? [] : {};
    at = at[s] as Record<string | number, unknown>;
  }
  at[segments.at(-1)!] = value;
}
