import { strict as assert } from 'node:assert';

import sinon from 'sinon';

import { StoreError } from '../../services/store/store-error';
import type { AuditRecord, ResponseRecord } from '../../services/store/types';
import { DEMO, channelThread, message, type Where } from '../helpers/activities';
import { cardOf, startHarness, type Harness } from '../helpers/warden';

const KARITA = 'karita@woodgrovebank.com';
const TABLE_QUESTION = `sign-in logs for ${KARITA} for the past 48 hours in a table`;

/** What an answer card offers: 👍 / 👎 (the feedback footer) and "Download CSV". */
const buttons = (card: Record<string, unknown>) => {
  const json = JSON.stringify(card);
  return { feedback: json.includes('"id":"feedback"'), download: json.includes('"title":"Download CSV"') };
};

describe('@e2e answers are sent before they are stored', function () {
  this.timeout(30_000);
  const sandbox = sinon.createSandbox();
  let harness: Harness;
  let thread: Where;

  before(async () => {
    harness = await startHarness({ EXPORT_SIGNING_KEY: 'e2e-export-signing-key-0123456789abcdef' });
  });

  beforeEach(() => {
    thread = channelThread(harness.serviceUrl, String(Date.now()));
  });

  afterEach(() => sandbox.restore());

  after(async () => {
    await harness?.stop();
  });

  const ask = async (text: string) => (await harness.ask(message(thread, DEMO.alex, text)))[0];
  const updates = () =>
    harness.connector.calls.filter(
      (call) => call.method === 'update' && call.conversationId.startsWith(thread.conversationId),
    );

  it('when an answer is stored, then the connector already had it and the record carries its message id', async () => {
    const store = harness.server.store;
    const saveResponse = store.saveResponse.bind(store);
    let messagesWhenStored = -1;
    sandbox.stub(store, 'saveResponse').callsFake(async (record: ResponseRecord) => {
      messagesWhenStored = harness.connector.messages(thread.conversationId).length;
      return saveResponse(record);
    });
    const attach = sandbox.spy(store, 'attachActivityId');

    const reply = await ask(TABLE_QUESTION);

    assert.equal(messagesWhenStored, 1, 'the answer reached the connector before its record was written');
    assert.equal(attach.callCount, 0, 'the message id went in with the record, not in a second write');
    const record = await store.findResponseByActivityId(thread.conversationId, String(reply.id));
    assert.ok(record, 'Teams feedback on this message finds its record');
    assert.deepEqual(record.card, cardOf(reply));
    assert.deepEqual(buttons(cardOf(reply)), { feedback: true, download: true });
    assert.equal(updates().length, 0, 'nothing to mend');
  });

  it('when the CSV cannot be stored, then the answer stands and is edited without its Download CSV button', async () => {
    const store = harness.server.store;
    sandbox.stub(store, 'saveExport').rejects(new StoreError('unavailable', 'disk full'));

    const reply = await ask(TABLE_QUESTION);

    assert.deepEqual(buttons(cardOf(reply)), { feedback: true, download: true }, 'as first sent');
    const [edit] = updates();
    assert.ok(edit, 'the message was edited');
    assert.equal(edit.activityId, reply.id);
    assert.deepEqual(buttons(cardOf(edit.activity)), { feedback: true, download: false });
    const record = await store.findResponseByActivityId(thread.conversationId, String(reply.id));
    assert.deepEqual(record?.card, cardOf(edit.activity), 'the record keeps the card as it now stands');
  });

  it('when a table answer is stored, then its CSV, its record and its audit entry are written together, not one after the other', async () => {
    const store = harness.server.store;
    const saveExport = store.saveExport.bind(store);
    let exportPending = false;
    let recordWhileExportPending = false;
    let exportDone = false;
    let auditBeforeExportDone = false;
    sandbox.stub(store, 'saveExport').callsFake(async (record) => {
      exportPending = true;
      // Held until the record's write has had every chance to start.
      await new Promise((resolve) => setTimeout(resolve, 50));
      exportPending = false;
      await saveExport(record);
      exportDone = true;
    });
    const saveResponse = store.saveResponse.bind(store);
    sandbox.stub(store, 'saveResponse').callsFake(async (record: ResponseRecord) => {
      recordWhileExportPending ||= exportPending;
      return saveResponse(record);
    });
    const appendAudit = store.appendAudit.bind(store);
    sandbox.stub(store, 'appendAudit').callsFake(async (record: AuditRecord) => {
      auditBeforeExportDone ||= !exportDone;
      return appendAudit(record);
    });

    const reply = await ask(TABLE_QUESTION);

    assert.ok(recordWhileExportPending, 'the record was written while the CSV was still being written');
    assert.ok(auditBeforeExportDone, 'the audit entry was asked for before the CSV had been written');
    const record = await store.findResponseByActivityId(thread.conversationId, String(reply.id));
    assert.deepEqual(record?.card, cardOf(reply));
    assert.equal(updates().length, 0, 'nothing to mend');
  });

  it('when neither the CSV nor the record as it now stands can be stored, then the answer is edited without either', async () => {
    const store = harness.server.store;
    sandbox.stub(store, 'saveExport').rejects(new StoreError('unavailable', 'disk full'));
    const saveResponse = store.saveResponse.bind(store);
    // The first write (the card as sent, with its button) goes through; the second (without it) does not.
    sandbox
      .stub(store, 'saveResponse')
      .onFirstCall()
      .callsFake((record: ResponseRecord) => saveResponse(record))
      .onSecondCall()
      .rejects(new StoreError('unavailable', 'disk full'));

    const reply = await ask(TABLE_QUESTION);

    const [edit] = updates();
    assert.ok(edit, 'the message was edited');
    assert.equal(edit.activityId, reply.id);
    assert.deepEqual(buttons(cardOf(edit.activity)), { feedback: false, download: false });
  });

  it('when the response record cannot be stored, then the answer stands and is edited without 👍 / 👎', async () => {
    sandbox.stub(harness.server.store, 'saveResponse').rejects(new StoreError('unavailable', 'disk full'));

    const reply = await ask(TABLE_QUESTION);

    assert.match(JSON.stringify(cardOf(reply)), /sign-ins/i, 'the answer itself arrived');
    const [edit] = updates();
    assert.ok(edit, 'the message was edited');
    assert.deepEqual(buttons(cardOf(edit.activity)), { feedback: false, download: true });
  });

  it('when the whole store is down, then the answer still arrives without its buttons, followed by an apology', async () => {
    const down = () => Promise.reject(new StoreError('unavailable', 'disk full'));
    for (const write of ['saveResponse', 'saveExport', 'appendAudit'] as const)
      sandbox.stub(harness.server.store, write).callsFake(down);

    const [answer, apology] = await harness.ask(message(thread, DEMO.alex, TABLE_QUESTION), 2);

    assert.match(JSON.stringify(cardOf(answer)), /sign-ins/i, 'the answer itself arrived');
    const [edit] = updates();
    assert.ok(edit, 'the message was edited');
    assert.equal(edit.activityId, answer.id);
    assert.deepEqual(buttons(cardOf(edit.activity)), { feedback: false, download: false });
    assert.match(
      String(apology.text),
      /something went wrong on my side/,
      'the audit entry could not be written',
    );
  });

  it('when the store fails with something other than a store error, then the turn fails loudly', async () => {
    sandbox.stub(harness.server.store, 'saveResponse').rejects(new TypeError('a bug'));
    const before = updates().length;

    const replies = await harness.ask(message(thread, DEMO.alex, `details for ${KARITA}`), 2);

    assert.equal(updates().length, before, 'no quiet mending of a bug');
    assert.match(String(replies[1].text), /something went wrong on my side/);
  });
});
