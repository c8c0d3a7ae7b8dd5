/**
 * What the rest of Lotse may ask of the content editor's drafts (issue 16).
 *
 * The co-creation dashboard turns a question people asked into an example
 * phrasing of a topic, or into the start of a new topic, with one click. It
 * does so through this narrow interface, so it does not depend on how drafts
 * are stored: the store-backed implementation lives next to this file, and
 * nothing here is published until a reviewer publishes the draft.
 */

/** Who asked for a draft change, for the version's "who changed what and why". */
export interface EditAuthor {
  /** Staff account id. */
  staffId: string;
  /** Shown in the history. */
  name: string;
}

export interface DraftEdits {
  /**
   * Add `text` as an example phrasing of topic `topic` in language `lang`, as
   * a draft. Idempotent: the same text twice is one example.
   *
   * Example: addExample({ topic: 'asylum.interview', lang: 'ar', text: 'متى موعد المقابلة', by, why: 'asked 12 times in week 48' })
   */
  addExample(input: { topic: string; lang: string; text: string; by: EditAuthor; why?: string }): Promise<{ draftId: string }>;

  /**
   * Start a new topic from a question: a draft with the question as its first
   * example in `lang` and an empty answer the editor must fill before it can
   * be published (the validator refuses an empty answer).
   */
  newTopic(input: { id: string; lang: string; question: string; by: EditAuthor; why?: string }): Promise<{ draftId: string }>;
}
