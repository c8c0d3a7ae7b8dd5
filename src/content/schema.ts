/**
 * zod schemas for every file of a content pack.
 *
 * A pack has three roots (see content/README.md for the authors' guide):
 *   flows/<flow>.yaml                 language-neutral conversation structure
 *   content/topics.yaml               language-neutral topic registry (ids, sources, links)
 *   content/services.yaml             language-neutral service directory
 *   content/podcasts.yaml             language-neutral podcast episodes
 *   content/<lang>/language.yaml      the language itself (its own name, direction)
 *   content/<lang>/topics/*.yaml      per-language topic texts (answer, examples, keywords)
 *   content/<lang>/flows.yaml         per-language texts of flow steps
 *   content/<lang>/services.yaml      per-language texts of the directory
 *   content/<lang>/podcasts.yaml      per-language episode titles and transcripts
 *   content/<lang>/safety.yaml        per-language distress phrases
 *   locales/<lang>/translation.json   i18next UI strings (buttons, notices, command words)
 *
 * Everything here is data: adding a language is adding the files above.
 */
import { z } from 'zod';

export const idPattern = /^[a-z0-9][a-z0-9_-]*$/;
/** Topic ids are "<flow>.<topic>", e.g. `hearing.documents`. */
export const topicIdPattern = /^[a-z0-9][a-z0-9-]*\.[a-z0-9][a-z0-9-]*$/;
export const langPattern = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;

const id = z.string().regex(idPattern, 'ids use lowercase letters, digits, "-" and "_" only');
const topicId = z.string().regex(topicIdPattern, 'topic ids look like "<flow>.<topic>", e.g. "hearing.documents"');
const isoDate = z
  .union([z.string(), z.date()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v))
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'dates are written YYYY-MM-DD'));
// Authors write `- 112` in YAML and mean the text "112": numbers are taken as text.
const text = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().trim().min(1, 'text must not be empty'));

/**
 * A jump target: a flow id (`hearing`) or a step in a flow (`hearing#checklist`).
 * Kept as a string so authors write it the way they say it.
 */
