/**
 * Arabic-Indic (٠-٩, U+0660) and Persian/Urdu (۰-۹, U+06F0) digits as Latin
 * digits: people type "١" or "۱" for "1", phone numbers come in all three.
 */
export function latinDigits(s: string): string {
  return s.replace(/[\u0660-\u0669\u06F0-\u06F9]/g, (d) => String(d.charCodeAt(0) - (d <= '\u0669' ? 0x660 : 0x6f0)));
}
