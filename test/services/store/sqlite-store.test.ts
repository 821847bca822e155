import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import Database from 'better-sqlite3';
import sinon from 'sinon';

import { MIGRATIONS, SqliteStore } from '../../../services/store/sqlite-store';
import { audit, describeStoreContract, feedback, rejectsWith, response } from './store-contract';

describe('SqliteStore', () => {
  let root: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'warden-sqlite-'));
  });

  after(() => {
    rmSync(root, { recursive: true, force: true });
  });

  describeStoreContract('SQLite in a worker thread', () => ({
    freshOptions: () => ({
      kind: 'sqlite',
      path: join(mkdtempSync(join(root, 'contract-')), 'data', 'warden.db'),
    }),
  }));

  describeStoreContract('SQLite on the main thread', () => ({
    freshOptions: () => ({
      kind: 'sqlite',
      worker: false,
      path: join(mkdtempSync(join(root, 'contract-')), 'data', 'warden.db'),
    }),
  }));

  describe('on disk', () => {
    let sandbox: sinon.SinonSandbox;
    let dir: string;
    let path: string;
    const stores: SqliteStore[] = [];
    const others: Database.Database[] = [];
    const open = (busyTimeoutMs = 50, synchronous?: 'normal' | 'full') => {
      const store = new SqliteStore({ path, busyTimeoutMs, synchronous });
      stores.push(store);
      return store;
    };
    const connect = () => {
      const db = new Database(path);
      others.push(db);
      return db;
    };

    beforeEach(() => {
      sandbox = sinon.createSandbox();
      dir = mkdtempSync(join(root, 'disk-'));
      path = join(dir, 'nested', 'data', 'warden.db');
    });

    afterEach(async () => {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      for (const db of others.splice(0)) if (db.open) db.close();
      sandbox.restore();
    });

    it('when the data folder does not exist, then nothing is created until first use, and then the folder and file are', async () => {
      const store = open();
      assert.equal(existsSync(join(dir, 'nested')), false);
      await store.ping();
      assert.equal(existsSync(path), true);
    });

    it('when synchronous is full and an answer goes out, then its records skip the disk sync and its audit entry and feedback wait for it', async () => {
      const store = open(50, 'full');
      const record = response();
      await store.ping();
      const pragma = sandbox.spy(Database.prototype, 'pragma');
      const syncModes = async (write: () => Promise<unknown>) => {
        pragma.resetHistory();
        await write();
        return pragma.getCalls().map((call) => call.args[0]);
      };
      const relaxed = ['synchronous = NORMAL', 'synchronous = FULL'];
      assert.deepEqual(await syncModes(() => store.saveResponse(record)), relaxed);
      assert.deepEqual(
        await syncModes(() => store.attachActivityId(record.responseId, '1732660000123')),
        relaxed,
      );
      assert.deepEqual(await syncModes(() => store.appendAudit(audit())), []);
      assert.deepEqual(
        await syncModes(() => store.upsertFeedback(feedback({ responseId: record.responseId }))),
        [],
      );
      pragma.restore();
      const db = (store as unknown as { db: Database.Database }).db;
      assert.equal(db.pragma('synchronous', { simple: true }), 2, 'FULL is back for every other write');
    });

    it('when the database is opened, then it is in WAL mode with commits durable once logged (synchronous NORMAL)', async () => {
      const pragma = sandbox.spy(Database.prototype, 'pragma');
      await open().ping();
      assert.ok(pragma.calledWith('synchronous = NORMAL'), 'synchronous = NORMAL was not set');
      assert.equal(connect().pragma('journal_mode', { simple: true }), 'wal');
    });

    it('when synchronous full is asked for, then every commit waits for the disk except an answer on its way out', async () => {
      const pragma = sandbox.spy(Database.prototype, 'pragma');
      await open(50, 'full').ping();
      assert.ok(pragma.calledWith('synchronous = FULL'), 'synchronous = FULL was not set');
    });

    it('when another connection holds the write lock, then writes and ping are unavailable, reads still work, and writes succeed once it is released', async () => {
      const store = open();
      const record = response();
      await store.saveResponse(record);
      const other = connect();
      other.exec('BEGIN EXCLUSIVE');

      const failure = await rejectsWith(store.upsertFeedback(feedback()), 'unavailable');
      assert.match(failure.message, /locked/);
      assert.ok(failure.message.includes(path), failure.message);
      await rejectsWith(store.ping(), 'unavailable');
      assert.equal((await store.getResponse(record.responseId))?.responseId, record.responseId);

      other.exec('ROLLBACK');
      await store.upsertFeedback(feedback());
      await store.ping();
    });

    it('when the file is held in exclusive locking mode before the store opens, then the store is unavailable until it is released', async () => {
      const first = open();
      await first.ping();
      await first.close();
      const other = connect();
      other.pragma('locking_mode = EXCLUSIVE');
      other.exec('BEGIN EXCLUSIVE');
      other.exec('COMMIT');

      const store = open();
      await rejectsWith(store.getResponse(response().responseId), 'unavailable');
      await rejectsWith(store.ping(), 'unavailable');

      other.close();
      await store.ping();
      await store.upsertFeedback(feedback());
    });

    it('when the file is not a SQLite database, then the store is unavailable and says so', async () => {
      path = join(dir, 'not-a-database.db');
      writeFileSync(path, 'these are not the bytes you are looking for\n'.repeat(200));
      const failure = await rejectsWith(open().ping(), 'unavailable');
      assert.match(failure.message, /not a readable SQLite database/);
      assert.ok(failure.message.includes(path));
    });

    it('when the path is a folder, then the store is unavailable', async () => {
      path = dir;
      await rejectsWith(open().ping(), 'unavailable');
    });

    it('when the file was written by a newer schema, then the store is unavailable rather than guessing', async () => {
      await open().ping();
      connect().pragma('user_version = 99');
      const failure = await rejectsWith(open().ping(), 'unavailable');
      assert.match(failure.message, /newer Warden/);
    });

    it('when two stores open a new file at once, then the schema is created once and both work', async () => {
      const first = open(2000);
      const second = open(2000);
      await Promise.all([first.ping(), second.ping()]);
      await first.upsertFeedback(feedback());
      await second.upsertFeedback(feedback());
      assert.equal(connect().pragma('user_version', { simple: true }), MIGRATIONS.length);
    });

    it('when a file from before cards had their own table is opened, then its responses keep their cards', async () => {
      path = join(dir, 'warden.db');
      const old = connect();
      for (const sql of MIGRATIONS.slice(0, 2)) old.exec(sql);
      old.pragma('user_version = 2');
      const saved = response();
      old
        .prepare(
          `INSERT INTO responses (response_id, created_at, tenant_id, conversation_id, thread_id, conversation_type,
             activity_id, asked_by_id, asked_by_name, intent, subject, prompt, answer_text, card_json)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          saved.responseId,
          saved.createdAt,
          saved.tenantId,
          saved.conversationId,
          saved.threadId,
          saved.conversationType,
          'activity-1',
          saved.askedBy.aadObjectId,
          saved.askedBy.name,
          saved.intent,
          saved.subject,
          saved.prompt,
          saved.answerText,
          JSON.stringify(saved.card),
        );
      old.close();

      const store = open();
      assert.deepEqual(await store.getResponse(saved.responseId), { ...saved, activityId: 'activity-1' });
      assert.equal(
        (await store.findResponseByActivityId(saved.conversationId, 'activity-1'))?.responseId,
        saved.responseId,
      );
      await store.attachActivityId(saved.responseId, 'activity-2');
      assert.deepEqual((await store.getResponse(saved.responseId))?.card, saved.card);
      assert.equal(connect().pragma('user_version', { simple: true }), MIGRATIONS.length);
    });
  });
});
