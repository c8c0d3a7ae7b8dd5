/**
 * Caseworkers' saved replies ("snippets"): each one's own, and shared ones
 * the whole team sees. `SqliteSnippets` keeps them in the core SQLite file;
 * methods return Promises so that a network-backed store fits too. Snippets
 * are the staff's own words, never a person's data, so "delete my data"
 * does not touch them.
 */

/** A saved reply; `ownerId` absent: shared with the team. */
export interface Snippet {
  id: string;
  /** The caseworker it belongs to; absent for a team snippet. */
  ownerId?: string;
  /** Who wrote it (for a team snippet: who may delete it, besides admins). */
  authorId: string;
  title: string;
  text: string;
  createdAt: number;
}

/** Saved replies; ask the store for them with `await store.snippets()`. */
export interface Snippets {
  /** A caseworker's own snippets and the team's, own first, each by title. */
  visibleTo(staffId: string): Promise<Snippet[]>;
  get(id: string): Promise<Snippet | undefined>;
  add(s: Snippet): Promise<void>;
  /** Deletes one; true when it existed. */
  remove(id: string): Promise<boolean>;
}
