/**
 * The learned models of one content snapshot, trained from its example
 * phrasings only (no pretrained weights, no network):
 *
 *   topics:   every topic id and `none` (content/<lang>/examples/none.yaml:
 *             what the bot should honestly not know), over all languages at
 *             once, so a message needs no language hint to be understood;
 *   language: which served language a message is in, including Arabic,
 *             Farsi, Pashto and Ukrainian typed in Latin letters (learned
 *             from the Latin-letter examples and the skeleton features);
 *   distress: crisis or not, from the crisis examples by concept, the
 *             distress phrases, and look-alikes that are not a crisis,
 *             in the served languages and in those it does not serve
 *             (content/_other/safety.yaml);
 *   other:    whether a message is in a served language or in one of the
 *             unserved ones (which), so that a crisis in Turkish is
 *             answered in a language the person chose, not in the served
 *             language its letters happen to resemble.
 *
 * The distress levels' thresholds are not hand-set: they come from 4-fold
 * cross-validation on the training data (out-of-fold probabilities), as
 * the lowest probability that still keeps false alarms on non-crisis
 * examples at or below CLEAR_FALSE_ALARMS ("clear") and UNSURE_FALSE_ALARMS
 * ("unsure": the gentle "Are you safe right now?").
 *
 * Training is deterministic and takes a few seconds for the starter pack;
 * the result is cached by the snapshot's version (model-cache.ts), so the
 * server and the CLI start fast.
 */
import type { ContentPack } from '../content/pack.js';
import { clauses, negated, reassurancePieces } from './clauses.js';
import { tokenize } from './normalize.js';
import { ALL_FEATURES, extract, toSparse, type FeatureOptions, type SparseVector } from './features.js';
import { romanize } from './romanize.js';
import { DEFAULT_TRAIN, LinearModel, prng, trainSoftmax, type LinearModelData, type Sample } from './linear.js';
import { buildNeighbourData, distressScore, Neighbours, type NeighbourData } from './neighbours.js';

/** Bump when features or training change: cached models of another version are not used. */
export const MODEL_VERSION = 26;

export const LANGUAGE_FEATURES: FeatureOptions = { chars: true, words: true, skeleton: false };

/**
 * Share of non-crisis training messages that may raise each level
 * (cross-validated). The training non-crisis messages are hard on purpose
 * (look-alikes count double), so a rate here means far fewer false alarms
 * on what people write: 0.065 gave 2.5 % on the own held-out set (with
 * 0.957 of crises noticed), 0.01 gave 3 crisis answers to 1,252 ordinary
 * messages. Both chosen on the own held-out set, as the lexical weights were.
 */
export const CLEAR_FALSE_ALARMS = 0.01;
export const UNSURE_FALSE_ALARMS = 0.065;

/**
 * The same for the unsure level of a message read as written in a language
 * Lotse does not serve (distressUnsureOther), on those languages' own
 * non-crisis training messages. Wider than the served rate: they are a few
 * dozen a language and every one of them sits near the line, so 0.065 gave
 * a level that missed crises (9 of 36 in test/nlu/unserved.test.ts, on the
 * content of 2026-12-02). Before this level existed, an unserved message at
 * the served unsure level got "are you safe?": 52 of the 185 everyday
 * unserved messages of the dev set and own sets 1-4 (a third of all false
 * alarms), mostly "I want to talk to a person". Chosen on those sets.
 */
export const UNSURE_FALSE_ALARMS_OTHER = 0.2;

/**
 * Share of the crises in the unsure band (cross-validated: out-of-fold
 * distress score at or above distressUnsure, below distressClear, in a
 * served language) that the topic model's veto may silence
 * (distressTopicVeto). The veto is the second opinion of a model that
 * knows every everyday topic: a message the distress model reads as
 * "maybe" while the topic model reads it as anything but the crisis topic
 * ("goodbye", "menu", "what's the weather tomorrow") gets its answer, not
 * "Are you safe right now?". Most unsure false alarms on the own sets
 * were such messages.
 */
export const TOPIC_VETO_MISSES = 0.05;

