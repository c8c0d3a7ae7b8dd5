/**
 * The content editor's JSON API under /console/api/editor (issue 16.2,
 * 16.3; docs/editor-api.md). Mounted by the handoff plugin on the console's
 * router, so it shares the sign-in cookie (path /console), the CSRF check,
 * the headers and the error shape. Routes only read the request and shape
 * the answer; `EditorService` checks roles and does the work.
 */
import express from 'express';
import type { Staff } from '../../store/staff.js';
import { refused } from '../../util/http-error.js';
import { wellFormedReviver } from '../../util/text.js';
import type { PackFile } from '../source.js';
import { packToZip, zipToPack } from './pack-zip.js';
import { diffMaps, type EditorService } from './service.js';
import { applySheet, parseCsv, parseXlsx, readSheet, sheetRows, toCsv, toXlsx } from './sheet.js';

type Authed = express.Request & { staff?: Staff; csrf?: string };
type Wrap = (fn: (req: Authed, res: express.Response) => Promise<unknown> | unknown) => express.RequestHandler;

/** What the editor's routes need from the console. */
export interface EditorRouteDeps {
  editor: EditorService;
  requireStaff: express.RequestHandler;
  wrap: Wrap;
}

/** JSON bodies of the editor: whole files, so larger than the console's 32 kB. */
export const editorJson = express.json({ limit: '8mb', reviver: wellFormedReviver });

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ZIP_TYPES = ['application/zip', 'application/x-zip-compressed', 'application/octet-stream'];
const upload = express.raw({ type: [...ZIP_TYPES, XLSX, 'text/csv'], limit: '20mb' });

function bodyOf(req: express.Request): Record<string, unknown> {
  const b: unknown = req.body;
  if (b === undefined || b === null || Buffer.isBuffer(b)) return {};
  if (typeof b !== 'object' || Array.isArray(b)) throw refused(400, 'the body must be a JSON object');
  return b as Record<string, unknown>;
}

/** A query parameter given once, or undefined. */
function q(req: express.Request, key: string): string | undefined {
  const v = req.query[key];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw refused(400, `"${key}" must be given once`);
  return v;
}

function int(v: string | undefined, key: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw refused(400, `"${key}" must be a whole number from 1`);
  return n;
}

const idParam = (req: express.Request) => int(String(req.params.id), 'id')!;

/** The pack files of an import: a zip body, or JSON `{files: [{path, text}]}`. */
async function importBody(req: express.Request): Promise<{ files: PackFile[]; ignored: string[] }> {
  if (Buffer.isBuffer(req.body)) return zipToPack(req.body);
  const files = bodyOf(req).files;
  if (!Array.isArray(files) || !files.every((f) => f && typeof f === 'object' && typeof f.path === 'string' && typeof f.text === 'string'))
    throw refused(400, 'send a zip (Content-Type: application/zip) or JSON {"files": [{"path", "text"}]}');
  return { files: files as PackFile[], ignored: [] };
}

/** The cells of an uploaded sheet (XLSX or CSV). */
async function sheetBody(req: express.Request): Promise<string[][]> {
  if (!Buffer.isBuffer(req.body) || !req.body.length) throw refused(400, `send the sheet as ${XLSX} or text/csv`);
  return req.is('text/csv') ? parseCsv(req.body.toString('utf8')) : parseXlsx(req.body);
}

