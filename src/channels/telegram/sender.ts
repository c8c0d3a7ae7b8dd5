/**
 * Sends one Reply to one Telegram chat, message by message, in order.
 *
 *  - paragraphs of one answer (texts without buttons of their own, one after the other) go as one
 *    message with blank lines between, one notification instead of several (layout.ts joinTexts);
 *    the keyboard rows are laid out by measured label width (layout.ts keyboardRows);
 *  - text and links: HTML parse mode (render.ts), split at Telegram's limit, the buttons as an inline
 *    keyboard on the last piece; should Telegram ever refuse the markup, the same text goes again as
 *    plain text rather than being lost;
 *  - audio: sendAudio with title, performer, duration and a caption with the transcript link. The
 *    file is uploaded from the server's own content folder the first time and Telegram's `file_id`
 *    is kept in the store (per bot, file, size and modification time) for every later send; when a
 *    file cannot be sent (missing, too large, refused) the person gets a message with links instead;
 *  - a caseworker's text (`from`): exactly as typed (escaped, never read as markup), under their name
 *    and role in bold, so that it reads as a person's message and not the bot's;
 *  - a quiet reply (receipts, a new place in the queue) goes with `disable_notification`;
 *  - a chat that refuses messages (403: the person blocked the bot or deleted the account) stops the
 *    reply there and is reported as `blocked`; the caller marks it.
 *
 * Throttling, flood-limit retries and per-chat order are not here: they are API transformers
 * (plugin.ts), so every call through `api` gets them.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GrammyError, InputFile, type Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { CompiledContent } from '../../content/served.js';
import type { AudioMessage, Button, OutMessage, Reply } from '../../engine/messages.js';
import type { Store } from '../../store/store.js';
import type { Logger } from '../../util/logger.js';
import { CALLBACK_TTL_MS, type CallbackCodec, NS_PAGES, pageData } from './callback.js';
import { buttonLabel, escapeHtml, fitCaption, type InlineButton, isLinkable, keyboardRows, splitText, toHtml, toPlain } from './render.js';
import { joinTexts, pageRows } from './layout.js';
import { uiText } from './strings.js';

export const NS_FILE = 'tg:file';
/** Bot API upload limit for audio (50 MB); larger files are offered as a link. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

export type SendOutcome = 'sent' | 'blocked';

/**
 * Where a reply's sending stands: `skip` messages went out already (before a crash, or in a failed
 * earlier try of the same update) and are not sent again; `onSent` hears the new count after each
 * message Telegram accepted, so the caller can record it before the next one goes.
 */
export interface SendProgress {
  skip?: number;
  /** Message number `n` (from 1) is about to go out: recorded, a crash now leaves it in doubt. */
  onSending?: (n: number) => void | Promise<void>;
  onSent?: (sent: number) => void | Promise<void>;
}

/** Counts the Telegram messages of one reply as they go (a long text is several). */
class Progress {
  n = 0;
  constructor(private readonly p: SendProgress) {}
  /** Whether message number `n` went out already. */
  get done(): boolean {
    return this.n < (this.p.skip ?? 0);
  }
  async sending(): Promise<void> {
    await this.p.onSending?.(this.n + 1);
  }
  async sent(): Promise<void> {
    this.n++;
    await this.p.onSent?.(this.n);
  }
  skipped(): void {
    this.n++;
  }
}

/** grammY types its signals with the abort-controller shim; Node's own AbortSignal is the same thing at run time. */
export type ApiSignal = Parameters<Api['sendMessage']>[3];
export const apiSignal = (s: AbortSignal | undefined): ApiSignal => s as unknown as ApiSignal;

export interface SenderDeps {
  api: Api;
  store: Store;
  log: Logger;
  codec: CallbackCodec;
  botId: string;
  content: () => CompiledContent;
  /**
   * The address people reach this server at (PUBLIC_URL), for links to audio and transcripts;
   * undefined when not configured: a phone cannot open http://localhost:3000, so such links are
   * left out (Telegram takes only absolute http(s) links).
   */
  publicUrl: string | undefined;
  signal?: AbortSignal;
}

