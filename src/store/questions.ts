/**
 * What the co-creation dashboard reads (issue 16.4): the questions the bot
 * could not answer and those whose answer the person found not helpful
 * (both masked at write time, in the `unanswered` table), and the answers to
 * "Was this helpful?", over a time range. Read-only: records are written by
 * the runtime (`Store.addUnanswered`, `Store.addFeedback`) and erased by
 * `forgetPerson` and the retention sweep like before.
 */

/** Why a question is in the co-creation loop. */
export type QuestionKind = 'unanswered' | 'not-helpful';

/** One stored question, as the dashboard groups it. */
export interface QuestionRow {
  kind: QuestionKind;
  lang: string;
  /** Masked at write time (maskPersonalData). */
  text: string;
  /** For `not-helpful`: the topic whose answer did not help. */
  topic?: string;
  /**
   * An opaque key of the conversation it came from, only to count how many
   * different people a group stands for (the k-anonymity rule, PRIVACY.md).
   * Never shown or exported.
   */
  who: string;
  at: number;
}

/** One answer to "Was this helpful?" without the conversation. */
export interface FeedbackRow {
  topic: string;
  lang: string;
  helpful: boolean;
  /** Opaque conversation key, for the same counting as `QuestionRow.who`. */
  who: string;
  at: number;
}

/** The co-creation dashboard's reads; ask the store with `await store.questions()`. */
export interface QuestionRecords {
  /** Questions recorded in [from, to) (ms epoch), oldest first; at most `limit` (the newest are kept when there are more). */
  questionsBetween(from: number, to: number, limit?: number): Promise<QuestionRow[]>;
  /** Feedback recorded in [from, to), oldest first; at most `limit`. */
  feedbackBetween(from: number, to: number, limit?: number): Promise<FeedbackRow[]>;
}