export interface LearnedData {
  version: number;
  packVersion: string;
  topics: LinearModelData;
  language: LinearModelData;
  distress: LinearModelData;
  /** Served (class 0) or one of the unserved languages (content/_other/safety.yaml); absent without that file. */
  other?: LinearModelData;
  /** What a crisis is about (CRISIS_KINDS), from the crisis examples' concepts; absent in packs without them. */
  crisisKind?: LinearModelData;
  /** Denial or crisis, for a negated piece of a message (denialSamples); absent in packs without denials. */
  denial?: LinearModelData;
  /** The distress training messages, for their nearest neighbours (neighbours.ts). */
  neighbours: NeighbourData;
  /** Distress score (neighbours.ts distressScore) at or above which a message is a clear crisis / unsure. */
  distressClear: number;
  distressUnsure: number;
  /**
   * The same two levels for a message read as written in a language Lotse
   * does not serve (content/_other/safety.yaml): cross-validated on those
   * languages' own messages, at the same false-alarm rates. A few dozen
   * messages a language make everything written in it sit near the
   * middle (a Somali "I want to talk to someone" read as 0.7 crisis). The
   * unsure one is read at its own, wider rate (UNSURE_FALSE_ALARMS_OTHER):
   * the languages' crises and everyday messages overlap a lot there.
   */
  distressClearOther: number;
  distressUnsureOther: number;
  /**
   * The topic model's crisis-topic probability below which a message at the
   * unsure level (served languages) raises no level (TOPIC_VETO_MISSES);
   * 0 or absent: no veto (packs without a crisis topic, older caches).
   */
  distressTopicVeto?: number;
  trainMs: number;
  /** Set when these weights were trained in a worker thread (model-cache.ts), not loaded from the cache. */
  trainedOffThread?: boolean;
}

export interface LearnedModels {
  topics: LinearModel;
  language: LinearModel;
  distress: LinearModel;
  other?: LinearModel;
  denial?: LinearModel;
  crisisKind?: LinearModel;
  neighbours: Neighbours;
  distressClear: number;
  distressUnsure: number;
  distressClearOther: number;
  distressUnsureOther: number;
  distressTopicVeto: number;
  data: LearnedData;
}

export function fromData(d: LearnedData): LearnedModels {
  return {
    topics: new LinearModel(d.topics),
    language: new LinearModel(d.language),
    distress: new LinearModel(d.distress),
    other: d.other ? new LinearModel(d.other) : undefined,
    denial: d.denial ? new LinearModel(d.denial) : undefined,
    crisisKind: d.crisisKind ? new LinearModel(d.crisisKind) : undefined,
    neighbours: new Neighbours(d.neighbours, d.distress),
    distressClear: d.distressClear,
    distressUnsure: d.distressUnsure,
    distressClearOther: d.distressClearOther,
    distressUnsureOther: d.distressUnsureOther,
    distressTopicVeto: d.distressTopicVeto ?? 0,
    data: d,
  };
}

/** Everything a language's content says, for the language model. */
function languageTexts(pack: ContentPack, lang: string): string[] {
  const out: string[] = [];
  for (const t of Object.values(pack.topicTexts[lang] ?? {})) out.push(t.title, ...t.examples, ...t.keywords, ...t.answer);
  out.push(
    ...(pack.safety[lang] ?? []),
    ...Object.values(pack.distressExamples[lang] ?? {}).flat(),
    ...(pack.notDistress[lang] ?? []),
    ...(pack.offTopic[lang] ?? []),
  );
  return out;
}

/** Crisis messages of a language: phrases, examples by concept, the crisis topic's examples. */
function crisisTexts(pack: ContentPack, lang: string): string[] {
  const t = pack.topicTexts[lang]?.['meta.distress'];
  return [...(pack.safety[lang] ?? []), ...Object.values(pack.distressExamples[lang] ?? {}).flat(), ...(t ? t.examples : [])];
}

/** Weight of a Latin-letter copy of an example (romanize.ts) beside the original. */
const ROMANIZED_WEIGHT = 0.6;

