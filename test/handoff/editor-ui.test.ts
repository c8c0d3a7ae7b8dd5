/**
 * The content editor (issue 16.1) in Debian's Chromium against the real
 * server, its SQLite store and the real Web Chat bundle, under the page's
 * CSP, with the small fixture pack (Arabic and English) served from the
 * store: an Arabic web chat conversation is open; an editor changes the
 * Arabic answer of a topic, sees an invalid edit refused at the field with
 * the validator's message (nothing saved, nothing published changes) and
 * runs the draft in the preview chat; an Arabic reviewer approves the edit
 * in the review queue; the editor publishes it with a why, and the open
 * conversation gets the new answer without a restart; the editor restores
 * the previous version and the conversation gets the old answer again. A
 * translator for Farsi sees the Arabic fields read-only and the server
 * refuses its save of Arabic. axe-core finds no serious or critical
 * violation at 1366x768 and 390x844, and the phone layout does not scroll
 * sideways.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import type { HandoffRuntime } from '../../src/handoff/plugin.js';
import { startServer, type Running } from '../../src/server/main.js';
import { defaultPlugins } from '../../src/server/plugins.js';
import { sha256Hex } from '../../src/util/hash.js';
import { launchChromium } from '../helpers/browser.js';
import { WAIT } from '../helpers/console.js';
import { miniRoot } from '../helpers/content.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lotse-editor-ui-'));
const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AR_FILE = 'content/ar/topics/hearing.yaml';
const OLD_ANSWER = 'أحضر وثائق الهوية وبطاقة اللجوء.';
const NEW_ANSWER = 'أحضر جواز السفر وبطاقة اللجوء الأصلية، ونسخة من كل ورقة.';
const PW = { eda: 'editor password long', rana: 'reviewer password long', farid: 'translator password long', cas: 'caseworker password long' };

let running: Running;
let rt: HandoffRuntime;
let browser: Browser;
let chat: Page;
let editor: Page;

beforeAll(async () => {
  let handoff: { runtime?: HandoffRuntime } | undefined;
  running = await startServer({
    config: loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      CONTENT_ROOT: miniRoot,
      CONTENT_WATCH: 'false',
      CONTENT_SOURCE: 'store',
      CONTENT_POLL_MS: '200',
      LOG_LEVEL: 'silent',
      OFFICE_HOURS: 'mo-su 00:00-24:00',
    }),
    plugins: (ctx) => {
      const list = defaultPlugins(ctx);
      handoff = list.find((p) => p.name === 'handoff') as typeof handoff;
      return list;
    },
  });
  rt = handoff!.runtime!;
  await rt.auth.createStaff({ email: 'eda@ngo.example', name: 'Eda Editor', role: 'editor', password: PW.eda, languages: [] });
  await rt.auth.createStaff({ email: 'rana@ngo.example', name: 'Rana Reviewer', role: 'translator', password: PW.rana, languages: ['ar'] });
  await rt.auth.createStaff({ email: 'farid@ngo.example', name: 'Farid Translator', role: 'translator', password: PW.farid, languages: ['fa'] });
  await rt.auth.createStaff({ email: 'cas@ngo.example', name: 'Cas Worker', role: 'caseworker', password: PW.cas, languages: ['ar'] });
  browser = await launchChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await running?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** Signs in at the console; editors and translators land in the editor. */
async function signIn(email: string, password: string, viewport = { width: 1366, height: 768 }): Promise<Page> {
  const p = await (await browser.newContext({ viewport })).newPage();
  p.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) throw new Error(`CSP violation: ${m.text()}`);
  });
  await p.goto(`${running.url}/console`);
  await p.locator('#login input[name=email]').fill(email);
  await p.locator('#login input[name=password]').fill(password);
  await p.locator('#login button[type=submit]').click();
  return p;
}

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
const overflowsSideways = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);

