/**
 * The console's reading aids on the server side: pseudonyms, the bot
 * transcript with pressed buttons named by their labels, reasons in words,
 * and saved snippets in a real SQLite file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { firstWords } from '../../src/handoff/console-view.js';
import { pseudonym } from '../../src/handoff/pseudonym.js';
import { SnippetService } from '../../src/handoff/snippets.js';
import { readableMessages, reasonInWords } from '../../src/handoff/transcript.js';
import type { HandoffMessage } from '../../src/store/handoffs.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import type { Staff } from '../../src/store/staff.js';
import { content } from '../helpers/content.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-view-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const line = (author: HandoffMessage['author'], text: string, kind: HandoffMessage['kind'] = 'transcript'): HandoffMessage => ({
  seq: 1,
  handoffId: 'ho_1',
  author,
  kind,
  text,
  at: 0,
});

describe('pseudonym', () => {
  it('is two words, the same for one conversation, different for others, and depends on the secret', () => {
    const key = Buffer.from('a secret for the test');
    const a = pseudonym(key, 'wc_conversation_a');
    expect(a).toMatch(/^[A-Z][a-z]+ [A-Z][a-z]+$/);
    expect(pseudonym(key, 'wc_conversation_a')).toBe(a);
    const others = new Set(Array.from({ length: 50 }, (_, i) => pseudonym(key, `wc_${i}`)));
    expect(others.size).toBeGreaterThan(40);
    const other = Array.from({ length: 8 }, (_, i) => pseudonym(Buffer.from(`other ${i}`), 'wc_conversation_a'));
    expect(other.some((p) => p !== a)).toBe(true);
  });
});

describe('readable transcript', () => {
  const c = content();
  it('names pressed buttons by their labels in the person language and the caseworker language, never the code', () => {
    const out = readableMessages(c, 'ar', 'en', [
      line('person', '[l:ar]'),
      line('person', '[t:hearing.documents]'),
      line('person', '[dx:yes:3]'),
      line('person', '[zz:unknown]'),
      line('person', 'بدي احكي مع شخص'),
      line('bot', '**bold** text'),
    ]);
    expect(out[0]).toMatchObject({ pressed: 'العربية' });
    expect(out[1]).toMatchObject({ pressed: 'الأوراق للمقابلة', pressedUi: 'Documents for the interview' });
    expect(out[2]!.pressed).toBe(c.t('ar', 'buttons.yes'));
    expect(out[2]!.pressedUi).toBe('Yes');
    expect(out[3]!.pressed).toBe('a button');
    expect(out[4]!.pressed).toBeUndefined();
    expect(out[5]!.pressed).toBeUndefined();
    for (const m of out) expect(`${m.pressed ?? ''} ${m.pressedUi ?? ''}`).not.toMatch(/[[\]]|\b(l|t|dx):/);
  });

  it('says the reason in words, with the topic title', () => {
    expect(reasonInWords(c, 'en', 'asked')).toBe('asked to talk to a person');
    expect(reasonInWords(c, 'en', 'unknown', 'hearing.documents')).toBe('the bot could not answer (about "Documents for the interview")');
    expect(reasonInWords(c, 'en', 'distress')).toMatch(/distress/);
  });

  it('previews the first words the person wrote, not a button code', () => {
    expect(firstWords([line('person', '[l:ar]'), line('bot', 'hello'), line('person', `help ${'x'.repeat(200)}`)])).toMatch(/^help x+…$/);
    expect(firstWords([line('person', '[l:ar]')])).toBeUndefined();
  });
});

describe('snippets in SQLite', () => {
  const staff = (id: string, role: Staff['role'] = 'caseworker'): Staff => ({
    id,
    email: `${id}@ngo.example`,
    name: id,
    role,
    passwordHash: '',
    languages: ['en'],
    topics: [],
    active: true,
    mustChangePassword: false,
    createdAt: 0,
  });
  it('keeps own snippets private, shares team ones, and lets only the author or an admin delete', async () => {
    const store = new SqliteStore(path.join(dir, 'lotse.sqlite'));
    await store.migrate();
    let n = 0;
    const svc = new SnippetService(await store.snippets(), { next: (p = '') => `${p}${++n}` }, () => 1);
    const amal = staff('amal');
    const omid = staff('omid');
    await svc.add(amal, { title: 'Greeting', text: 'Hello, I am Amal.' });
    const team = await svc.add(amal, { text: 'Office hours: Mon-Fri 9-17\nmore', shared: true });
    expect(team.title).toBe('Office hours: Mon-Fri 9-17');
    expect((await svc.list(amal)).map((s) => [s.title, s.shared])).toEqual([
      ['Greeting', false],
      ['Office hours: Mon-Fri 9-17', true],
    ]);
    expect((await svc.list(omid)).map((s) => s.title)).toEqual(['Office hours: Mon-Fri 9-17']);
    await expect(svc.add(amal, { text: '   ' })).rejects.toMatchObject({ status: 400 });
    await expect(svc.remove(omid, team.id)).rejects.toMatchObject({ status: 403 });
    await svc.remove(staff('ada', 'admin'), team.id);
    expect((await svc.list(omid)).length).toBe(0);
    await store.close();
  });
});
