import { strict as assert } from 'node:assert';

import type { Storage } from 'botbuilder';
import sinon from 'sinon';

import { BoundedMemoryStorage } from '../../../services/store/memory-state';
import { createStateStorage } from '../../../services/store/state-storage';
import { StoreError } from '../../../services/store/store-error';
import { startAzurite, type Azurite } from '../../helpers/azurite';
import { HOSTILE, rejectsWith } from './store-contract';

const QUICK_RETRY = { maxTries: 2, tryTimeoutInMs: 1000, retryDelayInMs: 20, maxRetryDelayInMs: 50 };

/** What ConversationState needs from any storage: round trips, eTag concurrency, deletes. */
function describeStorage(label: string, create: () => Storage) {
  describe(label, () => {
    let storage: Storage;

    beforeEach(() => {
      storage = create();
    });

    it('when state is written, then it reads back with an eTag, hostile and non-ASCII text intact', async () => {
      const key = `msteams/conversations/19:incident@thread.tacv2;messageid=1/${Date.now()}`;
      await storage.write({ [key]: { thread: { subject: 'karita@woodgrovebank.com', note: HOSTILE } } });
      const read = await storage.read([key, 'missing/key']);
      assert.deepEqual(Object.keys(read), [key]);
      assert.deepEqual(read[key].thread, { subject: 'karita@woodgrovebank.com', note: HOSTILE });
      assert.equal(typeof read[key].eTag, 'string');
    });

    it('when two turns write from the same read, then the second write is refused as a conflict', async () => {
      const key = `conversation/${Date.now()}`;
      await storage.write({ [key]: { turn: 1 } });
      const { [key]: seen } = await storage.read([key]);
      await storage.write({ [key]: { ...seen, turn: 2 } });
      await rejectsWith(storage.write({ [key]: { ...seen, turn: 3 } }), 'conflict');
      assert.equal((await storage.read([key]))[key].turn, 2);
    });

    it('when state is deleted, then it reads back as absent', async () => {
      const key = `conversation/${Date.now()}`;
      await storage.write({ [key]: { turn: 1 } });
      await storage.delete([key]);
      assert.deepEqual(await storage.read([key]), {});
    });
  });
}

describe('createStateStorage', function () {
  this.timeout(30_000);
  let sandbox: sinon.SinonSandbox;
  let azurite: Azurite;

  before(async () => {
    azurite = await startAzurite();
  });

  after(async () => {
    await azurite?.stop();
  });

  beforeEach(() => {
    sandbox = sinon.createSandbox();
  });

  afterEach(() => {
    sandbox.restore();
  });

  describeStorage('memory', () => createStateStorage({ kind: 'memory' }));
  describeStorage('Azure Blob Storage (Azurite)', () =>
    createStateStorage({
      kind: 'blob',
      connectionString: azurite.connectionString,
      container: 'warden-state',
    }),
  );

  it('when memory storage fails once, then the state it held is still there', async () => {
    const storage = createStateStorage({ kind: 'memory' });
    await storage.write({ kept: { value: 1 } });
    sandbox.stub(BoundedMemoryStorage.prototype, 'write').rejects(new Error('disk full'));
    await rejectsWith(storage.write({ other: { value: 2 } }), 'unavailable');
    sandbox.restore();
    assert.equal((await storage.read(['kept'])).kept.value, 1);
  });

  it('when the container name is not one Azure accepts, then it is refused as invalid', () => {
    assert.throws(
      () =>
        createStateStorage({
          kind: 'blob',
          connectionString: azurite.connectionString,
          container: 'Warden_State',
        }),
      (error: unknown) => error instanceof StoreError && error.reason === 'invalid',
    );
  });

  it('when Blob Storage is away at start-up and after a restart, then reads fail as unavailable within seconds and recover', async () => {
    const own = await startAzurite();
    try {
      await own.stop();
      const storage = createStateStorage({
        kind: 'blob',
        connectionString: own.connectionString,
        container: 'warden-state',
        retry: QUICK_RETRY,
      });
      const started = Date.now();
      await rejectsWith(storage.read(['conversation/a']), 'unavailable');
      assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);

      await own.restart();
      await storage.write({ 'conversation/a': { turn: 1 } });

      // In-memory Azurite comes back without the container (or the state in it); the next write creates it again.
      await own.restart();
      await storage.write({ 'conversation/a': { turn: 2 } });
      assert.equal((await storage.read(['conversation/a']))['conversation/a'].turn, 2);
    } finally {
      await own.stop();
    }
  });
});