// Web Chat's own DOM hooks.
const SEND_BOX = '[data-id="webchat-sendbox-input"]';
const SUGGESTED = '.webchat__suggested-actions__button';
const BOT = '.webchat__bubble:not(.webchat__bubble--from-user)';
async function ask(p: Page, text: string): Promise<void> {
  const before = await p.locator(BOT).count();
  await p.locator(SEND_BOX).fill(text);
  await p.locator(SEND_BOX).press('Enter');
  await expect.poll(() => p.locator(BOT).count(), WAIT).toBeGreaterThan(before);
  // Web Chat may show the reply for a moment before the person's own message settles in its place
  // (the echo and the reply arrive together since replies are pushed without a read-back): wait
  // until the reply stands after the question.
  await expect.poll(() => lastAnswers(p), WAIT).not.toBe('');
}
/** The bot's answers after the last question. */
const lastAnswers = (p: Page) =>
  p.evaluate(() => {
    const all = Array.from(document.querySelectorAll('.webchat__bubble'));
    const i = all.map((b) => b.classList.contains('webchat__bubble--from-user')).lastIndexOf(true);
    return all
      .slice(i + 1)
      .map((b) => b.textContent ?? '')
      .join('\n');
  });

const section = async (p: Page, name: string) => {
  await p.locator(`nav a[data-section=${name}]`).click();
  await expect.poll(() => p.locator(`nav a[data-section=${name}]`).getAttribute('aria-current')).toBe('page');
};
const head = async () => (await (await running.ctx.store.contentVersions()).head())!.id;

