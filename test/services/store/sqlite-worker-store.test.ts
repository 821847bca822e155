import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Worker } from 'node:worker_threads';

import Database from 'better-sqlite3';

import { SqliteWorkerStore } from '../../../services/store/sqlite-worker-store';
import { audit, collect, rejectsWith, response } from './store-contract';

const REPO = resolve(__dirname, '../../..');

describe('SqliteWorkerStore: SQLite off the event loop', () => {
  let root: string;
  let path: string;
  const stores: SqliteWorkerStore[] = [];
  const open = (busyTimeoutMs = 2000) => {
    const store = new SqliteWorkerStore({ path, busyTimeoutMs });
    stores.push(store);
    return store;
  };

  /** Runs `body` while another connection holds the database's write lock; `release` commits it. */
  const whileLocked = async (body: (release: () => void) => Promise<void>) => {
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      await body(() => other.exec('COMMIT'));
    } finally {
      other.close();
    }
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'warden-sqlite-worker-'));
    path = join(root, 'data', 'warden.db');
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    rmSync(root, { recursive: true, force: true });
  });

  it('when a write waits for another connection’s lock, then the event loop keeps running and the write lands once the lock is released', async () => {
    const store = open();
    await store.ping();
    await whileLocked(async (release) => {
      const record = audit();
      let settled = false;
      const write = store.appendAudit(record).finally(() => (settled = true));
      // On the main thread, better-sqlite3 would spin in its busy handler here and no timer could fire.
      let ticks = 0;
      const ticker = setInterval(() => (ticks += 1), 5);
      await new Promise((done) => setTimeout(done, 200));
      clearInterval(ticker);
      assert.equal(settled, false, 'the write went through while the lock was held');
      assert.ok(ticks >= 10, `the event loop ticked ${ticks} times in 200 ms`);
      release();
      await write;
      assert.deepEqual(await collect(store.listAudit()), [record]);
    });
  });

  it('when requests are made without waiting, then they run in order and a read sees every write made before it', async () => {
    const store = open();
    const record = response();
    const saved = store.saveResponse(record);
    const attached = store.attachActivityId(record.responseId, '1732660000123');
    const found = store.findResponseByActivityId(record.conversationId, '1732660000123');
    await Promise.all([saved, attached]);
    assert.deepEqual(await found, { ...record, activityId: '1732660000123' });
  });

  it('when the worker dies with a request in flight, then that request fails as unavailable and the next one runs on a new worker', async () => {
    const store = open();
    const kept = audit();
    await store.appendAudit(kept);
    const worker = (store as unknown as { worker: Worker }).worker;
    // A message the worker cannot read throws in its handler: an uncaught error, so the worker dies before the ping.
    worker.postMessage(null);
    const error = await rejectsWith(store.ping(), 'unavailable');
    assert.match(error.message, /the store's worker failed/);
    assert.deepEqual(await collect(store.listAudit()), [kept]);
    assert.notEqual((store as unknown as { worker: Worker }).worker, worker);
  });

  it('when the store is closed while a write waits for a lock, then the write finishes first and then the worker stops', async () => {
    const store = open();
    await store.ping();
    await whileLocked(async (release) => {
      const record = audit();
      const write = store.appendAudit(record);
      // Stopping a worker inside a SQLite call aborts the whole process (better-sqlite3 12), so close must queue.
      const closed = store.close();
      setTimeout(release, 100);
      await Promise.all([write, closed]);
      await rejectsWith(store.ping(), 'closed');
      const reopened = open();
      assert.deepEqual(await collect(reopened.listAudit()), [record]);
    });
  });

  it('when a command uses the store and never closes it, then the process still exits', async () => {
    const script = `
      const { SqliteWorkerStore } = require('./services/store/sqlite-worker-store');
      const store = new SqliteWorkerStore({ path: ${JSON.stringify(path)} });
      store.ping().then(() => console.log('pinged'));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      cwd: REPO,
      timeout: 20_000,
    });
    assert.equal(stdout.trim(), 'pinged');
  });
});
