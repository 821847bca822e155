import { strict as assert } from 'node:assert';

import { DEMO, message, personalChat } from '../helpers/activities';
import { startHarness, type Harness } from '../helpers/warden';

/**
 * The typing indicator is sent while the answer is worked on, once it has taken TYPING_AFTER_MS (0 here, so that every
 * answer has one); the answer must still never overtake it, even when Teams holds the indicator back.
 */
describe('typing indicator', () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness({ TYPING_AFTER_MS: '0' });
  });

  after(async () => {
    await harness.stop();
  });

  it('when Teams throttles the typing indicator, then the answer waits for it and still comes second', async () => {
    const where = personalChat(harness.serviceUrl);
    harness.connector.failures.push({ status: 429, retryAfter: '1' });
    const started = Date.now();
    await harness.ask(message(where, DEMO.alex, 'Give me all user details for karita@woodgrovebank.com'));
    const calls = harness.connector.calls.filter((call) => call.conversationId === where.conversationId);
    assert.deepEqual(
      calls.map((call) => call.activity.type),
      ['typing', 'message'],
    );
    assert.ok(calls[1].at >= calls[0].at, 'the answer arrived after the typing indicator');
    assert.ok(Date.now() - started >= 1000, 'the typing indicator was retried after Retry-After');
  });

  it('when the typing indicator is refused for good, then the question is still answered', async () => {
    const where = personalChat(harness.serviceUrl);
    harness.connector.failures.push({ status: 403 });
    const [answer] = await harness.ask(
      message(where, DEMO.alex, 'Give me all user details for karita@woodgrovebank.com'),
    );
    assert.equal(answer.type, 'message');
    assert.ok(JSON.stringify(answer.attachments).includes('7b0c2f4e-5d8a-4e3b-9a61-3c2f1e0d9b88'));
  });
});

describe('typing indicator, by default (TYPING_AFTER_MS 500)', () => {
  let harness: Harness;

  before(async () => {
    harness = await startHarness();
  });

  after(async () => {
    await harness.stop();
  });

  afterEach(() => harness.server.demoTenant?.setFaults([]));

  const typesIn = (conversationId: string) =>
    harness.connector.calls.filter((call) => call.conversationId === conversationId);

  it('when Graph takes a second to answer, then typing shows after half a second and the answer follows', async () => {
    harness.server.demoTenant?.setFaults([{ kind: 'slow', path: '/users', delayMs: 1000 }]);
    const where = personalChat(harness.serviceUrl);
    const started = Date.now();
    await harness.ask(message(where, DEMO.alex, 'Give me all user details for karita@woodgrovebank.com'));
    const calls = typesIn(where.conversationId);
    assert.deepEqual(
      calls.map((call) => call.activity.type),
      ['typing', 'message'],
    );
    const typingAfter = calls[0].at - started;
    assert.ok(typingAfter >= 450 && typingAfter < 1000, `typing after ${typingAfter} ms`);
  });

  it('when the answer comes at once, then it comes alone', async () => {
    const where = personalChat(harness.serviceUrl);
    await harness.ask(message(where, DEMO.alex, 'Give me all user details for karita@woodgrovebank.com'));
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.deepEqual(
      typesIn(where.conversationId).map((call) => call.activity.type),
      ['message'],
    );
  });
});
