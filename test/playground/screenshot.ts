import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

import type { Locator, Page } from 'playwright-core';

import { startServer } from '../../bot/index';
import { startPlayground, type Playground } from '../helpers/playground';
import { TeamsClient } from './teams-client';

/**
 * `npm run screenshot`: the README's pictures, taken from the real thing. Warden runs in-process on the embedded
 * Woodgrove Bank demo tenant (fictional people, documentation-range IP addresses), the Microsoft 365 Agents
 * Playground in headless Chromium asks as Alex Wilber in the incident channel, and each picture is the post and
 * Warden's answer card, cropped from the channel column (not the Playground's log panel, which shows local paths).
 *
 * Needs Debian's Chromium and, for 👍 / 👎 to render as emoji rather than boxes, `fonts-noto-color-emoji`.
 */
const ROOT = resolve(__dirname, '../..');
const IMAGES = join(ROOT, 'docs/images');
const KARITA = 'karita@woodgrovebank.com';
const CHANNEL = 'Incident 2471 – Karita Rask';
const EMOJI_FONT = '/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf';
/** Tall enough for the sign-ins picture (about 1,300 px from the top of the thread). */
const VIEWPORT = { width: 1400, height: 1800 };
/** Grey channel background either side of the thread (660 px wide in Playground 0.2.28): about 740 px in all. */
const SIDE_MARGIN = 40;
/** Above the thread: less than the gap between it and the composer (12 px), whose shadow would show. */
const GAP = 6;
/** The sign-in table is 24 rows of wrapped cells in a 446 px card; the picture stops at the first flagged one. */
const MAX_SIGN_IN_ROWS = 8;
const MAX_BYTES = 300 * 1024;

async function main(): Promise<void> {
  if (!existsSync(EMOJI_FONT)) {
    process.stderr.write(
      `${EMOJI_FONT} is missing: 👍 / 👎 will render as boxes (apt-get install fonts-noto-color-emoji)\n`,
    );
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-screenshot-data-'));
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  let playground: Playground | undefined;
  let client: TeamsClient | undefined;
  try {
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
    const { page } = client;
    await page.setViewportSize(VIEWPORT);
    await client.openChannel(CHANNEL);
    mkdirSync(IMAGES, { recursive: true });

    const signIns = await ask(
      client,
      `sign-in logs for ${KARITA} for the past 48 hours as a table`,
      'Sign-in logs',
    );
    // Cut at a row boundary, where the card plainly goes on.
    const lastRow = await lastSignInRowShown(signIns.card);
    await capture(page, signIns.thread, lastRow, 0, join(IMAGES, 'sign-ins-card.png'));

    const user = await ask(
      client,
      `Give me all user details for ${KARITA} and extract the user Object ID`,
      'Object ID',
    );
    await capture(page, user.thread, user.card, GAP, join(IMAGES, 'user-card.png'));
  } finally {
    // The Playground first: its keep-alive connections would otherwise hold the bot's server.close() open.
    await client?.close();
    await playground?.stop();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** @mentions Warden with `question` and waits for the answer: the card in the thread with `text` and 👍 / 👎. */
async function ask(client: TeamsClient, question: string, text: string) {
  const thread = await client.postMentioning('Warden', question);
  const card = client
    .cardsWith(thread, KARITA, text)
    .filter({ has: client.page.getByRole('button', { name: /👍/ }) })
    .first();
  await card.waitFor({ timeout: 30_000 });
  await card.getByRole('button', { name: /👎/ }).waitFor();
  return { thread, card };
}

/**
 * The table row the sign-ins picture ends on: the first one Warden flags (a failure or a risk), so the picture shows
 * what it is for, but no further than MAX_SIGN_IN_ROWS.
 */
async function lastSignInRowShown(card: Locator): Promise<Locator> {
  const rows = card.getByRole('row');
  const header = await rows.first().getByRole('columnheader').allInnerTexts();
  const status = header.findIndex((title) => title.trim() === 'Status');
  const risk = header.findIndex((title) => title.trim() === 'Risk');
  const last = Math.min(MAX_SIGN_IN_ROWS, (await rows.count()) - 1);
  if (status < 0 || risk < 0) return rows.nth(last);
  for (let index = 1; index < last; index++) {
    const cells = (await rows.nth(index).getByRole('cell').allInnerTexts()).map((cell) => cell.trim());
    if (cells[status] !== 'Success' || cells[risk] !== 'none') return rows.nth(index);
  }
  return rows.nth(last);
}

/**
 * Saves the thread from its top (the post) down to the bottom of `end` plus `below` px, with the channel's background
 * either side. The newest post sits right under the "new post" composer, so no scrolling is needed, just a viewport
 * tall enough (Chromium leaves what is scrolled out of view blank).
 */
async function capture(
  page: Page,
  thread: Locator,
  end: Locator,
  below: number,
  path: string,
): Promise<void> {
  // Off the thread, so no hover styling shows.
  await page.mouse.move(0, 0);
  const top = await thread.boundingBox();
  const bottom = await end.boundingBox();
  if (!top || !bottom) throw new Error(`nothing to capture for ${path}: the thread is not on screen`);
  const clip = {
    x: Math.max(0, top.x - SIDE_MARGIN),
    y: top.y - GAP,
    width: top.width + 2 * SIDE_MARGIN,
    height: bottom.y + bottom.height + below - (top.y - GAP),
  };
  if (clip.y + clip.height > VIEWPORT.height) {
    throw new Error(`${path} would reach ${Math.ceil(clip.y + clip.height)} px, below the viewport`);
  }
  await page.screenshot({ path, clip, animations: 'disabled', caret: 'hide' });
  const bytes = statSync(path).size;
  process.stdout.write(
    `${relative(ROOT, path)}: ${Math.round(clip.width)}×${Math.round(clip.height)} px, ${Math.round(bytes / 1024)} KB\n`,
  );
  if (bytes > MAX_BYTES) throw new Error(`${path} is ${bytes} bytes, over the README's ${MAX_BYTES}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `screenshot failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
