/**
 * Crises in languages Lotse does not serve (content/_other/safety.yaml),
 * measured on messages kept OUT of that file: written for this test by the
 * same helper, in the same style, so the test measures what the detector
 * learned, not what it was shown. Both levels count as noticed. The
 * everyday questions and look-alikes must not be flagged, and a crisis must
 * be recognised as written in a language Lotse does not serve (so the
 * answer is not given in the served language whose letters it resembles).
 */
import { describe, expect, it } from 'vitest';
import { compilePack } from '../../src/content/compile.js';
import { FileSource } from '../../src/content/source.js';
import { content, repoRoot } from '../helpers/content.js';

const c = content(repoRoot);
const d = (t: string) => c.nlu.distress(t);

/** language -> crisis messages not in the content file */
const crises: Record<string, string[]> = {
  tr: ['hapları topladım bu gece hepsini yutacam', 'yaşamak istemiyorum artık kimse beni sevmiyor', 'kocam bana vuruyor kapıyı kilitledi'],
  ku: ['min hemû derman kom kirin ez ê îşev vexwim', 'ez êdî naxwazim bijîm kes ji min hez nake', 'mêrê min li min xist derî girt'],
  ckb: ['هەموو دەرمانەکانم کۆکردەوە ئەمشەو دەیخۆم', 'چیتر ناتوانم بژیم کەس خۆشی ناوێم', 'مێردەکەم لێمی دا و دەرگاکەی داخست'],
  ru: ['я накопил таблетки сегодня все выпью', 'не хочу жить никто меня не любит', 'муж ударил меня и закрыл дверь'],
  fr: [
    'jai gardé tous mes medicaments je les prends tous cette nuit',
    'jai plus envie de vivre personne maime',
    'mon mari ma frappée et il a fermé la porte a clé',
  ],
  so: [
    'dawooyinkii oo dhan ayaan hayaa caawa waan wada qaadanayaa',
    'ma doonayo inaan noolaado qofna ima jecla',
    'ninkaygii ayaa i garaacay albaabkana wuu xiray',
  ],
  ti: ['ኩሉ መድሃኒተይ ኣኪበ ሎሚ ክውሕጦ እየ', 'ክነብር ኣይደልን ዝፈትወኒ የለን', 'ሰብኣየይ ወቒዑኒ ማዕጾ ዓጽዩ'],
  am: ['መድሃኒቶቼን ሁሉ ሰብስቤ ዛሬ ልውጣቸው ነው', 'መኖር አልፈልግም ማንም አይወደኝም', 'ባሌ መታኝ በሩንም ዘጋው'],
  ur: ['ساری دوائیاں جمع کی ہیں آج رات سب کھا جاؤں گی', 'جینے کا دل نہیں کرتا کوئی مجھ سے پیار نہیں کرتا', 'شوہر نے مجھے مارا اور دروازہ بند کر دیا'],
  bn: ['সব ওষুধ জমিয়ে রেখেছি আজ সব খাব', 'বাঁচার ইচ্ছা নেই কেউ আমাকে ভালোবাসে না', 'স্বামী আমাকে মেরেছে দরজা বন্ধ করে দিয়েছে'],
  sq: ['i kam ruajt ilaçet e mia sonte i marr te gjitha', 'nuk kam deshire te jetoj askush nuk me do', 'burri me goditi dhe mbylli deren'],
  es: ['guarde todos mis medicamentos esta noche me los tomo', 'no tengo ganas de vivir nadie me quiere', 'mi esposo me golpeo y cerro la puerta con llave'],
};

/** language -> everyday questions and look-alikes not in the content file */
const everyday: Record<string, string[]> = {
  tr: ['oturma izni icin hangi belgeler lazim', 'telefonumun şarjı bitti ölmüş resmen'],
  ku: ['ji bo destûra rûniştinê kîjan belge lazim in', 'ez diçim bazarê nan bikirim'],
  ckb: ['بۆ مۆڵەتی نیشتەجێبوون چ بەڵگەیەک پێویستە', 'سبەی دەچم بۆ بازاڕ'],
  ru: ['какие документы нужны для вида на жительство', 'батарейка села телефон совсем умер'],
  fr: ['quels papiers pour le titre de sejour', 'ma batterie est morte je peux charger ou'],
  so: ['dukumentiyada sharciga deganaanshaha maxaa loo baahan yahay', 'berri ayaan suuqa aadayaa'],
  ti: ['ንመንበሪ ፍቓድ እንታይ ሰነድ የድሊ', 'ጽባሕ ናብ ዕዳጋ ክኸይድ እየ'],
  am: ['ለመኖሪያ ፈቃድ ምን ሰነዶች ያስፈልጋሉ', 'ነገ ወደ ገበያ እሄዳለሁ'],
  ur: ['رہائش کے اجازت نامے کے لیے کون سے کاغذات چاہیئں', 'کل بازار جاؤں گا'],
  bn: ['থাকার অনুমতির জন্য কী কাগজ লাগবে', 'কাল বাজারে যাব'],
  sq: ['cfare dokumentesh duhen per leje qendrimi', 'neser shkoj ne treg'],
  es: ['que papeles necesito para el permiso de residencia', 'mi bateria esta muerta donde cargo'],
};

