/**
 * The one vocabulary of button payloads and slash commands.
 *
 * Every button the engine, a step, the handoff module or a channel makes is
 * built here, and every payload that comes back is read here, once, into a
 * typed `Payload`. Channels treat payloads as opaque strings and only echo
 * them; they map slash commands with `slashCommand` / `commandOf`.
 *
 * The wire format is frozen: stored sessions, open Telegram keyboards and
 * web chat transcripts hold these strings, so a change here must keep
 * reading the old ones.
 *
 *   t:<topic>            show a topic              payload.topic('hearing.documents')
 *   g:<target>           go to a flow or step      payload.goto('hearing#walk')
 *   n:<what>             navigation                payload.nav('menu')
 *   l:<code>             choose a language         payload.lang('ar')
 *   ln:<nonce>:<code>    the same, from a keyboard bound to the session's nonce   payload.lang('ar', 4)
 *   sc:yes|no[:<nonce>]  "Are you safe right now?" payload.safe('yes', 4)
 *   au:<episode>:<lang>  recording in a language   payload.episodeIn('hearing', 'fa')
 *   fb:y|n               "Was this helpful?"       payload.feedback(true)
 *   d:none               "None of these"           payload.noneOfThese()
 *   del:yes|no[:<nonce>] confirm deleting data     payload.deleteData(true, 4)
 *   dx:yes|no[:<nonce>]  a person after a crisis   payload.distressOffer(true, 4)
 *   po:yes|no:<nonce>    a person after three "I don't know"s   payload.personOffer(true, 4)
 *   wt:next|prev         walkthrough page          payload.page('next')
 *   dir:c:<category>     directory category        payload.dirCategory('health')
 *   dir:s:<service>      directory service         payload.dirService('example-gp')
 *   dir:up               directory level up        payload.dirUp()
 *   ho:cancel            cancel a waiting handoff  payload.handoffCancel()
 *   rt:<1-5>:<nonce>     "Was this help good?" after a handoff   payload.rate(5, 4)
 *
 * The nonce (a small counter kept in the session, `Session.kb`) binds a
 * keyboard to the state that offered it: the engine acts on a delete
 * confirmation, a distress consent or a safety answer only when it carries
 * the nonce of the question open right now, and only once. The forms without
 * a nonce are still read (keyboards sent before nonces existed) and are
 * treated as expired where a nonce is required.
 */

/** What `n:` buttons do. */
export type NavWhat = 'menu' | 'back' | 'language' | 'human' | 'next' | 'prev' | 'cancel';
const NAV: readonly NavWhat[] = ['menu', 'back', 'language', 'human', 'next', 'prev', 'cancel'];

/**
 * A button payload, read: what pressing a button means. Built with `payload.*`, read with `parsePayload`.
 *
 * Example: parsePayload('t:hearing.documents') -> { kind: 'topic', id: 'hearing.documents' }
 */
export type Payload =
  | { kind: 'topic'; id: string }
  | { kind: 'goto'; target: string }
  | { kind: 'nav'; what: NavWhat }
  /** `nonce`: the keyboard it came from (absent: an old or hand-made one). */
  | { kind: 'lang'; code: string; nonce?: number }
  | { kind: 'safe'; answer: 'yes' | 'no'; nonce?: number }
  /** `lang` absent: the episode's own choice of recording. */
  | { kind: 'episodeIn'; episode: string; lang?: string }
  | { kind: 'feedback'; helpful: boolean }
  | { kind: 'noneOfThese' }
  | { kind: 'deleteData'; confirm: boolean; nonce?: number }
  | { kind: 'distressOffer'; accept: boolean; nonce?: number }
  /** "Shall I connect you with a person?" after the bot could not answer three times in a row. */
  | { kind: 'personOffer'; accept: boolean; nonce?: number }
  | { kind: 'page'; dir: 'next' | 'prev' }
  | { kind: 'dirCategory'; cat: string }
  | { kind: 'dirService'; id: string }
  | { kind: 'dirUp' }
  | { kind: 'handoffCancel' }
  /** The person's rating of a closed handoff, 1..5; valid only with the nonce the question was asked with. */
  | { kind: 'rate'; score: number; nonce?: number };

