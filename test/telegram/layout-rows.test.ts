/**
 * Keyboard rows by measured label width (issue 15), with real labels of the starter content in
 * ar, fa, ps, uk, en and de: widths per script, what fits two or three to a row on a phone, the
 * accommodation menu and "Was this helpful?" in fewer rows, yes/no always side by side, and
 * paragraphs of one answer joined into one message.
 */
import { describe, expect, it } from 'vitest';
import { fitsInRow, joinTexts, keyboardRows, labelEm, MAX_PER_ROW, MAX_ROWS, pageRows, roomPerButton } from '../../src/channels/telegram/layout.js';

type Key = { text: string; group?: string; together?: boolean };
const opt = (text: string): Key => ({ text, group: 'options' });
const nav = (text: string): Key => ({ text, group: 'nav' });
const ans = (text: string): Key => ({ text, group: 'answer', together: true });
const texts = (rows: Key[][]) => rows.map((r) => r.map((k) => k.text));

/** The accommodation menu of the starter content (12 options), then Back and Menu: 14 rows before issue 15. */
const ACCOMMODATION: Record<string, string[]> = {
  ar: [
    'قواعد السكن',
    'ساعات الهدوء في الليل',
    'الزوار',
    'الغياب ليلة أو أكثر',
    'المال والطعام وبطاقة الدفع',
    'التنظيف والقمامة',
    'المشاكل والشكاوى',
    'السلامة من الحريق',
    'الانتقال لسكن آخر',
    'الرسائل والبريد',
    'استمع إلى الحلقة',
    'تحدّث مع فريقنا',
    'رجوع',
    'القائمة',
  ],
  fa: [
    'قوانین محل اقامت',
    'ساعت سکوت شب',
    'مهمان و ملاقات',
    'غیبت یک شب یا بیشتر',
    'پول، غذا و کارت پرداخت',
    'نظافت و زباله',
    'مشکل و شکایت',
    'ایمنی آتش‌سوزی',
    'انتقال به جای دیگر',
    'نامه‌ها و پست',
    'گوش دادن به این قسمت',
    'صحبت با تیم ما',
    'برگشت',
    'منو',
  ],
  ps: [
    'د استوګنځي قوانین',
    'د شپې د چوپتیا وخت',
    'میلمانه',
    'یوه شپه یا ډېر وخت بهر پاتې کېدل',
    'پیسې، خواړه او د تادیې کارت',
    'پاکول او کثافات',
    'ستونزې او شکایت',
    'د اور خوندیتوب',
    'بل ځای ته تلل',
    'لیکونه او پوسټ',
    'برخه واورئ',
    'زموږ له ټیم سره خبرې',
    'شاته',
    'مینو',
  ],
  uk: [
    'Правила проживання',
    'Нічна тиша',
    'Гості',
    'Відсутність на ніч або довше',
    'Гроші, їжа і платіжна картка',
    'Прибирання і сміття',
    'Проблеми і скарги',
    'Пожежна безпека',
    'Переїзд',
    'Листи і пошта',
    'Послухати випуск',
    'Поговорити з нашою командою',
    'Назад',
    'Меню',
  ],
  en: [
    'House rules',
    'Quiet hours at night',
    'Visitors',
    'Being away for a night or longer',
    'Money, food and the payment card',
    'Cleaning and rubbish',
    'Problems and complaints',
    'Fire safety',
    'Moving to another place',
    'Letters and mail',
    'Listen to the episode',
    'Talk to our team',
    'Back',
    'Menu',
  ],
  de: [
    'Hausordnung',
    'Nachtruhe',
    'Besuch',
    'Weg für eine Nacht oder länger',
    'Geld, Essen und Bezahlkarte',
    'Putzen und Müll',
    'Problem oder Beschwerde im Quartier',
    'Brandschutz',
    'Umziehen',
    'Briefe und Post',
    'Folge anhören',
    'Mit unserem Team sprechen',
    'Zurück',
    'Menü',
  ],
};
/** "Was this helpful?": yes, no, step by step, two related topics, back, menu, a person (8 rows before). */
const FEEDBACK: Record<string, string[]> = {
  ar: ['نعم', 'لا', 'خطوة بخطوة', 'ساعات الهدوء في الليل', 'الزوار', 'رجوع', 'القائمة', 'تحدّث مع فريقنا'],
  fa: ['بله', 'نه', 'قدم به قدم', 'ساعت سکوت شب', 'مهمان و ملاقات', 'برگشت', 'منو', 'صحبت با تیم ما'],
  ps: ['هو', 'نه', 'ګام په ګام', 'د شپې د چوپتیا وخت', 'میلمانه', 'شاته', 'مینو', 'زموږ له ټیم سره خبرې'],
  uk: ['Так', 'Ні', 'Крок за кроком', 'Нічна тиша', 'Гості', 'Назад', 'Меню', 'Поговорити з нашою командою'],
  en: ['Yes', 'No', 'Step by step', 'Quiet hours at night', 'Visitors', 'Back', 'Menu', 'Talk to our team'],
  de: ['Ja', 'Nein', 'Schritt für Schritt', 'Nachtruhe', 'Besuch', 'Zurück', 'Menü', 'Mit unserem Team sprechen'],
};
const accommodation = (l: string[]) => [...l.slice(0, 12).map(opt), ...l.slice(12).map(nav)];
const feedback = (l: string[]) => [ans(l[0]!), ans(l[1]!), ...l.slice(2, 5).map(opt), ...l.slice(5).map(nav)];

