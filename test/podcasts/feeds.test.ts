/**
 * The podcast feeds of the starter pack: valid RSS 2.0 (parsed with a real
 * XML parser), and every enclosure served with the right type and length.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { podcastsPlugin } from '../../src/podcasts/plugin.js';
import { startServer, type Running } from '../../src/server/main.js';
import { repoRoot } from '../helpers/content.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-feeds-'));
let running: Running;
beforeAll(async () => {
  running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: repoRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      PUBLIC_URL: 'https://lotse.example.org',
    }),
    plugins: () => [podcastsPlugin()],
  });
});
afterAll(async () => {
  await running.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('podcast feeds', () => {
  it('every language has a valid RSS 2.0 feed whose enclosures are served with the right type and length', async () => {
    const langs = running.ctx.content.current().pack.languages.map((l) => l.code);
    expect(langs).toEqual(expect.arrayContaining(['ar', 'fa', 'ps', 'uk', 'en', 'de']));
    let enclosures = 0;
    for (const lang of langs) {
      const res = await fetch(`${running.url}/podcasts/${lang}/feed.xml`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('application/rss+xml');
      const xml = await res.text();
      expect(XMLValidator.validate(xml)).toBe(true);
      const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml);
      expect(doc.rss['@version']).toBe('2.0');
      const ch = doc.rss.channel;
      expect(ch.title).toBeTruthy();
      expect(ch.link).toBe('https://lotse.example.org/');
      expect(ch.description).toBeTruthy();
      expect(ch.language).toBe(lang);
      const items = Array.isArray(ch.item) ? ch.item : [ch.item];
      expect(items.length).toBe(2);
      for (const item of items) {
        expect(item.title).toBeTruthy();
        expect(item.guid).toBeTruthy();
        expect(new Date(item.pubDate).toString()).not.toBe('Invalid Date');
        const enc = item.enclosure;
        expect(enc['@type']).toBe('audio/mpeg');
        const url = new URL(enc['@url']);
        expect(url.origin).toBe('https://lotse.example.org');
        const audio = await fetch(`${running.url}${url.pathname}`);
        expect(audio.status).toBe(200);
        expect(audio.headers.get('content-type')).toBe('audio/mpeg');
        expect(audio.headers.get('content-length')).toBe(String(enc['@length']));
        const body = Buffer.from(await audio.arrayBuffer());
        expect(body.length).toBe(Number(enc['@length']));
        // An MP3 starts with an ID3 tag or an MPEG frame sync.
        expect(body.subarray(0, 3).toString('latin1') === 'ID3' || (body[0] === 0xff && (body[1]! & 0xe0) === 0xe0)).toBe(true);
        enclosures++;
      }
    }
    expect(enclosures).toBe(langs.length * 2);
  });

  it('synthetic sample voices are labelled in the feed', async () => {
    const xml = await (await fetch(`${running.url}/podcasts/en/feed.xml`)).text();
    expect(xml).toContain('computer voice');
  });

  it('serves a transcript page per episode and language, right-to-left where needed', async () => {
    const res = await fetch(`${running.url}/podcasts/ar/hearing/transcript`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('dir="rtl"');
    expect(html).toContain('<audio controls');
    expect((await fetch(`${running.url}/podcasts/xx/feed.xml`)).status).toBe(404);
  });
});
