/**
 * The distress detector by concept and language, on the starter pack, with
 * messages written for this test (not in the content's examples, not in the
 * held-out sets). Both levels count as noticed; a negated statement about
 * oneself must never be a clear crisis; someone else in danger is noticed;
 * everyday words alone do not fire.
 */
import { describe, expect, it } from 'vitest';
import { content, repoRoot } from '../helpers/content.js';

const c = content(repoRoot);
const level = (t: string) => c.nlu.distress(t).level;

/** concept -> language -> message */
const crisis: Record<string, Record<string, string>> = {
  means: {
    en: 'i have a whole box of pills here and i want to swallow them all now',
    de: 'ich hab alle meine tabletten gesammelt und will sie heute nehmen',
    ar: 'جمعت كل الحبوب وبدي آخدهن كلهن الليلة',
    fa: 'همه قرص‌هامو جمع کردم امشب همه رو میخورم',
    ps: 'ټولې ګولۍ مې راټولې کړې، نن شپه یې ټولې خورم',
    uk: 'я зібрала всі таблетки і хочу випити їх разом',
  },
  wish: {
    en: 'i just want to sleep and never wake up again',
    de: 'ich will einfach nicht mehr aufwachen',
    ar: 'بتمنى نام وما أفيق أبدًا',
    fa: 'دلم میخواد بخوابم و دیگه بیدار نشم',
    ps: 'غواړم ویده شم او بیا هېڅکله رانه ویښ شم',
    uk: 'хочу заснути і більше не прокинутися',
  },
  burden: {
    en: 'everyone would be happier if i was gone',
    de: 'ohne mich wären alle besser dran',
    ar: 'أهلي رح يرتاحوا إذا أنا مت',
    fa: 'اگه من نباشم خانواده‌ام راحت‌تر زندگی میکنن',
    ps: 'که زه نه یم، کورنۍ به مې ارامه وي',
    uk: 'всім буде краще без мене',
  },
  'self-harm': {
    en: 'i cut my arms again last night because it is the only thing that helps',
    de: 'ich hab mich wieder geschnitten damit der druck weggeht',
    ar: 'رجعت جرحت إيدي بالشفرة لحتى ارتاح',
    fa: 'دوباره با تیغ دستمو بریدم که آروم شم',
    ps: 'بیا مې په تیغ خپل لاس پرې کړ چې ارام شم',
    uk: 'я знову порізала руки щоб заспокоїтися',
  },
  violence: {
    en: 'my husband is hitting me and the kids are here please help',
    de: 'mein mann schlägt mich gerade, die kinder sind da',
    ar: 'جوزي عم يضربني هلق والولاد عندي',
    fa: 'شوهرم داره منو میزنه بچه‌ها هم اینجان',
    ps: 'میړه مې همدا اوس ما وهي، ماشومان هم دلته دي',
    uk: 'чоловік зараз мене б’є, діти поруч',
  },
  'someone-else': {
    en: 'my roommate says tonight he will end his life',
    de: 'meine zimmernachbarin sagt sie will sich umbringen',
    ar: 'رفيقي بالغرفة عم يقول بدو ينتحر الليلة',
    fa: 'هم‌اتاقیم میگه امشب میخواد خودشو بکشه',
    ps: 'زما ملګری وایي نن شپه ځان وژني',
    uk: 'моя сусідка каже що хоче вкоротити собі віку',
  },
};

describe('distress by concept and language', () => {
  for (const [concept, byLang] of Object.entries(crisis))
    for (const [lang, text] of Object.entries(byLang))
      it(`${concept} in ${lang} is noticed`, () => {
        expect(level(text), text).toBeDefined();
        // Noticed in every state: also with another language as the session's.
        expect(c.nlu.match(text, lang === 'en' ? 'de' : 'en').distress, text).toBe(true);
      });
});

describe('first person, negation and everyday words', () => {
  const negated: Record<string, string> = {
    en: "i'm not going to kill myself, i only want information about the interview",
    de: 'ich will mir nichts antun, ich frag nur wegen dem termin',
    ar: 'ما رح أقتل حالي لا تخاف، بس سؤال عن المقابلة',
    uk: 'я не збираюся накладати на себе руки, просто питаю про картку',
  };
  for (const [lang, text] of Object.entries(negated))
    it(`a negation in ${lang} is never a clear crisis`, () => {
      expect(level(text), text).not.toBe('clear');
    });
  const everyday: Record<string, string> = {
    fa: 'بمیرم برات، خیلی ممنون',
    en: 'my phone died, can you send the list again',
    de: 'ich sterbe vor hunger, wann gibt es essen',
    ar: 'تلفوني مات، ابعتلي الرسالة مرة تانية',
    uk: 'телефон розрядився, повторіть будь ласка',
    ps: 'زما ټیلیفون مړ شو، بیا یې ولیږئ',
  };
  for (const [lang, text] of Object.entries(everyday))
    it(`everyday words in ${lang} do not raise a clear alarm`, () => {
      expect(level(text), text).not.toBe('clear');
    });
  it('ordinary questions raise nothing', () => {
    for (const t of ['where is the kitchen', 'wann ist mein Termin beim BFA', 'وين بلاقي دكتور أسنان', 'کلاس زبان کجاست', 'де отримати картку'])
      expect(level(t), t).toBeUndefined();
  });
});