/** The `kind` of every payload, e.g. for a step's `onButton` to check whether a button is its own. */
export type PayloadKind = Payload['kind'];

/** ':<nonce>' or nothing. */
const withNonce = (base: string, nonce: number | undefined) => (nonce === undefined ? base : `${base}:${nonce}`);

/** A nonce as written by `withNonce` (canonical decimal, so that reading and writing agree); undefined otherwise. */
function readNonce(s: string): number | undefined {
  return /^(0|[1-9]\d{0,8})$/.test(s) ? Number(s) : undefined;
}

/** "yes", or "yes:<nonce>": the answer and its nonce; undefined for anything else. */
function yesNo(rest: string): { yes: boolean; nonce?: number } | undefined {
  const [answer, nonce, ...more] = rest.split(':');
  if ((answer !== 'yes' && answer !== 'no') || more.length) return undefined;
  if (nonce === undefined) return { yes: answer === 'yes' };
  const n = readNonce(nonce);
  return n === undefined ? undefined : { yes: answer === 'yes', nonce: n };
}

/** The nonce of a payload that carries one (undefined: none, or an old keyboard). */
export function nonceOf(p: Payload): number | undefined {
  return 'nonce' in p ? p.nonce : undefined;
}

/**
 * The wire string of a payload.
 *
 * Example: formatPayload({ kind: 'feedback', helpful: true }) === 'fb:y'
 */
export function formatPayload(p: Payload): string {
  switch (p.kind) {
    case 'topic':
      return `t:${p.id}`;
    case 'goto':
      return `g:${p.target}`;
    case 'nav':
      return `n:${p.what}`;
    case 'lang':
      return p.nonce === undefined ? `l:${p.code}` : `ln:${p.nonce}:${p.code}`;
    case 'safe':
      return withNonce(`sc:${p.answer}`, p.nonce);
    case 'episodeIn':
      return p.lang === undefined ? `au:${p.episode}` : `au:${p.episode}:${p.lang}`;
    case 'feedback':
      return p.helpful ? 'fb:y' : 'fb:n';
    case 'noneOfThese':
      return 'd:none';
    case 'deleteData':
      return withNonce(p.confirm ? 'del:yes' : 'del:no', p.nonce);
    case 'distressOffer':
      return withNonce(p.accept ? 'dx:yes' : 'dx:no', p.nonce);
    case 'personOffer':
      return withNonce(p.accept ? 'po:yes' : 'po:no', p.nonce);
    case 'page':
      return `wt:${p.dir}`;
    case 'dirCategory':
      return `dir:c:${p.cat}`;
    case 'dirService':
      return `dir:s:${p.id}`;
    case 'dirUp':
      return 'dir:up';
    case 'handoffCancel':
      return 'ho:cancel';
    case 'rate':
      return withNonce(`rt:${p.score}`, p.nonce);
  }
}

/**
 * Reads a payload a channel sent back. Total: never throws; anything Lotse
 * did not make (or no longer makes) is undefined.
 *
 * Example: parsePayload('dir:s:example-gp') -> { kind: 'dirService', id: 'example-gp' };
 *          parsePayload('fb:maybe') -> undefined
 */
