/**
 * The caseworker console as caseworkers use it (issue 14 points 4-6): people
 * in the real Web Chat page, two caseworkers (Amal, Omid) in two browser
 * contexts of Debian's Chromium, one real server with the starter content.
 * Live updates in place (taken, transferred, cancelled; unread mark, sound,
 * announcement, tab title), working fast (Enter sends, shortcuts, the answer
 * picker with its two-language preview, snippets, forms that reset and ask
 * first), reading at a glance (pseudonym, first words, reason in words, no
 * raw codes, wrapping), axe-core, and the screenshots under docs/screenshots.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HandoffRuntime } from '../../src/handoff/plugin.js';
import type { Running } from '../../src/server/main.js';
import { launchChromium } from '../helpers/browser.js';
import { Caseworker, WAIT } from '../helpers/console.js';
import { repoRoot } from '../helpers/content.js';
import { startStarterServer } from '../helpers/server.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-console-ui-'));
// The committed screenshots are rewritten on request only (UPDATE_SCREENSHOTS=1), so that a test run leaves the tree clean.
const shots = process.env.UPDATE_SCREENSHOTS ? path.join(repoRoot, 'docs', 'screenshots') : path.join(dataDir, 'screenshots');
let running: Running;
let rt: HandoffRuntime;
let browser: Browser;

beforeAll(async () => {
  ({ running, rt } = await startStarterServer(dataDir));
  const pw = 'a long caseworker password';
  await rt.auth.createStaff({ email: 'amal@ngo.example', name: 'Amal Haddad', role: 'caseworker', password: pw, languages: ['ar', 'en'] });
  await rt.auth.createStaff({ email: 'omid@ngo.example', name: 'Omid Rahimi', role: 'caseworker', password: pw, languages: ['fa', 'en'] });
  await rt.auth.createStaff({ email: 'zahra@ngo.example', name: 'Zahra Karimi', role: 'caseworker', password: pw, languages: ['ps'] });
  browser = await launchChromium(['--autoplay-policy=no-user-gesture-required']);
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const SEND_BOX = '[data-id="webchat-sendbox-input"]';
const SUGGESTED = '.webchat__suggested-actions__button';
const TRANSCRIPT = '.webchat__basic-transcript';
const seen = (page: Page, text: string) => page.locator(TRANSCRIPT).getByText(text, { exact: false }).first().waitFor(WAIT);
async function say(page: Page, text: string) {
  await page.locator(SEND_BOX).fill(text);
  await page.locator(SEND_BOX).press('Enter');
}

/** A person in the real Web Chat who picks a language and asks for a person. */
async function personAsks(locale: string, language: string, ask: string, queuedText: string): Promise<Page> {
  const page = await (await browser.newContext({ locale })).newPage();
  await page.goto(`${running.url}/`);
  await page.locator(SUGGESTED, { hasText: language }).first().click(WAIT);
  await page.locator(SEND_BOX).waitFor(WAIT);
  await say(page, ask);
  await seen(page, queuedText);
  return page;
}
const signIn = (email: string, size = { width: 1366, height: 768 }) =>
  // bypassCSP only so that the test can add axe-core to the page; the console itself runs under its strict CSP.
  Caseworker.signIn(browser, running.url, email, 'a long caseworker password', { viewport: size, bypassCSP: true });

const beeps = async (cw: Caseworker) => Number(await cw.page.locator('body').getAttribute('data-beeps'));
const waitFor = (cw: Caseworker, fn: string) => cw.page.waitForFunction(fn, undefined, WAIT);
const entry = (cw: Caseworker, id: string) => cw.page.locator(`#queue-list button[data-id="${id}"]`);
const openHandoffs = async () => rt.hs.open();

