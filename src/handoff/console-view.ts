/**
 * What the console shows of a handoff beyond the stored record, so that a
 * caseworker reads an entry at a glance: the pseudonym, the person's first
 * words, the reason in words, and whether it is urgent and nobody on the
 * team speaks the language. Added to the queue and the open view without
 * changing their stored shape (older consoles and tests keep working).
 */
import type { ContentManager } from '../content/manager.js';
import type { Handoff, HandoffMessage, Handoffs } from '../store/handoffs.js';
import { doesCasework, type StaffAccounts } from '../store/staff.js';
import { pseudonym } from './pseudonym.js';
import { reasonInWords } from './transcript.js';

/** The person's first words shown in the queue: enough to tell two entries apart, not a whole story. */
const PREVIEW_CHARS = 90;

/** Extra fields of a queue entry or an open handoff. */
export interface ConsoleView {
  pseudonym: string;
  preview?: string;
  reasonText: string;
  urgent: boolean;
  languageMatch: boolean;
}

/** The first thing the person wrote (before or during the handoff), cut short; never a pressed button's code. */
export function firstWords(messages: HandoffMessage[]): string | undefined {
  const m = messages.find((x) => x.author === 'person' && (x.kind === 'message' || x.kind === 'transcript') && !/^\[[^\]\s]+\]$/.test(x.text.trim()));
  if (!m) return undefined;
  const t = m.text.replace(/\s+/g, ' ').trim();
  return t.length > PREVIEW_CHARS ? `${t.slice(0, PREVIEW_CHARS - 1)}…` : t;
}

export class ConsoleViews {
  constructor(private readonly d: { hs: Handoffs; staff: StaffAccounts; content: ContentManager; secret: Buffer }) {}

  /** Languages someone active on the team speaks. */
  private async spoken(): Promise<Set<string>> {
    return new Set((await this.d.staff.allStaff()).filter((s) => s.active && doesCasework(s.role)).flatMap((s) => s.languages));
  }

  /** Adds the view fields; `urgent` and `languageMatch` from the queue work are kept when present. */
  async decorate<H extends Handoff & { urgent?: boolean; languageMatch?: boolean }>(
    list: H[],
    uiLang: string,
    messages?: HandoffMessage[],
  ): Promise<(H & ConsoleView)[]> {
    const c = this.d.content.current();
    const spoken = list.some((h) => h.languageMatch === undefined) ? await this.spoken() : new Set<string>();
    return Promise.all(
      list.map(async (h) => {
        const preview = h.transcriptPurged ? undefined : firstWords(messages ?? (await this.d.hs.messages(h.id)));
        return {
          ...h,
          pseudonym: pseudonym(this.d.secret, h.ref.conversationId),
          ...(preview ? { preview } : {}),
          reasonText: reasonInWords(c, uiLang, h.reason, h.topic),
          urgent: h.urgent ?? h.priority === 0,
          languageMatch: h.languageMatch ?? spoken.has(h.lang),
        };
      }),
    );
  }
}
