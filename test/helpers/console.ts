/**
 * A caseworker in the real console page (/console), as the end-to-end tests
 * drive it: sign in, open a queued conversation, take it, answer with a
 * content answer or free text, close with an outcome (and its confirmation
 * step). Selectors are the console's own ids (src/handoff/console/index.html).
 */
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';

export const WAIT = { timeout: 45_000 };

export class Caseworker {
  private constructor(readonly page: Page) {}

  static async signIn(browser: Browser, baseUrl: string, email: string, password: string, context: BrowserContextOptions = {}): Promise<Caseworker> {
    const page = await (await browser.newContext(context)).newPage();
    await page.goto(`${baseUrl}/console`);
    await page.locator('#login input[name=email]').fill(email);
    await page.locator('#login input[name=password]').fill(password);
    await page.locator('#login button[type=submit]').click();
    // Signed in: the console, or (after an admin's reset) the form to choose a new password first.
    await page.locator('#app:visible, #password:visible').first().waitFor(WAIT);
    return new Caseworker(page);
  }

  /** The queue entry with this text (pseudonym, language name, channel, first words). */
  queued(text: string) {
    return this.page.locator('#queue-list button', { hasText: text }).first();
  }

  /** How many conversations wait (the header badge). */
  async badge(): Promise<string | null> {
    return this.page.locator('#badge').textContent();
  }

  /** Waits until a message with this text shows in the open conversation. */
  async sees(text: string): Promise<void> {
    await this.page.locator('#messages li', { hasText: text }).first().waitFor(WAIT);
  }

  async take(): Promise<void> {
    await this.page.locator('#take').click();
    await this.page.locator('#text').waitFor(WAIT);
  }

  /** Opens one of the tools under the message box (answers, snippets, note, transfer, close). */
  async tool(panel: 'answers' | 'snippets' | 'note' | 'transfer' | 'close'): Promise<void> {
    const b = this.page.locator(`#tool-tabs button[data-panel="panel-${panel}"]`);
    if ((await b.getAttribute('aria-expanded')) !== 'true') await b.click();
    await this.page.locator(`#panel-${panel}`).waitFor(WAIT);
  }

  /** Picks a content answer in the searchable picker and sends it with the explicit button. */
  async sendContentAnswer(topicId: string): Promise<void> {
    await this.tool('answers');
    await this.page.locator(`#answer-list [data-topic="${topicId}"]`).click();
    await this.page.locator('#answer-send').click();
  }

  async send(text: string): Promise<void> {
    await this.page.locator('#text').fill(text);
    await this.page.locator('#send-form button[type=submit]').click();
  }

  /** Closes with an outcome, answering the console's "Close ...?" question with yes. */
  async close(outcome: 'answered' | 'referred' | 'no-response', note?: string): Promise<void> {
    await this.tool('close');
    await this.page.locator('#outcome').selectOption(outcome);
    if (note !== undefined) await this.page.locator('#close-note').fill(note);
    await this.page.locator('#close-form button[type=submit]').click();
    await this.page.locator('#close-yes').click();
  }
}
