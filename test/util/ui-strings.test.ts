import { describe, expect, it } from 'vitest';
import { ownUiString, valueAt } from '../../src/util/ui-strings.js';

const ui = { en: { webchat: { error: 'Sorry', blank: '  ' }, commands: { menu: ['menu'] } }, ar: { webchat: { title: 'لوتسه' } } } as Record<
  string,
  Record<string, unknown>
>;

describe('UI string lookup', () => {
  it('finds own strings by dotted path, and nothing from another language', () => {
    expect(ownUiString(ui, 'en', 'webchat.error')).toBe('Sorry');
    expect(ownUiString(ui, 'ar', 'webchat.error')).toBeUndefined();
    expect(ownUiString(ui, 'en', 'webchat.blank')).toBeUndefined();
    expect(ownUiString(ui, 'en', 'commands.menu')).toBeUndefined();
    expect(ownUiString(ui, 'xx', 'webchat.error')).toBeUndefined();
    expect(valueAt(ui.en, ['commands', 'menu', '0'])).toBe('menu');
    expect(valueAt(ui.en, 'webchat.missing.deeper')).toBeUndefined();
  });

  it('never resolves to Object.prototype members', () => {
    expect(ownUiString(ui, 'en', 'constructor.name')).toBeUndefined();
    expect(ownUiString(ui, '__proto__', 'constructor.name')).toBeUndefined();
    expect(ownUiString(ui, 'constructor', 'name')).toBeUndefined();
    expect(valueAt(ui, '__proto__')).toBeUndefined();
    expect(valueAt(ui.en, 'webchat.toString')).toBeUndefined();
    expect(valueAt({}, ['hasOwnProperty'])).toBeUndefined();
  });
});