/** Mounts the editor's routes on the console's router (paths relative to /console). */
export function mountEditorRoutes(router: express.Router, d: EditorRouteDeps): void {
  const { editor, requireStaff, wrap } = d;
  const me = (req: Authed) => req.staff!;

  router.get(
    '/api/editor/state',
    requireStaff,
    wrap((req) => editor.state(me(req))),
  );
  router.get(
    '/api/editor/files',
    requireStaff,
    wrap((req) => editor.files(me(req))),
  );
  router.get(
    '/api/editor/file',
    requireStaff,
    wrap((req) => editor.file(me(req), q(req, 'path'))),
  );
  router.put(
    '/api/editor/draft',
    requireStaff,
    wrap((req) => {
      const b = bodyOf(req);
      return editor.putDraft(me(req), { path: b.path, text: b.text, delete: b.delete, why: b.why });
    }),
  );
  router.delete(
    '/api/editor/draft',
    requireStaff,
    wrap(async (req) => {
      await editor.discardDraft(me(req), q(req, 'path'));
      return { ok: true };
    }),
  );
  router.get(
    '/api/editor/drafts/diff',
    requireStaff,
    wrap((req) => editor.draftsDiff(me(req))),
  );
  router.post(
    '/api/editor/check',
    requireStaff,
    wrap((req) => editor.check(me(req))),
  );
  router.post(
    '/api/editor/publish',
    requireStaff,
    wrap((req) => {
      const b = bodyOf(req);
      return editor.publish(me(req), { why: b.why, base: b.base, paths: b.paths });
    }),
  );
  router.get(
    '/api/editor/versions',
    requireStaff,
    wrap((req) => editor.versions(me(req), int(q(req, 'limit'), 'limit') ?? 50, int(q(req, 'before'), 'before'))),
  );
  router.get(
    '/api/editor/versions/:id',
    requireStaff,
    wrap((req) => editor.versionDetail(me(req), idParam(req))),
  );
  router.get(
    '/api/editor/versions/:id/diff',
    requireStaff,
    wrap((req) => editor.diff(me(req), idParam(req), int(q(req, 'against'), 'against'))),
  );
  router.post(
    '/api/editor/versions/:id/restore',
    requireStaff,
    wrap((req) => editor.restore(me(req), idParam(req), bodyOf(req).why)),
  );
  router.get(
    '/api/editor/review',
    requireStaff,
    wrap((req) => editor.reviewList(me(req), q(req, 'lang'))),
  );
  router.post(
    '/api/editor/review',
    requireStaff,
    wrap((req) => {
      const b = bodyOf(req);
      return editor.markReviewed(me(req), { lang: b.lang, path: b.path });
    }),
  );
  router.get(
    '/api/editor/export.zip',
    requireStaff,
    wrap(async (req, res) => {
      const { version, files } = await editor.exportFiles(me(req), int(q(req, 'version'), 'version'));
      res.setHeader('Content-Disposition', `attachment; filename="lotse-content-v${version.id}.zip"`);
      res.type('application/zip').send(await packToZip(files));
    }),
  );
  router.post(
    '/api/editor/import/preview',
    requireStaff,
    upload,
    wrap(async (req) => {
      editor.requirePublisher(me(req));
      const { files, ignored } = await importBody(req);
      return { ...(await editor.importPreview(me(req), files)), ignored };
    }),
  );
  router.post(
    '/api/editor/import/apply',
    requireStaff,
    upload,
    wrap(async (req) => {
      editor.requirePublisher(me(req));
      const { files, ignored } = await importBody(req);
      const b = bodyOf(req);
      const base = int(q(req, 'base'), 'base') ?? (typeof b.base === 'number' ? b.base : undefined);
      return { ...(await editor.importApply(me(req), files, { base, why: q(req, 'why') ?? b.why })), ignored };
    }),
  );

  /** The sheet's language and its files as the translator would see them now (drafts included). */
  const sheetInput = async (req: Authed) => {
    const lang = q(req, 'lang');
    const state = await editor.state(me(req));
    const info = state.languages.find((l) => l.code === lang);
    if (!lang || !info) throw refused(400, `"lang" must be a served language: ${state.languages.map((l) => l.code).join(', ')}`);
    const { files } = await editor.workingTexts(me(req));
    return { lang, rtl: info.dir === 'rtl', source: state.sourceLang, files };
  };
  router.get(
    '/api/editor/sheet',
    requireStaff,
    wrap(async (req, res) => {
      const format = q(req, 'format') ?? 'xlsx';
      if (format !== 'xlsx' && format !== 'csv') throw refused(400, '"format" is xlsx or csv');
      const { lang, rtl, source, files } = await sheetInput(req);
      const rows = sheetRows(files, lang, source);
      res.setHeader('Content-Disposition', `attachment; filename="lotse-${lang}.${format}"`);
      if (format === 'csv') res.type('text/csv; charset=utf-8').send(toCsv(rows, lang, source));
      else res.type(XLSX).send(await toXlsx(rows, lang, source, rtl));
    }),
  );
  const sheetChanges = async (req: Authed) => {
    const { lang, source, files } = await sheetInput(req);
    editor.requireReview(me(req), lang);
    const cells = readSheet(await sheetBody(req), lang);
    return { lang, files, ...applySheet(files, lang, source, cells) };
  };
  router.post(
    '/api/editor/sheet/preview',
    requireStaff,
    upload,
    wrap(async (req) => {
      const { files, changed, changes, unknown } = await sheetChanges(req);
      const after = new Map(files);
      for (const [p, t] of changed) after.set(p, t);
      return { changes, unknown, diff: { ...diffMaps(files, after), from: null, to: null } };
    }),
  );
  router.post(
    '/api/editor/sheet/apply',
    requireStaff,
    upload,
    wrap(async (req) => {
      const { lang, changed, changes, unknown } = await sheetChanges(req);
      if (!changed.size) return { drafts: [], changes, unknown };
      const drafts = await editor.putDrafts(me(req), lang, changed, q(req, 'why') ?? `translations from a spreadsheet (${changes.length} texts)`);
      return { drafts, changes, unknown };
    }),
  );
}
