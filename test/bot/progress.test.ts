import { strict as assert } from 'node:assert';

import { DEMO, channelThread, groupChat, message, personalChat, type Where } from '../helpers/activities';
import type { ConnectorCall } from '../helpers/connector';
import { cardOf, startHarness, textOf, type Harness } from '../helpers/warden';

const HEAVY = 'heavy.user@woodgrovebank.com';
const KARITA = 'karita@woodgrovebank.com';
const SIGN_INS_48H = (upn: string) => `sign-in logs for ${upn} for the past 48 hours in a table`;

/** Teams' stream info, from the `streaminfo` entity of an activity (or undefined when it has none). */
const streamInfo = (activity: Record<string, unknown>) =>
  ((activity.entities ?? []) as Record<string, unknown>[]).find((entity) => entity.type === 'streaminfo');

const callsIn = (harness: Harness, where: Where): ConnectorCall[] =>
  harness.connector.calls.filter((call) => call.conversationId === where.conversationId);

/** Lets the bot finish anything it would still send after the reply (there must be nothing). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 400));

describe('@e2e progress on long answers', function () {
  this.timeout(30_000);

  describe('when Graph is slow (each sign-in page takes 500 ms, the heavy user has 5 pages)', () => {
    let harness: Harness;

    before(async () => {
      harness = await startHarness({ PROGRESS_AFTER_MS: '1200', DEMO_TENANT_SCALE: 'heavy=5000' });
    });

    beforeEach(() => {
      harness.server.demoTenant?.setFaults([{ kind: 'slow', path: '/auditLogs/signIns', delayMs: 500 }]);
    });

    afterEach(() => {
      harness.server.demoTenant?.setFaults([]);
      harness.connector.failures = [];
    });

    after(async () => {
      await harness?.stop();
    });

    it('when asked in a channel thread, then a placeholder with the row count is posted, then replaced in place by the answer card', async () => {
      const thread = channelThread(harness.serviceUrl);
      const activity = message(thread, DEMO.alex, SIGN_INS_48H(HEAVY));
      const [placeholder] = await harness.ask(activity);
      assert.match(String(placeholder.text), /^Scanning sign-in logs… [\d,]+ rows$/);
      assert.ok(!placeholder.attachments, 'the placeholder is text, not yet the card');
      assert.equal(placeholder.replyToId, activity.id, 'in the thread');
      const id = String(placeholder.id);
      await harness.connector.waitFor(() =>
        callsIn(harness, thread).some((call) => call.method === 'update' && !!call.activity.attachments),
      );
      await settle();
      const calls = callsIn(harness, thread);
      assert.equal(harness.connector.messages(thread.conversationId).length, 1, 'one message in the thread');
      const updates = calls.filter((call) => call.method === 'update');
      assert.ok(
        updates.every((call) => call.activityId === id),
        'every update edits the placeholder',
      );
      const final = updates[updates.length - 1].activity;
      const text = textOf(cardOf(final));
      assert.match(text, /Sign-in logs/);
      assert.match(text, /[\d,]+ sign-ins in the last 2 days/);
      assert.equal(calls[calls.length - 1].method, 'update', 'nothing after the answer');
      // Teams' own feedback buttons name the message: it must lead back to this answer.
      const record = await harness.server.store.findResponseByActivityId(thread.conversationId, id);
      assert.equal(record?.intent, 'user.signIns');
    });

    it('when asked in a group chat, then it is the same placeholder edited into the answer', async () => {
      const chat = groupChat(harness.serviceUrl);
      const [placeholder] = await harness.ask(message(chat, DEMO.alex, SIGN_INS_48H(HEAVY)));
      assert.match(String(placeholder.text), /^Scanning sign-in logs…/);
      await harness.connector.waitFor(() =>
        callsIn(harness, chat).some((call) => call.method === 'update' && !!call.activity.attachments),
      );
      assert.equal(harness.connector.messages(chat.conversationId).length, 1);
    });

    it('when Teams refuses the placeholder, then the answer still comes, as the one reply', async () => {
      const thread = channelThread(harness.serviceUrl);
      harness.connector.failures = [{ status: 403 }];
      const [reply] = await harness.ask(message(thread, DEMO.alex, SIGN_INS_48H(HEAVY)));
      await settle();
      assert.match(textOf(cardOf(reply)), /[\d,]+ sign-ins in the last 2 days/);
      assert.deepEqual(
        callsIn(harness, thread).map((call) => call.method),
        ['reply'],
      );
    });

    it('when the placeholder can no longer be edited, then the answer is posted as a new reply', async () => {
      // Karita's sign-ins are one slow page: the answer is the only edit, and it is the one that fails.
      harness.server.demoTenant?.setFaults([
        { kind: 'slow', path: '/auditLogs/signIns', delayMs: 2500, times: 1 },
      ]);
      const thread = channelThread(harness.serviceUrl);
      // The POST returns only when the turn is over, so the failure is armed while it is still running.
      const turn = harness.post(message(thread, DEMO.alex, SIGN_INS_48H(KARITA)));
      await harness.connector.waitFor(() => harness.connector.messages(thread.conversationId).length === 1);
      const [placeholder] = harness.connector.messages(thread.conversationId);
      assert.match(String(placeholder.text), /^Scanning sign-in logs…/);
      harness.connector.failures = [{ status: 404 }];
      assert.equal((await turn).status, 200);
      await harness.connector.waitFor(() => harness.connector.messages(thread.conversationId).length === 2);
      const [, answer] = harness.connector.messages(thread.conversationId);
      assert.match(textOf(cardOf(answer)), /[\d,]+ sign-ins in the last 2 days/);
    });

    it('when asked in a personal chat, then an informative stream update shows the scan and the answer ends that stream', async () => {
      const chat = personalChat(harness.serviceUrl);
      const [final] = await harness.ask(message(chat, DEMO.alex, SIGN_INS_48H(HEAVY)));
      await settle();
      const calls = callsIn(harness, chat);
      const informative = calls.filter((call) => streamInfo(call.activity)?.streamType === 'informative');
      assert.ok(informative.length >= 1, 'at least one informative update');
      const [first, ...later] = informative.map((call) => call.activity);
      assert.equal(first.type, 'typing');
      assert.match(String(first.text), /^Scanning sign-in logs…/);
      assert.deepEqual(streamInfo(first), {
        type: 'streaminfo',
        streamType: 'informative',
        streamSequence: 1,
      });
      assert.deepEqual(first.channelData, { streamType: 'informative', streamSequence: 1 });
      const streamId = String(first.id);
      later.forEach((update, index) => {
        assert.equal(update.type, 'typing');
        assert.deepEqual(streamInfo(update), {
          type: 'streaminfo',
          streamId,
          streamType: 'informative',
          streamSequence: index + 2,
        });
        assert.match(String(update.text), /^Scanning sign-in logs… [\d,]+ rows$/);
      });
      assert.equal(final.type, 'message');
      assert.deepEqual(streamInfo(final), { type: 'streaminfo', streamId, streamType: 'final' });
      assert.equal((final.channelData as Record<string, unknown>).streamId, streamId);
      assert.equal((final.channelData as Record<string, unknown>).streamType, 'final');
      assert.match(textOf(cardOf(final)), /[\d,]+ sign-ins in the last 2 days/);
      assert.equal(
        harness.connector.messages(chat.conversationId).length,
        1,
        'the answer is the only message',
      );
      assert.ok(
        calls.every((call) => call.method !== 'update'),
        'streams are not edited with updateActivity',
      );
    });

    it('when a slow question fails at Graph, then the placeholder becomes the explanation, not a second message', async () => {
      // Throttled on every attempt: the gateway honours Retry-After three times (~3 s), then gives up.
      harness.server.demoTenant?.setFaults([
        { kind: 'throttle', path: '/auditLogs/signIns', retryAfterSeconds: 1 },
      ]);
      const thread = channelThread(harness.serviceUrl);
      const [placeholder] = await harness.ask(message(thread, DEMO.alex, SIGN_INS_48H(KARITA)));
      await harness.connector.waitFor(() =>
        callsIn(harness, thread).some((call) => call.method === 'update' && !!call.activity.attachments),
      );
      await settle();
      const update = callsIn(harness, thread)
        .filter((call) => call.method === 'update')
        .pop();
      assert.equal(update?.activityId, String(placeholder.id));
      assert.match(textOf(cardOf(update!.activity)), /Warden could not answer/);
      assert.equal(harness.connector.messages(thread.conversationId).length, 1);
    });
  });

  describe('when the demo tenant answers at its normal pace', () => {
    let harness: Harness;

    before(async () => {
      harness = await startHarness();
    });

    after(async () => {
      await harness?.stop();
    });

    it('when asked in a channel, then exactly one reply is sent: no placeholder, no edit', async () => {
      const thread = channelThread(harness.serviceUrl);
      const [reply] = await harness.ask(message(thread, DEMO.alex, SIGN_INS_48H(KARITA)));
      await settle();
      assert.match(textOf(cardOf(reply)), /Sign-in logs/);
      const calls = callsIn(harness, thread);
      assert.deepEqual(
        calls.map((call) => call.method),
        ['reply'],
      );
    });

    it('when asked in a personal chat, then the answer is sent, and nothing is streamed', async () => {
      const chat = personalChat(harness.serviceUrl);
      const [reply] = await harness.ask(message(chat, DEMO.alex, SIGN_INS_48H(KARITA)));
      await settle();
      const calls = callsIn(harness, chat);
      // A typing indicator too, should this answer take longer than TYPING_AFTER_MS on a loaded machine.
      assert.deepEqual(
        calls.map((call) => call.activity.type).filter((type) => type !== 'typing'),
        ['message'],
      );
      assert.ok(calls.every((call) => streamInfo(call.activity) === undefined));
      assert.equal(streamInfo(reply), undefined);
      assert.equal((reply.channelData as Record<string, unknown> | undefined)?.streamType, undefined);
    });
  });
});
