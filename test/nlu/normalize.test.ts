import { describe, expect, it } from 'vitest';
import { normalize, scriptCounts, stem, tokenize } from '../../src/nlu/normalize.js';

describe('normalize: Arabic script', () => {
  it('folds hamza and alef forms, ta marbuta and alef maqsura', () => {
    expect(normalize('أإآٱ')).toBe('اااا');
    expect(normalize('مقابلة')).toBe(normalize('مقابله'));
    expect(normalize('على')).toBe(normalize('علي'));
  });
  it('removes tashkeel and tatweel', () => {
    expect(normalize('مُقَابَلَة')).toBe(normalize('مقابلة'));
    expect(normalize('مقـــابلة')).toBe(normalize('مقابلة'));
  });
  it('treats Persian and Arabic look-alike letters as one', () => {
    expect(normalize('کی')).toBe(normalize('كي')); // Persian kaf/yeh vs Arabic
    expect(normalize('ګ')).toBe(normalize('گ'));
  });
  it('folds Pashto letters typed on Persian keyboards', () => {
    expect(normalize('ښځه')).toBe(normalize('شجه'));
    expect(normalize('ټول')).toBe(normalize('تول'));
    expect(normalize('مرکې')).toBe(normalize('مرکی'));
  });
  it('joins words split by zero-width non-joiner or a space after می', () => {
    expect(tokenize('می‌خواهم')).toEqual(tokenize('میخواهم'));
    expect(tokenize('می خواهم')).toEqual(tokenize('میخواهم'));
    expect(normalize('a\u200Db\u200Bc')).toBe('abc');
  });
  it('turns Arabic-Indic and Persian digits into ASCII', () => {
    expect(normalize('١٤٤')).toBe('144');
    expect(normalize('۱۴۲')).toBe('142');
  });
  it('stems the article and clitics lightly', () => {
    expect(stem(normalize('المقابلة'))).toBe(stem(normalize('مقابلة')));
    expect(stem(normalize('بالمترجم'))).toBe(stem(normalize('مترجم')));
  });
});

describe('normalize: Cyrillic and Latin', () => {
  it('folds Ukrainian letters that Russian-layout typists swap', () => {
    expect(normalize('Співбесіда')).toBe(normalize('спивбесида'));
    expect(normalize('їжа')).toBe(normalize('іжа'));
    expect(normalize("інтерв'ю")).toBe(normalize('інтервю'));
  });
  it('folds case, diacritics, umlauts written either way and sharp s', () => {
    expect(normalize('Für')).toBe(normalize('fuer'));
    expect(normalize('Prüfung')).toBe(normalize('pruefung'));
    expect(normalize('Straße')).toBe('strasse');
    expect(normalize('Café')).toBe('cafe');
  });
  it('drops punctuation and emoji', () => {
    expect(tokenize('Hello!!! 🙂 how are you?')).toEqual(['hello', 'how', 'are', 'you']);
  });
});

describe('scriptCounts', () => {
  it('counts letters per script', () => {
    const c = scriptCounts('abc مرحبا привіт');
    expect(c.Latn).toBe(3);
    expect(c.Arab).toBe(5);
    expect(c.Cyrl).toBe(6);
  });
});

describe('scripts with vowel signs', () => {
  it('keeps Bengali and Devanagari words whole (their vowel signs are marks, not separators)', () => {
    expect(normalize('আমি আর বাঁচতে চাই না')).toBe('আমি আর বাঁচতে চাই না');
    expect(normalize('मैं मरना चाहता हूँ')).toBe('मैं मरना चाहता हूँ');
  });
  it('still drops a mark that follows no letter (an emoji variation selector)', () => {
    expect(normalize('ok ❤️ 1️⃣')).toBe('ok 1');
  });
});