/** axe-core in the page; the serious and critical violations, with where they are. */
async function axe(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: path.join(repoRoot, 'node_modules', 'axe-core', 'axe.min.js') });
  const r = (await page.evaluate(() => (window as unknown as { axe: { run: () => Promise<unknown> } }).axe.run())) as {
    violations: { id: string; impact: string; nodes: { target: string[] }[] }[];
    passes: unknown[];
  };
  expect(r.passes.length).toBeGreaterThan(10); // axe did look at the page
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('caseworker console in the browser (issue 14 points 4-6)', () => {
  it('is live, fast and readable for two caseworkers and three people', async () => {
    const amal = await signIn('amal@ngo.example');
    const omid = await signIn('omid@ngo.example');

    // ---- A, in Arabic: readable at a glance in both consoles.
    const a = await personAsks('ar-SY', 'العربية', 'بدي احكي مع شخص من فضلك', 'من فريقنا هذه المحادثة');
    const hA = (await openHandoffs())[0]!;
    await entry(amal, hA.id).waitFor(WAIT);
    const aText = (await entry(amal, hA.id).textContent())!;
    expect(aText).toMatch(/^⚠? ?[A-Z][a-z]+ [A-Z][a-z]+/); // the pseudonym leads
    expect(aText).toContain('Arabic');
    expect(aText).toContain('Web chat');
    expect(aText).toContain('بدي احكي مع شخص'); // first words
    expect(aText).toContain('asked to talk to a person'); // the reason in words, not "asked" / "meta.human"
    expect(aText).not.toMatch(/meta\.human|\breason\b/);
    const pseudonymA = (await entry(amal, hA.id).locator('.pseudonym').textContent())!.replace('⚠ ', '');
    await entry(omid, hA.id).waitFor(WAIT);
    expect(await entry(omid, hA.id).locator('.pseudonym').textContent()).toContain(pseudonymA); // stable for everyone
    expect(await amal.badge()).toBe('1');
    expect(await amal.page.title()).toMatch(/^\(1\) Lotse console$/);

    await entry(amal, hA.id).click();
    await amal.sees('بدي احكي مع شخص من فضلك');
    const transcript = (await amal.page.locator('#messages').textContent())!;
    expect(transcript).not.toMatch(/\[(l|t|n|dx|sc|ln):/); // no raw payload codes
    expect(transcript).not.toContain('**');
    await amal.page.locator('#messages .pressed', { hasText: 'العربية' }).first().waitFor(WAIT); // the pressed button by its label
    // The person on their side (start), the bot on the other (end), although the text is right-to-left.
    const personBox = (await amal.page.locator('#messages li.side-person').first().boundingBox())!;
    const botBox = (await amal.page.locator('#messages li.side-team').first().boundingBox())!;
    expect(personBox.x).toBeLessThan(botBox.x);
    // Every message has its time, with the full date on hover.
    const lines = await amal.page.locator('#messages li').count();
    expect(await amal.page.locator('#messages li time[datetime][title]').count()).toBe(lines);

    // ---- A colleague's take updates the other console in place.
    await entry(omid, hA.id).click();
    await omid.page.locator('#take').waitFor(WAIT);
    await amal.take();
    await seen(a, 'Amal');
    await omid.page.locator('#conv-state', { hasText: 'Taken by Amal Haddad' }).waitFor(WAIT);
    expect(await omid.page.locator('#take').isVisible()).toBe(false);
    expect(await omid.page.locator('#tools').isVisible()).toBe(false);
    expect(await omid.page.locator('#error').textContent()).toBe(''); // told, not shown an error

    // ---- B, in English, arrives while Amal is in A: sound, announcement, unread mark.
    const beepsBefore = await beeps(amal);
    const b = await personAsks('en-US', 'English', 'I want to talk to a person please', 'will see this conversation');
    const hB = (await openHandoffs()).find((h) => h.lang === 'en')!;
    await entry(amal, hB.id).waitFor(WAIT);
    await waitFor(amal, `Number(document.body.dataset.beeps) > ${beepsBefore}`);
    await amal.page.locator('#announcer', { hasText: 'New conversation waiting' }).waitFor({ state: 'attached', ...WAIT });

    // ---- Shortcuts: Alt+Shift+N opens the next waiting conversation, Alt+Shift+T takes it.
    await amal.page.locator('#messages').focus();
    await amal.page.keyboard.press('Alt+Shift+N');
    await amal.page.locator('#conv-title', { hasText: 'English' }).waitFor(WAIT);
    await amal.sees('I want to talk to a person please');
    await amal.page.keyboard.press('Alt+Shift+T');
    await amal.page.locator('#text').waitFor(WAIT);
    await seen(b, 'Amal');

    // ---- A message in a conversation that is not open: unread count, sound, title.
    await entry(amal, hA.id).click();
    await amal.page.locator('#conv-title', { hasText: 'Arabic' }).waitFor(WAIT);
    const beepsB = await beeps(amal);
    await say(b, 'Are you still there?');
    await entry(amal, hB.id).locator('.unread', { hasText: '1' }).waitFor(WAIT);
    await waitFor(amal, `Number(document.body.dataset.beeps) > ${beepsB}`);
    expect(await amal.page.title()).toBe('(1) Lotse console');
    await amal.page.locator('#announcer', { hasText: 'New message from' }).waitFor({ state: 'attached', ...WAIT });

    // ---- Enter sends, Shift+Enter makes a new line.
    const box = amal.page.locator('#text');
    await box.click();
    await box.pressSequentially('سطر أول');
    await box.press('Shift+Enter');
    await box.pressSequentially('second line');
    expect(await box.inputValue()).toBe('سطر أول\nsecond line');
    await box.press('Enter');
    await seen(a, 'second line');
    expect(await box.inputValue()).toBe('');
    await amal.sees('second line');

    // ---- A long URL wraps; at 1366x768 the page does not scroll sideways and the actions stay in view.
    const url = `https://www.example.org/${'very-long-path-segment-'.repeat(7)}end?query=${'x'.repeat(10)}`;
    expect(url.length).toBeGreaterThanOrEqual(170);
    await say(a, `شوف هالرابط ${url}`);
    await amal.sees('very-long-path-segment');
    expect(await amal.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    for (const sel of ['#send-form button[type=submit]', '#tool-tabs button[data-panel="panel-close"]', '#tool-tabs button[data-panel="panel-transfer"]']) {
      const r = (await amal.page.locator(sel).boundingBox())!;
      expect(r.y + r.height, sel).toBeLessThanOrEqual(768);
      expect(r.x + r.width, sel).toBeLessThanOrEqual(1366);
    }

    // ---- The answer picker: no default, type to filter in English, preview in Arabic and English, explicit send.
    await amal.tool('answers');
    expect(await amal.page.locator('#answer-list [aria-selected="true"]').count()).toBe(0);
    expect(await amal.page.locator('#answer-send').isDisabled()).toBe(true);
    const all = await amal.page.locator('#answer-list [data-topic]').count();
    expect(all).toBeGreaterThan(10);
    await amal.page.locator('#answer-filter').fill('documents');
    const some = await amal.page.locator('#answer-list [data-topic]').count();
    expect(some).toBeGreaterThan(0);
    expect(some).toBeLessThan(all);
    await amal.page.locator('#answer-filter').press('ArrowDown');
    const topic = (await amal.page.locator('#answer-list [aria-selected="true"]').getAttribute('data-topic'))!;
    const pack = running.ctx.content.current().pack;
    const ar = pack.topicTexts.ar![topic]!.answer;
    const en = pack.topicTexts.en![topic]!.answer;
    const plain = (s: string) => s.replace(/\*\*|\*|\[|\]\([^)]*\)/g, '').slice(0, 30);
    await amal.page.locator('#preview-person', { hasText: plain(ar[0]!) }).waitFor(WAIT);
    await amal.page.locator('#preview-ui', { hasText: plain(en[0]!) }).waitFor(WAIT);
    expect(await amal.page.locator('#answer-send').isDisabled()).toBe(false);
    expect(await amal.page.locator('#answer-filter').getAttribute('aria-activedescendant')).toBeTruthy();
    await amal.page.locator('#answer-send').click();
    await seen(a, plain(ar[0]!).slice(0, 20));

    // ---- Snippets: an own one (Omid does not see it) and a team one (he does); insert into the message box.
    await amal.tool('snippets');
    await amal.page.locator('#snippet-title').fill('Greeting');
    await amal.page.locator('#snippet-text').fill('Hello, I am Amal from the team.');
    await amal.page.locator('#snippet-form button[type=submit]').click();
    await amal.page.locator('#snippet-list li', { hasText: 'Greeting' }).waitFor(WAIT);
    await amal.page.locator('#snippet-text').fill('Our office is open Monday to Friday, 9 to 17.');
    await amal.page.locator('#snippet-shared').check();
    await amal.page.locator('#snippet-form button[type=submit]').click();
    await amal.page.locator('#snippet-list li', { hasText: '(team)' }).waitFor(WAIT);
    const omidSnippets = (await omid.page.evaluate(() => fetch('/console/api/snippets').then((r) => r.json()))) as { snippets: { title: string }[] };
    expect(omidSnippets.snippets.map((s) => s.title)).toEqual(['Our office is open Monday to Friday, 9 to 17.']);
    await amal.page.locator('#text').fill('');
    await amal.page.locator('#snippet-list li', { hasText: 'Greeting' }).locator('button.insert').click();
    expect(await amal.page.locator('#text').inputValue()).toBe('Hello, I am Amal from the team.');
    await amal.page.locator('#text').press('Enter');
    await seen(a, 'I am Amal from the team');

    // ---- A multi-line note.
    await amal.tool('note');
    await amal.page.locator('#note').fill('Asked about documents.\nFollow up on Monday.');
    await amal.page.locator('#note-form button[type=submit]').click();
    await amal.sees('Follow up on Monday');

    // ---- Close asks first, and its form is empty for the next conversation. Alt+Shift+C goes there.
    await amal.page.locator('#text').focus();
    await amal.page.keyboard.press('Alt+Shift+C');
    await amal.page.locator('#panel-close').waitFor(WAIT);
    expect(await amal.page.evaluate(() => document.activeElement?.id)).toBe('outcome');
    expect(await amal.page.locator('#outcome').inputValue()).toBe(''); // no default outcome
    await amal.page.locator('#outcome').selectOption('answered');
    await amal.page.locator('#close-note').fill('Note for the person in Arabic only');
    await amal.page.locator('#close-form button[type=submit]').click();
    await amal.page.locator('#close-question', { hasText: pseudonymA }).waitFor(WAIT);
    await amal.page.locator('#close-no').click();
    expect((await rt.hs.getHandoff(hA.id))!.status).toBe('active'); // going back closed nothing
    await entry(amal, hB.id).click();
    await amal.page.locator('#conv-title', { hasText: 'English' }).waitFor(WAIT);
    await entry(amal, hB.id)
      .locator('.unread')
      .waitFor({ state: 'detached', ...WAIT }); // read now
    await amal.tool('close');
    expect(await amal.page.locator('#outcome').inputValue()).toBe('');
    expect(await amal.page.locator('#close-note').inputValue()).toBe('');
    expect(await amal.page.locator('#close-confirm').isVisible()).toBe(false);

    // ---- Transfer: colleagues only, speakers of the language first with their languages, no default, asks first.
    await amal.tool('transfer');
    expect(await amal.page.locator('#colleague').inputValue()).toBe('');
    const groups = await amal.page
      .locator('#colleague optgroup')
      .evaluateAll((gs) => gs.map((g) => [g.getAttribute('label'), ...Array.from(g.querySelectorAll('option')).map((o) => o.textContent)]));
    expect(groups[0]).toEqual(['Speak English', 'Omid Rahimi – Farsi / Dari, English']);
    expect(groups[1]![0]).toBe('Do not speak English');
    expect(JSON.stringify(groups)).not.toContain('Amal');
    const omidBeeps = await beeps(omid);
    await amal.page.locator('#colleague').selectOption({ label: 'Omid Rahimi – Farsi / Dari, English' });
    await amal.page.locator('#transfer-form button[type=submit]').click();
    await amal.page.locator('#transfer-question', { hasText: 'Omid Rahimi' }).waitFor(WAIT);
    await amal.page.locator('#transfer-yes').click();
    await amal.page.locator('#conv-state', { hasText: 'Transferred to Omid Rahimi' }).waitFor(WAIT);
    expect(await amal.page.locator('#tools').isVisible()).toBe(false);
    expect(await amal.page.locator('#error').textContent()).toBe('');
    await omid.page.locator('#announcer', { hasText: 'transferred' }).waitFor({ state: 'attached', ...WAIT });
    await waitFor(omid, `Number(document.body.dataset.beeps) > ${omidBeeps}`);
    await entry(omid, hB.id).locator('.unread').waitFor(WAIT);
    expect(await entry(omid, hB.id).textContent()).toContain('with you');
    expect((await rt.hs.getHandoff(hB.id))!.caseworkerId).not.toBe((await rt.hs.getHandoff(hA.id))!.caseworkerId);

    // ---- Closing A with a note: confirmed, stored on A, and the person is told.
    await entry(amal, hA.id).click();
    await amal.page.locator('#conv-title', { hasText: 'Arabic' }).waitFor(WAIT);
    await amal.close('answered', 'Documents explained');
    await seen(a, 'انتهت المحادثة مع فريقنا');
    const closedA = (await rt.hs.getHandoff(hA.id))!;
    expect(closedA).toMatchObject({ status: 'closed', outcome: 'answered', outcomeNote: 'Documents explained' });
    expect((await rt.hs.getHandoff(hB.id))!.outcomeNote).toBeUndefined();

    // ---- C cancels while Omid has the conversation open: his view says so.
    const c = await personAsks('en-US', 'English', 'Can I speak to someone from the team?', 'will see this conversation');
    const hC = (await openHandoffs()).find((h) => h.status === 'queued')!;
    await entry(omid, hC.id).click();
    await omid.page.locator('#take').waitFor(WAIT);
    await c.locator(SUGGESTED, { hasText: 'Cancel' }).first().click(WAIT);
    await omid.page.locator('#conv-state', { hasText: 'cancelled' }).waitFor(WAIT);
    expect(await omid.page.locator('#take').isVisible()).toBe(false);

    // ---- axe-core: no serious or critical violation, with the picker and the close form open.
    await entry(omid, hB.id).click();
    await omid.page.locator('#text').waitFor(WAIT);
    await omid.tool('answers');
    await omid.page.locator('#answer-filter').press('ArrowDown');
    expect(await axe(omid.page)).toEqual([]);
    await omid.tool('close');
    await omid.page.locator('#outcome').selectOption('answered');
    await omid.page.locator('#close-form button[type=submit]').click();
    expect(await axe(omid.page)).toEqual([]);
    expect(await axe(amal.page)).toEqual([]);
  }, 240_000);

  it('marks an urgent conversation nobody speaks the language of, and its waiting time ticks without a reload', async () => {
    const now = Date.now();
    await rt.hs.insertHandoff(
      {
        id: 'ho_urgent_uk',
        ref: { channel: 'telegram', conversationId: 'tg_test_uk' },
        lang: 'uk',
        reason: 'distress',
        priority: 0,
        status: 'queued',
        createdAt: now,
        offHours: false,
        transcriptPurged: false,
      },
      [{ author: 'person', kind: 'transcript', text: 'Мені дуже погано, допоможіть', at: now }],
    );
    // Zahra reads Pashto only; nobody on the team speaks Ukrainian.
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    await context.clock.install();
    const page = await context.newPage();
    await page.goto(`${running.url}/console`);
    await page.locator('#login input[name=email]').fill('zahra@ngo.example');
    await page.locator('#login input[name=password]').fill('a long caseworker password');
    await page.locator('#login button[type=submit]').click();
    const item = page.locator('#queue-list button[data-id="ho_urgent_uk"]');
    await item.waitFor(WAIT);
    expect(await item.locator('.marker').textContent()).toBe('Urgent – needs a Ukrainian speaker');
    expect(await item.textContent()).toContain('distress: asked for help');
    expect(await item.textContent()).toContain('Мені дуже погано');
    await item.locator('.meta', { hasText: 'waiting 0 min' }).waitFor(WAIT);
    await page.clock.fastForward('03:05');
    await item.locator('.meta', { hasText: 'waiting 3 min' }).waitFor(WAIT);
    await item.click();
    await page.locator('#page').waitFor(WAIT);
    expect(await page.locator('#take').isVisible()).toBe(true);
    await context.close();
  }, 120_000);

  it('looks right at 1366x768, 768x1024 and 390x844 in an Arabic and an English conversation (docs/screenshots)', async () => {
    fs.mkdirSync(shots, { recursive: true });
    const cw = await signIn('amal@ngo.example');
    const ar = await personAsks('ar-SY', 'العربية', 'بدي احكي مع شخص من فضلك', 'من فريقنا هذه المحادثة');
    const en = await personAsks('en-US', 'English', 'I want to talk to a person please', 'will see this conversation');
    const [hAr, hEn] = [
      (await openHandoffs()).find((h) => h.lang === 'ar' && h.status === 'queued')!,
      (await openHandoffs()).find((h) => h.lang === 'en' && h.status === 'queued')!,
    ];
    for (const [h, person, reply, back] of [
      [
        hAr,
        ar,
        'مرحبا، أنا أمل من الفريق. كيف بقدر ساعدك؟',
        'عندي مقابلة الأسبوع الجاي. شو لازم آخد معي على المقابلة؟ https://www.bfa.gv.at/documents/interview-checklist-and-everything-else-you-need-to-know-before-the-hearing',
      ],
      [
        hEn,
        en,
        'Hello, I am Amal from the team. Please tell me what the letter says at the top.',
        'I got a letter and I do not understand it. It says "Ladung" and a date. Is that my interview?',
      ],
    ] as const) {
      await entry(cw, h.id).click();
      await cw.take();
      await cw.send(reply);
      await seen(person, reply.slice(0, 15));
      await say(person, back);
      await cw.sees(back.slice(0, 15));
    }
    for (const [h, langCode] of [
      [hAr, 'ar'],
      [hEn, 'en'],
    ] as const) {
      for (const [w, hgt] of [
        [1366, 768],
        [768, 1024],
        [390, 844],
      ] as const) {
        await cw.page.setViewportSize({ width: w, height: hgt });
        if (await cw.page.locator('#back').isVisible()) await cw.page.locator('#back').click();
        await entry(cw, h.id).click();
        await cw.page.locator('#conv-title', { hasText: langCode === 'ar' ? 'Arabic' : 'English' }).waitFor(WAIT);
        if (w === 390) {
          // On a phone the conversation itself, the tools folded away.
          const open = cw.page.locator('#tool-tabs button[aria-expanded="true"]');
          if (await open.count()) await open.click();
        } else {
          await cw.tool('answers');
          await cw.page.locator('#answer-filter').fill(langCode === 'ar' ? 'interview' : 'letter');
          await cw.page.locator('#answer-filter').press('ArrowDown');
        }
        expect(await cw.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
        await cw.page.screenshot({ path: path.join(shots, `console-${langCode}-${w}x${hgt}.png`) });
      }
    }
    for (const f of ['ar', 'en'].flatMap((l) => ['1366x768', '768x1024', '390x844'].map((s) => `console-${l}-${s}.png`)))
      expect(fs.statSync(path.join(shots, f)).size).toBeGreaterThan(10_000);
  }, 180_000);
});
