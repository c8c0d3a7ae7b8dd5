/**
 * The podcast library on the web: audio files (with byte ranges, so players
 * can seek and Telegram can fetch), a transcript page per episode and
 * language, and an RSS 2.0 feed per language so the co-created episodes also
 * reach ordinary podcast apps.
 */
import fs from 'node:fs';
import path from 'node:path';
import type express from 'express';
import type { CompiledContent } from '../content/served.js';
import type { AppContext, Plugin } from '../server/plugin-api.js';
import { newNonce, pageCsp, setPageCsp } from '../server/security.js';

const MIME: Record<string, string> = { '.mp3': 'audio/mpeg', '.m4a': 'audio/mp4', '.ogg': 'audio/ogg', '.opus': 'audio/ogg' };

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[ch]!);
}

const escapeHtml = escapeXml;

/** RSS 2.0 feed of one language's episodes (episodes without audio in that language use the first recording they have). */
export function rssFeed(c: CompiledContent, lang: string, baseUrl: string): string {
  const l = c.language(lang)!;
  const t = (k: string) => c.t(lang, k);
  const items = Object.values(c.pack.episodes)
    .map((e) => {
      const audioLang = e.audio[lang] ? lang : Object.keys(e.audio)[0];
      const file = audioLang ? e.audio[audioLang] : undefined;
      const texts = c.pack.episodeTexts[lang]?.[e.id];
      if (!file || !texts) return '';
      const size = c.pack.assets[file] ?? 0;
      const ext = path.extname(file);
      const desc = `${texts.description}${e.synthetic ? `\n\n${t('podcasts.synthetic')}` : ''}`;
      return [
        '    <item>',
        `      <title>${escapeXml(texts.title)}</title>`,
        `      <description>${escapeXml(desc)}</description>`,
        `      <link>${escapeXml(`${baseUrl}/podcasts/${lang}/${e.id}/transcript`)}</link>`,
        `      <guid isPermaLink="false">lotse-${escapeXml(e.id)}-${escapeXml(audioLang!)}</guid>`,
        `      <pubDate>${new Date(`${e.published}T00:00:00Z`).toUTCString()}</pubDate>`,
        `      <enclosure url="${escapeXml(`${baseUrl}/media/${file}`)}" length="${size}" type="${MIME[ext] ?? 'audio/mpeg'}"/>`,
        ...(e.duration[audioLang!] ? [`      <itunes:duration>${Math.round(e.duration[audioLang!]!)}</itunes:duration>`] : []),
        '    </item>',
      ].join('\n');
    })
    .filter(Boolean);
  const title = c.pack.flowTexts[lang]?.main?.menu?.options?.podcasts ?? 'Podcasts';
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:atom="http://www.w3.org/2005/Atom">',
    '  <channel>',
    `    <title>${escapeXml(`Lotse – ${title} (${l.name})`)}</title>`,
    `    <link>${escapeXml(baseUrl)}/</link>`,
    `    <description>${escapeXml(c.pack.topicTexts[lang]?.['podcasts.list']?.answer[0] ?? title)}</description>`,
    `    <language>${escapeXml(lang)}</language>`,
    `    <atom:link href="${escapeXml(`${baseUrl}/podcasts/${lang}/feed.xml`)}" rel="self" type="application/rss+xml"/>`,
    ...items,
    '  </channel>',
    '</rss>',
    '',
  ].join('\n');
}

/** `id` and `lang` come from the URL: only the pack's own keys count ("__proto__" and "constructor" are no episodes). */
function transcriptPage(c: CompiledContent, lang: string, id: string, nonce = ''): string | undefined {
  const l = c.language(lang);
  const byLang = l && Object.hasOwn(c.pack.episodeTexts, lang) ? c.pack.episodeTexts[lang] : undefined;
  const e = Object.hasOwn(c.pack.episodes, id) ? c.pack.episodes[id] : undefined;
  const texts = byLang && Object.hasOwn(byLang, id) ? byLang[id] : undefined;
  if (!e || !texts || !l) return undefined;
  const audioLang = e.audio[lang] ? lang : Object.keys(e.audio)[0];
  const file = audioLang ? e.audio[audioLang] : undefined;
  const paras = texts.transcript
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p)}</p>`)
    .join('\n');
  return `<!doctype html>
