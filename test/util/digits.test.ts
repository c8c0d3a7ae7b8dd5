import { describe, expect, it } from 'vitest';
import { latinDigits } from '../../src/util/digits.js';

describe('latinDigits', () => {
  it('folds Arabic-Indic and Persian digits, leaves everything else', () => {
    expect(latinDigits('٠١٢٣٤٥٦٧٨٩')).toBe('0123456789');
    expect(latinDigits('۰۱۲۳۴۵۶۷۸۹')).toBe('0123456789');
    expect(latinDigits('call ۱۴۴ or ١٤٢, room 12')).toBe('call 144 or 142, room 12');
    expect(latinDigits('سلام')).toBe('سلام');
  });
});
