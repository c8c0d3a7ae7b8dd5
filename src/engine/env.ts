/** Facts of the moment the runtime tells the engine: pure data, no I/O. */
export interface EngineEnv {
  now: number;
  /**
   * The channel the person writes on (telegram, webchat, ...). Matching never looks at it; it lets
   * content say what is true only there, such as who else can read a Telegram chat.
   */
  channel?: string;
  /**
   * False when no caseworker is on duty now (outside office hours): the
   * crisis answer then says what helps at night instead of promising a
   * person who is not there. Undefined: no handoff is configured.
   */
  officeOpen?: boolean;
  /** How many days conversations are kept (SESSION_TTL_DAYS), as the privacy notice says. Undefined: 30. */
  sessionTtlDays?: number;
}

/** The days the privacy notice names when the runtime does not say (SESSION_TTL_DAYS' default). */
export const DEFAULT_SESSION_TTL_DAYS = 30;