export const target = z.string().regex(/^[a-z0-9][a-z0-9_-]*(#[a-z0-9][a-z0-9_-]*)?$/, 'targets look like "flow" or "flow#step"');

/** Actions a topic can trigger besides showing its answer. */
export const topicAction = z.enum([
  'greeting', // answer, then main menu
  'menu', // show the main menu
  'language', // language choice
  'handoff', // talk to a person
  'distress', // crisis answer, numbers, a person at once
  'privacy', // privacy notice
  'delete-data', // confirm, then delete
  'thanks',
  'goodbye',
]);

// ---------------------------------------------------------------- topics ---
/** A public source of a fact: the page and the date someone read it. */
export const sourceSchema = z
  .object({
    title: text,
    url: z.string().url('a source url starts with https://').optional(),
    /** When the page was read (YYYY-MM-DD). */
    read: isoDate,
    /**
     * The organisation's own document with no public page (the house
     * rules): staff check it where it hangs. A public fact needs a `url`.
     */
    local: z.boolean().optional(),
  })
  .strict()
  .refine((s) => Boolean(s.url) !== Boolean(s.local), { message: 'a source has a `url`, or is `local: true` (an own document with no public page), not both' });

export const topicSchema = z
  .object({
    id: topicId,
    flow: id,
    /**
     * Where the facts come from. A source is a name ("BFA") or, for facts
     * people act on, `{ title, url, read }`: the public page and the date it
     * was read, so a reviewer can click and check.
     */
    sources: z.array(z.union([text, sourceSchema])).default([]),
    /** The date the facts were last checked by staff (required when `changes` is true). */
    checked: isoDate.optional(),
    /** True when the answer holds facts that change (amounts, deadlines, rules). */
    changes: z.boolean().default(false),
    action: topicAction.optional(),
    /** Topics offered as buttons after the answer. */
    related: z.array(topicId).default([]),
    /** Directory entries shown with the answer. */
    services: z.array(id).default([]),
    /** Podcast episode played with the answer. */
    episode: id.optional(),
    /** A flow the answer offers to start ("Step by step"). */
    flowLink: target.optional(),
    /** When false, the "was this helpful?" question is not asked after this topic. */
    feedback: z.boolean().default(true),
  })
  .strict();
export const topicsFileSchema = z.object({ topics: z.array(topicSchema) }).strict();

export const reviewState = z.enum(['draft', 'reviewed']);
export const topicTextSchema = z
  .object({
    /** Short title, used for buttons ("Did you mean ...?") and menus. */
    title: z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().trim().min(1).max(60, 'titles are button labels: 60 characters at most')),
    /** One to three messages; one idea per message. */
    answer: z.array(text).min(1).max(3, 'at most three messages before the buttons'),
    /** How people ask: formal, colloquial, very short, dialect. At least 8. */
    examples: z.array(text).min(8, 'write at least 8 example phrasings'),
    /** Single words and synonyms people use for this topic. */
    keywords: z.array(text).default([]),
    review: reviewState,
    /** When this translation was last checked (for topics whose facts change). */
    checked: isoDate.optional(),
    /**
     * Why this translation says less than the reference language (e.g.
     * "awaiting review of the new deadline"). `lotse validate` lists it and
     * `--strict` fails on it; the crisis answer may never be partial.
     */
    partial: z.string().trim().min(3).optional(),
  })
  .strict();
/** content/<lang>/topics/<flow>.yaml: a map from topic id to its texts. */
export const topicTextsFileSchema = z.record(topicId, topicTextSchema);
export { text as textSchema };

// ----------------------------------------------------------------- flows ---
const stepBase = { id, note: z.string().optional() };

export const menuOption = z
  .object({
    id,
    /** Show this topic's answer (label defaults to the topic title). */
    topic: topicId.optional(),
    /** Or jump to a flow/step. */
    goto: target.optional(),
  })
  .strict()
  .refine((o) => Boolean(o.topic) !== Boolean(o.goto), { message: 'a menu option has exactly one of `topic` or `goto`' });

export const stepSchema = z.discriminatedUnion('type', [
  z.object({ ...stepBase, type: z.literal('message'), topic: topicId.optional(), next: target.optional() }).strict(),
  z.object({ ...stepBase, type: z.literal('menu'), options: z.array(menuOption).min(1).max(12) }).strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('walkthrough'),
      pages: z.array(z.object({ id, topic: topicId.optional() }).strict()).min(2, 'a walkthrough has at least two pages'),
      end: target.optional(),
    })
    .strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('question'),
      choices: z
        .array(z.object({ id, goto: target }).strict())
        .min(2)
        .max(6),
    })
    .strict(),
  z.object({ ...stepBase, type: z.literal('audio'), episode: id, next: target.optional() }).strict(),
  z.object({ ...stepBase, type: z.literal('handoff'), reason: id.default('flow') }).strict(),
  z.object({ ...stepBase, type: z.literal('goto'), target }).strict(),
  z
    .object({
      ...stepBase,
      type: z.literal('directory'),
      /** Show the directory entries of these categories (all categories of the need when absent). */
      need: id,
    })
    .strict(),
]);
export type Step = z.infer<typeof stepSchema>;

export const flowSchema = z
  .object({
    id,
    /** The first step; defaults to the first in `steps`. */
    start: id.optional(),
    steps: z.array(stepSchema).min(1),
  })
  .strict();
export type Flow = z.infer<typeof flowSchema>;

/**
 * content/<lang>/flows.yaml: texts of flow steps, by flow id then step id.
 * `text` is what the step says; `options`/`choices`/`pages` name the labels of
 * its buttons and the texts of walkthrough pages that have no topic.
 */
export const stepTextSchema = z
  .object({
    text: text.optional(),
    options: z.record(id, text).optional(),
    choices: z.record(id, text).optional(),
    pages: z.record(id, text).optional(),
  })
  .strict();
export const flowTextsFileSchema = z.record(id, z.record(id, stepTextSchema));

// -------------------------------------------------------------- services ---
export const cost = z.enum(['free', 'low-cost', 'paid']);
export const openingHours = z.union([
  z.literal('24/7'),
  z.array(
    z
      .object({
        days: z.array(z.enum(['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'])).min(1),
        from: z.string().regex(/^\d{2}:\d{2}$/),
        to: z.string().regex(/^\d{2}:\d{2}$/),
      })
      .strict(),
  ),
]);
export const serviceSchema = z
  .object({
    id,
    category: id,
    /** Proper name, as the organisation writes it. */
    name: text,
    /** Who it serves, e.g. everyone, women, children, lgbtiq, asylum-seekers. */
    serves: z.array(id).min(1),
    /** Languages spoken (codes); "interpreter" when they organise one. */
    languages: z.array(z.string()).min(1),
    cost,
    contact: z.object({ phone: z.string().optional(), url: z.string().url().optional(), email: z.string().email().optional() }).strict().default({}),
    address: z.string().optional(),
    hours: openingHours.optional(),
    accessibility: z.array(id).default([]),
    region: z.string().default('Austria'),
    /** Not verified: shown with a visible "example entry" label; `validate --strict` fails on it. */
    example: z.boolean().default(false),
    sources: z.array(text).default([]),
    checked: isoDate.optional(),
  })
  .strict();
