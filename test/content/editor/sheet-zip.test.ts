/**
 * The spreadsheet and zip readers on their own: a text is replaced where it
 * stands (every other byte of the file kept), a missing one is added, CSV
 * quoting survives a round trip, a sheet without its header is refused, and
 * a zip (or XLSX) that unpacks to far more than it weighs is refused before
 * it is unpacked.
 */
import fc from 'fast-check';
import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { packToZip, zipToPack } from '../../../src/content/editor/pack-zip.js';
import { applySheet, editYaml, flatten, parseCsv, parseXlsx, readSheet, sheetRows, toCsv } from '../../../src/content/editor/sheet.js';

const FA = 'content/fa/topics/hearing.yaml';
const EN = 'content/en/topics/hearing.yaml';
const en = '# English\nhearing.a:\n  title: Hearing\n  review: draft\n  answer: ["One.", "Two."]\n  examples: [x]\n';
const fa = '# Farsi: keep me\nhearing.a:\n  title: "مصاحبه"   # a comment after the title\n  review: draft\n  answer:\n    - "یک."\n  examples: [y]\n';

describe('spreadsheet', () => {
  it('lists source and translation side by side, without phrasings and review states', () => {
    const rows = sheetRows(
      new Map([
        [EN, en],
        [FA, fa],
      ]),
      'fa',
      'en',
    );
    expect(rows).toEqual([
      { file: FA, key: 'hearing.a/title', source: 'Hearing', translation: 'مصاحبه' },
      { file: FA, key: 'hearing.a/answer/0', source: 'One.', translation: 'یک.' },
      { file: FA, key: 'hearing.a/answer/1', source: 'Two.', translation: '' },
    ]);
  });

  it('replaces a translated text in place and adds a missing one; empty cells and unknown keys change nothing', () => {
    const files = new Map([
      [EN, en],
      [FA, fa],
    ]);
    const r = applySheet(files, 'fa', 'en', [
      { file: FA, key: 'hearing.a/title', value: 'مصاحبه "اصلی"' },
      { file: FA, key: 'hearing.a/answer/0', value: '' },
      { file: FA, key: 'hearing.a/answer/1', value: 'دو.' },
      { file: FA, key: 'hearing.a/nope', value: 'x' },
      { file: 'content/ar/topics/hearing.yaml', key: 'hearing.a/title', value: 'x' },
    ]);
    expect(r.unknown).toEqual([
      { file: 'content/ar/topics/hearing.yaml', key: 'hearing.a/title' },
      { file: FA, key: 'hearing.a/nope' },
    ]);
    expect(r.changes.map((c) => [c.key, c.before, c.after])).toEqual([
      ['hearing.a/title', 'مصاحبه', 'مصاحبه "اصلی"'],
      ['hearing.a/answer/1', null, 'دو.'],
    ]);
    const out = r.changed.get(FA)!;
    expect(out).toContain('# Farsi: keep me');
    expect(out).toContain('# a comment after the title');
    expect(flatten(FA, out).get('hearing.a/title')?.value).toBe('مصاحبه "اصلی"');
    expect(flatten(FA, out).get('hearing.a/answer/1')?.value).toBe('دو.');
    expect(flatten(FA, out).get('hearing.a/answer/0')?.value).toBe('یک.');
  });

  it('changes only the edited text: everything else in the file stays byte for byte', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (value) => {
        fc.pre(value.trim() !== '');
        const out = editYaml(fa, [{ segments: ['hearing.a', 'title'], value }]);
        expect(flatten(FA, out).get('hearing.a/title')?.value).toBe(value);
        const start = fa.indexOf('"مصاحبه"');
        expect(out.slice(0, start)).toBe(fa.slice(0, start));
        expect(out.slice(out.length - (fa.length - start - '"مصاحبه"'.length))).toBe(fa.slice(start + '"مصاحبه"'.length));
      }),
      { numRuns: 200 },
    );
  });

  it('writes CSV that reads back cell for cell', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 8 }), (pairs) => {
        const rows = pairs.map(([s, t], i) => ({ file: FA, key: `k/${i}`, source: s, translation: t }));
        const back = parseCsv(toCsv(rows, 'fa', 'en'));
        expect(back[0]).toEqual(['file', 'key', 'en', 'fa']);
        expect(back.slice(1)).toEqual(rows.map((r) => [r.file, r.key, r.source, r.translation]));
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a sheet without the header row it was exported with', () => {
    expect(() => readSheet([['a', 'b', 'c']], 'fa')).toThrow(/"file", "key" and "fa"/);
    expect(
      readSheet(
        [
          ['file', 'key', 'en', 'fa'],
          [FA, 'hearing.a/title', 'x', 'y'],
          ['', '', '', ''],
        ],
        'fa',
      ),
    ).toEqual([{ file: FA, key: 'hearing.a/title', value: 'y' }]);
  });
});

describe('pack zip', () => {
  it('round-trips the files and refuses a zip or XLSX that unpacks to more than 50 MB', async () => {
    const files = [
      { path: EN, text: en },
      { path: FA, text: fa },
    ];
    expect((await zipToPack(await packToZip(files))).files).toEqual(files);
    const bomb = new JSZip();
    bomb.file('content/en/big.yaml', 'a'.repeat(51 * 1024 * 1024));
    const data = await bomb.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    expect(data.length).toBeLessThan(1024 * 1024);
    await expect(zipToPack(data)).rejects.toMatchObject({ status: 413 });
    await expect(parseXlsx(data)).rejects.toMatchObject({ status: 413 });
    await expect(zipToPack(Buffer.from('not a zip'))).rejects.toMatchObject({ status: 400 });
  });
});