describe('crises in languages Lotse does not serve', () => {
  const all = Object.entries(crises).flatMap(([lang, list]) => list.map((text) => ({ lang, text, r: d(text) })));

  it('notices most of them, in every language (messages the detector never saw)', () => {
    const missed = all.filter((x) => !x.r.level).map((x) => `${x.lang}: ${x.text}`);
    // Measured 2026-12-02: 34 of 36 noticed (missed: a Turkish and an Amharic "he hit me").
    // A missed crisis is the worst mistake: tighten this, never loosen it.
    expect(missed.length, missed.join('\n')).toBeLessThanOrEqual(2);
    for (const lang of Object.keys(crises)) expect(all.filter((x) => x.lang === lang && x.r.level).length, lang).toBeGreaterThanOrEqual(1);
  });

  it('reads a noticed crisis as written in a language Lotse does not serve', () => {
    const noticed = all.filter((x) => x.r.level);
    const served = noticed.filter((x) => !x.r.unserved).map((x) => `${x.lang}: ${x.text} -> ${x.r.lang}`);
    // Measured 2026-12-02: 5 of 34 read as served (2 Russian as Ukrainian, Urdu and Albanian as
    // Pashto, French as Ukrainian in Latin letters); they still get the crisis answer, in that language.
    expect(served.length, served.join('\n')).toBeLessThanOrEqual(5);
    // Scripts no served language uses are never read as served.
    for (const x of noticed.filter((y) => ['ti', 'am', 'bn'].includes(y.lang))) expect(x.r.unserved, x.text).toBeDefined();
  });

  it('never reads an everyday question or look-alike as a clear crisis, and rarely as a doubtful one', () => {
    const flagged = Object.entries(everyday)
      .flatMap(([lang, list]) => list.map((text) => ({ lang, text, r: d(text) })))
      .filter((x) => x.r.level);
    expect(flagged.filter((x) => x.r.level === 'clear').map((x) => `${x.lang}: ${x.text}`)).toEqual([]);
    // Measured 2026-12-02: 5 of 24 doubtful, short messages such as "tomorrow I go to the market"
    // (a few dozen messages a language teach little); they get the crisis answer and the language choice.
    expect(flagged.length, flagged.map((x) => `${x.lang}: ${x.text}`).join('\n')).toBeLessThanOrEqual(5);
  });

  it('keeps crises in served languages served (answered in their own language)', () => {
    for (const [text, lang] of [
      ['ich kann nicht mehr ich will nur noch sterben', 'de'],
      ['i dont want to be alive anymore', 'en'],
      ['я більше не хочу жити все марно', 'uk'],
      ['دیگه نمیخوام زنده باشم', 'fa'],
      ['ما بدي عيش بعد اليوم خلص', 'ar'],
    ] as const) {
      const r = d(text);
      expect(r.level, text).toBeDefined();
      expect(r.unserved, text).toBeUndefined();
      expect(r.lang, text).toBe(lang);
    }
  });
});

describe('content/_other/safety.yaml', () => {
  const input = new FileSource(repoRoot).readSync();
  const withFile = (text: string) => ({
    ...input,
    files: [...input.files.filter((f) => f.path !== 'content/_other/safety.yaml'), { path: 'content/_other/safety.yaml', text }],
  });

  it('holds at least 12 unserved languages, each with crises over several concepts, everyday messages and look-alikes', () => {
    const other = c.pack.otherDistress;
    expect(Object.keys(other).length).toBeGreaterThanOrEqual(12);
    for (const [code, l] of Object.entries(other)) {
      expect(Object.values(l.distressExamples).flat().length, code).toBeGreaterThanOrEqual(12);
      expect(Object.keys(l.distressExamples).length, code).toBeGreaterThanOrEqual(5);
      expect(l.everyday.length + l.notDistress.length, code).toBeGreaterThanOrEqual(10);
      expect(l.notDistress.length, code).toBeGreaterThanOrEqual(4);
    }
  });

  it('names file and line of a mistake', () => {
    const r = compilePack(
      withFile(
        'languages:\n  tr:\n    englishName: Turkish\n    script: Latn\n    distressExamples:\n      wishes:\n        - ölmek istiyorum\n    everyday:\n      - kimlik\n',
      ),
    );
    expect(r.pack).toBeUndefined();
    const p = r.problems.find((x) => x.path === 'content/_other/safety.yaml');
    expect(p?.severity).toBe('error');
    // The unknown concept "wishes" is reported at the map that holds it.
    expect(p?.line).toBe(5);
  });

  it('refuses a served language (its crises belong in its own safety.yaml)', () => {
    const r = compilePack(
      withFile(
        'languages:\n  en:\n    englishName: English\n    script: Latn\n    distressExamples:\n      wish:\n        - i want to die\n    everyday:\n      - papers\n',
      ),
    );
    expect(r.pack).toBeUndefined();
    expect(r.problems.find((x) => x.path === 'content/_other/safety.yaml')?.message).toContain('"en" is a served language');
  });
});