export type Service = z.infer<typeof serviceSchema>;
export const servicesFileSchema = z
  .object({
    /** Needs people start from ("I need help with ..."), each grouping categories. */
    needs: z.array(z.object({ id, categories: z.array(id).min(1) }).strict()).min(1),
    categories: z.array(id).min(1),
    services: z.array(serviceSchema),
  })
  .strict();
export const serviceTextsFileSchema = z
  .object({
    needs: z.record(id, text),
    categories: z.record(id, text),
    services: z.record(
      id,
      z
        .object({
          description: text,
          /** How to get there / how to reach them, in plain words. */
          howToGet: text.optional(),
        })
        .strict(),
    ),
  })
  .strict();

// -------------------------------------------------------------- podcasts ---
export const episodeSchema = z
  .object({
    id,
    topic: topicId,
    /** True for generated sample voices that co-created recordings should replace. */
    synthetic: z.boolean().default(false),
    published: isoDate,
    /** Audio files by language, relative to content/. */
    audio: z.record(z.string(), z.string()),
    /** Duration in seconds by language. */
    duration: z.record(z.string(), z.number().positive()).default({}),
  })
  .strict();
export type Episode = z.infer<typeof episodeSchema>;
export const podcastsFileSchema = z.object({ episodes: z.array(episodeSchema) }).strict();
export const episodeTextsFileSchema = z.record(id, z.object({ title: text, description: text, transcript: text }).strict());

// -------------------------------------------------------------- language ---
export const languageSchema = z
  .object({
    /** The language named in its own script, e.g. "العربية". */
    name: text,
    /** The English name, for staff. */
    englishName: text,
    /**
     * The language every other one is compared with (translation parity):
     * each must carry every message of it. One language of a pack says
     * `reference: true`; without one, English is the reference.
     */
    reference: z.boolean().optional(),
    /**
     * Where this language has no recording of an episode: the languages whose
     * recordings its speakers understand, best first (Pashto: Dari/Farsi,
     * then Arabic). The person is told which language it is and can choose.
     */
    audioFallback: z.array(z.string()).default([]),
    dir: z.enum(['ltr', 'rtl']),
    /** Unicode scripts used to detect the language of a message. */
    script: z.enum(['Arab', 'Cyrl', 'Latn']),
    /** Locale Web Chat should use (e.g. ar-SA); absent: Lotse supplies its strings. */
    webchatLocale: z.string().optional(),
    /** Other codes that mean this language (Telegram language_code, browser). */
    aliases: z.array(z.string()).default([]),
    /** Order in the language menu. */
    order: z.number().int().default(100),
    /** Other ways people name this language when they type it ("arabic", "عربي", "Arabisch"). */
    names: z.array(text).default([]),
  })
  .strict();
export type Language = z.infer<typeof languageSchema>;

/** The concepts of distress that content gives examples for (see content/README.md). */
export const distressConcepts = ['means', 'wish', 'burden', 'hopeless', 'self-harm', 'violence', 'someone-else'] as const;
export type DistressConcept = (typeof distressConcepts)[number];

/**
 * content/<lang>/examples/<flow>.yaml: more example phrasings per topic, kept
 * apart from the answers so that community members can add how people ask
 * without touching what the bot says. `none` holds messages the bot should
 * honestly not know (weather, football, shopping).
 */
export const examplesFileSchema = z.record(z.string(), z.array(text).min(1));

/** content/catalog.yaml: the topic ids a pack must serve (a contract with evaluation sets). */
export const catalogFileSchema = z.object({ topics: z.array(z.object({ id: topicId }).passthrough()) }).passthrough();

export const safetyFileSchema = z
  .object({
    /**
     * Phrases that signal acute distress (suicidal thoughts, self-harm, violence
     * happening now). Matched loosely: tuned for recall, never for precision.
     */
    distress: z.array(text).min(5),
    /**
     * How people in crisis write, grouped by concept (means, wish, burden,
     * hopelessness, self-harm, violence now, someone else in danger). These
     * train the learned distress detector: whole messages, many ways each.
     */
    distressExamples: z.partialRecord(z.enum(distressConcepts), z.array(text).min(1)).default({}),
    /**
     * Messages that look like distress but are not (idioms such as Farsi
     * "بمیرم برات", negations, questions about a service): the detector
     * learns from them not to fire.
     */
    notDistress: z.array(text).default([]),
  })
  .strict();

