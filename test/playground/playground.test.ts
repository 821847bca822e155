import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import type { Locator } from 'playwright-core';

import { startServer } from '../../bot/index';
import { startPlayground, type Playground } from '../helpers/playground';
import { CHROMIUM, TeamsClient } from './teams-client';

/**
 * The real Warden (in-process, demo tenant, SQLite in a temp folder) behind the Microsoft 365 Agents Playground,
 * driven in headless Chromium as a person would: Alex Wilber (.m365agentsplayground.yml) @mentions Warden in the
 * incident channel, gets the answer card, and clicks 👍. Screenshots go to test-results/ (gitignored).
 */
const KARITA = 'karita@woodgrovebank.com';
const CHANNEL = 'Incident 2471 – Karita Rask';
const QUESTION = `Give me all user details for ${KARITA} and extract the user Object ID`;
const RESULTS = resolve(__dirname, '../../test-results');

describe('@browser Warden in the Microsoft 365 Agents Playground, in headless Chromium', function () {
  this.timeout(60_000);
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let playground: Playground | undefined;
  let client: TeamsClient | undefined;
  let dataDir: string | undefined;

  before(async function () {
    // Fail (not skip): a machine without the browser must not pass this suite silently.
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `Chromium is not installed at ${CHROMIUM}: run \`apt-get update && apt-get install -y chromium\` ` +
          '(Debian, as root) to run the browser test.',
      );
    }
    dataDir = mkdtempSync(join(tmpdir(), 'warden-playground-data-'));
    server = await startServer({
      env: {
        ...process.env,
        PORT: '0',
        DEMO_TENANT_PORT: '0',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'silent',
        NODE_ENV: 'test',
      },
    });
    playground = await startPlayground({ botEndpoint: `${server.url}/api/messages` });
    client = await TeamsClient.open(playground.url);
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    mkdirSync(RESULTS, { recursive: true });
    await client?.screenshot(join(RESULTS, 'playground-failure.png')).catch(() => undefined);
    if (playground) writeFileSync(join(RESULTS, 'playground-failure.log'), playground.log());
  });

  after(async function () {
    // The Playground first: its keep-alive connections would otherwise hold the bot's server.close() open.
    await client?.close();
    await playground?.stop();
    await server?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers an @mention in the incident channel with a user card whose 👍 opens the feedback form', async function () {
    const teams = client!;
    await step('open the incident channel', () => teams.openChannel(CHANNEL));
    let thread: Locator | undefined;
    await step('@mention Warden with the question', async () => {
      thread = await teams.postMentioning('Warden', QUESTION);
    });

    // The answer is the card in this thread with the thumbs: Warden's welcome / help card (in the channel, and as the
    // reply to anything it does not understand) also names Karita and "Object ID", but has no 👍 / 👎.
    const card = teams
      .cardsWith(thread!, KARITA, 'Object ID')
      .filter({ has: teams.page.getByRole('button', { name: /👍/ }) })
      .first();
    const like = card.getByRole('button', { name: /👍/ });
    const dislike = card.getByRole('button', { name: /👎/ });
    await step('wait for the answer card (the UPN, "Object ID", 👍 and 👎)', async () => {
      await card.waitFor({ timeout: 30_000 });
      await like.waitFor();
      await dislike.waitFor();
    });
    mkdirSync(RESULTS, { recursive: true });
    await teams.screenshot(join(RESULTS, 'playground-card.png'));

    await step('click 👍 and see the feedback form', async () => {
      await like.click();
      await thread!.getByText('What did you like?').first().waitFor();
    });
    await teams.screenshot(join(RESULTS, 'playground-feedback.png'));
  });

  /** Runs one step; a failure says which step, what cards the conversation shows, and what the Playground logged. */
  async function step(name: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      const cards = client
        ? await client.page
            .locator('.ac-adaptiveCard')
            .allInnerTexts()
            .catch(() => [])
        : [];
      const log = playground?.log().split('\n').slice(-25).join('\n') ?? '';
      throw new Error(
        `step "${name}" failed: ${(error as Error).message}\n` +
          `cards shown: ${cards.length ? cards.map((text) => JSON.stringify(text.slice(0, 300))).join('\n  ') : 'none'}\n` +
          `the Playground's log (last lines):\n${log}`,
        { cause: error },
      );
    }
  }
});
