/**
 * Audio for podcast episodes uploaded on the console (issue 16.5): what a
 * file really is (its first bytes, not its name or the browser's word), and
 * its transcoding with ffmpeg to what both Telegram (sendAudio) and every
 * browser play: MP3, mono, 44.1 kHz, 64 kbit/s (speech), metadata dropped
 * (a phone's recording can carry a place or a device name).
 *
 * ffmpeg is Debian's (`apt-get install ffmpeg`), found at run time: the
 * path in FFMPEG_PATH, else `ffmpeg` on PATH. It runs without a shell, on
 * files Lotse named itself, with a time limit.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** Audio containers Lotse accepts, by what their first bytes say. */
export type AudioKind = 'mp3' | 'ogg' | 'wav' | 'flac' | 'm4a' | 'webm' | 'aac' | 'amr';

/** How many first bytes `sniffAudio` needs. */
export const SNIFF_BYTES = 16;

/**
 * The audio container of a file from its first bytes, or undefined when it
 * is not one we take (a PDF, an image, a text renamed to .mp3).
 *
 * Example: sniffAudio(Buffer.from('OggS\0...')) -> 'ogg'
 */
export function sniffAudio(head: Uint8Array): AudioKind | undefined {
  const b = head;
  const ascii = (from: number, s: string) => s.split('').every((ch, i) => b[from + i] === ch.charCodeAt(0));
  if (ascii(0, 'ID3')) return 'mp3';
  if (ascii(0, 'OggS')) return 'ogg';
  if (ascii(0, 'RIFF') && ascii(8, 'WAVE')) return 'wav';
  if (ascii(0, 'fLaC')) return 'flac';
  if (ascii(4, 'ftyp')) return 'm4a';
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) return 'webm';
  if (ascii(0, '#!AMR')) return 'amr';
  // An MPEG audio frame: 11 sync bits; layer bits 01/10/11 are MP3/MP2/MP1, 00 with ADTS is AAC.
  if (b[0] === 0xff && b[1] !== undefined && (b[1] & 0xe0) === 0xe0) return (b[1] & 0x06) === 0 ? 'aac' : 'mp3';
  return undefined;
}

/** ffmpeg could not be found or run: the message says what to install or set. */
export class FfmpegMissing extends Error {}

/** The ffmpeg to use now, or an `FfmpegMissing` saying why there is none. Looked up at each call, so installing it needs no restart. */
export function findFfmpeg(configured: string | undefined, envPath = process.env.PATH ?? ''): string {
  const runnable = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (configured) {
    if (runnable(configured)) return configured;
    throw new FfmpegMissing(`ffmpeg is not at FFMPEG_PATH=${configured}: install Debian's ffmpeg (apt-get install ffmpeg) or correct FFMPEG_PATH`);
  }
  for (const dir of envPath.split(path.delimiter).filter(Boolean)) {
    const p = path.join(dir, 'ffmpeg');
    if (runnable(p)) return p;
  }
  throw new FfmpegMissing("ffmpeg is not installed: audio cannot be transcoded. Install Debian's ffmpeg (apt-get install ffmpeg) or set FFMPEG_PATH");
}

/** What a transcoding made. */
export interface Transcoded {
  /** Seconds, as ffmpeg read them from the input. */
  durationSeconds: number;
  bytes: number;
}

/** The longest a transcoding may take (an hour's episode takes seconds). */
const TIME_LIMIT_MS = 5 * 60_000;

/**
 * Transcodes `input` to MP3 at `output` with ffmpeg (no shell; the paths are
 * Lotse's own). Rejects with the last lines ffmpeg wrote when it fails (a
 * file that only looked like audio), or with `FfmpegMissing` when it cannot start.
 */
export function transcodeToMp3(ffmpeg: string, input: string, output: string): Promise<Transcoded> {
  const args = [
    '-hide_banner',
    '-nostdin',
    '-y',
    '-i',
    input,
    '-vn',
    '-map_metadata',
    '-1',
    '-ac',
    '1',
    '-ar',
    '44100',
    '-c:a',
    'libmp3lame',
    '-b:a',
    '64k',
    '-f',
    'mp3',
    output,
  ];
  return new Promise((resolve, reject) => {
    execFile(ffmpeg, args, { timeout: TIME_LIMIT_MS, maxBuffer: 4 * 1024 * 1024, windowsHide: true }, (err, _stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT')
        return reject(new FfmpegMissing(`ffmpeg could not be started (${ffmpeg}): install Debian's ffmpeg (apt-get install ffmpeg)`));
      if (err) return reject(new Error(`ffmpeg could not read this audio: ${String(stderr).trim().split('\n').slice(-2).join(' ').slice(0, 300)}`));
      const d = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(String(stderr));
      const durationSeconds = d ? Math.round((Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3])) * 10) / 10 : 0;
      resolve({ durationSeconds, bytes: fs.statSync(output).size });
    });
  });
}