/**
 * Scripts a language Lotse does not serve may be written in. Only Latin,
 * Cyrillic and Arabic script get Latin-letter training copies (romanize.ts);
 * the others are there so that the file says what it holds.
 */
export const otherScripts = ['Latn', 'Cyrl', 'Arab', 'Ethi', 'Beng', 'Deva', 'Geor', 'Taml', 'Armn'] as const;

/**
 * content/_other/safety.yaml: crisis messages in languages Lotse does not
 * serve (Turkish, Kurdish, Russian, Somali, Tigrinya ...). Newcomers write
 * in their first language when they are in crisis; the numbers are the same
 * for everyone in Austria, so the bot must notice the crisis even though it
 * cannot answer the question. These messages train the distress detector
 * only (crisis / not crisis), never the topics, and the language model's
 * "not a served language" check (learned.ts). Optionally a language has the
 * words the bot says, in it, to someone who writes it (`notServed`, `person`).
 */
export const otherSafetyFileSchema = z
  .object({
    languages: z.record(
      z.string().regex(/^[a-z]{2,3}$/, 'a language code of two or three small letters (ISO 639: tr, ckb)'),
      z
        .object({
          /** The language's English name, for the people who review the file. */
          englishName: text,
          script: z.enum(otherScripts),
          /** Crisis messages by concept, as people in crisis type them. */
          distressExamples: z.partialRecord(z.enum(distressConcepts), z.array(text).min(1)),
          /** Everyday messages: papers, doctor, money, school (not a crisis). */
          everyday: z.array(text).min(1),
          /** Look-alikes: crisis-looking words that are not a crisis ("my phone is dead", negations). */
          notDistress: z.array(text).default([]),
          /**
           * Served languages many of its speakers read, answered in (before
           * English) while the person has chosen none: Russian speakers from
           * Ukraine read Ukrainian better than English or German.
           */
          answerIn: z.array(z.string()).default([]),
          /**
           * Optional, in the language itself: what the bot says to someone who writes it (that it
           * cannot write in it, the languages below, a person who may help) and the label of the
           * "talk to a person" button. Without them the bot says it in every served language.
           */
          notServed: text.optional(),
          person: text.optional(),
        })
        .strict(),
    ),
  })
  .strict();
export type OtherSafetyFile = z.infer<typeof otherSafetyFileSchema>;

/** locales/<lang>/translation.json: must hold at least these keys. */
export const requiredUiKeys = [
  'buttons.menu',
  'buttons.back',
  'buttons.next',
  'buttons.language',
  'buttons.human',
  'buttons.yes',
  'buttons.no',
  'buttons.stepByStep',
  'buttons.listen',
  'buttons.details',
  'buttons.cancel',
  'welcome.chooseLanguage',
  'welcome.privacy',
  'welcome.intro',
  'feedback.question',
  'feedback.thanksYes',
  'feedback.thanksNo',
  'disambiguation.question',
  'disambiguation.none',
  'fallback.unknown',
  'fallback.offer',
  'language.changed',
  'language.unsure',
  'menu.text',
  'distress.care',
  'distress.numbers',
  'distress.offer',
  'distress.check',
  'distress.checkSafe',
  'distress.checkNotSafe',
  'distress.checkThanks',
  'distress.night',
  'distress.nightLeave',
  'handoff.intro',
  'handoff.queued',
  'handoff.cancelled',
  'handoff.seen',
  'handoff.wait',
  'handoff.position',
  'handoff.officeHours',
  'handoff.offHours',
  'handoff.active',
  'handoff.taken',
  'handoff.stillWaiting',
  'handoff.closed',
  'handoff.received',
  'handoff.receivedShort',
  'handoff.read',
  'handoff.from',
  'handoff.said',
  'handoff.rateQuestion',
  'handoff.rateThanks',
  'handoff.rateDone',
  'privacy.deleteConfirm',
  'privacy.deleted',
  'privacy.keep',
  'services.example',
  'services.cost.free',
  'services.cost.low-cost',
  'services.cost.paid',
  'services.languages',
  'services.hours',
  'services.open24',
  'services.phone',
  'services.address',
  'services.none',
  'podcasts.synthetic',
  'podcasts.transcript',
  'walkthrough.page',
  'errors.tooLong',
  'errors.unsupported',
  'errors.mediaCaption',
  'stop.explain',
  'commands.menu',
  'commands.back',
  'commands.language',
  'commands.human',
  'commands.next',
  'commands.yes',
  'commands.no',
  'commands.cancel',
] as const;