/** The chat will not take messages: blocked by the person, account deleted, chat gone. */
export function isUnreachable(err: unknown): boolean {
  if (!(err instanceof GrammyError)) return false;
  if (err.error_code === 403) return true;
  return err.error_code === 400 && /chat not found|user is deactivated|PEER_ID_INVALID/i.test(err.description);
}

function isMarkupRefused(err: unknown): boolean {
  return (
    err instanceof GrammyError &&
    err.error_code === 400 &&
    /parse entities|can't find end|unsupported start tag|unclosed|wrong (http )?url|unsupported url|entity/i.test(err.description)
  );
}

/**
 * Which buttons may share a row: the answers to the question just asked (yes/no, a rating, a
 * page turn) stay together and apart from the topics, and "Back", "Menu", "Talk to a person"
 * come last, in rows of their own.
 */
function buttonGroup(payload: string): { group: string; together: boolean } {
  if (/^(fb|sc|del|dx|po|wt|rt):/.test(payload)) return { group: 'answer', together: true };
  if (/^n:/.test(payload)) return { group: 'nav', together: false };
  return { group: 'options', together: false };
}

export class TelegramSender {
  constructor(private readonly d: SenderDeps) {}

  /** A link made absolute with PUBLIC_URL; a path on this server stays relative (and so unlinked, render.ts isLinkable) without it. */
  abs(url: string): string {
    if (/^[a-z][a-z0-9+.-]*:/i.test(url) || !this.d.publicUrl) return url;
    return `${this.d.publicUrl}${url.startsWith('/') ? '' : '/'}${url}`;
  }

  /** Sends every message of the reply in order (paragraphs joined: joinTexts), after the first `progress.skip` (see SendProgress). */
  async sendReply(chatId: number | string, reply: Reply, progress: SendProgress = {}): Promise<SendOutcome> {
    const p = new Progress(progress);
    // Paragraphs of one answer as one message: joined before counting, the same way every time (Progress).
    for (const m of joinTexts(reply.messages)) {
      try {
        await this.sendOne(chatId, m, reply.lang, p, reply.quiet === true);
      } catch (err) {
        if (isUnreachable(err)) return 'blocked';
        throw err;
      }
    }
    return 'sent';
  }

  /** "typing…" while the bot works; best effort (never retried, never fails the turn). */
  typing(chatId: number | string): void {
    void this.d.api.sendChatAction(chatId, 'typing', undefined, apiSignal(this.d.signal)).catch(() => undefined);
  }

  /**
   * The inline keyboard for a message's buttons, rows by label width (layout.ts keyboardRows). A
   * keyboard of more than MAX_ROWS rows is shown in pages (layout.ts pageRows): the first page now,
   * each page with "More ›" / "‹ Previous" buttons, and every page kept in the store under a hash of
   * the keyboard, so that a page button works on any instance and after a restart. Turning a page
   * only edits the message's keyboard (plugin.ts): no turn of the engine, so the nonce of a
   * question open meanwhile (src/engine/payload.ts) stays the one that counts, and every button of
   * every page carries exactly the payload the engine gave it.
   */
  async keyboard(buttons: Button[] | undefined, lang: string): Promise<InlineKeyboardMarkup | undefined> {
    if (!buttons?.length) return undefined;
    const keys = await Promise.all(
      buttons.map(async (b) => ({ text: buttonLabel(b), callback_data: await this.d.codec.encode(b.payload), ...buttonGroup(b.payload) })),
    );
    const rows = keyboardRows(keys);
    const plain = (r: typeof rows) => r.map((row) => row.map(({ text, callback_data }) => ({ text, callback_data })));
    const paged = pageRows(rows, 'options');
    if (!paged) return { inline_keyboard: plain(rows) };
    const c = this.d.content();
    const label = (key: string, n: number) =>
      uiText(c, lang, key)
        .replace(/\{\{n\}\}/g, String(n))
        .replace(/\{\{total\}\}/g, String(paged.pages.length));
    const id = createHash('sha256')
      .update(JSON.stringify({ rows: plain(rows), lang, next: uiText(c, lang, 'telegram.pageNext'), prev: uiText(c, lang, 'telegram.pagePrev') }))
      .digest('base64url')
      .slice(0, 22);
    const pages: InlineButton[][][] = paged.pages.map((middle, i) => {
      const turn: InlineButton[] = [];
      if (i > 0) turn.push({ text: label('telegram.pagePrev', i), callback_data: pageData(id, i - 1) });
      if (i < paged.pages.length - 1) turn.push({ text: label('telegram.pageNext', i + 2), callback_data: pageData(id, i + 1) });
      return [...plain(paged.before), ...plain(middle), turn, ...plain(paged.after)];
    });
    // Written every time it is shown, like a long payload (callback.ts): alive while the keyboard is in use.
    await this.d.store.kvPut(NS_PAGES, id, JSON.stringify(pages), CALLBACK_TTL_MS);
    return { inline_keyboard: pages[0]! };
  }

