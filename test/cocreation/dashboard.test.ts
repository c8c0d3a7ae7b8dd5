/**
 * The co-creation dashboard (issue 16.4) end to end, on the starter pack,
 * a real SQLite file and Debian's Chromium:
 * - a person's typed question whose answer they call "not helpful" is kept,
 *   masked, with the topic (through the real runtime);
 * - the API groups questions per language, suggests the matcher's topic,
 *   suppresses small counts and small groups' texts, in JSON, CSV and SVG;
 * - the one-click actions refuse what the dashboard did not show, and say
 *   so when no draft store is set up;
 * - the page at 1366x768 and 390x844 passes axe-core (no serious or
 *   critical violation), shows the charts, and "Download PNG" gives a PNG
 *   of the chart at twice its size. Screenshot: docs/screenshots/cocreation-dashboard.png
 *   (LOTSE_SCREENSHOTS=1).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CocreationReport } from '../../src/cocreation/report.js';
import { loadConfig } from '../../src/config/config.js';
import { payload } from '../../src/engine/payload.js';
import { handoffPlugin, type HandoffRuntime } from '../../src/handoff/plugin.js';
import { type Running, startServer } from '../../src/server/main.js';
import type { Handoff, Outcome } from '../../src/store/handoffs.js';
import { ManualClock } from '../../src/util/clock.js';
import { launchChromium } from '../helpers/browser.js';
import { WAIT } from '../helpers/console.js';
import { repoRoot } from '../helpers/content.js';

const NOW = Date.UTC(2026, 11, 2, 10, 0, 0); // Wednesday 2 December 2026
const DAY = 86_400_000;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-cocreation-'));
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const shotDir = path.join(repoRoot, 'docs', 'screenshots');
const PASSWORD = 'a long editor password';
let running: Running;
let rt: HandoffRuntime;
let browser: Browser;
let admin: { cookie: string; csrf: string };

/** Questions people asked, by language: [text variants, how many different people, days ago of the first, kind, topic]. */
const ASKED: [string, string[], number, number, 'unanswered' | 'not-helpful', string?][] = [
  [
    'en',
    ['Where can I buy a bus ticket?', 'where to buy bus ticket', 'bus ticket where can i buy', 'where can i buy a ticket for the bus'],
    9,
    20,
    'unanswered',
  ],
  ['en', ['what is the wifi password', 'wifi password please', 'WiFi password?'], 6, 12, 'unanswered'],
  ['en', ['can I bring my dog'], 2, 5, 'unanswered'],
  ['de', ['Wann bekomme ich mein Taschengeld?', 'wann kommt das taschengeld', 'Taschengeld wann'], 6, 18, 'not-helpful', 'accommodation.pocket-money'],
  ['ar', ['متى تصل بطاقة اللجوء', 'متى تصل بطاقة اللجوء؟', 'بطاقة اللجوء متى تصل'], 7, 15, 'unanswered'],
  ['uk', ['Де купити квиток на автобус?', 'де купити квиток на автобус', 'квиток на автобус де купити'], 5, 10, 'unanswered'],
  ['fa', ['کارت پناهندگی کی می رسد'], 3, 8, 'unanswered'],
];

async function seed(): Promise<void> {
  let n = 0;
  for (const [lang, variants, people, since, kind, topic] of ASKED)
    for (let p = 0; p < people; p++)
      await running.ctx.store.addUnanswered({
        ref: { channel: 'webchat', conversationId: `seed-${lang}-${++n}` },
        lang,
        text: variants[p % variants.length]!,
        contentVersion: 'seed',
        at: NOW - since * DAY + p * 2 * DAY,
        kind,
        ...(topic ? { topic } : {}),
      });
  const feedback: [string, string, number, number][] = [
    ['hearing.documents', 'en', 14, 2],
    ['hearing.documents', 'ar', 9, 6],
    ['accommodation.pocket-money', 'de', 5, 7],
    ['services.doctor', 'uk', 8, 0],
    ['services.transport', 'en', 3, 1],
  ];
  for (const [topic, lang, yes, no] of feedback)
    for (let i = 0; i < yes + no; i++)
      await running.ctx.store.addFeedback({
        ref: { channel: 'telegram', conversationId: `fb-${topic}-${lang}-${i}` },
        topic,
        lang,
        helpful: i < yes,
        contentVersion: 'seed',
        at: NOW - (i % 25) * DAY,
      });
  const handoffs: [string, Outcome | 'cancelled', number][] = [
    ['hearing.documents', 'answered', 9],
    ['hearing.documents', 'referred', 5],
    ['services.legal-advice', 'referred', 7],
    ['services.legal-advice', 'answered', 2],
    ['accommodation.pocket-money', 'answered', 6],
  ];
  let h = 0;
  for (const [topic, outcome, count] of handoffs)
    for (let i = 0; i < count; i++) {
      const id = `ho_${++h}`;
      const createdAt = NOW - ((h * 3) % 26) * DAY;
      const rec: Handoff = {
        id,
        ref: { channel: 'webchat', conversationId: `ho-person-${h}` },
        lang: 'en',
        reason: 'asked',
        topic,
        priority: 1,
        status: 'queued',
        createdAt,
        offHours: false,
        transcriptPurged: false,
      };
      await rt.hs.insertHandoff(rec, [{ author: 'system', kind: 'event', text: 'opened: asked', at: createdAt }]);
      await rt.hs.update(id, { status: 'closed', closedAt: createdAt + 600_000, outcome: outcome as Outcome });
    }
}

