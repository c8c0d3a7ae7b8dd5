import type { CrisisKind } from './learned.js';

export type { CrisisKind };
/** What the matcher tells the engine about a message. */
export interface MatchResult {
  /** Best topic, or null when the bot should say it does not know. */
  topic: string | null;
  /** Calibrated confidence of `topic` (0..1). */
  score: number;
  /** answer: confident; clarify: ask "did you mean"; unknown: honest fallback. */
  decision: 'answer' | 'clarify' | 'unknown';
  /** Language the message was matched in. */
  lang: string;
  /** True when the language detection was sure (or agreed with the session). */
  langConfident: boolean;
  /** Languages it could be, best first (for asking with buttons). */
  langCandidates: string[];
  alternatives: { topic: string; score: number }[];
  /** True for both levels of distress. */
  distress: boolean;
  /** clear: crisis answer and a person first; unsure: ask "Are you safe right now?". */
  distressLevel?: DistressLevel;
  /**
   * The message read as a question, whatever the distress detector said:
   * what to answer once a person has said they are safe.
   */
  question: { topic: string | null; decision: 'answer' | 'clarify' | 'unknown' };
}

export type DistressLevel = 'clear' | 'unsure';

/** What the distress detector says about one message. */
export interface DistressResult {
  level?: DistressLevel;
  /** The learned probability of a crisis (0..1). */
  probability: number;
  /** The detector's score: that probability with the crisis share of the closest training messages (neighbours.ts). */
  score?: number;
  /** The language the person most likely wrote in (answer in it: people in crisis fall back to their first language). */
  lang?: string;
  /**
   * Set when the message reads as written in a language the pack does not
   * serve (content/_other/safety.yaml): its code, or `und` for a script no
   * served language uses but no listed language fits. Then `lang` is unset:
   * answer in the session's language, or in the default ones.
   */
  unserved?: string;
  /**
   * What the crisis is about, when the detector reads a level and the
   * crisis-kind model is sure enough (learned.ts CRISIS_KINDS): the answer
   * differs for a person who wants to die, one being hurt, and one worried
   * about a friend. Unset: the answer for all of them.
   */
  kind?: CrisisKind;
}

export type CommandName = 'menu' | 'back' | 'language' | 'human' | 'next' | 'yes' | 'no';

export interface Nlu {
  /** Full analysis: distress, language, topic. `sessionLang` is the prior. */
  match(text: string, sessionLang?: string): MatchResult;
  /** The distress detector alone (runs first on every message, in every state). */
  distress(text: string, sessionLang?: string): DistressResult;
  /** Either level of distress. */
  isDistress(text: string): boolean;
  /** Languages whose distress phrases fired (best guess of the language the person wrote in). */
  distressLanguages(text: string): string[];
  /** A command word typed in any served language ("menu", "zurück", "القائمة"). */
  command(text: string): CommandName | undefined;
  /** The person typed a language's name ("arabic", "العربية", "deutsch"). */
  languageByName(text: string): string | undefined;
  /**
   * The language the pack does not serve that an everyday message reads as written in
   * (content/_other/safety.yaml: `tr`, `so` ...; `und` for a script no served language uses), or
   * undefined when it reads as a served one or says too little to tell (UNSERVED_EVIDENCE).
   * Stricter than the crisis reading: a wrong guess here costs a person their answer.
   */
  unserved(text: string): string | undefined;
}