  /** Page `page` of a long keyboard (see `keyboard`), or undefined when it is unknown or expired. */
  async keyboardPage(key: string, page: number): Promise<InlineKeyboardMarkup | undefined> {
    const stored = await this.d.store.kvGet(NS_PAGES, key);
    if (!stored) return undefined;
    try {
      const pages = JSON.parse(stored) as InlineButton[][][];
      const rows = pages[page];
      return Array.isArray(rows) ? { inline_keyboard: rows } : undefined;
    } catch {
      return undefined;
    }
  }

  private async sendOne(chatId: number | string, m: OutMessage, lang: string, p: Progress, quiet = false): Promise<void> {
    if (m.kind === 'text' && m.from) {
      // Text is text: the caseworker's words escaped as they are, split without markup to break.
      const pieces = splitText(m.text || '…');
      for (const [i, piece] of pieces.entries()) {
        if (p.done) {
          p.skipped();
          continue;
        }
        const markup = i === pieces.length - 1 ? await this.keyboard(m.buttons, lang) : undefined;
        const head = i === 0 ? `<b>${escapeHtml(m.from.label)}</b>\n` : '';
        await p.sending();
        await this.sendHtml(chatId, head + escapeHtml(piece), `${i === 0 ? `${m.from.label}\n` : ''}${piece}`, markup, quiet);
        await p.sent();
      }
      return;
    }
    if (m.kind === 'audio') {
      if (p.done) return p.skipped();
      await p.sending();
      await this.sendAudio(chatId, m, lang);
      await p.sent();
      return;
    }
    const text =
      m.kind === 'text'
        ? m.text
        : [m.text, m.links.map((l) => `- [${l.label.replace(/[[\]]/g, '')}](${this.abs(l.url).replace(/[()\s]/g, encodeURIComponent)})`).join('\n')]
            .filter(Boolean)
            .join('\n\n');
    const pieces = splitText(text || '…');
    for (const [i, piece] of pieces.entries()) {
      if (p.done) {
        p.skipped();
        continue;
      }
      const markup = i === pieces.length - 1 ? await this.keyboard(m.buttons, lang) : undefined;
      await p.sending();
      await this.sendHtml(
        chatId,
        toHtml(piece, (u) => this.abs(u)),
        toPlain(piece),
        markup,
        quiet,
      );
      await p.sent();
    }
  }

  private async sendHtml(chatId: number | string, html: string, plain: string, markup: InlineKeyboardMarkup | undefined, quiet = false): Promise<void> {
    const silent = quiet ? { disable_notification: true } : {};
    try {
      await this.d.api.sendMessage(
        chatId,
        html,
        { parse_mode: 'HTML', link_preview_options: { is_disabled: true }, ...silent, ...(markup ? { reply_markup: markup } : {}) },
        apiSignal(this.d.signal),
      );
    } catch (err) {
      if (!isMarkupRefused(err)) throw err;
      this.d.log.warn('telegram refused the formatting; sent as plain text', { err: (err as GrammyError).description });
      await this.d.api.sendMessage(
        chatId,
        plain,
        { link_preview_options: { is_disabled: true }, ...silent, ...(markup ? { reply_markup: markup } : {}) },
        apiSignal(this.d.signal),
      );
    }
  }