describe('label width per script', () => {
  it('counts what a phone draws, not characters', () => {
    // Same number of characters, different widths: "iiii" is narrow, "ММММ" and "WWWW" wide.
    expect(labelEm('iiii')).toBeLessThan(labelEm('abcd'));
    expect(labelEm('WWWW')).toBeGreaterThan(labelEm('abcd'));
    expect(labelEm('шшшш')).toBeGreaterThan(labelEm('abcd'));
    // Arabic vowel marks and the Persian zero-width non-joiner take no room.
    expect(labelEm('تحدّث')).toBe(labelEm('تحدث'));
    expect(labelEm('آتش‌سوزی')).toBe(labelEm('آتشسوزی'));
    // CJK and emoji are wide.
    expect(labelEm('📞📞')).toBe(labelEm('ab') * 2);
    expect(labelEm('中文')).toBe(labelEm('ab') * 2);
  });

  it('three short labels fit a row; a long one needs the row to itself', () => {
    expect(roomPerButton(3)).toBeLessThan(roomPerButton(2));
    expect(fitsInRow(['العربية', 'Українська', 'Deutsch'])).toBe(true);
    expect(fitsInRow(['Being away for a night or longer', 'Back'])).toBe(false);
    expect(fitsInRow(['یوه شپه یا ډېر وخت بهر پاتې کېدل', 'شاته'])).toBe(false);
    expect(fitsInRow(['Yes', 'No', 'Back', 'Menu'])).toBe(false); // never four to a row
  });
});

describe('starter keyboards in six languages', () => {
  for (const lang of Object.keys(ACCOMMODATION)) {
    it(`${lang}: the accommodation menu takes at most 10 rows (14 before), no label cut, order kept within a row's reach`, () => {
      const keys = accommodation(ACCOMMODATION[lang]!);
      const rows = keyboardRows(keys);
      expect(rows.length).toBeLessThanOrEqual(10);
      expect(rows.flat()).toHaveLength(keys.length);
      for (const r of rows) {
        expect(r.length).toBeLessThanOrEqual(MAX_PER_ROW);
        expect(fitsInRow(r.map((k) => k.text))).toBe(true);
        expect(new Set(r.map((k) => k.group)).size).toBe(1);
      }
      // Back and Menu side by side, last.
      expect(texts(rows).at(-1)).toEqual(ACCOMMODATION[lang]!.slice(12));
      // No button moves up by more than one row past where it would stand in order.
      const flat = rows.flat();
      keys.forEach((k, i) => expect(flat.indexOf(k)).toBeGreaterThanOrEqual(i - MAX_PER_ROW));
    });

    it(`${lang}: "Was this helpful?" has yes/no side by side in the first row, and at most 5 rows (8 before)`, () => {
      const rows = keyboardRows(feedback(FEEDBACK[lang]!));
      expect(texts(rows)[0]).toEqual(FEEDBACK[lang]!.slice(0, 2));
      expect(rows.length).toBeLessThanOrEqual(5);
      for (const r of rows) expect(fitsInRow(r.map((k) => k.text))).toBe(true);
    });
  }

  it('yes/no stay side by side even when the words are long', () => {
    const rows = keyboardRows([ans('Ja, das war hilfreich für mich'), ans('Nein, leider gar nicht'), nav('Menü')]);
    expect(texts(rows)).toEqual([['Ja, das war hilfreich für mich', 'Nein, leider gar nicht'], ['Menü']]);
  });
});