export function parsePayload(s: unknown): Payload | undefined {
  if (typeof s !== 'string') return undefined;
  const colon = s.indexOf(':');
  if (colon < 0) return undefined;
  const head = s.slice(0, colon);
  const rest = s.slice(colon + 1);
  switch (head) {
    case 't':
      return { kind: 'topic', id: rest };
    case 'g':
      return { kind: 'goto', target: rest };
    case 'l':
      return { kind: 'lang', code: rest };
    case 'ln': {
      const sep = rest.indexOf(':');
      const nonce = sep < 0 ? undefined : readNonce(rest.slice(0, sep));
      return nonce === undefined ? undefined : { kind: 'lang', code: rest.slice(sep + 1), nonce };
    }
    case 'n': {
      const what = NAV.find((w) => w === rest);
      return what ? { kind: 'nav', what } : undefined;
    }
    case 'sc': {
      const a = yesNo(rest);
      if (!a) return undefined;
      const answer = a.yes ? 'yes' : 'no';
      return a.nonce === undefined ? { kind: 'safe', answer } : { kind: 'safe', answer, nonce: a.nonce };
    }
    case 'au': {
      const [episode = '', lang] = rest.split(':');
      return lang === undefined ? { kind: 'episodeIn', episode } : { kind: 'episodeIn', episode, lang };
    }
    case 'fb':
      return rest === 'y' || rest === 'n' ? { kind: 'feedback', helpful: rest === 'y' } : undefined;
    case 'd':
      return rest === 'none' ? { kind: 'noneOfThese' } : undefined;
    case 'del': {
      const a = yesNo(rest);
      if (!a) return undefined;
      return a.nonce === undefined ? { kind: 'deleteData', confirm: a.yes } : { kind: 'deleteData', confirm: a.yes, nonce: a.nonce };
    }
    case 'dx': {
      const a = yesNo(rest);
      if (!a) return undefined;
      return a.nonce === undefined ? { kind: 'distressOffer', accept: a.yes } : { kind: 'distressOffer', accept: a.yes, nonce: a.nonce };
    }
    case 'po': {
      const a = yesNo(rest);
      if (!a) return undefined;
      return a.nonce === undefined ? { kind: 'personOffer', accept: a.yes } : { kind: 'personOffer', accept: a.yes, nonce: a.nonce };
    }
    case 'wt':
      return rest === 'next' || rest === 'prev' ? { kind: 'page', dir: rest } : undefined;
    case 'dir':
      if (rest === 'up') return { kind: 'dirUp' };
      if (rest.startsWith('c:')) return { kind: 'dirCategory', cat: rest.slice(2) };
      if (rest.startsWith('s:')) return { kind: 'dirService', id: rest.slice(2) };
      return undefined;
    case 'ho':
      return rest === 'cancel' ? { kind: 'handoffCancel' } : undefined;
    case 'rt': {
      const [score, nonce, ...more] = rest.split(':');
      if (!score || !/^[1-5]$/.test(score) || more.length) return undefined;
      if (nonce === undefined) return { kind: 'rate', score: Number(score) };
      const n = readNonce(nonce);
      return n === undefined ? undefined : { kind: 'rate', score: Number(score), nonce: n };
    }
    default:
      return undefined;
  }
}

/** Builders: the only way payload strings are made. */
export const payload = {
  /** Show a topic. payload.topic('meta.privacy') === 't:meta.privacy' */
  topic: (id: string) => formatPayload({ kind: 'topic', id }),
  /** Go to "flow" or "flow#step". payload.goto('hearing#walk') === 'g:hearing#walk' */
  goto: (target: string) => formatPayload({ kind: 'goto', target }),
  /** payload.nav('menu') === 'n:menu' */
  nav: (what: NavWhat) => formatPayload({ kind: 'nav', what }),
  /** payload.lang('ar') === 'l:ar'; from a keyboard with nonce 4: payload.lang('ar', 4) === 'ln:4:ar' */
  lang: (code: string, nonce?: number) => formatPayload(nonce === undefined ? { kind: 'lang', code } : { kind: 'lang', code, nonce }),
  /** Answers to "Are you safe right now?". payload.safe('yes', 4) === 'sc:yes:4' */
  safe: (answer: 'yes' | 'no', nonce?: number) => formatPayload(nonce === undefined ? { kind: 'safe', answer } : { kind: 'safe', answer, nonce }),
  /** Play an episode's recording in another language (Pashto speakers: Dari/Farsi or Arabic). payload.episodeIn('hearing', 'ar') === 'au:hearing:ar' */
  episodeIn: (episode: string, lang: string) => formatPayload({ kind: 'episodeIn', episode, lang }),
  /** "Was this helpful?" payload.feedback(false) === 'fb:n' */
  feedback: (helpful: boolean) => formatPayload({ kind: 'feedback', helpful }),
  /** "None of these" under "Did you mean ...?". payload.noneOfThese() === 'd:none' */
  noneOfThese: () => formatPayload({ kind: 'noneOfThese' }),
  /** "Delete my data?" payload.deleteData(true, 4) === 'del:yes:4' */
  deleteData: (confirm: boolean, nonce?: number) =>
    formatPayload(nonce === undefined ? { kind: 'deleteData', confirm } : { kind: 'deleteData', confirm, nonce }),
  /** "Shall I connect you with a person?" after the crisis answer. payload.distressOffer(true, 4) === 'dx:yes:4' */
  distressOffer: (accept: boolean, nonce?: number) =>
    formatPayload(nonce === undefined ? { kind: 'distressOffer', accept } : { kind: 'distressOffer', accept, nonce }),
  /** "Shall I connect you with a person?" after three "I don't know"s. payload.personOffer(true, 4) === 'po:yes:4' */
  personOffer: (accept: boolean, nonce: number) => formatPayload({ kind: 'personOffer', accept, nonce }),
  /** A walkthrough page. payload.page('next') === 'wt:next' */
  page: (dir: 'next' | 'prev') => formatPayload({ kind: 'page', dir }),
  /** payload.dirCategory('health') === 'dir:c:health' */
  dirCategory: (cat: string) => formatPayload({ kind: 'dirCategory', cat }),
  /** payload.dirService('example-gp') === 'dir:s:example-gp' */
  dirService: (id: string) => formatPayload({ kind: 'dirService', id }),
  /** payload.dirUp() === 'dir:up' */
  dirUp: () => formatPayload({ kind: 'dirUp' }),
  /** Cancel a waiting handoff. payload.handoffCancel() === 'ho:cancel' */
  handoffCancel: () => formatPayload({ kind: 'handoffCancel' }),
  /** "Was this help good?" after a handoff, from the keyboard with nonce 4. payload.rate(5, 4) === 'rt:5:4' */
  rate: (score: number, nonce: number) => formatPayload({ kind: 'rate', score, nonce }),
};