/**
 * Adds a text's samples: the text itself and, for languages not written in
 * Latin letters, one Latin-letter copy (the habit alternates, so both kinds
 * of spelling are seen across a topic's examples).
 */
function adder(out: Sample[], lang: { script: string }, opts?: FeatureOptions) {
  let n = 0;
  return (text: string, y: number, weight = 1) => {
    const group = out.length;
    out.push({ x: toSparse(extract(text, opts)), y, weight, group });
    if (lang.script === 'Latn') return;
    const r = romanize(text, (n++ % 2) as 0 | 1);
    if (r) out.push({ x: toSparse(extract(r, opts)), y, weight: weight * ROMANIZED_WEIGHT, group });
  };
}

export function topicSamples(pack: ContentPack, classes: string[]): Sample[] {
  const idx = new Map(classes.map((c, i) => [c, i]));
  const out: Sample[] = [];
  for (const l of pack.languages) {
    const add = adder(out, l);
    for (const [id, t] of Object.entries(pack.topicTexts[l.code] ?? {})) {
      const y = idx.get(id)!;
      add(t.title, y, 0.5);
      for (const e of t.examples) add(e, y);
      for (const k of t.keywords) add(k, y, 0.5);
    }
    const distress = idx.get('meta.distress');
    if (distress !== undefined) for (const e of crisisTexts(pack, l.code)) add(e, distress);
    for (const e of pack.offTopic[l.code] ?? []) add(e, idx.get('none')!);
  }
  return out;
}

export function distressSamples(pack: ContentPack): Sample[] {
  const out: Sample[] = [];
  for (const l of pack.languages) {
    const add = adder(out, l);
    for (const e of crisisTexts(pack, l.code)) add(e, 1);
    for (const [id, t] of Object.entries(pack.topicTexts[l.code] ?? {})) if (id !== 'meta.distress') for (const e of t.examples) add(e, 0);
    for (const e of pack.offTopic[l.code] ?? []) add(e, 0);
    // Look-alikes count double: they are the ones that sit near the line.
    for (const e of pack.notDistress[l.code] ?? []) {
      add(e, 0, 2);
      // The detector also reads each clause alone (index.ts), so it must
      // learn that the clauses of a look-alike are not a crisis either: "I
      // won't hurt myself, don't worry" without its question after it.
      const parts = clauses(e);
      if (parts.length > 1) for (const part of parts) add(part, 0, 2);
    }
  }
  // Languages not served: their crises are crises all the same (the numbers are the same for everyone).
  for (const o of Object.values(pack.otherDistress ?? {})) {
    const from = out.length;
    const add = adder(out, o);
    for (const e of Object.values(o.distressExamples).flat()) add(e, 1);
    // A few dozen messages a language: everyday ones count double too, or the language itself
    // would read as a crisis ("tomorrow I go to the market" in Somali).
    for (const e of o.everyday) add(e, 0, 2);
    for (const e of o.notDistress) add(e, 0, 2);
    for (let i = from; i < out.length; i++) out[i]!.unserved = true;
  }
  return out;
}

/**
 * What a crisis is about, as the crisis answer needs it: the person's own
 * life (means, wish, burden, hopelessness, self-harm), someone hurting them
 * (violence), or someone else in danger ("my friend wants to die").
 */
export const CRISIS_KINDS = ['self', 'violence', 'someone-else'] as const;
export type CrisisKind = (typeof CRISIS_KINDS)[number];

function kindOfConcept(concept: string): number {
  return concept === 'violence' ? 1 : concept === 'someone-else' ? 2 : 0;
}

/**
 * The crisis-kind model's samples: every crisis example written by concept
 * (content/<lang>/safety.yaml and content/_other/safety.yaml), its concept
 * folded into CRISIS_KINDS.
 */
export function crisisKindSamples(pack: ContentPack): Sample[] {
  const out: Sample[] = [];
  for (const l of pack.languages) {
    const add = adder(out, l);
    for (const [concept, list] of Object.entries(pack.distressExamples[l.code] ?? {})) for (const e of list ?? []) add(e, kindOfConcept(concept));
  }
  for (const o of Object.values(pack.otherDistress ?? {})) {
    const add = adder(out, o);
    for (const [concept, list] of Object.entries(o.distressExamples)) for (const e of list ?? []) add(e, kindOfConcept(concept));
  }
  return out;
}