beforeAll(async () => {
  const plugin = handoffPlugin();
  running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: repoRoot,
      CONTENT_WATCH: 'false',
      LOG_LEVEL: 'silent',
      OFFICE_HOURS: 'mo-su 00:00-24:00',
      TIMEZONE: 'Europe/Vienna',
      // The editor's drafts live in the store: the one-click actions need it.
      CONTENT_SOURCE: 'store',
    }),
    clock: new ManualClock(NOW),
    plugins: () => [plugin],
  });
  rt = plugin.runtime!;
  await rt.auth.createStaff({ email: 'ed@ngo.example', name: 'Edith Editor', role: 'admin', password: PASSWORD, languages: ['en', 'de'] });
  await rt.auth.createStaff({ email: 'cw@ngo.example', name: 'Carl Caseworker', role: 'caseworker', password: PASSWORD, languages: ['en'] });
  await seed();
  const r = await fetch(`${running.url}/console/api/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: 'ed@ngo.example', password: PASSWORD }),
  });
  admin = { cookie: (r.headers.get('set-cookie') ?? '').split(';')[0]!, csrf: ((await r.json()) as { csrf: string }).csrf };
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const get = (p: string) => fetch(`${running.url}/console${p}`, { headers: { cookie: admin.cookie } });
const post = (p: string, body: unknown) =>
  fetch(`${running.url}/console${p}`, {
    method: 'POST',
    headers: { cookie: admin.cookie, 'X-CSRF-Token': admin.csrf, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
const report = async (q = '') => ((await (await get(`/api/cocreation${q}`)).json()) as { report: CocreationReport; canEdit: boolean }).report;

describe('the co-creation loop', () => {
  it('keeps the typed question whose answer was not helpful, masked, with its topic', async () => {
    const ref = { channel: 'cli' as const, conversationId: 'person-not-helped' };
    await running.ctx.bot.handle(ref, { kind: 'start' });
    await running.ctx.bot.handle(ref, { kind: 'button', payload: 'l:en' });
    const answer = await running.ctx.bot.handle(ref, { kind: 'text', text: 'which documents do I need for the interview, call me on 0664 1234567' });
    expect(answer.messages.some((m) => m.kind === 'text' && m.buttons?.some((b) => b.payload === payload.feedback(false)))).toBe(true);
    await running.ctx.bot.handle(ref, { kind: 'button', payload: payload.feedback(false) });
    const rows = await (await running.ctx.store.questions()).questionsBetween(NOW - DAY, NOW + DAY);
    const mine = rows.filter((r) => r.who === 'cli:person-not-helped');
    expect(mine).toEqual([
      {
        kind: 'not-helpful',
        lang: 'en',
        text: 'which documents do I need for the interview, call me on [number]',
        topic: 'hearing.documents',
        who: 'cli:person-not-helped',
        at: NOW,
      },
    ]);
    // "delete my data" takes it with the rest.
    await running.ctx.store.forgetPerson(ref);
    expect((await (await running.ctx.store.questions()).questionsBetween(NOW - DAY, NOW + DAY)).filter((r) => r.who === 'cli:person-not-helped')).toEqual([]);
  });

  it('groups per language with the closest topic, and shows no group of fewer than 5 people', async () => {
    const r = await report();
    expect(r.from).toBe('2026-11-05');
    expect(r.to).toBe('2026-12-02');
    expect(r.groups.map((g) => [g.lang, g.questions])).toEqual([
      ['ar', 7],
      ['de', 6],
      ['en', 9],
      ['en', 6],
      ['uk', 5],
    ]);
    const bus = r.groups.find((g) => g.lang === 'en' && g.questions === 9)!;
    expect(bus.phrasings.map((p) => p.text).sort()).toEqual([
      'Where can I buy a bus ticket?',
      'bus ticket where can i buy',
      'where can i buy a ticket for the bus',
      'where to buy bus ticket',
    ]);
    expect(bus.suggestion?.topic).toBe('services.transport');
    const de = r.groups.find((g) => g.lang === 'de')!;
    expect(de).toMatchObject({ notHelpful: 6, unanswered: 0, answeredAs: 'accommodation.pocket-money' });
    // The dog (2 people) and the Dari question (3 people): counted, never shown.
    expect(r.otherQuestions).toEqual([
      { lang: 'en', groups: 1, questions: '<5' },
      { lang: 'fa', groups: 1, questions: '<5' },
    ]);
    const json = JSON.stringify(r);
    expect(json).not.toContain('dog');
    expect(json).not.toContain('کارت');
    expect(json).not.toContain('seed-');
    // Helpfulness: 3 yes and 1 no for transport are both small: no share; 14/2 shows "<5" and no share.
    expect(r.helpfulness.find((h) => h.topic === 'services.transport')).toEqual({
      topic: 'services.transport',
      lang: 'en',
      yes: '<5',
      no: '<5',
      total: '<5',
      helpfulPercent: null,
    });
    expect(r.helpfulness.find((h) => h.topic === 'hearing.documents' && h.lang === 'ar')).toMatchObject({ yes: 9, no: 6, helpfulPercent: 60 });
    expect(r.outcomes.find((o) => o.topic === 'services.legal-advice')).toEqual({
      topic: 'services.legal-advice',
      total: 9,
      byOutcome: { answered: '<5', referred: 7 },
    });

    // The server keeps its content in the store, so the one-click actions are on.
    expect(((await (await get('/api/cocreation')).json()) as { canEdit: boolean }).canEdit).toBe(true);
    const en = await report('?lang=en');
    expect(new Set(en.groups.map((g) => g.lang))).toEqual(new Set(['en']));
    expect((await get('/api/cocreation?lang=xx')).status).toBe(400);
    expect((await get('/api/cocreation?from=2026-12-05&to=2026-12-01')).status).toBe(400);
  });

  it('exports CSV and SVG charts with the same suppression, to admins only', async () => {
    const csv = await get('/api/cocreation.csv?from=2026-11-05&to=2026-12-02');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="lotse-cocreation-2026-11-05-2026-12-02.csv"');
    const text = await csv.text();
    expect(text.split('\r\n')).toContain('other_questions,fa,,,questions,<5');
    expect(text).toContain('group_phrasing,en,');
    expect(text).not.toContain('dog');
    const svg = await get('/api/cocreation/chart/weekly.svg');
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const body = await svg.text();
    expect(body).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(body).toContain('2026-W49');
    expect((await get('/api/cocreation/chart/nope.svg')).status).toBe(404);
    const cw = await fetch(`${running.url}/console/api/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: 'cw@ngo.example', password: PASSWORD }),
    });
    const cookie = (cw.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect((await fetch(`${running.url}/console/api/cocreation.csv`, { headers: { cookie } })).status).toBe(403);
  });

  it('one click adds a shown phrasing as a draft example or starts a new topic, and never takes a text the dashboard did not show', async () => {
    const r = await report();
    const bus = r.groups.find((g) => g.lang === 'en' && g.questions === 9)!;
    const text = bus.phrasings.find((p) => p.text === 'where can i buy a ticket for the bus')!.text;
    const res = await post('/api/cocreation/example', { group: bus.id, lang: 'en', text, topic: 'services.transport' });
    expect(res.status).toBe(200);
    const { draftId } = (await res.json()) as { draftId: string };
    const versions = await running.ctx.store.contentVersions();
    const draft = await versions.draft(draftId);
    expect(draft).toMatchObject({ authorName: 'Edith Editor', why: 'co-creation dashboard: group of 9 questions, 2026-11-05 to 2026-12-02' });
    expect(draft!.text).toContain(`- ${text}`);
    // The same again is the same draft, with the example once.
    await post('/api/cocreation/example', { group: bus.id, lang: 'en', text, topic: 'services.transport' });
    expect((await versions.draft(draftId))!.text!.split(text).length - 1).toBe(1);

    // A text that is not one of the group's phrasings, a group too small to be shown, an unknown topic: refused.
    expect(
      (await post('/api/cocreation/example', { group: bus.id, lang: 'en', text: 'my name is Ali and I live in room 12', topic: 'services.transport' })).status,
    ).toBe(400);
    expect((await post('/api/cocreation/example', { group: 'en-00000000', lang: 'en', text: 'can I bring my dog', topic: 'services.transport' })).status).toBe(
      404,
    );
    expect((await post('/api/cocreation/example', { group: bus.id, lang: 'en', text, topic: 'no.such-topic' })).status).toBe(400);

    const wifi = r.groups.find((g) => g.lang === 'en' && g.questions === 6)!;
    const t = await post('/api/cocreation/topic', { group: wifi.id, lang: 'en', text: wifi.phrasings[0]!.text, id: 'accommodation.wifi' });
    expect(t.status).toBe(200);
    const topicDraft = await versions.draft(((await t.json()) as { draftId: string }).draftId);
    expect(topicDraft!.text).toContain('accommodation.wifi');
    expect((await versions.draft('content/topics.yaml'))!.text).toContain('id: accommodation.wifi');
    expect((await post('/api/cocreation/topic', { group: wifi.id, lang: 'en', text: wifi.phrasings[0]!.text, id: 'services.transport' })).status).toBe(409);
  });

  it('editors see the dashboard; translators and caseworkers do not', async () => {
    for (const [role, status] of [
      ['editor', 200],
      ['translator', 403],
      ['caseworker', 403],
    ] as const) {
      const email = `${role}-role@ngo.example`;
      await rt.auth.createStaff({ email, name: role, role, password: PASSWORD, languages: ['en'] });
      const li = await fetch(`${running.url}/console/api/login`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      const cookie = (li.headers.get('set-cookie') ?? '').split(';')[0]!;
      expect((await fetch(`${running.url}/console/api/cocreation`, { headers: { cookie } })).status, role).toBe(status);
      expect((await fetch(`${running.url}/console/api/podcasts/drafts`, { headers: { cookie } })).status, role).toBe(status);
    }
  });
});

