import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';

import sinon from 'sinon';

import {
  csvCell,
  exportAudit,
  exportFeedback,
  formatSummary,
  summarizeFeedback,
} from '../../../services/feedback/export';
import { SqliteStore } from '../../../services/store/sqlite-store';
import type { FeedbackRecord } from '../../../services/store/types';
import { ADELE, ALEX, audit, collect, feedback, HOSTILE } from '../store/store-contract';

/** RFC 4180, as a spreadsheet reads it: quoted cells may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      index++;
    } else cell += char;
  }
  assert.equal(cell, '', 'the CSV does not end with CRLF');
  return rows;
}

async function exported(run: (out: PassThrough) => Promise<void>): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await run(out);
  return Buffer.concat(chunks).toString('utf8');
}

/** C0 and C1 controls, tab and line breaks included. */
const hasControl = (text: string) =>
  [...text].some(
    (char) => char.charCodeAt(0) < 0x20 || (char.charCodeAt(0) >= 0x7f && char.charCodeAt(0) <= 0x9f),
  );

const asObjects = (rows: string[][]) =>
  rows.slice(1).map((row) => Object.fromEntries(rows[0].map((name, i) => [name, row[i]])));

describe('feedback export and summary', () => {
  let sandbox: sinon.SinonSandbox;
  let dir: string;
  let store: SqliteStore;
  let clock: sinon.SinonStub<[], Date>;

  beforeEach(() => {
    sandbox = sinon.createSandbox();
    dir = mkdtempSync(join(tmpdir(), 'warden-export-'));
    clock = sandbox.stub<[], Date>().returns(new Date('2025-01-15T10:00:00.000Z'));
    store = new SqliteStore({ path: join(dir, 'warden.db'), now: clock });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    sandbox.restore();
  });

  /** Seven answers' worth of feedback across three skills, both sources, all three categories. */
  async function seed(): Promise<FeedbackRecord[]> {
    const inputs = [
      feedback({
        intent: 'user.riskySignIns',
        reaction: 'like',
        text: 'great',
        shareSamples: true,
        prompt: 'risky sign-ins for karita',
        answer: '3 risky sign-ins',
      }),
      feedback({ intent: 'user.riskySignIns', reaction: 'like', by: ADELE }),
      feedback({
        intent: 'user.riskySignIns',
        reaction: 'dislike',
        category: 'inaccurate',
        text: 'wrong window',
      }),
      feedback({
        intent: 'user.auditLogs',
        reaction: 'dislike',
        category: 'offensive',
        text: HOSTILE,
        shareSamples: true,
        prompt: HOSTILE,
        answer: 'table',
      }),
      feedback({ intent: 'user.auditLogs', reaction: 'dislike', category: 'inaccurate', source: 'teams' }),
      feedback({
        intent: 'policies.gaps',
        reaction: 'like',
        source: 'teams',
        text: '=1+2',
        prompt: 'dropped',
        answer: 'dropped',
      }),
      feedback({ intent: 'policies.gaps', reaction: 'dislike', category: 'other', by: ADELE }),
    ];
    const stored: FeedbackRecord[] = [];
    for (const [index, input] of inputs.entries()) {
      clock.returns(new Date(Date.parse('2025-01-15T10:00:00.000Z') + index * 60_000));
      stored.push(await store.upsertFeedback(input));
    }
    return stored;
  }

  it('when feedback is exported as CSV, then a spreadsheet reads one row per record with the text intact', async () => {
    const stored = await seed();
    const csv = await exported((out) => exportFeedback(store, 'csv', out));
    const rows = parseCsv(csv);

    assert.deepEqual(rows[0], [
      'createdAt',
      'updatedAt',
      'responseId',
      'intent',
      'reaction',
      'category',
      'text',
      'shareSamples',
      'prompt',
      'answer',
      'source',
      'byName',
      'byAadObjectId',
      'tenantId',
      'conversationId',
      'threadId',
    ]);
    const records = asObjects(rows);
    assert.equal(records.length, 7);
    assert.ok(rows.every((row) => row.length === rows[0].length));
    assert.deepEqual(
      records.map((r) => r.responseId),
      stored.map((f) => f.responseId),
    );

    const first = records[0];
    assert.equal(first.reaction, 'like');
    assert.equal(first.shareSamples, 'true');
    assert.equal(first.prompt, 'risky sign-ins for karita');
    assert.equal(first.byName, ALEX.name);
    assert.equal(records[2].category, 'inaccurate');
    assert.equal(records[1].category, '');
  });

  it('when exported text would run as a formula or drive a terminal, then the CSV cell is defused and nothing else changes', async () => {
    await seed();
    const records = asObjects(parseCsv(await exported((out) => exportFeedback(store, 'csv', out))));

    assert.equal(records[5].text, "'=1+2");
    const hostile = records[3];
    const expected = HOSTILE.replaceAll('\u001b', '\ufffd').replaceAll('\u0000', '\ufffd');
    assert.equal(hostile.text, expected);
    assert.equal(hostile.prompt, expected);
    assert.ok(!hasControl(hostile.text.replace(/[\t\r\n]/g, '')));
    for (const cell of ['=HYPERLINK("x")', '+cmd', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '＝1+1'])
      assert.ok(csvCell(cell).replace(/^"/, '').startsWith("'"), cell);
    assert.equal(csvCell('plain text'), 'plain text');
    assert.equal(csvCell('a "quoted", text'), '"a ""quoted"", text"');
    assert.equal(csvCell(null), '');
  });

  it('when samples were not shared, then the export has no prompt or answer for them', async () => {
    await seed();
    const records = asObjects(parseCsv(await exported((out) => exportFeedback(store, 'csv', out))));
    const unshared = records.filter((r) => r.shareSamples === 'false');
    assert.equal(unshared.length, 5);
    assert.ok(unshared.every((r) => r.prompt === '' && r.answer === ''));

    const json = JSON.parse(await exported((out) => exportFeedback(store, 'json', out))) as FeedbackRecord[];
    assert.ok(json.filter((f) => !f.shareSamples).every((f) => f.prompt === null && f.answer === null));
  });

  it('when feedback is exported as JSON, then it parses to exactly the stored records', async () => {
    await seed();
    const json = JSON.parse(await exported((out) => exportFeedback(store, 'json', out))) as FeedbackRecord[];
    assert.deepEqual(json, await collect(store.listFeedback()));
    assert.equal(json[3].text, HOSTILE);
  });

  it('when there is no feedback, then CSV is the header alone and JSON an empty array', async () => {
    assert.equal(parseCsv(await exported((out) => exportFeedback(store, 'csv', out))).length, 1);
    assert.deepEqual(JSON.parse(await exported((out) => exportFeedback(store, 'json', out))), []);
  });

  it('when the reader is slow, then every record still arrives, in order', async function () {
    this.timeout(20_000);
    for (let index = 0; index < 300; index++)
      await store.upsertFeedback(feedback({ text: `record ${index} ${'x'.repeat(200)}` }));
    const received: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 256,
      write(chunk: Buffer, _encoding, done) {
        received.push(chunk);
        setImmediate(done);
      },
    });
    await exportFeedback(store, 'json', slow);
    const json = JSON.parse(Buffer.concat(received).toString('utf8')) as FeedbackRecord[];
    assert.deepEqual(
      json.map((f) => f.text?.split(' ')[1]),
      Array.from({ length: 300 }, (_, index) => String(index)),
    );
  });

  it('when the output fails (a closed pipe), then the export rejects instead of crashing', async () => {
    await seed();
    const broken = new Writable({
      write(_chunk, _encoding, done) {
        done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    await assert.rejects(exportFeedback(store, 'csv', broken), /EPIPE/);
  });

  it('when feedback is summarized, then counts per skill and reaction, dislikes by category and the share rate are right', async () => {
    await seed();
    const summary = await summarizeFeedback(store);

    assert.equal(summary.total, 7);
    assert.equal(summary.likes, 3);
    assert.equal(summary.dislikes, 4);
    assert.deepEqual(summary.byIntent, [
      { intent: 'user.riskySignIns', likes: 2, dislikes: 1, total: 3 },
      { intent: 'policies.gaps', likes: 1, dislikes: 1, total: 2 },
      { intent: 'user.auditLogs', likes: 0, dislikes: 2, total: 2 },
    ]);
    assert.deepEqual(summary.dislikesByCategory, { inaccurate: 2, offensive: 1, other: 1, unspecified: 0 });
    assert.deepEqual(summary.bySource, { card: 5, teams: 2 });
    assert.equal(summary.sharedSamples, 2);
    assert.equal(summary.shareSamplesRate, 2 / 7);
    assert.equal(summary.firstAt, '2025-01-15T10:00:00.000Z');
    assert.equal(summary.lastAt, '2025-01-15T10:06:00.000Z');
  });

  it('when the summary is printed, then a person reads the per-skill table, the categories and the share rate', async () => {
    await seed();
    const text = formatSummary(await summarizeFeedback(store));
    const lines = text.split('\n');

    assert.match(lines[0], /^Feedback: 7 \(3 👍, 4 👎\)/);
    assert.deepEqual(
      lines.slice(2, 6).map((line) => line.split(/\s+/)),
      [
        ['skill', 'likes', 'dislikes', 'total'],
        ['user.riskySignIns', '2', '1', '3'],
        ['policies.gaps', '1', '1', '2'],
        ['user.auditLogs', '0', '2', '2'],
      ],
    );
    assert.ok(lines.includes('  inaccurate: 2 (50%)'), text);
    assert.ok(lines.includes('  offensive or inappropriate: 1 (25%)'), text);
    assert.ok(lines.includes('Samples shared: 2 of 7 (29%)'), text);
  });

  it('when a stored skill name carries terminal escapes, then the summary prints it inert', async () => {
    await store.upsertFeedback(feedback({ intent: 'user.details\u001b[2J\u001b]0;pwned\u0007' }));
    const text = formatSummary(await summarizeFeedback(store));
    assert.ok(!hasControl(text.replaceAll('\n', '')), JSON.stringify(text));
  });

  it('when there is no feedback, then the summary says so', async () => {
    const summary = await summarizeFeedback(store);
    assert.equal(summary.shareSamplesRate, null);
    assert.equal(formatSummary(summary), 'No feedback yet.');
  });

  it('when the audit trail is exported, then CSV and JSON list it oldest first, and since limits it', async () => {
    const records = [
      audit({
        at: '2025-01-15T11:00:00.000Z',
        kind: 'action.confirmed',
        intent: 'action.revokeSessions',
        result: 'revoked',
      }),
      audit({ at: '2025-01-15T09:00:00.000Z', detail: '@karita risky sign-ins' }),
      audit({
        at: '2025-01-15T10:00:00.000Z',
        kind: 'refused',
        actor: { aadObjectId: 'a1e8c7d2-0000-4000-8000-000000000022', name: 'Megan Bowen' },
      }),
    ];
    for (const record of records) await store.appendAudit(record);

    const rows = parseCsv(await exported((out) => exportAudit(store, 'csv', out)));
    assert.deepEqual(rows[0], [
      'at',
      'id',
      'kind',
      'intent',
      'target',
      'result',
      'detail',
      'actorName',
      'actorAadObjectId',
      'tenantId',
      'conversationId',
    ]);
    const listed = asObjects(rows);
    assert.deepEqual(
      listed.map((r) => r.kind),
      ['query', 'refused', 'action.confirmed'],
    );
    assert.equal(listed[0].detail, "'@karita risky sign-ins");
    assert.equal(listed[1].actorName, 'Megan Bowen');

    const json = JSON.parse(
      await exported((out) => exportAudit(store, 'json', out, { since: '2025-01-15T10:00:00.000Z' })),
    );
    assert.deepEqual(json, [records[2], records[0]]);
  });
});
