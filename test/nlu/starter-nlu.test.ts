/**
 * Language detection, the distress detector and matching on the starter
 * pack, with messages written for these tests (not the dev set's).
 */
import { describe, expect, it } from 'vitest';
import { content, repoRoot } from '../helpers/content.js';

const c = content(repoRoot);
const m = (text: string, lang?: string) => c.nlu.match(text, lang);

describe('language detection', () => {
  it('tells the Arabic-script languages apart by their letters and words, without a prior', () => {
    expect(m('وين بلاقي طبيب اسنان').lang).toBe('ar');
    expect(m('دندانپزشک کجا پیدا کنم').lang).toBe('fa');
    expect(m('د غاښونو ډاکټر چیرې دی').lang).toBe('ps');
  });
  it('Cyrillic is Ukrainian; English and German by their words', () => {
    expect(m('де стоматолог').lang).toBe('uk');
    expect(m('where is the dentist please').lang).toBe('en');
    expect(m('wo ist der zahnarzt bitte').lang).toBe('de');
  });
  it('uses the session language as a prior for an ambiguous short message', () => {
    // "داکتر" is written this way in Dari and Pashto alike.
    expect(m('داکتر', 'ps').lang).toBe('ps');
    expect(m('داکتر', 'fa').lang).toBe('fa');
  });
  it('offers the candidates when it cannot tell', () => {
    const r = m('سلام');
    expect(r.langCandidates.length).toBeGreaterThan(1);
    expect(r.langCandidates).toEqual(expect.arrayContaining(['ar', 'fa', 'ps']));
  });
  it('recognises Arabic typed in Latin letters', () => {
    const r = m('shu lazem a3mel lal mu2abale');
    expect(r.lang).toBe('ar');
    expect(r.langCandidates).toContain('ar');
  });
});

describe('distress detector', () => {
  const crisis: Record<string, string[]> = {
    en: ['i just want to die tonight', 'im going to kill myself', 'he is hitting me right now please'],
    de: ['ich möchte nicht mehr leben', 'er schlägt mich gerade', 'ich will mich umbringen'],
    ar: ['بدي انتحر الليلة', 'زوجي عم يضربني هلق', 'ما بدي عيش'],
    fa: ['میخوام خودکشی کنم', 'شوهرم الان منو میزنه', 'دیگه طاقت ندارم'],
    ps: ['غواړم ځان ووژنم', 'میړه مې اوس ما وهي', 'نور نه شم زغملی'],
    uk: ['я хочу покінчити з життям', 'мене зараз б’є чоловік', 'не хочу жити'],
  };
  for (const [lang, list] of Object.entries(crisis))
    it(`recognises a crisis in ${lang}, also while another language is the session's`, () => {
      for (const t of list) {
        expect(c.nlu.isDistress(t), t).toBe(true);
        expect(m(t, 'en').distress, t).toBe(true);
      }
    });
  it('does not raise an alarm for ordinary questions', () => {
    for (const t of ['Darf ich in der Küche selbst kochen?', 'which documents do I bring', 'شو الأوراق المطلوبة', 'کلاس آلمانی رایگان', 'де знайти лікаря'])
      expect(c.nlu.isDistress(t), t).toBe(false);
  });
});

describe('matching', () => {
  const cases: [string, string, string][] = [
    ['en', 'wher can i lern german for free', 'services.german-courses'],
    ['en', 'my intervew letter came but im sick', 'hearing.invitation'],
    ['de', 'brauch ich meinen reisepass beim interview', 'hearing.documents'],
    ['de', 'wann gibts taschengeld', 'accommodation.pocket-money'],
    ['ar', 'بقدر اطلب مترجم غير هاد', 'hearing.interpreter'],
    ['ar', 'مين بيدفع تذكرة الباص للمقابلة', 'services.transport'],
    ['fa', 'نامه اومده نمیفهمم چی نوشته', 'accommodation.mail'],
    ['fa', 'مکتب برای بچه‌هایم', 'services.school'],
    ['ps', 'زه غواړم الماني زده کړم', 'services.german-courses'],
    ['ps', 'د شپې ډیر شور دی', 'accommodation.quiet-hours'],
    ['uk', 'скільки кишенькових грошей дають', 'accommodation.pocket-money'],
    ['uk', 'як записати сина до школи', 'services.school'],
  ];
  for (const [lang, text, topic] of cases)
    it(`${lang}: "${text}"`, () => {
      const r = m(text, lang);
      expect(r.topic).toBe(topic);
      expect(r.lang).toBe(lang);
    });
  it('understands a question that mixes scripts (e-card in Arabic)', () => {
    expect(m('كيف باخد e-card', 'ar').topic).toBe('services.doctor');
  });
  it('says honestly that it does not know, or asks, but never answers an off-topic question confidently', () => {
    expect(m('qwertzuiop asdf', 'de').topic).toBeNull();
    for (const [t, l] of [
      ['who will win the election in brazil', 'en'],
      ['wie wird das wetter morgen', 'de'],
    ] as const)
      expect(m(t, l).decision, t).not.toBe('answer');
  });
  it('gives a calibrated score between 0 and 1 and up to 2 alternatives', () => {
    const r = m('interview', 'en');
    expect(r.score).toBeGreaterThan(0);
    expect(r.score).toBeLessThanOrEqual(1);
    expect(r.alternatives.length).toBeLessThanOrEqual(2);
  });
});

describe('Latin letters, greetings and honest "I don\'t know"', () => {
  it('Arabic, Farsi, Pashto and Ukrainian in Latin letters are recognised as such', () => {
    expect(m('kif bade a3ref mawe3d el mo2abale').lang).toBe('ar');
    expect(m('man mikham ba yek nafar az tim sohbat konam').lang).toBe('fa');
    expect(m('de otrymaty synyu kartku').lang).toBe('uk');
  });
  it('greetings and thanks are answered as such, never offered as "Did you mean"', () => {
    for (const t of ['thanks a lot', 'شكرا كتير', 'danke schön']) {
      const r = m(t);
      expect(
        r.alternatives.map((a) => a.topic),
        t,
      ).not.toContain('meta.greeting');
      if (r.decision === 'clarify') expect(['meta.greeting', 'meta.thanks', 'meta.goodbye'], t).not.toContain(r.topic);
    }
    expect(m('thank you so much').topic).toBe('meta.thanks');
  });
  it('off-topic messages get the honest fallback, not a random topic', () => {
    for (const [t, l] of [
      ['who won the football match yesterday', 'en'],
      ['wie viel kostet ein iphone 16', 'de'],
      ['شو رأيك بالسياسة بسوريا', 'ar'],
    ] as const)
      expect(m(t, l).topic, t).toBeNull();
  });
});

describe('a word with two meanings', () => {
  it('"Beschwerde" alone asks: the appeal on a letter, or a complaint in the house?', () => {
    const r = m('Beschwerde', 'de');
    expect(r.decision).toBe('clarify');
    expect([r.topic, ...r.alternatives.map((a) => a.topic)]).toEqual(expect.arrayContaining(['decision.negative', 'accommodation.complaints']));
  });
});