/**
 * The denial model's samples (class 1 a denial, 0 a crisis), read piece by
 * piece as the detector reads a message (clauses.ts reassurancePieces): the
 * negated pieces of the look-alikes that deny a crisis beside a question
 * ("i'm not going to kill myself", "ich tu mir nichts an") against the
 * negated pieces of crises ("i don't want to live anymore", "ما بدي عيش")
 * and every other crisis piece. What it learns is which thing a negation
 * denies: the act (kill, hurt, danger) or life going on (live, wake up,
 * any more), in each language's own words.
 */
export function denialSamples(pack: ContentPack): Sample[] {
  const out: Sample[] = [];
  for (const l of pack.languages) {
    const add = adder(out, l);
    for (const e of pack.notDistress[l.code] ?? []) {
      const pieces = reassurancePieces(e);
      if (pieces.length < 2) continue;
      for (const piece of pieces) if (negated(tokenize(piece))) add(piece, 1);
    }
    for (const e of crisisTexts(pack, l.code)) {
      add(e, 0);
      const pieces = reassurancePieces(e);
      if (pieces.length > 1) for (const piece of pieces) add(piece, 0);
    }
  }
  return out;
}

/** Every message of an unserved language (content/_other/safety.yaml). */
function otherTexts(o: ContentPack['otherDistress'][string]): string[] {
  return [...Object.values(o.distressExamples).flat(), ...o.everyday, ...o.notDistress];
}

/**
 * Weight of an unserved language's message in the served/unserved model:
 * a few hundred of them stand against tens of thousands of served texts,
 * and a Turkish crisis read as "served" is answered in a language the
 * person may not read.
 */
const OTHER_WEIGHT = 20;

/**
 * The served/unserved model's samples: class 0 every served language's
 * texts (with their Latin copies: Arabizi is served), class 1 + i the
 * i-th unserved language's messages.
 */
export function otherSamples(pack: ContentPack, codes: string[]): Sample[] {
  const out: Sample[] = [];
  for (const l of pack.languages) {
    const add = adder(out, l, LANGUAGE_FEATURES);
    for (const t of languageTexts(pack, l.code)) add(t, 0);
  }
  codes.forEach((code, i) => {
    const o = pack.otherDistress[code]!;
    const add = adder(out, o, LANGUAGE_FEATURES);
    for (const t of otherTexts(o)) add(t, 1 + i, OTHER_WEIGHT);
  });
  return out;
}

/** At most this many messages get an out-of-fold score for the thresholds (the starter pack has about 22,000). */
const MAX_SCORED = 30_000;

/**
 * Out-of-fold distress scores (the crisis probability of a model trained
 * without the message's fold, with the crisis share of its neighbours
 * other than itself and its Latin copy), then the lowest threshold whose
 * false alarms stay within `rate` of the non-crisis messages.
 */