  private async sendAudio(chatId: number | string, m: AudioMessage, lang: string): Promise<void> {
    const c = this.d.content();
    const transcript = this.abs(m.transcriptUrl);
    const transcriptLink = isLinkable(transcript) ? `\n\n<a href="${escapeHtml(transcript)}">${escapeHtml(uiText(c, lang, 'podcasts.transcript'))}</a>` : '';
    const markup = await this.keyboard(m.buttons, lang);
    const other = {
      title: m.title,
      performer: m.performer,
      ...(m.durationSec ? { duration: Math.round(m.durationSec) } : {}),
      caption: toHtml(fitCaption(m.description), (u) => this.abs(u)) + transcriptLink,
      parse_mode: 'HTML' as const,
      ...(markup ? { reply_markup: markup } : {}),
    };
    const root = path.resolve(c.assetRoot);
    const file = path.resolve(root, m.file);
    let stat: fs.Stats | undefined;
    try {
      if (file.startsWith(root + path.sep)) stat = fs.statSync(file);
    } catch {
      stat = undefined;
    }
    // A recording uploaded through the console (issue 16.5) is in the store, not on this instance's disk.
    let stored: Buffer | undefined;
    if (!stat?.isFile() && file.startsWith(root + path.sep)) {
      try {
        stored = (await (await this.d.store.contentVersions()).media(`content/${m.file}`))?.bytes;
      } catch (err) {
        this.d.log.warn('podcast recording from the store failed', { err, file: m.file });
      }
    }
    const size = stored?.length ?? (stat?.isFile() ? stat.size : undefined);
    if (size === undefined || size > MAX_UPLOAD_BYTES) {
      this.d.log.warn('audio not sent as a file; sending links instead', { file: m.file, reason: size !== undefined ? 'too large' : 'missing' });
      return this.audioLinks(chatId, m, lang, markup);
    }
    // A stored recording's name carries its hash: its bytes never change under the same key.
    const key = stored ? `${this.d.botId}:${m.file}:${size}` : `${this.d.botId}:${m.file}:${size}:${Math.floor(stat!.mtimeMs)}`;
    const cached = await this.d.store.kvGet(NS_FILE, key);
    if (cached) {
      try {
        await this.d.api.sendAudio(chatId, cached, other, apiSignal(this.d.signal));
        return;
      } catch (err) {
        if (!(err instanceof GrammyError) || err.error_code !== 400 || isUnreachable(err)) throw err;
        // Telegram no longer knows the file id (another bot token, or it expired): upload again.
        await this.d.store.kvDelete(NS_FILE, key);
      }
    }
    try {
      const sent = await this.d.api.sendAudio(chatId, new InputFile(stored ?? file, path.basename(file)), other, apiSignal(this.d.signal));
      const id = sent.audio?.file_id ?? (sent as { document?: { file_id?: string } }).document?.file_id;
      if (id) await this.d.store.kvPut(NS_FILE, key, id);
    } catch (err) {
      if (isUnreachable(err) || !(err instanceof GrammyError) || err.error_code === 429 || err.error_code >= 500) throw err;
      this.d.log.warn('telegram refused the audio file; sending links instead', { file: m.file, err: err.description });
      await this.audioLinks(chatId, m, lang, markup);
    }
  }

  /** The episode as a message with links (when the file itself cannot be sent). */
  private async audioLinks(chatId: number | string, m: AudioMessage, lang: string, markup: InlineKeyboardMarkup | undefined): Promise<void> {
    const c = this.d.content();
    const audio = this.abs(m.url);
    const transcript = this.abs(m.transcriptUrl);
    const links = [
      isLinkable(audio) ? `<a href="${escapeHtml(audio)}">${escapeHtml(uiText(c, lang, 'telegram.listen'))}</a>` : '',
      isLinkable(transcript) ? `<a href="${escapeHtml(transcript)}">${escapeHtml(uiText(c, lang, 'podcasts.transcript'))}</a>` : '',
    ].filter(Boolean);
    const html = [`🎧 <b>${escapeHtml(m.title)}</b> · ${escapeHtml(m.performer)}`, toHtml(fitCaption(m.description), (u) => this.abs(u)), links.join(' · ')]
      .filter(Boolean)
      .join('\n\n');
    const plain = [`🎧 ${m.title} · ${m.performer}`, toPlain(m.description), [audio, transcript].filter(isLinkable).join('\n')].filter(Boolean).join('\n\n');
    await this.sendHtml(chatId, html, plain, markup);
  }
}
