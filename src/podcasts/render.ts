/**
 * `lotse render-audio`: renders the sample episodes' transcripts to MP3
 * with Debian's espeak-ng (speech) and lame (MP3 encoder), tags them as
 * synthetic, and records each file's duration in content/podcasts.yaml.
 *
 * These voices are placeholders: the point of the podcast library is
 * recordings co-created with residents. Replace a file and remove
 * `synthetic: true` when a real recording exists.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';

/** espeak-ng voice per language code (only languages espeak-ng speaks). */
const VOICES: Record<string, string> = { ar: 'ar', fa: 'fa', en: 'en-gb', de: 'de', uk: 'uk' };

export interface RenderResult {
  file: string;
  lang: string;
  seconds: number;
  bytes: number;
}

function wavSeconds(file: string): number {
  // RIFF header: byte rate at offset 28, data size in the 'data' chunk.
  const buf = fs.readFileSync(file);
  const byteRate = buf.readUInt32LE(28);
  let off = 12;
  while (off + 8 <= buf.length) {
    const id = buf.toString('ascii', off, off + 4);
    const size = buf.readUInt32LE(off + 4);
    if (id === 'data') return Math.min(size, buf.length - off - 8) / byteRate;
    off += 8 + size;
  }
  return 0;
}

export function renderAudio(root: string, opts: { only?: string; log?: (s: string) => void } = {}): RenderResult[] {
  const log = opts.log ?? (() => undefined);
  const podcastsPath = path.join(root, 'content', 'podcasts.yaml');
  const doc = parseDocument(fs.readFileSync(podcastsPath, 'utf8'));
  const episodes = (doc.toJS() as { episodes: { id: string; audio: Record<string, string> }[] }).episodes;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-audio-'));
  const results: RenderResult[] = [];
  try {
    episodes.forEach((e, i) => {
      for (const [lang, rel] of Object.entries(e.audio)) {
        if (opts.only && opts.only !== lang) continue;
        const voice = VOICES[lang];
        if (!voice) throw new Error(`no espeak-ng voice configured for "${lang}" (episode ${e.id})`);
        const textsPath = path.join(root, 'content', lang, 'podcasts.yaml');
        const texts = parseDocument(fs.readFileSync(textsPath, 'utf8')).toJS() as Record<string, { title: string; transcript: string }>;
        const t = texts[e.id];
        if (!t) throw new Error(`${textsPath}: no transcript for episode "${e.id}"`);
        const wav = path.join(tmp, `${e.id}.${lang}.wav`);
        const txt = path.join(tmp, `${e.id}.${lang}.txt`);
        fs.writeFileSync(txt, `${t.title}.\n\n${t.transcript}`);
        // -s 150: a little slower than default, easier for listeners in a second language.
        execFileSync('espeak-ng', ['-v', voice, '-s', '150', '-f', txt, '-w', wav], { stdio: 'pipe' });
        const out = path.join(root, 'content', rel);
        fs.mkdirSync(path.dirname(out), { recursive: true });
        execFileSync(
          'lame',
          [
            '--quiet',
            '-m',
            'm',
            '-b',
            '48',
            '--resample',
            '22.05',
            '--id3v2-only',
            '--id3v2-utf16',
            '--tt',
            t.title,
            '--ta',
            'Lotse (synthetic sample voice)',
            '--tl',
            'Lotse podcast library',
            '--tc',
            'Synthetic voice (espeak-ng): replace with a co-created recording',
            '--tg',
            'Speech',
            wav,
            out,
          ],
          { stdio: 'pipe' },
        );
        const seconds = Math.round(wavSeconds(wav) * 10) / 10;
        doc.setIn(['episodes', i, 'duration', lang], seconds);
        const bytes = fs.statSync(out).size;
        results.push({ file: rel, lang, seconds, bytes });
        log(`${rel}: ${seconds} s, ${bytes} bytes`);
      }
    });
    fs.writeFileSync(podcastsPath, doc.toString({ lineWidth: 0 }));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}
