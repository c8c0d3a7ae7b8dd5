/**
 * The content editor's work (issue 16.2): drafts, publishing, history,
 * restore, review marks, pack import/export and one language's
 * spreadsheet. The console's routes (routes.ts) are a thin layer over this;
 * every method checks the caller's role here, so no route can forget to.
 *
 * Publishing compiles the head's files with the drafts (`compilePack`, the
 * same validator as `lotse validate`); when it finds errors nothing is
 * published and the answer (422) lists them by file, line and field. A new
 * version is only ever added on the head it was built from, so two editors
 * publishing at once cannot lose each other's work (the second gets 409).
 */
import { isMap, isScalar, isSeq, parseDocument, type Document } from 'yaml';
import type { ContentVersion, ContentVersions, Draft, VersionKind } from '../../store/content-versions.js';
import type { Role, Staff } from '../../store/staff.js';
import { sha256Hex } from '../../util/hash.js';
import { HttpError, refused } from '../../util/http-error.js';
import type { Logger } from '../../util/logger.js';
import { compilePack } from '../compile.js';
import type { ContentManager } from '../manager.js';
import type { Problem } from '../problems.js';
import type { PackFile } from '../source.js';
import { packAssets, versionFiles } from '../store-source.js';
import { unifiedDiff } from './diff.js';
import type { DraftEdits, EditAuthor } from './drafts.js';

/** Who asks: a signed-in staff member (only these fields are used). */
export type Actor = Pick<Staff, 'id' | 'name' | 'role' | 'languages'>;

/** A draft as the API shows it (without its text). */
export interface DraftInfo {
  path: string;
  deleted: boolean;
  baseVersion: number;
  authorId: string;
  authorName: string;
  why: string;
  updatedAt: number;
}

/** One file's change between two states of the pack. */
export interface FileDiff {
  path: string;
  status: 'added' | 'removed' | 'changed';
  unified: string;
  added: number;
  removed: number;
}

/** The changes from one state of the pack to another (`null`: a state that is not a version, e.g. head + drafts). */
export interface Diff {
  from: number | null;
  to: number | null;
  files: FileDiff[];
}

/** Largest text of one file the editor takes (the biggest starter file is about 40 kB). */
export const MAX_FILE_CHARS = 1_000_000;
const MAX_WHY = 500;

const EDITOR_ROLES: readonly Role[] = ['admin', 'editor', 'translator'];
const PUBLISHERS: readonly Role[] = ['admin', 'editor'];

