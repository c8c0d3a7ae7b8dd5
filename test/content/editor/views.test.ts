/**
 * The editor's structured views (src/content/editor/views.ts) on the real
 * starter pack: a topic in all six languages with its states; an edit of one
 * field changes one line of its file and keeps the comments; the validator's
 * problems (compilePack, as `lotse validate`) are tied to the field they are
 * about, including topic ids that hold a dot.
 */
import { describe, expect, it } from 'vitest';
import { editData, editTopicRecord, editTopicText, fieldOf, readData, topicList, topicView, validateEdits } from '../../../src/content/editor/views.js';
import { ParsedFile } from '../../../src/content/problems.js';
import { FileSource } from '../../../src/content/source.js';
import { repoRoot } from '../../helpers/content.js';

const input = new FileSource(repoRoot).readSync();
const files = new Map(input.files.map((f) => [f.path, f.text]));
const AR = 'content/ar/topics/hearing.yaml';

const changedLines = (a: string, b: string) => {
  const x = a.split('\n');
  const y = b.split('\n');
  expect(y.length).toBe(x.length);
  return y.filter((l, i) => l !== x[i]);
};

describe('editor views', () => {
  it('a topic in every language, in menu order, with the file each text is in', () => {
    const v = topicView(files, 'hearing.documents')!;
    expect(Object.keys(v.texts)).toEqual(['ar', 'fa', 'ps', 'uk', 'en', 'de']);
    expect(v.paths.texts.ar).toBe(AR);
    expect(v.states).toEqual({ ar: 'draft', fa: 'draft', ps: 'draft', uk: 'draft', en: 'draft', de: 'draft' });
    expect(topicList(files).map((t) => t.id)).toContain('hearing.documents');
    expect(topicView(files, 'no.such-topic')).toBeUndefined();
  });

  it('states: missing without a text, partial with a reason or fewer messages than the reference', () => {
    const v = topicView(files, 'hearing.documents')!;
    const shorter = editTopicText(files, 'hearing.documents', 'ps', { ...v.texts.ps!, answer: (v.texts.ps!.answer as string[]).slice(0, 1) });
    const gone = editTopicText(files, 'hearing.documents', 'de', null);
    const next = new Map(files).set(shorter.path, shorter.text).set(gone.path, gone.text);
    expect(topicView(next, 'hearing.documents')!.states).toMatchObject({ ps: 'partial', de: 'missing', en: 'draft' });
  });

  it('one changed answer is one changed line, and the comments stay', () => {
    const v = topicView(files, 'hearing.documents')!;
    const answer = [...(v.texts.ar!.answer as string[])];
    answer[0] = 'خذ معك بطاقة اللجوء ووثائق هويتك (جواز السفر، الهوية، شهادة الميلاد).';
    const e = editTopicText(files, 'hearing.documents', 'ar', { ...v.texts.ar!, answer });
    expect(e.path).toBe(AR);
    expect(changedLines(files.get(AR)!, e.text)).toEqual([`    - "${answer[0]}"`]);
    expect(e.text.split('\n')[0]).toBe(files.get(AR)!.split('\n')[0]);
    expect((readData(e.text) as Record<string, { answer: string[] }>)['hearing.documents']!.answer).toEqual(answer);
  });

  it('a source with its page and date is added to the language-neutral record', () => {
    const v = topicView(files, 'hearing.documents')!;
    const source = { title: 'BFA: the asylum procedure', url: 'https://www.bfa.gv.at/', read: '2026-12-01' };
    const e = editTopicRecord(files, 'hearing.documents', { ...v.topic, sources: [...(v.topic.sources as unknown[]), source] });
    const after = topicView(new Map(files).set(e.path, e.text), 'hearing.documents')!;
    expect(after.topic.sources).toEqual([...(v.topic.sources as unknown[]), source]);
    expect(validateEdits(input, [e]).ok).toBe(true);
  });

  it('JSON files (UI strings) are written with two spaces, as locales/ are', () => {
    const p = 'locales/en/translation.json';
    const data = readData(files.get(p)) as Record<string, Record<string, string>>;
    const text = editData(p, files.get(p), { ...data, buttons: { ...data.buttons, menu: 'Main menu' } });
    expect(changedLines(files.get(p)!, text)).toEqual(['    "menu": "Main menu",']);
  });

  it('problems are those of compilePack, at their field (topic ids hold a dot)', () => {
    const v = topicView(files, 'hearing.documents')!;
    const e = editTopicText(files, 'hearing.documents', 'ar', { ...v.texts.ar!, answer: ['', ...(v.texts.ar!.answer as string[]).slice(1)] });
    const r = validateEdits(input, [e]);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([
      expect.objectContaining({
        severity: 'error',
        path: AR,
        message: 'text must not be empty at hearing.documents.answer.0',
        field: ['hearing.documents', 'answer', 0],
      }),
    ]);
    // A problem without a field in its message: the deepest key on its line.
    const pf = new ParsedFile(AR, files.get(AR)!);
    const line = pf.lineOf(['hearing.documents', 'title']);
    expect(fieldOf({ severity: 'error', path: AR, line, message: 'a problem of the title' }, pf)).toEqual(['hearing.documents', 'title']);
  });

  it('an untouched pack validates clean', () => {
    const r = validateEdits(input, [{ path: AR, text: files.get(AR)! }]);
    expect(r).toMatchObject({ ok: true, elsewhere: [] });
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
  });
});