// ------------------------------------------------------------ commands ---

/** Commands a channel hands the engine (the `command` event). */
export type Command = 'menu' | 'back' | 'language' | 'human' | 'help' | 'stop';

/** What a slash command means: a (re)start, or a command. */
export type SlashMeaning = { kind: 'start' } | { kind: 'command'; command: Command };

/** Every slash command, once, for every channel ("/start" may carry a deep-link payload on Telegram). */
export const SLASH_COMMANDS = {
  start: { kind: 'start' },
  menu: { kind: 'command', command: 'menu' },
  back: { kind: 'command', command: 'back' },
  language: { kind: 'command', command: 'language' },
  human: { kind: 'command', command: 'human' },
  help: { kind: 'command', command: 'help' },
  // What stopping means here (typed by people used to other bots, and listed: issue 15).
  stop: { kind: 'command', command: 'stop' },
} as const satisfies Record<string, SlashMeaning>;

/** The name of a slash command without "/" (start, menu, back, language, human, help, stop). */
export type SlashName = keyof typeof SLASH_COMMANDS;

const isSlashName = (n: string): n is SlashName => Object.hasOwn(SLASH_COMMANDS, n);

/**
 * The commands a channel lists in its command menu, in order (Telegram's
 * setMyCommands; each described by locales/<lang>/translation.json
 * `telegram.commands.<name>`). /start and /back work without being listed; /stop is listed so that
 * a person who wants to stop finds what it means here (Lotse writes only when written to).
 */
export const LISTED_COMMANDS = ['menu', 'language', 'help', 'human', 'stop'] as const satisfies readonly SlashName[];

/**
 * The meaning of a slash command's name (without "/", any case).
 *
 * Example: slashCommand('Menu') -> { kind: 'command', command: 'menu' }; slashCommand('quit') -> undefined
 */
export function slashCommand(name: string): SlashMeaning | undefined {
  const n = name.toLowerCase();
  return isSlashName(n) ? SLASH_COMMANDS[n] : undefined;
}

/**
 * A whole typed message that is exactly a slash command ("/menu", " /HELP "),
 * for channels without command entities (web chat, Azure, the terminal).
 *
 * Example: commandOf('/language') -> { kind: 'command', command: 'language' }; commandOf('/menu please') -> undefined
 */
export function commandOf(text: string): SlashMeaning | undefined {
  const t = text.trim();
  return t.startsWith('/') ? slashCommand(t.slice(1)) : undefined;
}