describe('long keyboards in pages', () => {
  for (const lang of Object.keys(ACCOMMODATION)) {
    it(`${lang}: the accommodation menu in pages of at most ${MAX_ROWS} rows with its page row, evenly, every option once`, () => {
      const rows = keyboardRows(accommodation(ACCOMMODATION[lang]!));
      const paged = pageRows(rows, 'options')!;
      expect(paged.before).toEqual([]);
      expect(texts(paged.after)).toEqual([ACCOMMODATION[lang]!.slice(12)]);
      expect(paged.pages.length).toBeGreaterThanOrEqual(2);
      for (const page of paged.pages) expect(page.length + 1 + paged.after.length).toBeLessThanOrEqual(MAX_ROWS);
      const sizes = paged.pages.map((p) => p.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      expect(paged.pages.flat(2)).toEqual(rows.slice(0, -1).flat());
    });
  }

  it('a keyboard that fits is not paged; the answers to a question stay on every page', () => {
    expect(pageRows(keyboardRows(feedback(FEEDBACK.en!)), 'options')).toBeUndefined();
    const many = [ans('Yes'), ans('No'), ...Array.from({ length: 12 }, (_, i) => opt(`A rather long option label ${i + 1}`)), nav('Back')];
    const paged = pageRows(keyboardRows(many), 'options')!;
    expect(texts(paged.before)).toEqual([['Yes', 'No']]);
    expect(texts(paged.after)).toEqual([['Back']]);
    for (const page of paged.pages) expect(paged.before.length + page.length + 1 + paged.after.length).toBeLessThanOrEqual(MAX_ROWS);
    expect(paged.pages.flat(2).map((k) => k.text)).toEqual(many.slice(2, -1).map((k) => k.text));
  });
});

describe('paragraphs of one answer', () => {
  it('consecutive texts without buttons become one message; buttons, audio, links and caseworkers stay apart', () => {
    const audio: { kind: string; text?: string } = { kind: 'audio' };
    const msgs = [
      { kind: 'text', text: 'Erster Absatz.' },
      { kind: 'text', text: 'Zweiter Absatz.' },
      audio,
      { kind: 'text', text: 'Nach dem Audio.' },
      { kind: 'text', text: 'War das hilfreich?', buttons: [{ label: 'Ja', payload: 'fb:y' }] },
      { kind: 'text', text: 'Samira schreibt', from: { label: 'Samira' } },
      { kind: 'text', text: 'Danach.' },
    ];
    const out = joinTexts(msgs);
    expect(out.map((m) => m.text ?? m.kind)).toEqual([
      'Erster Absatz.\n\nZweiter Absatz.',
      'audio',
      'Nach dem Audio.',
      'War das hilfreich?',
      'Samira schreibt',
      'Danach.',
    ]);
    expect(joinTexts(msgs)).toEqual(out); // the same reply, the same messages (the progress count relies on it)
    expect(msgs[0]!.text).toBe('Erster Absatz.'); // the reply itself is not changed
  });

  it("never joins past the limit, so a joined text is not split again at Telegram's 4096", () => {
    const para = 'ا'.repeat(1500);
    const out = joinTexts([para, para, para].map((text) => ({ kind: 'text', text })));
    expect(out.map((m) => m.text!.length)).toEqual([3002, 1500]);
    for (const m of out) expect(m.text!.length).toBeLessThanOrEqual(4096);
  });
});