describe('content editor', () => {
  it('an Arabic web chat conversation is open and answers from version 1', async () => {
    chat = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await chat.goto(`${running.url}/`);
    await chat.locator(SUGGESTED, { hasText: 'العربية' }).first().click(WAIT);
    await ask(chat, 'وثائق');
    expect(await lastAnswers(chat)).toContain(OLD_ANSWER);
    expect(await head()).toBe(1);
  });

  it('a caseworker gets no editor; an editor lands in it after signing in and sees every language side by side', async () => {
    const cas = await signIn('cas@ngo.example', PW.cas);
    await cas.locator('#app').waitFor(WAIT);
    expect(await cas.locator('#editor-link').isVisible()).toBe(false);
    await cas.goto(`${running.url}/console/admin/editor`);
    await cas.locator('#gate-text', { hasText: 'caseworker account' }).waitFor(WAIT);
    await cas.context().close();

    editor = await signIn('eda@ngo.example', PW.eda);
    await editor.waitForURL(`${running.url}/console/admin/editor`);
    await editor.locator('#topic-list button[data-topic="hearing.documents"]').click(WAIT);
    const ar = editor.locator('.lang[data-lang=ar]');
    await ar.waitFor(WAIT);
    expect(await editor.locator('.lang').evaluateAll((cols) => cols.map((c) => (c as HTMLElement).dataset.lang))).toEqual(['ar', 'en']);
    // Right-to-left fields edit right-to-left; the badges say how far each translation is.
    expect(await ar.locator('[data-key="ar|answer.0"]').getAttribute('dir')).toBe('rtl');
    expect(await editor.locator('.lang[data-lang=en] [data-key="en|answer.0"]').getAttribute('dir')).toBe('ltr');
    expect(await ar.locator('h3 .badge').first().textContent()).toBe('draft');
    expect(await ar.locator('[data-key="ar|answer.0"]').inputValue()).toBe(OLD_ANSWER);
    expect(await axeProblems(editor)).toEqual([]);
  });

  it('an invalid edit is refused at the field with the validator message, and nothing is saved or published', async () => {
    const field = editor.locator('[data-key="ar|answer.0"]');
    await field.fill('');
    // Validation as you type: the message of `lotse validate` (compilePack) at the field.
    const problem = editor.locator('[data-problem="ar|answer.0"]');
    await expect.poll(() => problem.textContent(), WAIT).toContain('text must not be empty');
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await editor.locator('#topic-save').click();
    await editor.locator('#error', { hasText: 'Not saved' }).waitFor(WAIT);
    expect(await problem.textContent()).toContain('text must not be empty');
    const v = await running.ctx.store.contentVersions();
    expect(await v.drafts()).toEqual([]);
    expect(await head()).toBe(1);
    await ask(chat, 'وثائق');
    expect(await lastAnswers(chat)).toContain(OLD_ANSWER);
  });

  it('the editor changes the Arabic answer; the draft is saved and runs in the preview chat, unpublished', async () => {
    const field = editor.locator('[data-key="ar|answer.0"]');
    await field.fill(NEW_ANSWER);
    await expect.poll(() => editor.locator('#topic-check').textContent(), WAIT).toBe('No problems.');
    expect(await field.getAttribute('aria-invalid')).toBeNull();
    await editor.locator('#topic-save').click();
    await editor.locator('#status', { hasText: 'Saved as a draft' }).waitFor(WAIT);
    await editor.locator('.lang[data-lang=ar] .badge.b-changed').waitFor(WAIT);
    const drafts = await (await running.ctx.store.contentVersions()).drafts();
    expect(drafts.map((d) => [d.path, d.authorName])).toEqual([[AR_FILE, 'Eda Editor']]);
    expect(drafts[0]!.text).toContain(NEW_ANSWER);
    // Only the answer's line changed in the file; the rest (and its layout) is as it was.
    const before = fs.readFileSync(path.join(miniRoot, AR_FILE), 'utf8').split('\n');
    const after = drafts[0]!.text!.split('\n');
    expect(after.length).toBe(before.length);
    expect(after.filter((l, i) => l !== before[i])).toHaveLength(1);

    await section(editor, 'preview');
    await editor.locator('#chat-lang').selectOption('ar');
    await editor.locator('#chat-buttons button', { hasText: 'العربية' }).click(WAIT);
    await editor.locator('#chat-input').fill('وثائق');
    await editor.locator('#chat-form button[type=submit]').click();
    await editor.locator('#chat-log li.bot', { hasText: NEW_ANSWER }).waitFor(WAIT);
    expect(await editor.locator('#chat-log li.bot').last().getAttribute('dir')).toBe('rtl');
    expect(await axeProblems(editor)).toEqual([]);
    // Not published: the open conversation still answers from version 1.
    await ask(chat, 'وثائق');
    expect(await lastAnswers(chat)).toContain(OLD_ANSWER);
  });

  it('a translator for Farsi sees the Arabic fields read-only, and the server refuses its Arabic edit', async () => {
    const farid = await signIn('farid@ngo.example', PW.farid);
    await farid.waitForURL(`${running.url}/console/admin/editor`);
    await farid.locator('#topic-list button[data-topic="hearing.documents"]').click(WAIT);
    const field = farid.locator('[data-key="ar|answer.0"]');
    await field.waitFor(WAIT);
    expect(await field.getAttribute('readonly')).not.toBeNull();
    expect(await farid.locator('.lang[data-lang=ar] .badge.b-readonly').count()).toBe(1);
    expect(await farid.locator('[data-key="topic|sources.0.title"]').getAttribute('readonly')).not.toBeNull();
    // Past the page: the same request the page would send, refused by the server.
    const r = await farid.evaluate(async () => {
      const me = await (await fetch('/console/api/me')).json();
      const res = await fetch('/console/api/editor/topics/hearing.documents', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf },
        body: JSON.stringify({ texts: { ar: { title: 'x', answer: ['y', 'z'], examples: ['1', '2', '3', '4', '5', '6', '7', '8'], review: 'draft' } } }),
      });
      return { status: res.status, body: await res.json() };
    });
    expect(r.status).toBe(403);
    expect(r.body.error.message).toContain('you translate fa');
    // The review queue of Arabic is readable, not approvable, for them.
    await section(farid, 'review');
    await farid.locator('#review-lang').selectOption('ar');
    await farid.locator(`.queue-item[data-path="${AR_FILE}"]`).waitFor(WAIT);
    expect(await farid.locator('.queue-item button', { hasText: 'Approve' }).count()).toBe(0);
    const drafts = await (await running.ctx.store.contentVersions()).drafts();
    expect(drafts[0]!.authorName).toBe('Eda Editor');
    await farid.context().close();
  });

  it('an Arabic reviewer approves the edit in the review queue (on a phone too)', async () => {
    const rana = await signIn('rana@ngo.example', PW.rana, { width: 390, height: 844 });
    await rana.waitForURL(`${running.url}/console/admin/editor`);
    await section(rana, 'review');
    expect(await rana.locator('#review-lang').inputValue()).toBe('ar');
    const item = rana.locator(`.queue-item[data-path="${AR_FILE}"]`);
    await item.waitFor(WAIT);
    expect(await item.locator('.diff .add').allTextContents()).toEqual([expect.stringContaining(NEW_ANSWER)]);
    expect(await item.locator('.diff .del').allTextContents()).toEqual([expect.stringContaining(OLD_ANSWER)]);
    expect(await axeProblems(rana)).toEqual([]);
    expect(await overflowsSideways(rana)).toBe(false);
    await item.getByRole('button', { name: `Approve the edit of ${AR_FILE}` }).click();
    await item.locator('.status', { hasText: 'Approved by Rana Reviewer' }).waitFor(WAIT);
    // The mark is of the text she read: the draft's.
    const v = await running.ctx.store.contentVersions();
    const marks = await v.reviews('ar');
    expect(marks.map((m) => [m.path, m.staffName, m.hash])).toEqual([[AR_FILE, 'Rana Reviewer', sha256Hex((await v.draft(AR_FILE))!.text!)]]);
    await rana.context().close();
  });

  it('the editor publishes with a why; the open conversation gets the new answer without a restart', async () => {
    await section(editor, 'publish');
    await editor.locator(`#pending details[data-path="${AR_FILE}"]`).waitFor(WAIT);
    // No why, no publish.
    await editor.locator('#publish-button').click();
    expect(await editor.locator('#publish-problem').textContent()).toContain('Say why');
    expect(await head()).toBe(1);
    await editor.locator('#publish-why').fill('Clearer list of what to bring (asked by the Linz team)');
    await editor.locator('#publish-button').click();
    await editor.locator('#status', { hasText: 'Published as version 2' }).waitFor(WAIT);
    await editor.locator('#history-table tr[data-version="2"]', { hasText: 'Clearer list of what to bring' }).waitFor(WAIT);
    expect(await head()).toBe(2);
    expect(await axeProblems(editor)).toEqual([]);
    // The server swaps to version 2 when its models are ready; the conversation goes on.
    await expect.poll(() => running.ctx.content.current().pack.topicTexts.ar?.['hearing.documents']?.answer[0], { timeout: 120_000 }).toBe(NEW_ANSWER);
    await ask(chat, 'وثائق');
    expect(await lastAnswers(chat)).toContain(NEW_ANSWER);
    // Published as approved: the Arabic file is reviewed at the head now.
    const list = await rt.editor!.reviewList({ id: 'x', name: 'x', role: 'editor', languages: [] }, 'ar');
    expect(list.files.find((f) => f.path === AR_FILE)).toMatchObject({ changedSinceReview: false, review: { staffName: 'Rana Reviewer' } });
  });

  it('history: the diff of version 2, then restoring version 1 brings the old answer back to the same conversation', async () => {
    await editor.getByRole('button', { name: 'Changes of version 2' }).click();
    await editor.locator('#history-diff-body .add', { hasText: NEW_ANSWER }).waitFor(WAIT);
    await editor.getByRole('button', { name: 'Restore version 1' }).click();
    await editor.getByLabel('Why restore version 1').fill('Back to the reviewed wording until the team checks the new list');
    await editor.getByRole('button', { name: 'Restore 1 now' }).click();
    await editor.locator('#status', { hasText: 'serves the files of version 1' }).waitFor(WAIT);
    expect(await head()).toBe(3);
    await expect.poll(() => running.ctx.content.current().pack.topicTexts.ar?.['hearing.documents']?.answer[0], { timeout: 120_000 }).toBe(OLD_ANSWER);
    await ask(chat, 'وثائق');
    expect(await lastAnswers(chat)).toContain(OLD_ANSWER);
  });

  it('UI strings: an emptied Arabic button label is refused at its field with the validator message', async () => {
    await section(editor, 'ui');
    await editor.locator('#ui-file').selectOption('locales/ar/translation.json');
    const field = editor.locator('[data-key="buttons.menu"]');
    await field.waitFor(WAIT);
    expect(await editor.locator('#ui-doc .tree').getAttribute('dir')).toBe('rtl');
    await field.fill('');
    await expect.poll(() => editor.locator('[data-problem="buttons.menu"]').textContent(), WAIT).toContain('missing translation: UI string "buttons.menu"');
    await editor.locator('#doc-form button[type=submit]').click();
    await editor.locator('#error', { hasText: 'Not saved' }).waitFor(WAIT);
    expect(await (await running.ctx.store.contentVersions()).drafts()).toEqual([]);
  });

  it('services: a service with an unknown category is refused at its field', async () => {
    await section(editor, 'services');
    await editor.locator('#services-file').selectOption('content/services.yaml');
    const field = editor.locator('[data-key="services.0.category"]');
    await field.waitFor(WAIT);
    expect(await field.inputValue()).toBe('emergency');
    await field.fill('shopping');
    await expect.poll(() => editor.locator('[data-problem="services.0.category"]').textContent(), WAIT).toContain('unknown category "shopping"');
    await field.fill('emergency');
    await expect.poll(() => editor.locator('#doc-check').textContent(), WAIT).toBe('No problems.');
  });

  it('import: one translated file, its differences shown before it becomes a draft', async () => {
    await section(editor, 'import');
    const text = fs.readFileSync(path.join(miniRoot, AR_FILE), 'utf8').replace('أحضر الأصول والنسخ.', 'أحضر الأصول والنسخ معًا.');
    await editor.locator('#import-path').fill(AR_FILE);
    await editor.locator('#import-file').setInputFiles({ name: 'hearing.yaml', mimeType: 'text/yaml', buffer: Buffer.from(text) });
    await editor.locator('#import-form button[type=submit]').click();
    await editor.locator('#import-diff .add', { hasText: 'أحضر الأصول والنسخ معًا.' }).waitFor(WAIT);
    expect(await editor.locator('#import-diff .del').allTextContents()).toEqual([expect.stringContaining('أحضر الأصول والنسخ.')]);
    expect(await (await running.ctx.store.contentVersions()).drafts()).toEqual([]);
    expect(await axeProblems(editor)).toEqual([]);
    await editor.locator('#import-apply').click();
    await editor.locator('#status', { hasText: `Saved ${AR_FILE} as a draft` }).waitFor(WAIT);
    expect((await (await running.ctx.store.contentVersions()).draft(AR_FILE))?.text).toBe(text);
    await (await running.ctx.store.contentVersions()).deleteDraft(AR_FILE);
  });

  it('keyboard: Tab reaches the section links and Enter opens one', async () => {
    // No #fragment: it would move the keyboard's starting point to that section.
    editor = await (await browser.newContext({ storageState: await editor.context().storageState() })).newPage();
    await editor.goto(`${running.url}/console/admin/editor`);
    await editor.locator('#topic-list button').first().waitFor(WAIT);
    let reached = false;
    for (let i = 0; i < 12 && !reached; i++) {
      await editor.keyboard.press('Tab');
      reached = await editor.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.section === 'review');
    }
    expect(reached).toBe(true);
    await editor.keyboard.press('Enter');
    await expect.poll(() => editor.evaluate(() => document.activeElement?.id)).toBe('review-title');
    expect(await editor.locator('#review').isVisible()).toBe(true);
  });

  it('flows: a step moves and a new step is added, checked as you type, at 390x844 without sideways scrolling', async () => {
    const phone = await signIn('eda@ngo.example', PW.eda, { width: 390, height: 844 });
    await phone.waitForURL(`${running.url}/console/admin/editor`);
    await section(phone, 'flows');
    await phone.locator('#flows-file').selectOption('flows/main.yaml');
    await phone.getByRole('button', { name: 'Move down: options 2' }).click();
    expect(await phone.locator('[data-key="steps.0.options.1.id"]').inputValue()).toBe('podcast');
    expect(await phone.locator('[data-key="steps.0.options.2.id"]').inputValue()).toBe('health');
    await phone.locator('#new-step-type').selectOption('goto');
    await phone.locator('#new-step-id').fill('again');
    await phone.getByRole('button', { name: 'Add a step' }).click();
    // The new goto step has no target yet: the validator says so at its field.
    await expect.poll(() => phone.locator('[data-problem="steps.1.target"]').textContent(), WAIT).toContain('targets look like');
    expect(await axeProblems(phone)).toEqual([]);
    expect(await overflowsSideways(phone)).toBe(false);
    await phone.locator('#doc-form button[type=submit]').click();
    await phone.locator('#error', { hasText: 'Not saved' }).waitFor(WAIT);
    expect((await (await running.ctx.store.contentVersions()).drafts()).map((d) => d.path)).toEqual([]);
    await phone.locator('[data-key="steps.1.target"]').fill('main');
    await expect.poll(() => phone.locator('#doc-check').textContent(), WAIT).toBe('No problems.');
    await phone.locator('#doc-form button[type=submit]').click();
    await phone.locator('#status', { hasText: 'Saved as a draft: flows/main.yaml' }).waitFor(WAIT);
    const draft = (await (await running.ctx.store.contentVersions()).draft('flows/main.yaml'))!.text!;
    expect(draft.indexOf('id: podcast')).toBeLessThan(draft.indexOf('id: health'));
    expect(draft).toContain('target: main');
    await phone.context().close();
  });
});
