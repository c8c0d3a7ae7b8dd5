/**
 * Saved replies for the console: a caseworker's own, and the team's shared
 * ones (one team per deployment: everyone who signs in to this console).
 * Anyone may read the team's; the author or an admin may delete one.
 */
import { MAX_MESSAGE_LENGTH } from '../shared/limits.js';
import type { Snippet, Snippets } from '../store/snippets.js';
import type { Staff } from '../store/staff.js';
import type { IdGen } from '../util/clock.js';
import { refused } from '../util/http-error.js';

/** A title is a short handle shown in the list. */
const MAX_TITLE = 80;
/** Enough for a whole office; more is a runaway script. */
const MAX_PER_OWNER = 200;

export class SnippetService {
  constructor(
    private readonly store: Snippets,
    private readonly ids: IdGen,
    private readonly now: () => number,
  ) {}

  async list(staff: Staff): Promise<(Snippet & { shared: boolean; mine: boolean })[]> {
    return (await this.store.visibleTo(staff.id)).map((s) => ({ ...s, shared: !s.ownerId, mine: s.authorId === staff.id }));
  }

  async add(staff: Staff, input: { title?: string; text?: string; shared?: boolean }): Promise<Snippet> {
    const text = (input.text ?? '').trim();
    if (!text) throw refused(400, 'the snippet is empty');
    if (text.length > MAX_MESSAGE_LENGTH) throw refused(413, `the snippet is too long (${MAX_MESSAGE_LENGTH} characters at most)`);
    const title = ((input.title ?? '').trim() || text.split('\n')[0]!).slice(0, MAX_TITLE);
    const mine = (await this.store.visibleTo(staff.id)).filter((s) => s.authorId === staff.id);
    if (mine.length >= MAX_PER_OWNER) throw refused(409, `you have ${MAX_PER_OWNER} snippets already; delete some first`);
    const s: Snippet = { id: this.ids.next('sn_'), ...(input.shared ? {} : { ownerId: staff.id }), authorId: staff.id, title, text, createdAt: this.now() };
    await this.store.add(s);
    return s;
  }

  async remove(staff: Staff, id: string): Promise<void> {
    const s = await this.store.get(id);
    if (!s || (s.ownerId && s.ownerId !== staff.id)) throw refused(404, 'no such snippet');
    if (s.authorId !== staff.id && staff.role !== 'admin') throw refused(403, 'only its author or an admin may delete a team snippet');
    await this.store.remove(id);
  }
}
