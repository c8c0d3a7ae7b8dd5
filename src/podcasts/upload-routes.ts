/**
 * Podcast episode drafts on the console (issue 16.5): an editor uploads an
 * episode's recording in one language and writes its transcript in that
 * language. The upload is size-limited while it streams (413), its first
 * bytes must be audio (415; the name and Content-Type count for nothing),
 * and ffmpeg transcodes it to MP3 (audio.ts), which Telegram and browsers
 * play; without ffmpeg the answer is 503 naming what to install.
 *
 * The result is a draft asset, not yet served: the MP3 under
 * DATA_DIR/drafts/audio/ and a record (kv namespace `podcast-draft`, key
 * "<episode>:<lang>") with its language, size, duration, SHA-256, the
 * transcript and who made them. "To the editor" (POST .../to-editor) puts
 * the MP3 into the store (content-addressed, so every instance serves it) and
 * makes editor drafts of podcasts.yaml's `audio` and `duration` and of the
 * transcript in content/<lang>/podcasts.yaml; the editor's publish validates
 * and publishes them, and the upload draft is gone. A draft can be deleted (file and record).
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { idPattern } from '../content/schema.js';
import type { AppContext } from '../server/plugin-api.js';
import type { EditorService } from '../content/editor/service.js';
import type { Staff } from '../store/staff.js';
import { refused } from '../util/http-error.js';
import { FfmpegMissing, findFfmpeg, SNIFF_BYTES, sniffAudio, transcodeToMp3, type AudioKind } from './audio.js';

type Authed = express.Request & { staff?: Staff };
type Wrap = (fn: (req: Authed, res: express.Response) => Promise<unknown> | unknown) => express.RequestHandler;

const here = path.dirname(fileURLToPath(import.meta.url));
const NS = 'podcast-draft';
/** The page's CSP: its own script, one inline <style>, and the draft recordings it plays from the API. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; frame-ancestors 'none'";
/** A transcript is text: generous for an hour's episode. */
const MAX_TRANSCRIPT_BYTES = 512 * 1024;

/** A draft of one episode in one language, as the console sees it. */
export interface EpisodeDraft {
  episode: string;
  /** The language the recording and transcript are in. */
  lang: string;
  /** False for an episode the pack does not have yet (a new one). */
  episodeExists: boolean;
  audio?: {
    /** The draft file's name under DATA_DIR/drafts/audio/. */
    file: string;
    type: 'audio/mpeg';
    bytes: number;
    durationSeconds: number;
    sha256: string;
    /** What the upload was before transcoding. */
    uploadedAs: AudioKind;
    by: string;
    at: number;
  };
  transcript?: { text: string; by: string; at: number };
}

/** What the upload routes need from the console. */
export interface UploadDeps {
  ctx: AppContext;
  requireStaff: express.RequestHandler;
  requireEditor: express.RequestHandler;
  wrap: Wrap;
  /** The content editor, for "to the editor"; without it (or serving files) that answers 503 and says why. */
  editor?: EditorService;
}

/** Streams the request body into `file`, refusing with 413 past `max` bytes; returns the first bytes and the size. */
function receive(req: express.Request, file: string, max: number): Promise<{ head: Buffer; bytes: number }> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file, { mode: 0o600 });
    let bytes = 0;
    const head: Buffer[] = [];
    let headBytes = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      req.unpipe(out);
      out.destroy();
      // The rest of the body is read and dropped, so the client gets to read the answer.
      req.resume();
      reject(err);
    };
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (headBytes < SNIFF_BYTES) {
        head.push(chunk);
        headBytes += chunk.length;
      }
      if (bytes > max) fail(refused(413, `the file is larger than ${Math.round(max / 1024 / 1024)} MB`));
    });
    req.on('error', fail);
    out.on('error', fail);
    out.on('finish', () => {
      if (!failed) resolve({ head: Buffer.concat(head).subarray(0, SNIFF_BYTES), bytes });
    });
    req.pipe(out);
  });
}

