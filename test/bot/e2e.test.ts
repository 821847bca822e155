import { strict as assert } from 'node:assert';

import {
  DEMO,
  cardAction,
  channelThread,
  groupChat,
  installationUpdate,
  message,
  personalChat,
  type Where,
} from '../helpers/activities';
import { actionsOf, cardOf, graphAll, graphGet, startHarness, textOf, type Harness } from '../helpers/warden';

const KARITA = 'karita@woodgrovebank.com';

describe('@e2e Warden over HTTP, the way Teams talks to it', function () {
  this.timeout(30_000);
  let harness: Harness;
  let origin: string;
  let karitaId: string;

  before(async () => {
    harness = await startHarness();
    origin = harness.server.graph.baseUrl;
    karitaId = (await graphGet<{ id: string }>(origin, `/users/${KARITA}`)).id;
  });

  after(async () => {
    await harness?.stop();
  });

  describe('the seed prompts in an incident channel thread', () => {
    let thread: Where;
    before(() => {
      thread = channelThread(harness.serviceUrl);
    });

    it('when Alex asks for user details with an @mention, then the reply lands in the thread with the Object ID and feedback buttons', async () => {
      const activity = message(
        thread,
        DEMO.alex,
        'Give me all user details for karita@woodgrovebank.com and extract the user Object ID.',
      );
      const [reply] = await harness.ask(activity);
      assert.equal((reply.conversation as { id: string }).id, thread.conversationId);
      assert.equal(reply.replyToId, activity.id);
      const card = cardOf(reply);
      const text = textOf(card);
      assert.match(text, new RegExp(KARITA));
      assert.match(text, /Object ID/);
      assert.ok(text.includes(karitaId), 'the Object ID the demo tenant holds');
      assert.equal(card.version, '1.5');
      assert.deepEqual(
        actionsOf(card)
          .map((action) => action.verb)
          .filter((verb) => verb.startsWith('feedback.')),
        ['feedback.like', 'feedback.dislike'],
      );
    });

    it('when asked about registered devices, then the card lists the devices the demo tenant holds for her', async () => {
      const devices = await graphAll<{ displayName: string }>(origin, `/users/${karitaId}/registeredDevices`);
      const [reply] = await harness.ask(
        message(
          thread,
          DEMO.alex,
          'Does karita@woodgrovebank.com have any registered devices in Microsoft Entra?',
        ),
      );
      const text = textOf(cardOf(reply));
      assert.ok(devices.length > 0, 'the story gives Karita devices');
      for (const device of devices)
        assert.ok(text.includes(device.displayName), `${device.displayName} on the card`);
    });

    it('when asked for recent risky sign-ins, then the attacker IP of her high-risk sign-in is on the card', async () => {
      const risky = await graphAll<{ ipAddress: string; riskLevelDuringSignIn: string }>(
        origin,
        `/auditLogs/signIns?$filter=userId eq '${karitaId}' and riskLevelDuringSignIn eq 'high'`,
      );
      assert.ok(risky.length > 0, 'the story has high-risk sign-ins');
      const [reply] = await harness.ask(
        message(thread, DEMO.alex, 'List the recent risky sign-ins for karita@woodgrovebank.com.'),
      );
      const text = textOf(cardOf(reply));
      assert.ok(text.includes(risky[0].ipAddress), `attacker IP ${risky[0].ipAddress}`);
      assert.match(text, /highest risk: high/);
    });

    it('when asked for 48 hours of sign-in logs in a table, then the totals are exactly what the tenant holds for that window', async () => {
      const since = new Date(Date.now() - 48 * 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const signIns = await graphAll<{ status: { errorCode: number } }>(
        origin,
        `/auditLogs/signIns?$filter=userId eq '${karitaId}' and createdDateTime ge ${since}`,
      );
      const failed = signIns.filter((signIn) => signIn.status.errorCode !== 0).length;
      const [reply] = await harness.ask(
        message(
          thread,
          DEMO.alex,
          'Can you give me sign-in logs for karita@woodgrovebank.com for the past 48 hours? Put this information in a table format.',
        ),
      );
      const card = cardOf(reply);
      const text = textOf(card);
      assert.match(
        text,
        new RegExp(
          `${signIns.length.toLocaleString('en-US')} sign-ins? in the last 2 days: ${failed} failed`,
        ),
      );
      assert.ok(JSON.stringify(card).includes('"type":"Table"'), 'a table');
    });

    it('when asked for 72 hours of audit logs in a table, then the attacker-registered method appears', async () => {
      const [reply] = await harness.ask(
        message(
          thread,
          DEMO.alex,
          'Get Microsoft Entra audit logs for karita@woodgrovebank.com for the past 72 hours. Put information in table format.',
        ),
      );
      const text = textOf(cardOf(reply));
      assert.match(text, /audit entr(y|ies) in the last 3 days/);
      assert.match(text, /User registered security info/);
    });

    it('when a follow-up in the same thread names no one, then it is about the thread subject', async () => {
      const [reply] = await harness.ask(
        message(thread, DEMO.alex, 'and her audit logs for the past 24 hours?'),
      );
      const text = textOf(cardOf(reply));
      assert.match(text, /Audit logs/);
      assert.ok(text.includes(KARITA));
    });
  });

  it('when a follow-up comes in a new thread that has no subject, then Warden asks which user instead of guessing', async () => {
    const [reply] = await harness.ask(
      message(channelThread(harness.serviceUrl), DEMO.alex, 'what about her devices'),
    );
    assert.match(textOf(cardOf(reply)), /Which user/);
  });

  it('when Alex chats privately without a mention, then the answer comes, with no typing indicator as it comes at once', async () => {
    const chat = personalChat(harness.serviceUrl);
    const [reply] = await harness.ask(message(chat, DEMO.alex, `who is ${KARITA}`));
    assert.ok(textOf(cardOf(reply)).includes(karitaId));
    const calls = harness.connector.calls.filter((call) => call.conversationId === chat.conversationId);
    assert.deepEqual(
      calls.map((call) => call.activity.type),
      ['message'],
    );
  });

  it('when mentioned in a group chat, then it answers there', async () => {
    const [reply] = await harness.ask(
      message(groupChat(harness.serviceUrl), DEMO.alex, `devices for ${KARITA}`),
    );
    assert.match(textOf(cardOf(reply)), /Devices/);
  });

  it('when Megan (not a responder) asks, then she is refused and Graph is never asked about Karita', async () => {
    harness.server.demoTenant?.requestLog.clear();
    const [reply] = await harness.ask(
      message(channelThread(harness.serviceUrl), DEMO.megan, `sign-in logs for ${KARITA}`),
    );
    assert.match(textOf(cardOf(reply)), /Not allowed/);
    assert.equal(harness.server.demoTenant?.requestLog.entries().length, 0);
  });

  it('when Warden is installed (both install events), then it welcomes once', async () => {
    const chat = personalChat(harness.serviceUrl);
    await harness.post(installationUpdate(chat, DEMO.alex));
    await harness.post({
      ...installationUpdate(chat, DEMO.alex),
      type: 'conversationUpdate',
      membersAdded: [DEMO.bot],
    });
    await harness.connector.waitFor(() => harness.connector.messages(chat.conversationId).length >= 1);
    assert.equal(harness.connector.messages(chat.conversationId).length, 1);
  });

  it('when asked something outside its skills, then it says so and offers the closest skills', async () => {
    const [reply] = await harness.ask(message(personalChat(harness.serviceUrl), DEMO.alex, 'tell me a joke'));
    const card = cardOf(reply);
    assert.match(textOf(card), /can't answer that/);
    assert.ok(actionsOf(card).some((action) => action.verb === 'ask'));
  });

  it('when a name matches several people, then Warden asks which one, and answers about the chosen one', async () => {
    const chat = personalChat(harness.serviceUrl);
    const [reply] = await harness.ask(message(chat, DEMO.alex, 'user details for Ben'));
    const choices = actionsOf(cardOf(reply)).filter((action) => action.verb === 'user.choose');
    assert.ok(choices.length >= 2, 'several Bens');
    const { status, body } = await harness.post(
      cardAction(chat, DEMO.alex, 'user.choose', choices[1].data, String(reply.id)),
    );
    assert.equal(status, 200);
    assert.equal((body as { statusCode: number }).statusCode, 200);
    await harness.connector.waitFor(() => harness.connector.messages(chat.conversationId).length >= 2);
    const answer = harness.connector.messages(chat.conversationId)[1];
    assert.ok(textOf(cardOf(answer)).includes(String(choices[1].data.userId)));
  });

  it('when 👍 then Submit with shared samples, then the card refreshes to the form, then thanks, and the store keeps the record', async () => {
    const chat = personalChat(harness.serviceUrl);
    const [reply] = await harness.ask(message(chat, DEMO.alex, `who is ${KARITA}`));
    const like = actionsOf(cardOf(reply)).find((action) => action.verb === 'feedback.like')!;
    const form = await harness.post(
      cardAction(chat, DEMO.alex, 'feedback.like', like.data, String(reply.id)),
    );
    const formCard = (form.body as { value: unknown }).value;
    assert.match(textOf(formCard), /What did you like\?/);
    const submitted = await harness.post(
      cardAction(
        chat,
        DEMO.alex,
        'feedback.submit',
        { ...like.data, reaction: 'like', text: 'Object ID up front', share: 'yes' },
        String(reply.id),
      ),
    );
    assert.match(textOf((submitted.body as { value: unknown }).value), /Thanks for your feedback/);
    const records = [];
    for await (const record of harness.server.store.listFeedback()) records.push(record);
    const mine = records.find((record) => record.responseId === like.data.responseId);
    assert.ok(mine);
    assert.equal(mine.reaction, 'like');
    assert.equal(mine.text, 'Object ID up front');
    assert.match(mine.prompt ?? '', /who is karita/);
  });

  it('when Alex asks to revoke sessions, then only Adele can confirm, once, and the tenant changes', async () => {
    const thread = channelThread(harness.serviceUrl);
    const [confirm] = await harness.ask(message(thread, DEMO.alex, `revoke all sessions for ${KARITA}`));
    const card = cardOf(confirm);
    assert.match(textOf(card), /Revoke all sign-in sessions/);
    const yes = actionsOf(card).find((action) => action.verb === 'action.confirm')!;
    const before = await graphGet<{ signInSessionsValidFromDateTime?: string }>(
      origin,
      `/users/${karitaId}?$select=signInSessionsValidFromDateTime`,
    );

    const byAlex = await harness.post(
      cardAction(thread, DEMO.alex, 'action.confirm', yes.data, String(confirm.id)),
    );
    assert.match(textOf((byAlex.body as { value: unknown }).value), /only remediators/);
    const unchanged = await graphGet<{ signInSessionsValidFromDateTime?: string }>(
      origin,
      `/users/${karitaId}?$select=signInSessionsValidFromDateTime`,
    );
    assert.equal(unchanged.signInSessionsValidFromDateTime, before.signInSessionsValidFromDateTime);

    const byAdele = await harness.post(
      cardAction(thread, DEMO.adele, 'action.confirm', yes.data, String(confirm.id)),
    );
    assert.match(textOf((byAdele.body as { value: unknown }).value), /Done: revoke sessions/);
    const after = await graphGet<{ signInSessionsValidFromDateTime?: string }>(
      origin,
      `/users/${karitaId}?$select=signInSessionsValidFromDateTime`,
    );
    assert.notEqual(after.signInSessionsValidFromDateTime, before.signInSessionsValidFromDateTime);
    assert.ok(
      harness.connector.calls.some(
        (call) => call.method === 'update' && call.activityId === String(confirm.id),
      ),
      'updated for everyone',
    );

    const again = await harness.post(
      cardAction(thread, DEMO.adele, 'action.confirm', yes.data, String(confirm.id)),
    );
    assert.match(textOf((again.body as { value: unknown }).value), /already handled/);
  });

  it('when a card action has an unknown verb, then the invoke gets an explicit error', async () => {
    const { status, body } = await harness.post(
      cardAction(personalChat(harness.serviceUrl), DEMO.alex, 'drop.tables', {}),
    );
    // botbuilder sends the card response's statusCode as the HTTP status too.
    assert.equal(status, 400);
    assert.equal((body as { statusCode: number }).statusCode, 400);
  });

  it('when the body is not JSON or too large, then the request is refused with a 4xx and the next message is answered', async () => {
    const bad = await fetch(`${harness.server.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"type":',
    });
    assert.ok(bad.status >= 400 && bad.status < 500, `status ${bad.status}`);
    const huge = await fetch(`${harness.server.url}/api/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(message(personalChat(harness.serviceUrl), DEMO.alex, 'x'.repeat(1_000_000))),
    });
    assert.equal(huge.status, 413);
    const [reply] = await harness.ask(message(personalChat(harness.serviceUrl), DEMO.alex, 'help'));
    assert.match(textOf(cardOf(reply)), /What Warden can do/);
  });
});
