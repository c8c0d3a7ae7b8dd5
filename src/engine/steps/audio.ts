import type { CompiledContent } from '../../content/served.js';
import type { Step } from '../../content/schema.js';
import type { AudioMessage, OutMessage } from '../messages.js';
import type { StepType } from './types.js';
import { payload } from '../payload.js';

type AudioStep = Extract<Step, { type: 'audio' }>;

const mimeOf = (file: string) => (file.endsWith('.m4a') ? 'audio/mp4' : file.endsWith('.ogg') || file.endsWith('.opus') ? 'audio/ogg' : 'audio/mpeg');

/** The messages that present one episode: the audio, then a note if the voice is synthetic. */
export function episodeMessages(c: CompiledContent, lang: string, episodeId: string, chosen?: string): OutMessage[] {
  const e = c.pack.episodes[episodeId];
  if (!e) return [];
  const others = audioChoices(c, lang, episodeId);
  const audioLang = e.audio[lang] ? lang : chosen && e.audio[chosen] ? chosen : (others[0] ?? lang);
  const file = e.audio[audioLang];
  const texts = c.pack.episodeTexts[lang]?.[episodeId] ?? c.pack.episodeTexts[audioLang]?.[episodeId];
  const out: OutMessage[] = [];
  if (file && texts) {
    const audio: AudioMessage = {
      kind: 'audio',
      episodeId,
      lang: audioLang,
      title: texts.title,
      performer: 'Lotse',
      description: texts.description,
      url: `/media/${file}`,
      file,
      mime: mimeOf(file),
      durationSec: e.duration[audioLang],
      transcriptUrl: `/podcasts/${lang}/${episodeId}/transcript`,
      synthetic: e.synthetic,
    };
    out.push(audio);
  }
  if (e.synthetic) out.push({ kind: 'text', text: `*${c.t(lang, 'podcasts.synthetic')}*` });
  if (audioLang !== lang && file) {
    // Say which language the recording is in, and offer the others the person may understand.
    const name = (code: string) => c.language(code)?.name ?? code;
    out.push({
      kind: 'text',
      text: c.t(lang, 'podcasts.audioIn', { language: name(audioLang) }),
      // The languages this one names as understood (Pashto: Dari/Farsi, Arabic), or every other recording.
      buttons: (c.language(lang)?.audioFallback.length ? others.filter((l) => c.language(lang)!.audioFallback.includes(l)) : others)
        .filter((l) => l !== audioLang)
        .map((l) => ({ label: c.t(lang, 'podcasts.listenIn', { language: name(l) }), payload: payload.episodeIn(episodeId, l) })),
    });
  }
  return out;
}

/** Languages with a recording of the episode, for a person whose language has none: its fallbacks first. */
export function audioChoices(c: CompiledContent, lang: string, episodeId: string): string[] {
  const e = c.pack.episodes[episodeId];
  if (!e) return [];
  const preferred = c.language(lang)?.audioFallback ?? [];
  const all = c.pack.languages.map((l) => l.code);
  return [...preferred, ...all.filter((l) => !preferred.includes(l))].filter((l) => l !== lang && e.audio[l]);
}

/**
 * `audio`: plays a podcast episode in the person's language (or, when it has
 * no recording in that language, the first language it has), with its
 * transcript and, for synthetic voices, a visible note.
 *
 * Example (flows/podcasts.yaml):
 *   - { id: hearing, type: audio, episode: hearing }
 *   # content/podcasts.yaml: the episode and its audio files per language
 *   # content/<lang>/podcasts.yaml: title, description, transcript
 */
export const audioStep: StepType<AudioStep> = {
  references: (s) => [{ kind: 'episode', id: s.episode, at: ['episode'] }, ...(s.next ? [{ kind: 'target' as const, id: s.next, at: ['next'] }] : [])],
  texts: () => [{ key: ['text'], required: false }],
  enter(ctx, s, pos) {
    const intro = ctx.stepText(pos, 'text');
    const msgs: OutMessage[] = [...(intro ? [{ kind: 'text' as const, text: intro }] : []), ...episodeMessages(ctx.c, ctx.lang, s.episode)];
    const buttons = [...(s.next ? [{ label: ctx.t('buttons.next'), payload: payload.goto(s.next) }] : []), ...ctx.nav()];
    const last = msgs[msgs.length - 1];
    if (last) last.buttons = [...(last.buttons ?? []), ...buttons];
    else msgs.push({ kind: 'text', text: ctx.t('menu.text'), buttons });
    return { messages: msgs };
  },
};