/** The language a pack file belongs to: content/<lang>/... or locales/<lang>/...; undefined for flows/ and shared files. */
export function languageOfPath(p: string): string | undefined {
  return /^(?:content|locales)\/([a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)\/./.exec(p)?.[1];
}

/** The same file in another language (content/fa/topics/x.yaml -> content/en/topics/x.yaml). */
export function counterpartPath(p: string, lang: string): string | undefined {
  const m = /^(content|locales)\/([^/]+)\/(.+)$/.exec(p);
  return m && languageOfPath(p) ? `${m[1]}/${lang}/${m[3]}` : undefined;
}

/** Why a path cannot be a pack file, or undefined when it can. */
export function pathProblem(p: unknown): string | undefined {
  if (typeof p !== 'string' || !p) return '"path" is needed';
  if (p.length > 200) return '"path" is too long';
  if (!/^(?:content|flows|locales)\/(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*\.(?:ya?ml|json)$/.test(p) || p.includes('..'))
    return `"${p}" is not a pack file: it must be under content/, flows/ or locales/, end in .yaml, .yml or .json, and have no ".."`;
  return undefined;
}

const draftInfo = (d: Draft): DraftInfo => ({
  path: d.path,
  deleted: d.text === null,
  baseVersion: d.baseVersion,
  authorId: d.authorId,
  authorName: d.authorName,
  why: d.why,
  updatedAt: d.updatedAt,
});

/** The problems worth showing first: errors before warnings, as the validator found them. */
const ordered = (ps: Problem[]) => [...ps.filter((p) => p.severity === 'error'), ...ps.filter((p) => p.severity === 'warning')];

/** What the editor needs: the store's records, the served content (to swap at once after a publish), where audio files are, the time. */
export interface EditorDeps {
  versions: ContentVersions;
  /** The served content (a ContentManager): its languages, and a poll right after a publish so this instance serves it at once. */
  content: Pick<ContentManager, 'current' | 'servedVersion' | 'pollStore'>;
  /** CONTENT_ROOT: where the audio files are (they are not editor content). */
  root: string;
  now: () => number;
  log: Logger;
  /** True for the command line: it serves nothing, and works on the store whatever a server serves. */
  offline?: boolean;
}

/** The editor's operations; see the file comment. */
export class EditorService implements DraftEdits {
  constructor(private readonly d: EditorDeps) {}

  // ------------------------------------------------------------ roles ---

  /** The reference language translations are made from (language.yaml `reference: true`, else English). */
  sourceLang(): string {
    const ls = this.d.content.current().pack.languages;
    return ls.find((l) => (l as { reference?: boolean }).reference)?.code ?? (ls.some((l) => l.code === 'en') ? 'en' : (ls[0]?.code ?? 'en'));
  }

  requireEditorAccess(a: Actor): void {
    if (!EDITOR_ROLES.includes(a.role)) throw refused(403, 'the content editor is for admins, editors and translators');
  }

  canEdit(a: Actor, path: string): boolean {
    if (PUBLISHERS.includes(a.role)) return true;
    if (a.role !== 'translator') return false;
    const lang = languageOfPath(path);
    return lang !== undefined && a.languages.includes(lang);
  }

  private requireEdit(a: Actor, path: string): void {
    this.requireEditorAccess(a);
    if (this.canEdit(a, path)) return;
    const lang = languageOfPath(path);
    throw refused(
      403,
      lang
        ? `you translate ${a.languages.join(', ') || 'no language'}; ${path} is ${lang}`
        : `you translate ${a.languages.join(', ') || 'no language'}; ${path} belongs to no language: editors change it`,
    );
  }

  canReview(a: Actor, lang: string): boolean {
    return PUBLISHERS.includes(a.role) || (a.role === 'translator' && a.languages.includes(lang));
  }

  /** Refuses (403) unless `a` may translate and review `lang`. */
  requireReview(a: Actor, lang: string): void {
    this.requireEditorAccess(a);
    if (!this.canReview(a, lang)) throw refused(403, `you review ${a.languages.join(', ') || 'no language'}, not ${lang}`);
  }

  /** Refuses (403) unless `a` may publish, restore and import packs: editors and admins. */
  requirePublisher(a: Actor): void {
    this.requireEditorAccess(a);
    if (!PUBLISHERS.includes(a.role)) throw refused(403, 'editors and admins publish; your drafts wait for them');
  }

  private requireLang(lang: unknown): string {
    if (typeof lang !== 'string' || !this.d.content.current().pack.languages.some((l) => l.code === lang))
      throw refused(
        400,
        `"lang" must be a served language: ${this.d.content
          .current()
          .pack.languages.map((l) => l.code)
          .join(', ')}`,
      );
    return lang;
  }

  private static why(why: unknown, required: boolean): string {
    if (why !== undefined && why !== null && typeof why !== 'string') throw refused(400, '"why" must be a string');
    const w = (why ?? '').trim();
    if (required && !w) throw refused(400, 'say why ("why"): the history shows it to everyone after you');
    if (w.length > MAX_WHY) throw refused(400, `"why" may have at most ${MAX_WHY} characters`);
    return w;
  }

  // ------------------------------------------------------------ reading ---

  private async head(): Promise<ContentVersion> {
    // A server that serves the files would publish versions nobody serves.
    const off = this.d.offline !== true && this.d.content.servedVersion() === undefined;
    const h = off ? undefined : await this.d.versions.head();
    if (!h) throw new HttpError(409, 'EditorOff', 'this server serves the content files, not the store: the editor needs CONTENT_SOURCE=store');
    return h;
  }

  /** The texts of a version, by path. */
  async textsOf(versionId: number): Promise<Map<string, string>> {
    return new Map((await versionFiles(this.d.versions, versionId)).map((f) => [f.path, f.text]));
  }

  private async version(id: number): Promise<ContentVersion> {
    const v = Number.isInteger(id) && id > 0 ? await this.d.versions.version(id) : undefined;
    if (!v) throw refused(404, `no version ${id}`);
    return v;
  }

  /** The head's texts with drafts laid over them (all, or those `include` keeps). */
  private async working(include: (d: Draft) => boolean = () => true): Promise<{ head: ContentVersion; files: Map<string, string>; drafts: Draft[] }> {
    const head = await this.head();
    const files = await this.textsOf(head.id);
    const drafts = (await this.d.versions.drafts()).filter(include);
    for (const dr of drafts) {
      if (dr.text === null) files.delete(dr.path);
      else files.set(dr.path, dr.text);
    }
    return { head, files, drafts };
  }

  /** Compiles a set of files with the audio assets on disk and the recordings in the store. */
  async compile(files: Map<string, string>): Promise<ReturnType<typeof compilePack>> {
    const list: PackFile[] = [...files].sort(([a], [b]) => (a < b ? -1 : 1)).map(([path, text]) => ({ path, text }));
    return compilePack({ files: list, assets: await packAssets(this.d.root, this.d.versions) });
  }

  async state(a: Actor) {
    this.requireEditorAccess(a);
    const head = await this.head();
    const c = this.d.content.current();
    const drafts = await this.d.versions.drafts();
    const stale = new Set(await this.staleDrafts(head, drafts));
    return {
      head,
      served: this.d.content.servedVersion() ?? null,
      drafts: drafts.map((d) => ({ ...draftInfo(d), stale: stale.has(d.path) })),
      sourceLang: this.sourceLang(),
      languages: c.pack.languages.map((l) => ({ code: l.code, name: l.name, englishName: l.englishName, dir: l.dir })),
      me: { id: a.id, name: a.name, role: a.role, languages: a.languages, canPublish: PUBLISHERS.includes(a.role) },
    };
  }

  async files(a: Actor) {
    this.requireEditorAccess(a);
    const head = await this.head();
    const listed = await this.d.versions.files(head.id);
    const texts = await this.d.versions.blobs(listed.map((f) => f.hash));
    const drafts = new Map((await this.d.versions.drafts()).map((d) => [d.path, d]));
    const paths = [...new Set([...listed.map((f) => f.path), ...drafts.keys()])].sort();
    const byPath = new Map(listed.map((f) => [f.path, f]));
    return {
      version: head.id,
      files: paths.map((p) => {
        const f = byPath.get(p);
        const dr = drafts.get(p);
        const lang = languageOfPath(p);
        return {
          path: p,
          ...(lang ? { lang } : {}),
          hash: f?.hash ?? null,
          size: f ? (texts.get(f.hash)?.length ?? 0) : 0,
          ...(dr ? { draft: draftInfo(dr) } : {}),
          canEdit: this.canEdit(a, p),
        };
      }),
    };
  }

  async file(a: Actor, path: unknown) {
    this.requireEditorAccess(a);
    const problem = pathProblem(path);
    if (problem) throw refused(400, problem);
    const p = path as string;
    const head = await this.head();
    const texts = await this.textsOf(head.id);
    const dr = await this.d.versions.draft(p);
    const published = texts.get(p);
    if (published === undefined && !dr) throw refused(404, `no file ${p}`);
    const lang = languageOfPath(p);
    const src = lang ? counterpartPath(p, this.sourceLang()) : undefined;
    const srcText = src && src !== p ? texts.get(src) : undefined;
    return {
      path: p,
      ...(lang ? { lang } : {}),
      canEdit: this.canEdit(a, p),
      version: head.id,
      published: published !== undefined ? { text: published, hash: sha256Hex(published) } : null,
      draft: dr ? { ...draftInfo(dr), text: dr.text } : null,
      source: srcText !== undefined ? { path: src, text: srcText } : null,
    };
  }

  // ------------------------------------------------------------ drafts ---

  /** Saves the draft of one file (or its removal) and answers the problems of the whole pack with every draft. */
  async putDraft(a: Actor, input: { path: unknown; text?: unknown; delete?: unknown; why?: unknown }): Promise<{ draft: DraftInfo; problems: Problem[] }> {
    const problem = pathProblem(input.path);
    if (problem) throw refused(400, problem);
    const path = input.path as string;
    this.requireEdit(a, path);
    const remove = input.delete === true;
    if (!remove && typeof input.text !== 'string') throw refused(400, 'send "text" (the whole file) or "delete": true');
    if (!remove && (input.text as string).length > MAX_FILE_CHARS) throw refused(413, `a file may have at most ${MAX_FILE_CHARS} characters`);
    const head = await this.head();
    if (remove && !(await this.textsOf(head.id)).has(path)) throw refused(404, `${path} is not published: discard its draft instead`);
    const d: Draft = {
      path,
      text: remove ? null : (input.text as string),
      baseVersion: head.id,
      authorId: a.id,
      authorName: a.name,
      why: EditorService.why(input.why, false),
      updatedAt: this.d.now(),
    };
    await this.d.versions.putDraft(d);
    return { draft: draftInfo(d), problems: ordered((await this.check(a)).problems) };
  }

  async discardDraft(a: Actor, path: unknown): Promise<void> {
    const problem = pathProblem(path);
    if (problem) throw refused(400, problem);
    this.requireEdit(a, path as string);
    if (!(await this.d.versions.deleteDraft(path as string))) throw refused(404, `no draft of ${path}`);
  }

  /** A publish dry run: the problems of head + every draft. */
  async check(a: Actor): Promise<{ ok: boolean; problems: Problem[] }> {
    this.requireEditorAccess(a);
    const { problems, pack } = await this.compile((await this.working()).files);
    return { ok: pack !== undefined, problems: ordered(problems) };
  }

  async draftsDiff(a: Actor): Promise<Diff> {
    this.requireEditorAccess(a);
    const { head, files } = await this.working();
    return { ...diffMaps(await this.textsOf(head.id), files), from: head.id, to: null };
  }

  // ------------------------------------------------------------ publishing ---

  async publish(a: Actor, input: { why?: unknown; base?: unknown; paths?: unknown }): Promise<{ version: ContentVersion; diff: Diff }> {
    this.requirePublisher(a);
    const why = EditorService.why(input.why, true);
    if (input.paths !== undefined && !(Array.isArray(input.paths) && input.paths.every((p) => typeof p === 'string')))
      throw refused(400, '"paths" must be a list of file paths');
    const only = input.paths ? new Set(input.paths as string[]) : undefined;
    const { head, files, drafts } = await this.working((d) => !only || only.has(d.path));
    this.requireBase(input.base, head);
    if (!drafts.length) throw refused(400, only ? 'none of these files has a draft' : 'nothing to publish: there are no drafts');
    const stale = await this.staleDrafts(head, drafts);
    if (stale.length)
      throw new HttpError(
        409,
        'StaleDraft',
        `changed by a newer version since its draft was started: ${stale.join(', ')}; look at the changes, then save the draft again`,
        {},
        { paths: stale },
      );
    return this.commit(a, head, files, { kind: 'publish', why, publishedDrafts: drafts.map((d) => ({ path: d.path, updatedAt: d.updatedAt })) });
  }

  /**
   * Drafts whose file a later version changed (an import, a restore, another draft published):
   * publishing them as they are would undo that change without anyone seeing it.
   */
  private async staleDrafts(head: ContentVersion, drafts: Draft[]): Promise<string[]> {
    const headHashes = new Map((await this.d.versions.files(head.id)).map((f) => [f.path, f.hash]));
    const at = new Map<number, Map<string, string>>();
    const out: string[] = [];
    for (const dr of drafts) {
      if (dr.baseVersion === head.id) continue;
      let base = at.get(dr.baseVersion);
      if (!base) at.set(dr.baseVersion, (base = new Map((await this.d.versions.files(dr.baseVersion)).map((f) => [f.path, f.hash]))));
      if (base.get(dr.path) !== headHashes.get(dr.path)) out.push(dr.path);
    }
    return out;
  }

  private requireBase(base: unknown, head: ContentVersion): void {
    if (base === undefined || base === null) return;
    if (typeof base !== 'number' || !Number.isInteger(base)) throw refused(400, '"base" must be a version number');
    if (base !== head.id)
      throw new HttpError(
        409,
        'Conflict',
        `version ${head.id} was published after version ${base}, which you looked at: look at the changes again`,
        {},
        {
          head: head.id,
        },
      );
  }

  /** Compiles and stores a new version on `head`: 422 with the problems when it does not compile, 409 when another came first. */
  private async commit(
    a: Pick<Actor, 'id' | 'name'>,
    head: ContentVersion,
    files: Map<string, string>,
    opts: { kind: VersionKind; why: string; restoredFrom?: number; publishedDrafts?: { path: string; updatedAt: number }[] },
  ): Promise<{ version: ContentVersion; diff: Diff }> {
    const { pack, problems } = await this.compile(files);
    if (!pack) {
      const errors = problems.filter((p) => p.severity === 'error');
      throw new HttpError(
        422,
        'Invalid',
        `the content has ${errors.length} error${errors.length === 1 ? '' : 's'}, nothing was published: ${errors
          .slice(0, 3)
          .map((p) => `${p.path}:${p.line}: ${p.message}`)
          .join('; ')}`,
        {},
        { problems: ordered(problems) },
      );
    }
    const v = await this.d.versions.addVersion({
      expectHead: head.id,
      kind: opts.kind,
      ...(opts.restoredFrom !== undefined ? { restoredFrom: opts.restoredFrom } : {}),
      packVersion: pack.version,
      authorId: a.id,
      authorName: a.name,
      why: opts.why,
      createdAt: this.d.now(),
      files: [...files].map(([path, text]) => ({ path, text })),
      publishedDrafts: opts.publishedDrafts ?? [],
    });
    if (!v) throw new HttpError(409, 'Conflict', 'someone published a version meanwhile: look at the changes again', {});
    // This instance serves it at once; the others within their poll interval.
    void this.d.content.pollStore().catch((err: unknown) => this.d.log.warn('content swap after publish failed', { err }));
    return { version: v, diff: { ...diffMaps(await this.textsOf(head.id), files), from: head.id, to: v.id } };
  }

  async versions(a: Actor, limit: number, before?: number) {
    this.requireEditorAccess(a);
    const vs = await this.d.versions.versions(Math.min(Math.max(limit, 1), 200), before);
    const out = [];
    for (const v of vs) {
      const mine = await this.d.versions.files(v.id);
      const parent = v.parent !== undefined ? await this.d.versions.files(v.parent) : [];
      const before = new Map(parent.map((f) => [f.path, f.hash]));
      const paths = new Set([...mine.map((f) => f.path), ...before.keys()]);
      const now = new Map(mine.map((f) => [f.path, f.hash]));
      out.push({ ...v, changed: [...paths].filter((p) => before.get(p) !== now.get(p)).length });
    }
    return { versions: out };
  }

  async versionDetail(a: Actor, id: number) {
    this.requireEditorAccess(a);
    return { version: await this.version(id), files: await this.d.versions.files(id) };
  }

  /** What changed from `against` (default: the parent) to `id`. */
  async diff(a: Actor, id: number, against?: number): Promise<Diff> {
    this.requireEditorAccess(a);
    const to = await this.version(id);
    const fromId = against ?? to.parent;
    if (fromId !== undefined) await this.version(fromId);
    const before = fromId !== undefined ? await this.textsOf(fromId) : new Map<string, string>();
    return { ...diffMaps(before, await this.textsOf(id)), from: fromId ?? null, to: id };
  }

  /** A new version with exactly the files of version `id`; drafts stay drafts. */
  async restore(a: Actor, id: number, why: unknown): Promise<{ version: ContentVersion; diff: Diff }> {
    this.requirePublisher(a);
    const w = EditorService.why(why, true);
    await this.version(id);
    const head = await this.head();
    return this.commit(a, head, await this.textsOf(id), { kind: 'restore', restoredFrom: id, why: w });
  }

  // ------------------------------------------------------------ review ---

  async reviewList(a: Actor, langIn: unknown) {
    this.requireEditorAccess(a);
    const lang = this.requireLang(langIn);
    const src = this.sourceLang();
    const head = await this.head();
    const headFiles = new Map((await this.d.versions.files(head.id)).map((f) => [f.path, f.hash]));
    const marks = new Map((await this.d.versions.reviews(lang)).map((m) => [m.path, m]));
    const filesAt = new Map<number, Map<string, string>>();
    const hashesAt = async (v: number) => {
      let m = filesAt.get(v);
      if (!m) filesAt.set(v, (m = new Map((await this.d.versions.files(v)).map((f) => [f.path, f.hash]))));
      return m;
    };
    const out = [];
    for (const [path, hash] of headFiles) {
      if (languageOfPath(path) !== lang) continue;
      const source = lang !== src ? counterpartPath(path, src) : undefined;
      const mark = marks.get(path);
      let sourceChanged = false;
      let sourceDiff = '';
      if (mark && source) {
        const then = (await hashesAt(mark.versionId)).get(source);
        const now = headFiles.get(source);
        if (then !== now) {
          sourceChanged = true;
          const texts = await this.d.versions.blobs([then, now].filter((x): x is string => x !== undefined));
          sourceDiff = unifiedDiff(source, then ? texts.get(then) : undefined, now ? texts.get(now) : undefined).unified;
        }
      }
      out.push({
        path,
        source: source && headFiles.has(source) ? source : null,
        review: mark ?? null,
        changedSinceReview: mark ? mark.hash !== hash : true,
        sourceChanged,
        sourceDiff,
      });
    }
    return { lang, sourceLang: src, head: head.id, canReview: this.canReview(a, lang), files: out };
  }

  async markReviewed(a: Actor, input: { lang?: unknown; path?: unknown }) {
    const lang = this.requireLang(input.lang);
    this.requireReview(a, lang);
    const problem = pathProblem(input.path);
    if (problem) throw refused(400, problem);
    const path = input.path as string;
    if (languageOfPath(path) !== lang) throw refused(400, `${path} is not a ${lang} file`);
    const head = await this.head();
    const text = (await this.textsOf(head.id)).get(path);
    if (text === undefined) throw refused(404, `${path} is not published: publish it before it is reviewed`);
    const review = { lang, path, versionId: head.id, hash: sha256Hex(text), staffId: a.id, staffName: a.name, at: this.d.now() };
    await this.d.versions.addReview(review);
    return { review };
  }

  // ------------------------------------------------------------ import ---

  /** What importing these files would change (the head against exactly these files), and whether they compile. Changes nothing. */
  async importPreview(a: Actor, files: PackFile[]) {
    this.requirePublisher(a);
    const head = await this.head();
    const next = importedFiles(files);
    const { pack, problems } = await this.compile(next);
    return {
      base: head.id,
      ok: pack !== undefined,
      problems: ordered(problems),
      diff: { ...diffMaps(await this.textsOf(head.id), next), from: head.id, to: null },
    };
  }

  /** A new version with exactly these files (a file not imported is removed); `base` must be the head previewed. */
  async importApply(a: Actor, files: PackFile[], input: { base?: unknown; why?: unknown }) {
    this.requirePublisher(a);
    const why = EditorService.why(input.why, false) || 'imported from files';
    const head = await this.head();
    if (input.base === undefined) throw refused(400, '"base" is needed: the version the preview showed the changes against');
    this.requireBase(input.base, head);
    return this.commit(a, head, importedFiles(files), { kind: 'import', why });
  }

  /** Every file of a version (default: head), for the zip export. */
  async exportFiles(a: Actor, id?: number): Promise<{ version: ContentVersion; files: PackFile[] }> {
    this.requireEditorAccess(a);
    const v = id !== undefined ? await this.version(id) : await this.head();
    return { version: v, files: await versionFiles(this.d.versions, v.id) };
  }

  /** Drafts from a spreadsheet (or anything that rewrote whole files of one language): each changed file becomes a draft of `a`. */
  async putDrafts(a: Actor, lang: string, changed: Map<string, string>, why: string): Promise<DraftInfo[]> {
    this.requireReview(a, lang);
    const head = await this.head();
    const out: DraftInfo[] = [];
    for (const [path, text] of changed) {
      this.requireEdit(a, path);
      const d: Draft = { path, text, baseVersion: head.id, authorId: a.id, authorName: a.name, why, updatedAt: this.d.now() };
      await this.d.versions.putDraft(d);
      out.push(draftInfo(d));
    }
    return out;
  }

  /** The head's files with drafts, for the spreadsheet (what a translator sees is what they last wrote). */
  async workingTexts(a: Actor): Promise<{ head: ContentVersion; files: Map<string, string>; published: Map<string, string> }> {
    this.requireEditorAccess(a);
    const { head, files } = await this.working();
    return { head, files, published: await this.textsOf(head.id) };
  }

  // ------------------------------------------------------------ DraftEdits (the co-creation dashboard) ---

  /** The file a topic's texts of one language are in (content/<lang>/<kind>/<flow>.yaml). */
  private topicFile(kind: 'topics' | 'examples', lang: string, topic: string): string {
    const flow = this.d.content.current().pack.topics[topic]?.flow ?? topic.split('.')[0]!;
    return `content/${lang}/${kind}/${flow}.yaml`;
  }

  /** The current text of a file: its draft, else the published one, else empty. */
  private async currentText(path: string): Promise<string> {
    const dr = await this.d.versions.draft(path);
    if (dr) return dr.text ?? '';
    return (await this.textsOf((await this.head()).id)).get(path) ?? '';
  }

  private async saveAs(by: EditAuthor, path: string, text: string, why: string): Promise<void> {
    const head = await this.head();
    await this.d.versions.putDraft({ path, text, baseVersion: head.id, authorId: by.staffId, authorName: by.name, why, updatedAt: this.d.now() });
  }

  /** DraftEdits: the caller (the dashboard's route) has checked that `by` may edit `lang`. */
  async addExample(input: { topic: string; lang: string; text: string; by: EditAuthor; why?: string }): Promise<{ draftId: string }> {
    const text = input.text.trim();
    if (!text) throw refused(400, 'an example needs text');
    if (!this.d.content.current().pack.topics[input.topic]) throw refused(404, `no topic ${input.topic}`);
    const path = this.topicFile('examples', this.requireLang(input.lang), input.topic);
    const doc = parseDocument(await this.currentText(path));
    if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as never;
    let seq = doc.getIn([input.topic], true);
    if (!isSeq(seq)) {
      doc.setIn([input.topic], doc.createNode([]));
      seq = doc.getIn([input.topic], true);
    }
    const items = (seq as { items: unknown[] }).items;
    if (!items.some((i) => isScalar(i) && String(i.value).trim() === text)) {
      (seq as { add(v: unknown): void }).add(doc.createNode(text));
      await this.saveAs(input.by, path, doc.toString({ lineWidth: 0 }), input.why ?? `example for ${input.topic}`);
    }
    return { draftId: path };
  }

  /** DraftEdits: a new topic's registry entry and its texts in `lang`, answer empty (publishing refuses it until written). */
  async newTopic(input: { id: string; lang: string; question: string; by: EditAuthor; why?: string }): Promise<{ draftId: string }> {
    const lang = this.requireLang(input.lang);
    const pack = this.d.content.current().pack;
    if (pack.topics[input.id]) throw refused(409, `topic ${input.id} exists already`);
    const flow = input.id.split('.')[0]!;
    if (!pack.flows[flow] || !/^[a-z0-9-]+\.[a-z0-9.-]+$/.test(input.id)) throw refused(400, `"${input.id}" must be <flow>.<name> with an existing flow`);
    const why = input.why ?? `new topic from a question: ${input.question.slice(0, 80)}`;
    const registry = parseDocument(await this.currentText('content/topics.yaml'));
    const list = registry.getIn(['topics'], true);
    if (isSeq(list)) list.add(registry.createNode({ id: input.id, flow }));
    await this.saveAs(input.by, 'content/topics.yaml', registry.toString({ lineWidth: 0 }), why);
    const path = this.topicFile('topics', lang, input.id);
    const doc: Document = parseDocument(await this.currentText(path));
    if (!isMap(doc.contents)) doc.contents = doc.createNode({}) as never;
    doc.setIn([input.id], doc.createNode({ title: input.question.trim().slice(0, 60), review: 'draft', answer: [''], examples: [input.question.trim()] }));
    await this.saveAs(input.by, path, doc.toString({ lineWidth: 0 }), why);
    return { draftId: path };
  }
  /**
   * A podcast recording into the drafts (issue 16.5): the episode's entry in content/podcasts.yaml
   * names `audio` (a path under content/, the recording already in the store) and its duration in
   * `lang`; with a transcript, content/<lang>/podcasts.yaml gets it. Published like any draft: the
   * validator checks the file exists and the texts are whole.
   *
   * Example: addRecording(me, { episode: 'hearing', lang: 'ar', audio: 'audio/hearing.ar.3f2a9c1b04de.mp3', durationSeconds: 312.4 })
   */
  async addRecording(
    a: Actor,
    input: { episode: string; lang: string; audio: string; durationSeconds: number; transcript?: string; why?: string },
  ): Promise<{ drafts: string[] }> {
    const lang = this.requireLang(input.lang);
    this.requireEdit(a, 'content/podcasts.yaml');
    const by = { staffId: a.id, name: a.name };
    const why = input.why ?? `recording of episode ${input.episode} in ${lang}`;
    const registry = parseDocument(await this.currentText('content/podcasts.yaml'));
    const list = registry.getIn(['episodes'], true);
    const entry = isSeq(list) ? list.items.find((e) => isMap(e) && e.get('id') === input.episode) : undefined;
    if (!isMap(entry))
      throw refused(409, `episode "${input.episode}" is not in content/podcasts.yaml: add it in the editor first (its topic and date), then its recording`);
    for (const [key, value] of [
      ['audio', input.audio],
      ['duration', Math.round(input.durationSeconds)],
    ] as const) {
      const m = entry.get(key, true);
      if (isMap(m)) m.set(lang, value);
      else entry.set(key, registry.createNode({ [lang]: value }));
    }
    await this.saveAs(by, 'content/podcasts.yaml', registry.toString({ lineWidth: 0 }), why);
    const drafts = ['content/podcasts.yaml'];
    if (input.transcript) {
      const path = `content/${lang}/podcasts.yaml`;
      const doc = parseDocument(await this.currentText(path));
      const texts = isMap(doc.contents) ? doc.contents.get(input.episode, true) : undefined;
      if (!isMap(texts))
        throw refused(409, `${path} has no "${input.episode}" (its title and description in ${lang}): write them in the editor, then add the transcript`);
      texts.set('transcript', input.transcript);
      await this.saveAs(by, path, doc.toString({ lineWidth: 0 }), why);
      drafts.push(path);
    }
    return { drafts };
  }
}

/** Imported files by path: only pack texts (other paths are ignored by the caller's reader). */
function importedFiles(files: PackFile[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) {
    const problem = pathProblem(f.path);
    if (problem) throw refused(400, problem);
    if (typeof f.text !== 'string') throw refused(400, `${f.path}: "text" must be a string`);
    if (f.text.length > MAX_FILE_CHARS) throw refused(413, `${f.path} has more than ${MAX_FILE_CHARS} characters`);
    if (out.has(f.path)) throw refused(400, `${f.path} is in the import twice`);
    out.set(f.path, f.text);
  }
  if (!out.size) throw refused(400, 'the import holds no pack files (content/, flows/, locales/)');
  return out;
}

/** Per-file unified diffs from one set of texts to another, by path. */
export function diffMaps(before: Map<string, string>, after: Map<string, string>): { files: FileDiff[] } {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort();
  const files: FileDiff[] = [];
  for (const p of paths) {
    const a = before.get(p);
    const b = after.get(p);
    if (a === b) continue;
    const d = unifiedDiff(p, a, b);
    files.push({ path: p, status: a === undefined ? 'added' : b === undefined ? 'removed' : 'changed', ...d });
  }
  return { files };
}
