/**
 * A crisis statement followed by an everyday question (issue 10): the
 * question must not dilute the crisis below the detector's thresholds,
 * and everyday messages that borrow crisis words must stay quiet. Messages
 * written for this test, in each served language (not in the content's
 * examples, not in the held-out sets).
 */
import { describe, expect, it } from 'vitest';
import { clauses, negated } from '../../src/nlu/clauses.js';
import { tokenize } from '../../src/nlu/normalize.js';
import { content, repoRoot } from '../helpers/content.js';

const c = content(repoRoot);

/** Per language: a crisis with means and a time, then a long laundry question; a farewell, then a bus question. */
const crisisThenQuestion: Record<string, [string, string]> = {
  en: [
    'the pills are counted out, tonight i end it. where is the laundry room and when can i wash my clothes there, i need them clean for my appointment',
    'i wrote my goodbye letter already. by the way which bus goes to the immigration office and how much is the ticket',
  ],
  de: [
    'die tabletten liegen bereit, heute nacht ist schluss. wo ist die waschküche und wann darf ich dort meine wäsche waschen, ich brauche sie für den termin',
    'ich hab mich von allen verabschiedet, es ist vorbei. übrigens welcher bus fährt zum amt und was kostet die fahrkarte',
  ],
  ar: [
    'الحبوب جاهزة والليلة بخلص من كل شي. وين غرفة الغسيل وايمتى فيني اغسل تيابي، بدي ياهن نضاف للموعد',
    'كتبت رسالة الوداع لأهلي. على فكرة اي باص بروح على مكتب الهجرة وقديش حق التذكرة',
  ],
  fa: [
    'قرص‌ها آماده‌ست، امشب همه چیو تموم میکنم. رختشویخانه کجاست و کی میتونم لباسامو بشورم، برای وقت مصاحبه تمیز لازمشون دارم',
    'نامه خداحافظیمو نوشتم. راستی کدوم اتوبوس میره اداره مهاجرت و بلیطش چنده',
  ],
  ps: [
    'ګولۍ تیارې دي، نن شپه هر څه ختموم. د جامو مینځلو ځای چېرته دی او کله کولای شم خپلې جامې ومینځم، د ملاقات لپاره پاکې پکار دي',
    'د خدای پامانۍ لیک مې لیکلی. خو کوم بس د مهاجرت دفتر ته ځي او ټکټ یې څو دی',
  ],
  uk: [
    'таблетки вже відраховані, сьогодні вночі все закінчу. де пральня і коли там можна випрати одяг, він мені потрібен чистим на зустріч',
    'я вже написала прощальний лист. до речі, який автобус їде до міграційної служби і скільки коштує квиток',
  ],
};

/** Everyday messages with crisis words in them: a dead phone, "dying to know", affection, opening hours. */
const lookAlikes: Record<string, string[]> = {
  en: ['my phone is dead, where can i charge it', "i'm dying to know when the hearing is", 'this heat is killing me, is there a fan in the room?'],
  de: ['hat das büro morgen offen', 'handy ist tot, gibt es irgendwo eine steckdose?', 'ich sterbe vor langeweile, gibt es hier einen deutschkurs?'],
  ar: ['موبايلي مات، وين بقدر اشحنه؟', 'رح موت من الجوع، ايمتى الغدا؟'],
  fa: ['بمیرم برات، کی مصاحبه داری؟', 'گوشیم خاموش شده، کجا میتونم شارژش کنم؟'],
  ps: ['زما موبایل مړ شو، چېرته یې چارج کړم؟'],
  uk: ['телефон сів, де можна зарядити?', 'я вмираю від цікавості, коли буде співбесіда?'],
};

describe('clauses', () => {
  it('cuts at sentence ends of every script and at "but"-like joints, not inside words or at Latin commas', () => {
    expect(clauses('the pills are ready, tonight I end it. where is the laundry room?')).toEqual([
      'the pills are ready, tonight I end it',
      'where is the laundry room',
    ]);
    expect(clauses('شو بعمل؟ بس قلي وين المكتب')).toEqual(['شو بعمل', 'قلي وين المكتب']);
    expect(clauses('خسته‌ام؛ راستی کلاس کی شروع میشه')).toEqual(['خسته‌ام', 'کلاس کی شروع میشه']);
    expect(clauses('ich kann nicht mehr aber wo ist das amt')).toEqual(['ich kann nicht mehr', 'wo ist das amt']);
    expect(clauses('press the button butter')).toEqual(['press the button butter']);
    expect(clauses('line one\nline two')).toEqual(['line one', 'line two']);
    expect(clauses('  ')).toEqual([]);
  });
});

describe('negated clauses', () => {
  it('are told apart in each language, so that a negation cut from its question is not read alone', () => {
    for (const t of [
      "i won't do anything to myself",
      'ich tu mir nichts an',
      'ما رح أذي حالي',
      'نمیخوام به خودم آسیب بزنم',
      'ځان ته زیان نه رسوم',
      'я нічого собі не зроблю',
    ])
      expect(negated(tokenize(t)), t).toBe(true);
    for (const t of ['tonight i end it', 'heute nacht ist schluss', 'الليلة بخلص من كل شي', 'امشب تمومش میکنم', 'نن شپه هر څه ختموم', 'сьогодні все закінчу'])
      expect(negated(tokenize(t)), t).toBe(false);
  });
});

describe('a crisis followed by an everyday question', () => {
  for (const [lang, [withMeans, farewell]] of Object.entries(crisisThenQuestion)) {
    it(`${lang}: the crisis with its means and time is a clear crisis, whatever is asked after it`, () => {
      const m = c.nlu.match(withMeans);
      expect(m.distressLevel).toBe('clear');
      expect(m.topic).toBe('meta.distress');
    });
    it(`${lang}: the farewell is noticed, and the bus question is still read from the whole message`, () => {
      const m = c.nlu.match(farewell);
      expect(m.distress).toBe(true);
      expect(m.question.topic).toBe('services.transport');
    });
  }
});

describe('look-alikes stay quiet', () => {
  for (const [lang, texts] of Object.entries(lookAlikes))
    for (const t of texts)
      it(`${lang}: ${t}`, () => {
        expect(c.nlu.distress(t).level).toBeUndefined();
        expect(c.nlu.match(t).distress).toBe(false);
      });
});