/** axe-core's serious and critical violations on the page as it is now. */
async function axeProblems(p: Page): Promise<string[]> {
  if (!(await p.evaluate(() => 'axe' in window))) await p.evaluate(axeSource);
  const found = await p.evaluate(async () => {
    const r = await (window as any).axe.run(document, { resultTypes: ['violations'] });
    return (r.violations as { id: string; impact: string; nodes: { target: string[] }[] }[]).map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.impact} ${v.id}: ${v.targets.join(', ')}`);
}

async function openDashboard(viewport: { width: number; height: number }): Promise<Page> {
  const p = await (await browser.newContext({ viewport, acceptDownloads: true })).newPage();
  await p.goto(`${running.url}/console`);
  await p.locator('#login input[name=email]').fill('ed@ngo.example');
  await p.locator('#login input[name=password]').fill(PASSWORD);
  await p.locator('#login button[type=submit]').click();
  await p.locator('#app').waitFor(WAIT);
  await p.goto(`${running.url}/console/cocreation`);
  await p.locator('#groups tbody tr').first().waitFor(WAIT);
  // Every chart has loaded (an <img> that failed has no natural width).
  await expect
    .poll(
      () =>
        p.evaluate(() =>
          Array.from(document.querySelectorAll('#charts img')).map((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth),
        ),
      WAIT,
    )
    .toEqual([760, 760, 760, 760]);
  return p;
}

describe('the dashboard in Chromium', () => {
  it('at 1366x768: charts, groups, tables; axe finds nothing serious; the PNG export is the chart at twice its size', async () => {
    const p = await openDashboard({ width: 1366, height: 768 });
    expect(await axeProblems(p)).toEqual([]);
    expect(await p.locator('#groups tbody tr').count()).toBe(5);
    const fa = running.ctx.content.current().language('fa')!.englishName;
    expect(await p.locator('#groups-note').textContent()).toBe(
      `Not shown, because fewer than 5 people asked each: English <5 questions in 1 groups; ${fa} <5 questions in 1 groups.`,
    );
    const alt = await p.locator('#charts img').first().getAttribute('alt');
    expect(alt).toContain('2026-W49');
    const busRow = p.locator('#groups tbody tr', { hasText: 'Where can I buy a bus ticket?' });
    expect(await busRow.locator('select[aria-label="Topic to add it to"]').inputValue()).toBe('services.transport');
    await busRow.locator('select[aria-label="Phrasing to add"]').selectOption('bus ticket where can i buy');
    await busRow.getByRole('button', { name: 'Add as example' }).click();
    await p.locator('#status', { hasText: 'Saved as a draft (content/en/examples/' }).waitFor(WAIT);
    expect(await p.locator('#error').textContent()).toBe('');
    await p.evaluate(() => window.scrollTo(0, 0));
    if (process.env.LOTSE_SCREENSHOTS === '1') {
      fs.mkdirSync(shotDir, { recursive: true });
      await p.screenshot({ path: path.join(shotDir, 'cocreation-dashboard.png'), fullPage: true });
    }

    const [download] = await Promise.all([p.waitForEvent('download'), p.locator('button[data-png=weekly]').click()]);
    expect(download.suggestedFilename()).toBe('lotse-weekly-2026-11-05-2026-12-02.png');
    const png = fs.readFileSync((await download.path())!);
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1520, 680]);
    await p.context().close();
  });

  it('at 390x844: nothing scrolls sideways but the tables, and axe finds nothing serious', async () => {
    const p = await openDashboard({ width: 390, height: 844 });
    expect(await axeProblems(p)).toEqual([]);
    expect(await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)).toBe(false);
    await p.context().close();
  });
});
