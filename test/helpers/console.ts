/**
 * A caseworker in the real console page (/console), as the end-to-end tests
 * drive it: sign in, open a queued conversation, take it, answer with a
 * content answer or free text, close with an outcome. Selectors are the
 * console's own ids (src/handoff/console/index.html).
 */
import type { Browser, Page } from 'playwright-core';

export const WAIT = { timeout: 45_000 };

export class Caseworker {
  private constructor(readonly page: Page) {}

  static async signIn(browser: Browser, baseUrl: string, email: string, password: string): Promise<Caseworker> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${baseUrl}/console`);
    await page.locator('#login input[name=email]').fill(email);
    await page.locator('#login input[name=password]').fill(password);
    await page.locator('#login button[type=submit]').click();
    return new Caseworker(page);
  }

  /** The queue entry whose title has this text (language name, channel). */
  queued(text: string) {
    return this.page.locator('#queue-list button', { hasText: text }).first();
  }

  async badge(): Promise<string | null> {
    return this.page.locator('#badge').textContent();
  }

  /** Waits until a message with this text shows in the open conversation. */
  async sees(text: string): Promise<void> {
    await this.page.locator('#messages li', { hasText: text }).first().waitFor(WAIT);
  }

  async take(): Promise<void> {
    await this.page.locator('#take').click();
    await this.page.locator('#answer').waitFor(WAIT);
  }

  async sendContentAnswer(topicId: string): Promise<void> {
    await this.page.locator('#answer').selectOption(topicId);
    await this.page.locator('#answer-form button[type=submit]').click();
  }

  async send(text: string): Promise<void> {
    await this.page.locator('#text').fill(text);
    await this.page.locator('#send-form button[type=submit]').click();
  }

  async close(outcome: 'answered' | 'referred' | 'no-response'): Promise<void> {
    await this.page.locator('#outcome').selectOption(outcome);
    await this.page.locator('#close-form button[type=submit]').click();
  }
}