function crossValidatedThresholds(
  samples: Sample[],
  neighbours: Neighbours,
): { clear: number; unsure: number; clearOther: number; unsureOther: number; oof: Float64Array } {
  const K = 4;
  const rand = prng(7);
  // Folds by group: a message and its Latin copy are held out together.
  const foldOfGroup = new Map<number, number>();
  const fold = samples.map((s, i) => {
    const g = s.group ?? i;
    let f = foldOfGroup.get(g);
    if (f === undefined) foldOfGroup.set(g, (f = Math.floor(rand() * K)));
    return f;
  });
  // Large packs: the thresholds are read off an evenly spread subset of the
  // messages (every message's neighbour lookup would cost minutes at 80,000).
  const every = Math.max(1, Math.ceil(samples.length / MAX_SCORED));
  const scored = (i: number) => i % every === 0;
  const oof = new Float64Array(samples.length).fill(Number.NaN);
  for (let k = 0; k < K; k++) {
    const train = samples.filter((_, i) => fold[i] !== k);
    const m = trainSoftmax(train, ['no', 'yes'], { ...DEFAULT_TRAIN, epochs: 6 });
    samples.forEach((s, i) => {
      if (fold[i] !== k || !scored(i)) return;
      const g = s.group ?? i;
      const share = neighbours.crisisShare(s.x, (j) => (samples[j]!.group ?? j) === g);
      oof[i] = distressScore(m.predict(s.x)[1]!, share);
    });
  }
  const negatives = samples.flatMap((s, i) => (s.y === 0 && scored(i) ? [oof[i]!] : [])).sort((a, b) => b - a);
  const otherNegatives = samples.flatMap((s, i) => (s.y === 0 && s.unserved && scored(i) ? [oof[i]!] : [])).sort((a, b) => b - a);
  const at = (rate: number, negatives: number[]) => {
    const k = Math.floor(rate * negatives.length);
    // Just above the k-th highest non-crisis probability; never below 0.05 (a near-empty model).
    return Math.max(0.05, Math.min(0.95, (negatives[k] ?? 0) + 1e-6));
  };
  // A message the model knows nothing about scores about the share of crisis
  // examples; a level must say more than that (small packs have many).
  const all = samples.filter((_, i) => scored(i)).length;
  const share = (all - negatives.length) / Math.max(1, all);
  // (The model scores such a message about `share`; it has no neighbour.)
  const floor = Math.min(0.9, 2 * distressScore(share, 0));
  const clear = Math.max(floor, at(CLEAR_FALSE_ALARMS, negatives));
  const unsure = Math.max(floor, Math.min(clear, at(UNSURE_FALSE_ALARMS, negatives)));
  // Too few unserved messages to read a rate off: the served thresholds.
  if (otherNegatives.length < 50) return { clear, unsure, clearOther: clear, unsureOther: unsure, oof };
  const clearOther = Math.max(clear, at(CLEAR_FALSE_ALARMS, otherNegatives));
  const unsureOther = Math.max(unsure, Math.min(clearOther, at(UNSURE_FALSE_ALARMS_OTHER, otherNegatives)));
  return { clear, unsure, clearOther, unsureOther, oof };
}

/** A fold from a message's features: the same text falls in the same fold in the topic and the distress samples. */
function featureFold(x: SparseVector, K: number): number {
  let h = 2166136261;
  for (let i = 0; i < x.ids.length; i++) {
    h = Math.imul(h ^ x.ids[i]!, 16777619);
    h = Math.imul(h ^ Math.round(x.values[i]! * 8), 16777619);
  }
  return (h >>> 0) % K;
}

/** Folds by group (a message and its Latin copy together), each group's fold read off its first message's features. */
function textFolds(samples: Sample[], K: number): number[] {
  const foldOfGroup = new Map<number, number>();
  return samples.map((s, i) => {
    const g = s.group ?? i;
    let f = foldOfGroup.get(g);
    if (f === undefined) foldOfGroup.set(g, (f = featureFold(s.x, K)));
    return f;
  });
}

/**
 * The topic veto (LearnedData.distressTopicVeto): topic models trained
 * without a fold of the texts read the crisis-topic probability of that
 * fold's distress messages in the unsure band; the veto is the probability
 * below which at most TOPIC_VETO_MISSES of the band's crises fall. (The
 * band's non-crisis messages are mostly look-alikes the topic model never
 * saw, so what it silences there is what it would silence in use.) Folds
 * go by the text's features, so a message held out of the distress folds
 * is held out of the topic model too.
 */