/** Mounts the draft upload routes on the console's router (paths relative to /console). */
export function mountPodcastUploadRoutes(router: express.Router, d: UploadDeps): void {
  const { ctx, requireStaff, requireEditor, wrap } = d;
  const editor = [requireStaff, requireEditor];
  const max = ctx.config.PODCAST_UPLOAD_MAX_MB * 1024 * 1024;
  const dir = path.join(ctx.config.dataDir, 'drafts', 'audio');

  /** The episode and language of a request: an id as the pack writes them, and a language the pack serves. */
  const target = (req: express.Request) => {
    const episode = String(req.params.episode);
    const lang = String(req.params.lang);
    if (!idPattern.test(episode) || episode.length > 64) throw refused(400, 'an episode id uses lowercase letters, digits, "-" and "_"');
    const c = ctx.content.current();
    if (!c.pack.languages.some((l) => l.code === lang))
      throw refused(400, `state the episode's language: one of ${c.pack.languages.map((l) => l.code).join(', ')}`);
    return { episode, lang, episodeExists: Object.hasOwn(c.pack.episodes, episode) };
  };
  const key = (episode: string, lang: string) => `${episode}:${lang}`;
  const load = async (episode: string, lang: string): Promise<EpisodeDraft | undefined> => {
    const v = await ctx.store.kvGet(NS, key(episode, lang));
    return v ? (JSON.parse(v) as EpisodeDraft) : undefined;
  };
  const save = (dr: EpisodeDraft) => ctx.store.kvPut(NS, key(dr.episode, dr.lang), JSON.stringify(dr));

  const page = fs.readFileSync(path.join(here, 'console', 'podcasts.html'), 'utf8');
  const script = fs.readFileSync(path.join(here, 'console', 'podcasts.js'), 'utf8');
  // A static shell like the console's: its data comes from the API, which checks the role.
  router.get('/podcasts', (_req, res) => {
    res.setHeader('Content-Security-Policy', CSP);
    res.type('html').send(page);
  });
  router.get('/podcasts.js', (_req, res) => res.type('application/javascript').send(script));

  router.post(
    '/api/podcasts/:episode/:lang/audio',
    ...editor,
    wrap(async (req, res) => {
      const t = target(req);
      // A JSON or form body was read already (or is no file): the recording itself is the body.
      if (req.is('application/json') || req.is('application/x-www-form-urlencoded') || req.readableEnded)
        throw refused(415, 'send the audio file itself as the request body (Content-Type: audio/* or application/octet-stream)');
      // Before a byte is read: a declared size over the limit, and no ffmpeg, are answered at once.
      const declared = Number(req.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > max) {
        req.resume();
        throw refused(413, `the file is larger than ${Math.round(max / 1024 / 1024)} MB`);
      }
      let ffmpeg: string;
      try {
        ffmpeg = findFfmpeg(ctx.config.FFMPEG_PATH);
      } catch (err) {
        req.resume();
        throw refused(503, (err as Error).message);
      }
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const tmpIn = path.join(dir, `.upload-${randomUUID()}`);
      const tmpOut = `${tmpIn}.mp3`;
      try {
        const { head, bytes } = await receive(req, tmpIn, max);
        if (bytes === 0) throw refused(400, 'the body is empty: send the audio file as the request body');
        const kind = sniffAudio(head);
        if (!kind) throw refused(415, 'this is not an audio file we can read (MP3, M4A, OGG/Opus, WAV, FLAC, WebM, AAC or AMR)');
        let made: Awaited<ReturnType<typeof transcodeToMp3>>;
        try {
          made = await transcodeToMp3(ffmpeg, tmpIn, tmpOut);
        } catch (err) {
          if (err instanceof FfmpegMissing) throw refused(503, err.message);
          throw refused(415, (err as Error).message);
        }
        const sha256 = createHash('sha256').update(fs.readFileSync(tmpOut)).digest('hex');
        const file = `${t.episode}.${t.lang}.${sha256.slice(0, 12)}.mp3`;
        fs.renameSync(tmpOut, path.join(dir, file));
        const before = await load(t.episode, t.lang);
        // The previous draft recording of this episode and language is replaced, not kept beside it.
        if (before?.audio && before.audio.file !== file) fs.rmSync(path.join(dir, before.audio.file), { force: true });
        const draft: EpisodeDraft = {
          ...(before ?? {}),
          ...t,
          audio: {
            file,
            type: 'audio/mpeg',
            bytes: made.bytes,
            durationSeconds: made.durationSeconds,
            sha256,
            uploadedAs: kind,
            by: req.staff!.name,
            at: ctx.clock.now(),
          },
        };
        await save(draft);
        res.status(201);
        return draft;
      } finally {
        fs.rmSync(tmpIn, { force: true });
        fs.rmSync(tmpOut, { force: true });
      }
    }),
  );

  router.post(
    '/api/podcasts/:episode/:lang/transcript',
    ...editor,
    express.text({ type: 'text/plain', limit: MAX_TRANSCRIPT_BYTES }),
    wrap(async (req) => {
      const t = target(req);
      if (!req.is('text/plain')) throw refused(415, 'send the transcript as text/plain (UTF-8)');
      const text = typeof req.body === 'string' ? req.body.replace(/\r\n/g, '\n').trim() : '';
      if (!text) throw refused(400, 'the transcript is empty');
      const before = await load(t.episode, t.lang);
      const draft: EpisodeDraft = { ...(before ?? {}), ...t, transcript: { text, by: req.staff!.name, at: ctx.clock.now() } };
      await save(draft);
      return draft;
    }),
  );

  router.post(
    '/api/podcasts/:episode/:lang/to-editor',
    ...editor,
    wrap(async (req) => {
      const t = target(req);
      if (!d.editor || ctx.config.CONTENT_SOURCE !== 'store')
        throw refused(503, 'the content editor is off on this server (CONTENT_SOURCE=files): put the MP3 under content/audio/ and edit podcasts.yaml in git');
      const dr = await load(t.episode, t.lang);
      if (!dr?.audio) throw refused(404, 'no draft recording of this episode in this language: upload it first');
      if (!t.episodeExists)
        throw refused(409, `episode "${t.episode}" is not in the pack: add it in the editor first (its topic and date), then its recording`);
      const bytes = fs.readFileSync(path.join(dir, dr.audio.file));
      const audio = `audio/${dr.audio.file}`;
      // Into the store before the drafts name it: a draft never points at a recording nobody has.
      await (await ctx.store.contentVersions()).putMedia({
        path: `content/${audio}`,
        sha256: dr.audio.sha256,
        type: dr.audio.type,
        bytes,
        createdAt: ctx.clock.now(),
      });
      const made = await d.editor.addRecording(req.staff!, {
        episode: t.episode,
        lang: t.lang,
        audio,
        durationSeconds: dr.audio.durationSeconds,
        ...(dr.transcript ? { transcript: dr.transcript.text } : {}),
        why: `podcast recording of "${t.episode}" in ${t.lang}, uploaded by ${dr.audio.by}`,
      });
      // It is an editor draft now: the upload draft would only be a second copy.
      fs.rmSync(path.join(dir, dr.audio.file), { force: true });
      await ctx.store.kvDelete(NS, key(t.episode, t.lang));
      return { audio, drafts: made.drafts };
    }),
  );

  router.get(
    '/api/podcasts/drafts',
    ...editor,
    wrap(async () => ({
      drafts: (await ctx.store.kvList(NS)).map((r) => JSON.parse(r.value) as EpisodeDraft),
      episodes: Object.values(ctx.content.current().pack.episodes).map((e) => ({
        id: e.id,
        title: ctx.content.current().pack.episodeTexts[ctx.content.current().defaultLang]?.[e.id]?.title ?? e.id,
        recorded: Object.keys(e.audio),
        synthetic: e.synthetic,
      })),
      languages: ctx.content.current().pack.languages.map((l) => ({ code: l.code, name: l.name, englishName: l.englishName, dir: l.dir })),
      maxMegabytes: ctx.config.PODCAST_UPLOAD_MAX_MB,
      ffmpeg: (() => {
        try {
          return { available: true, path: findFfmpeg(ctx.config.FFMPEG_PATH) };
        } catch (err) {
          return { available: false, message: (err as Error).message };
        }
      })(),
    })),
  );

  router.delete(
    '/api/podcasts/:episode/:lang',
    ...editor,
    wrap(async (req) => {
      const t = target(req);
      const dr = await load(t.episode, t.lang);
      if (!dr) throw refused(404, 'no draft of this episode in this language');
      if (dr.audio) fs.rmSync(path.join(dir, dr.audio.file), { force: true });
      await ctx.store.kvDelete(NS, key(t.episode, t.lang));
      return { deleted: { episode: t.episode, lang: t.lang } };
    }),
  );

  router.get(
    '/api/podcasts/:episode/:lang/audio',
    ...editor,
    wrap(async (req, res) => {
      const t = target(req);
      const dr = await load(t.episode, t.lang);
      if (!dr?.audio) throw refused(404, 'no draft recording of this episode in this language');
      res.type('audio/mpeg');
      // Sent before the wrapper answers: it answers only when nothing was sent.
      await new Promise<void>((resolve, reject) => res.sendFile(path.join(dir, dr.audio!.file), (err) => (err ? reject(err) : resolve())));
    }),
  );
}
