import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';

import sinon from 'sinon';

import { StoreError } from '../../../services/store/store-error';
import { TableStore, type TableStoreOptions } from '../../../services/store/table-store';
import { startAzurite, type Azurite } from '../../helpers/azurite';
import { collect, describeStoreContract, feedback, rejectsWith, response } from './store-contract';

// Short enough that a test sees 'unavailable' in about a second, long enough for Azurite under a loaded CI machine.
const QUICK = { retry: { maxRetries: 1, retryDelayInMs: 20, maxRetryDelayInMs: 50 }, timeoutMs: 1500 };

const prefix = () => `t${randomBytes(6).toString('hex')}`;

describe('TableStore', function () {
  this.timeout(30_000);
  let azurite: Azurite;

  before(async () => {
    azurite = await startAzurite();
  });

  after(async () => {
    await azurite?.stop();
  });

  describeStoreContract('Azure Table Storage (Azurite)', () => ({
    freshOptions: () => ({
      kind: 'table',
      connectionString: azurite.connectionString,
      tablePrefix: prefix(),
    }),
  }));

  describe('configuration', () => {
    it('when the connection string is malformed, then the store refuses it as invalid without quoting it', () => {
      const secret = 'c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWs=';
      assert.throws(
        () => new TableStore({ connectionString: `AccountName=x;AccountKey=${secret};Nonsense` }),
        (error: unknown) =>
          error instanceof StoreError &&
          error.reason === 'invalid' &&
          !error.message.includes(secret) &&
          error.cause === undefined,
      );
    });

    it('when the table prefix is not letters and digits, then the store refuses it as invalid', () => {
      assert.throws(
        () => new TableStore({ connectionString: azurite.connectionString, tablePrefix: 'warden-prod' }),
        (error: unknown) => error instanceof StoreError && error.reason === 'invalid',
      );
    });
  });

  describe('when Azure Storage goes away', () => {
    let sandbox: sinon.SinonSandbox;
    let own: Azurite;
    let store: TableStore;

    before(async () => {
      own = await startAzurite();
    });

    after(async () => {
      await own?.stop();
    });

    beforeEach(() => {
      sandbox = sinon.createSandbox();
      const options: TableStoreOptions = {
        connectionString: own.connectionString,
        tablePrefix: prefix(),
        ...QUICK,
      };
      store = new TableStore(options);
    });

    afterEach(async () => {
      own.resume();
      await store.close();
      sandbox.restore();
    });

    it('when the emulator is stopped, then calls fail as unavailable within seconds, and work again after it restarts', async () => {
      await store.upsertFeedback(feedback());

      await own.stop();
      const started = Date.now();
      const failure = await rejectsWith(store.upsertFeedback(feedback()), 'unavailable');
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
      assert.match(failure.message, /unreachable/);
      await rejectsWith(store.ping(), 'unavailable');
      await rejectsWith(collect(store.listFeedback()), 'unavailable');

      await own.restart();
      // In-memory Azurite comes back empty, tables included: the store recreates them.
      await store.ping();
      const record = response();
      await store.saveResponse(record);
      assert.equal((await store.getResponse(record.responseId))?.responseId, record.responseId);
      assert.equal((await collect(store.listFeedback())).length, 0);
      await store.upsertFeedback(feedback());
      assert.equal((await collect(store.listFeedback())).length, 1);
    });

    it('when the emulator stops answering, then calls fail as unavailable once the deadline passes, and work when it answers again', async () => {
      await store.ping();

      own.pause();
      const started = Date.now();
      const failure = await rejectsWith(store.claimOnce('action:paused', 'adele'), 'unavailable');
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= QUICK.timeoutMs - 100 && elapsed < QUICK.timeoutMs + 1500, `took ${elapsed} ms`);
      assert.match(failure.message, /did not answer within/);

      own.resume();
      assert.equal(await store.claimOnce('action:resumed', 'adele'), true);
    });
  });
});
