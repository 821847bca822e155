import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium (`apt-get install -y chromium`); this machine downloads no browser builds. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // Without these Chromium keeps calling home (updates, safe browsing, sync) on a network that has no outside.
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Only the Playground on loopback; anything else the page asks for (its web fonts on a CDN) fails at once. */
const isLoopback = (url: URL) =>
  url.protocol === 'data:' || /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(url.hostname);

/**
 * The Agents Playground's web client (0.2.28) driven by role and name, the way a person sees it. What the
 * selectors rely on:
 * - the left rail is a tree; a channel's treeitem is named "<team> - <channel>", a chat's by its name;
 * - a channel shows a "new post" composer (a contenteditable textbox and a "Post" button); typing "@" opens a
 *   listbox "Typeahead menu" whose menuitems are the bot and the people;
 * - a bot's Adaptive Card is rendered by the Adaptive Cards JS renderer (`.ac-adaptiveCard`), its actions are
 *   buttons named by their titles, and an Action.Execute's card response replaces the card in place.
 */
export class TeamsClient {
  private constructor(
    readonly page: Page,
    private readonly context: BrowserContext,
    private readonly profileDir: string,
  ) {}

  static async open(url: string): Promise<TeamsClient> {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: the browser test needs Debian's Chromium. ` +
          'Run `apt-get update && apt-get install -y chromium` (as root) and run the test again.',
      );
    }
    const profileDir = mkdtempSync(join(tmpdir(), 'warden-chromium-'));
    let context: BrowserContext;
    try {
      context = await chromium.launchPersistentContext(profileDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        viewport: { width: 1400, height: 1400 },
        locale: 'en-US',
        timezoneId: 'UTC',
      });
    } catch (error) {
      rmSync(profileDir, { recursive: true, force: true });
      throw error;
    }
    await context.route(
      (target) => !isLoopback(target),
      (route) => route.abort(),
    );
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(15_000);
    const client = new TeamsClient(page, context, profileDir);
    try {
      await page.goto(url);
      // The client is up once it has drawn the conversation tree from the config.
      await page.getByRole('tree', { name: 'Teams Channel' }).waitFor();
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** Opens a channel of the team by (part of) its name. */
  async openChannel(name: string | RegExp): Promise<void> {
    const channel = this.page
      .getByRole('tree', { name: 'Teams Channel' })
      .getByRole('treeitem', { name: typeof name === 'string' ? new RegExp(escape(name)) : name });
    await channel.click();
    await this.newPostComposer().textbox.waitFor();
  }

  /**
   * Starts a new post in the open channel: "@" + the bot's name, picked from the mention picker (so the message
   * carries a real mention entity, as Teams sends it), then the text, then Post. Returns the thread the post starts
   * (the bot's replies land in it), found by the posted message as rendered: the mention's name, then the text. Other
   * posts in the channel (the bot's welcome card, which lists this very question as an example) are not in it.
   */
  async postMentioning(botName: string, text: string): Promise<Locator> {
    const { textbox, post } = this.newPostComposer();
    await textbox.click();
    await textbox.pressSequentially(`@${botName}`);
    await this.page
      .getByRole('listbox', { name: 'Typeahead menu' })
      .getByRole('menuitem', { name: new RegExp(`^${escape(botName)}\\b`) })
      .first()
      .click();
    await textbox.locator('.mention', { hasText: botName }).waitFor();
    await textbox.pressSequentially(` ${text}`);
    await post.click();
    const posted = this.page.getByText(`${botName} ${text}`, { exact: true });
    const thread = this.page.getByRole('group').filter({ has: posted }).last();
    await thread.waitFor();
    return thread;
  }

  /** The rendered Adaptive Cards in `scope` (a thread, or the whole page) that contain every one of `texts`. */
  cardsWith(scope: Locator | Page, ...texts: string[]): Locator {
    let cards = scope.locator('.ac-adaptiveCard');
    for (const text of texts) cards = cards.filter({ hasText: text });
    return cards;
  }

  async screenshot(path: string): Promise<void> {
    await this.page.screenshot({ path, fullPage: true });
  }

  async close(): Promise<void> {
    try {
      await this.context.close();
    } finally {
      rmSync(this.profileDir, { recursive: true, force: true });
    }
  }

  /** The composer at the top of a channel ("Start a new post"); each thread below it has its own reply box. */
  private newPostComposer() {
    const post = this.page.getByRole('button', { name: 'Post', exact: true });
    const composer = this.page.getByRole('group').filter({ has: post }).last();
    return { textbox: composer.getByRole('textbox'), post };
  }
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
