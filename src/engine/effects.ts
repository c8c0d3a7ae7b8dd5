/** Side effects the engine asks the runtime to carry out (it never does I/O itself). */
export type Effect =
  | { type: 'feedback'; topic: string; lang: string; helpful: boolean }
  | { type: 'unanswered'; text: string; lang: string }
  | { type: 'delete-data' }
  | { type: 'handoff'; reason: string; priority: 'normal' | 'urgent'; lang: string; topic?: string }
  /** A crisis noticed (level 'unsure': the bot asked "are you safe?"); the runtime logs counts, never the text. */
  | {
      type: 'distress';
      lang: string;
      text: string;
      level?: 'clear' | 'unsure';
      /** Written in a language the pack does not serve (its code, or 'und'): the caseworker needs an interpreter. */
      unserved?: string;
    };