<html lang="${escapeHtml(lang)}" dir="${l.dir}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(texts.title)}</title>
<style nonce="${escapeHtml(nonce)}">body{font-family:system-ui,"Noto Sans","Noto Naskh Arabic",sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;line-height:1.6}audio{width:100%}.note{color:#555;font-style:italic}</style>
</head>
<body>
<h1>${escapeHtml(texts.title)}</h1>
<p>${escapeHtml(texts.description)}</p>
${file ? `<audio controls preload="none" src="/media/${escapeHtml(file)}"></audio>` : ''}
${e.synthetic ? `<p class="note">${escapeHtml(c.t(lang, 'podcasts.synthetic'))}</p>` : ''}
<h2>${escapeHtml(c.t(lang, 'podcasts.transcript'))}</h2>
${paras}
</body>
</html>`;
}

/** What a media answer needs: its type, size, when it was made, and its bytes from `start` to `end` (inclusive). */
interface MediaBody {
  type: string;
  size: number;
  modified: Date;
  read(start: number, end: number): NodeJS.ReadableStream | Buffer;
}

/** A file on disk as a media body, or undefined when it is not there. */
function diskMedia(file: string): MediaBody | undefined {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return undefined;
  }
  return {
    type: MIME[path.extname(file)] ?? 'application/octet-stream',
    size: stat.size,
    modified: stat.mtime,
    read: (start, end) => fs.createReadStream(file, { start, end }),
  };
}

/** Serves one recording with Content-Length and single byte ranges (players seek; Telegram and podcast apps probe). */
function sendMedia(req: express.Request, res: express.Response, m: MediaBody): void {
  res.setHeader('Content-Type', m.type);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Cache-Control', 'public, max-age=86400');
  // The chat plays these on NGO sites too (an <audio> from another origin).
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  res.setHeader('Last-Modified', m.modified.toUTCString());
  const send = (start: number, end: number) => {
    if (req.method === 'HEAD') return void res.end();
    const body = m.read(start, end);
    if (Buffer.isBuffer(body)) res.end(body);
    else body.pipe(res);
  };
  const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (range && (range[1] || range[2])) {
    let start = range[1] ? Number(range[1]) : m.size - Number(range[2]);
    let end = range[1] && range[2] ? Number(range[2]) : m.size - 1;
    start = Math.max(0, start);
    end = Math.min(end, m.size - 1);
    if (start > end || start >= m.size) {
      res.status(416).setHeader('Content-Range', `bytes */${m.size}`).end();
      return;
    }
    res.status(206).setHeader('Content-Range', `bytes ${start}-${end}/${m.size}`);
    res.setHeader('Content-Length', String(end - start + 1));
    return send(start, end);
  }
  res.setHeader('Content-Length', String(m.size));
  send(0, m.size - 1);
}

export function podcastsPlugin(): Plugin {
  return {
    name: 'podcasts',
    mount(app, ctx: AppContext) {
      const current = () => ctx.content.current();
      const notFound = (res: express.Response) => void res.status(404).json({ error: { code: 'NotFound', message: 'no such audio file' } });
      // Only files the pack declares are served: no path from the URL reaches the disk (or the store) unchecked.
      // A recording uploaded through the console (issue 16.5) is in the store, so every instance has it.
      app.get('/media/audio/:file', async (req, res) => {
        const rel = `audio/${req.params.file}`;
        const c = current();
        if (!Object.hasOwn(c.pack.assets, rel)) return notFound(res);
        const onDisk = diskMedia(path.join(c.assetRoot, rel));
        if (onDisk) return sendMedia(req, res, onDisk);
        try {
          const m = await (await ctx.store.contentVersions()).media(`content/${rel}`);
          if (!m) return notFound(res);
          sendMedia(req, res, { type: m.type, size: m.bytes.length, modified: new Date(m.createdAt), read: (start, end) => m.bytes.subarray(start, end + 1) });
        } catch (err) {
          ctx.log.error('podcast recording from the store failed', { err, file: rel });
          if (!res.headersSent) res.status(503).json({ error: { code: 'Unavailable', message: 'the recording cannot be read just now' } });
        }
      });
      app.get('/podcasts/:lang/feed.xml', (req, res) => {
        const c = current();
        if (!c.language(req.params.lang)) return void res.status(404).type('text/plain').send('unknown language');
        res.type('application/rss+xml; charset=utf-8').send(rssFeed(c, req.params.lang, ctx.config.publicUrl));
      });
      app.get('/podcasts/:lang/:id/transcript', (req, res) => {
        const nonce = newNonce();
        const html = transcriptPage(current(), req.params.lang, req.params.id, nonce);
        if (!html) return void res.status(404).type('text/plain').send('no such episode');
        setPageCsp(res, pageCsp(nonce, { config: ctx.config }));
        res.type('text/html; charset=utf-8').send(html);
      });
      app.get('/podcasts', (_req, res) => {
        const c = current();
        res.json({ feeds: c.pack.languages.map((l) => ({ lang: l.code, name: l.name, url: `${ctx.config.publicUrl}/podcasts/${l.code}/feed.xml` })) });
      });
    },
  };
}
