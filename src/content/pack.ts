/**
 * The compiled, immutable content snapshot the engine reads. It is plain JSON
 * data (so a version can be stored, diffed and published by the web editor);
 * indexes for matching are derived from it at load time (src/nlu).
 */
import type { z } from 'zod';
import type {
  DistressConcept,
  Episode,
  Flow,
  Language,
  Service,
  episodeTextsFileSchema,
  flowTextsFileSchema,
  serviceTextsFileSchema,
  topicSchema,
  topicTextSchema,
} from './schema.js';

export type Topic = z.infer<typeof topicSchema>;
export type TopicText = z.infer<typeof topicTextSchema>;
export type FlowTexts = z.infer<typeof flowTextsFileSchema>;
export type ServiceTexts = z.infer<typeof serviceTextsFileSchema>;
export type EpisodeTexts = z.infer<typeof episodeTextsFileSchema>;

export interface LanguageInfo extends Language {
  code: string;
}

export interface ContentPack {
  /** Content hash of every input: the same files give the same version. */
  version: string;
  /** Languages, in menu order. */
  languages: LanguageInfo[];
  topics: Record<string, Topic>;
  topicTexts: Record<string, Record<string, TopicText>>;
  flows: Record<string, Flow>;
  flowTexts: Record<string, FlowTexts>;
  needs: { id: string; categories: string[] }[];
  categories: string[];
  services: Record<string, Service>;
  serviceTexts: Record<string, ServiceTexts>;
  episodes: Record<string, Episode>;
  episodeTexts: Record<string, EpisodeTexts>;
  /** Audio asset sizes in bytes, by path relative to content/. */
  assets: Record<string, number>;
  /** Distress phrases per language (content/<lang>/safety.yaml `distress`). */
  safety: Record<string, string[]>;
  /** Whole crisis messages per language and concept: training data of the distress detector. */
  distressExamples: Record<string, Partial<Record<DistressConcept, string[]>>>;
  /** Per language: messages that look like distress and are not. */
  notDistress: Record<string, string[]>;
  /**
   * Crisis and non-crisis messages in languages Lotse does not serve
   * (content/_other/safety.yaml), by language code: distress training only.
   */
  otherDistress: Record<string, OtherLanguageDistress>;
  /** Per language: messages the bot should honestly not know (examples/none.yaml). */
  offTopic: Record<string, string[]>;
  /** i18next resources, by language. */
  ui: Record<string, Record<string, unknown>>;
}

/** One unserved language's messages for the distress detector (content/_other/safety.yaml). */
export interface OtherLanguageDistress {
  englishName: string;
  script: string;
  /** Served languages many of its speakers read, answered in first (content/_other/safety.yaml). */
  answerIn: string[];
  distressExamples: Partial<Record<DistressConcept, string[]>>;
  everyday: string[];
  notDistress: string[];
  /** In the language itself: the bot cannot write it, chooses below, a person may help (else said in every served language). */
  notServed?: string;
  /** In the language itself: the label of the "talk to a person" button beside that text. */
  person?: string;
}
