/**
 * Phone numbers in bot messages are callable: tel: links in the web chat,
 * Latin digits beside Persian and Arabic-Indic ones everywhere.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { phoneLinksMarkdown, phonesPlainLatin } from '../../src/channels/phones.js';
import { renderReply } from '../../src/channels/webchat/render.js';
import { toHtml } from '../../src/channels/telegram/render.js';

describe('phone numbers', () => {
  it('links emergency numbers and long numbers, inside bold too', () => {
    expect(phoneLinksMarkdown('call **142** or 144')).toBe('call **[142](tel:142)** or [144](tel:144)');
    expect(phoneLinksMarkdown('Frauenhelpline 0800 222 555.')).toBe('Frauenhelpline [0800 222 555](tel:0800222555).');
    expect(phoneLinksMarkdown('+43 800 222 555')).toBe('[+43 800 222 555](tel:+43800222555)');
  });
  it('shows Latin digits beside Persian digits and links them', () => {
    expect(phoneLinksMarkdown('زنگ بزنید **۱۴۴**')).toBe('زنگ بزنید **۱۴۴ ([144](tel:144))**');
    expect(phonesPlainLatin('اتصل ب ١١٢')).toBe('اتصل ب ١١٢ (112)');
  });
  it('leaves amounts, years, steps and links alone', () => {
    for (const t of ['150 euros', 'in 2026', 'Step 1 of 3', '[open](https://example.org/142)', 'page 1234']) expect(phoneLinksMarkdown(t)).toBe(t);
  });
  it('the web chat activity carries the link; the Telegram HTML stays valid with Latin digits', () => {
    const [a] = renderReply(
      { lang: 'fa', dir: 'rtl', messages: [{ kind: 'text', text: 'به **۱۴۲** زنگ بزنید' }] },
      { baseUrl: 'http://x', locale: () => 'fa-IR', transcriptLabel: () => 't' },
    );
    expect(a!.text).toContain('(tel:142)');
    expect(toHtml('به **۱۴۲** زنگ بزنید')).toBe('به <b>۱۴۲ (142)</b> زنگ بزنید');
  });
  it('never throws and never loses text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const out = phonesPlainLatin(s);
        expect(out.length).toBeGreaterThanOrEqual(s.length);
        phoneLinksMarkdown(s);
      }),
    );
  });
});