function topicVeto(topicSamplesAll: Sample[], classes: string[], ds: Sample[], oof: Float64Array, unsure: number, clear: number): number {
  const crisis = classes.indexOf('meta.distress');
  if (crisis < 0) return 0;
  const K = 4;
  const tf = textFolds(topicSamplesAll, K);
  const df = textFolds(ds, K);
  const inBand = (s: Sample, i: number) => s.y === 1 && !s.unserved && oof[i]! >= unsure && oof[i]! < clear;
  const probs: number[] = [];
  for (let k = 0; k < K; k++) {
    if (!ds.some((s, i) => df[i] === k && inBand(s, i))) continue;
    const m = trainSoftmax(
      topicSamplesAll.filter((_, i) => tf[i] !== k),
      classes,
    );
    ds.forEach((s, i) => {
      if (df[i] === k && inBand(s, i)) probs.push(m.predict(s.x)[crisis]!);
    });
  }
  // Too few crises near the line to read a rate off: no veto.
  if (probs.length < 50) return 0;
  probs.sort((a, b) => a - b);
  return probs[Math.floor(TOPIC_VETO_MISSES * probs.length)]!;
}

/**
 * Large packs (hundreds of topics) would train for many minutes on every
 * example; past this many examples a deterministic, class-balanced subset
 * is used (every class keeps its share), which costs a little accuracy on
 * packs far beyond the starter pack and nothing on it (about 40,000).
 */
export const MAX_TRAINING_SAMPLES = 80_000;

/** A deterministic subset of at most `max` samples, the same share of every class. */
export function capSamples(samples: Sample[], max = MAX_TRAINING_SAMPLES): Sample[] {
  if (samples.length <= max) return samples;
  const keep = max / samples.length;
  const seen = new Map<number, number>();
  return samples.filter((s) => {
    const n = (seen.get(s.y) ?? 0) + 1;
    seen.set(s.y, n);
    // Keep the k-th sample of a class when the running share crosses a whole number.
    return Math.floor(n * keep) > Math.floor((n - 1) * keep);
  });
}

/** Trains all three models from a content snapshot. */
export function train(pack: ContentPack): LearnedModels {
  const t0 = performance.now();
  const topicClasses = [...Object.keys(pack.topics), 'none'];
  const ts = capSamples(topicSamples(pack, topicClasses));
  const topics = trainSoftmax(ts, topicClasses);
  const langs = pack.languages.map((l) => l.code);
  const langSamples: Sample[] = [];
  pack.languages.forEach((l, y) => {
    const add = adder(langSamples, l, LANGUAGE_FEATURES);
    for (const t of languageTexts(pack, l.code)) add(t, y);
  });
  const language = trainSoftmax(capSamples(langSamples), langs, { ...DEFAULT_TRAIN, epochs: 4 });
  const otherCodes = Object.keys(pack.otherDistress ?? {}).sort();
  const other = otherCodes.length
    ? trainSoftmax(capSamples(otherSamples(pack, otherCodes)), ['served', ...otherCodes], { ...DEFAULT_TRAIN, epochs: 4 })
    : undefined;
  const ck = crisisKindSamples(pack);
  const crisisKind = new Set(ck.map((x) => x.y)).size > 1 ? trainSoftmax(ck, [...CRISIS_KINDS], { ...DEFAULT_TRAIN, epochs: 6 }) : undefined;
  const dn = denialSamples(pack);
  const denial = dn.some((x) => x.y === 1) ? trainSoftmax(dn, ['crisis', 'denial'], { ...DEFAULT_TRAIN, epochs: 6 }) : undefined;
  const ds = capSamples(distressSamples(pack));
  const distress = trainSoftmax(ds, ['no', 'yes'], { ...DEFAULT_TRAIN, epochs: 6 });
  const neighbours = buildNeighbourData(ds, distress.data);
  const th = crossValidatedThresholds(ds, new Neighbours(neighbours, distress.data));
  const veto = topicVeto(ts, topicClasses, ds, th.oof, th.unsure, th.clear);
  const data: LearnedData = {
    version: MODEL_VERSION,
    packVersion: pack.version,
    topics: topics.data,
    language: language.data,
    distress: distress.data,
    other: other?.data,
    denial: denial?.data,
    crisisKind: crisisKind?.data,
    neighbours,
    distressClear: th.clear,
    distressUnsure: th.unsure,
    distressClearOther: th.clearOther,
    distressUnsureOther: th.unsureOther,
    distressTopicVeto: veto,
    trainMs: Math.round(performance.now() - t0),
  };
  return fromData(data);
}

export { ALL_FEATURES };
