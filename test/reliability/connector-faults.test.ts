import { strict as assert } from 'node:assert';

import { DEMO, channelThread, groupChat, message } from '../helpers/activities';
import type { ConnectorFailure } from '../helpers/connector';
import { cardOf, startHarness, textOf, type Harness } from '../helpers/warden';

const KARITA = 'karita@woodgrovebank.com';
const SENDS_PER_SECOND = 7;
/** The connector stamps a call when its body has arrived, not when the bot sent it: a little HTTP jitter is allowed. */
const JITTER_MS = 50;
/**
 * Pacing counts from when a send completed, which is after the connector stamped it, so the window holds at the
 * connector's end to the millisecond; the slack is only for timer rounding.
 */
const TIMER_SLACK_MS = 5;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('@e2e Replies when Teams refuses or drops sends (429, 502, 503, 504, resets) and under a burst', function () {
  this.timeout(30_000);
  let harness: Harness;

  before(async () => {
    // Only the connector misbehaves here; no answer should be slow enough to show a progress placeholder first.
    // Every chat answer has a typing indicator (TYPING_AFTER_MS 0), so that the group chat's pacing counts them too.
    harness = await startHarness({ PROGRESS_AFTER_MS: '60000', TYPING_AFTER_MS: '0' });
  });

  after(async () => {
    await harness?.stop();
  });

  afterEach(() => {
    harness.connector.failures = [];
  });

  /** Asks in a fresh channel thread (no typing indicator there), so every refused call is the answer itself. */
  const askThroughFailures = async (failures: ConnectorFailure[]) => {
    const thread = channelThread(harness.serviceUrl);
    harness.connector.refused.length = 0;
    harness.connector.failures = [...failures];
    const question = message(thread, DEMO.alex, `who is ${KARITA}`);
    const started = Date.now();
    const [reply] = await harness.ask(question);
    const arrivedAt = Date.now();
    // Anything sent twice would arrive within the retry delays just measured; wait a little for a duplicate.
    await sleep(300);
    return {
      thread,
      question,
      reply,
      elapsed: arrivedAt - started,
      refused: [...harness.connector.refused],
      messages: harness.connector.messages(thread.conversationId),
    };
  };

  const assertAnsweredOnce = (result: Awaited<ReturnType<typeof askThroughFailures>>) => {
    assert.equal(result.messages.length, 1, 'exactly one message in the thread: no duplicate, no apology');
    assert.equal(result.reply.replyToId, result.question.id);
    assert.match(textOf(cardOf(result.reply)), new RegExp(KARITA));
    assert.equal(harness.connector.failures.length, 0, 'every injected failure was met');
  };

  /** Every call the connector accepted for a conversation (typing included), by arrival time. */
  const sendTimes = (conversationId: string) =>
    harness.connector.calls
      .filter((call) => call.conversationId === conversationId)
      .map((call) => call.at)
      .sort((a, b) => a - b);

  /** Any 8 consecutive sends span at least a second: no one-second window holds more than 7. */
  const assertPaced = (sends: number[]) => {
    for (let index = SENDS_PER_SECOND; index < sends.length; index += 1) {
      const span = sends[index] - sends[index - SENDS_PER_SECOND];
      assert.ok(
        span >= 1000 - TIMER_SLACK_MS,
        `sends ${index - SENDS_PER_SECOND + 1}..${index + 1} went out within ${span} ms: more than ${SENDS_PER_SECOND} in a second`,
      );
    }
  };

  /** Posts every question at once and waits for as many answers. */
  const burst = async (conversationId: string, questions: ReturnType<typeof message>[]) => {
    const responses = await Promise.all(questions.map((question) => harness.post(question)));
    assert.deepEqual(
      responses.map((response) => response.status),
      questions.map(() => 200),
    );
    await harness.connector.waitFor(
      () => harness.connector.messages(conversationId).length >= questions.length,
      20_000,
    );
    await sleep(300);
    const answers = harness.connector.messages(conversationId);
    assert.deepEqual(
      answers.map((reply) => reply.replyToId).sort(),
      questions.map((question) => question.id).sort(),
      'one answer per question, none twice',
    );
  };

  it('when Teams answers 429 with Retry-After: 1, then the answer is sent again no sooner than a second later, once', async () => {
    const result = await askThroughFailures([{ status: 429, retryAfter: '1' }]);
    assertAnsweredOnce(result);
    assert.equal(result.refused.length, 1);
    const accepted = harness.connector.calls.find(
      (call) => call.conversationId === result.thread.conversationId && call.activity.type === 'message',
    )!;
    assert.ok(
      accepted.at - result.refused[0].at >= 1000 - JITTER_MS,
      `retried ${accepted.at - result.refused[0].at} ms after the 429`,
    );
  });

  it('when Teams answers 429 without Retry-After twice, then Warden backs off on its own and the answer arrives once', async () => {
    const result = await askThroughFailures([{ status: 429 }, { status: 429 }]);
    assertAnsweredOnce(result);
    assert.deepEqual(
      result.refused.map((call) => call.status),
      [429, 429],
    );
    assert.ok(result.elapsed < 10_000, `answered in ${result.elapsed} ms`);
  });

  it('when Teams answers 502 and then 504, then the answer is retried through both and arrives once', async () => {
    const result = await askThroughFailures([{ status: 502 }, { status: 504 }]);
    assertAnsweredOnce(result);
    assert.deepEqual(
      result.refused.map((call) => call.status),
      [502, 504],
    );
    assert.ok(result.elapsed < 5_000, `answered in ${result.elapsed} ms`);
  });

  it('when the connection to Teams drops twice before an answer, then the send is retried and arrives once', async () => {
    const result = await askThroughFailures([
      { status: 0, reset: true },
      { status: 0, reset: true },
    ]);
    assertAnsweredOnce(result);
    assert.equal(result.refused.length, 2);
  });

  it('when Teams answers 429, 502, 504 and 429 with Retry-After in a row, then the answer still arrives once', async () => {
    const result = await askThroughFailures([
      { status: 429 },
      { status: 502 },
      { status: 504 },
      { status: 429, retryAfter: '1' },
    ]);
    assertAnsweredOnce(result);
    assert.equal(result.refused.length, 4);
  });

  it('when Teams keeps answering 503, then the answer and the apology are each tried five times, no more, and the turn ends in seconds', async () => {
    const thread = channelThread(harness.serviceUrl);
    harness.connector.refused.length = 0;
    harness.connector.failures = Array.from({ length: 40 }, () => ({ status: 503 }));
    const started = Date.now();
    const { status } = await harness.post(message(thread, DEMO.alex, `who is ${KARITA}`));
    const elapsed = Date.now() - started;
    assert.equal(status, 200);
    // Five attempts with backoff for the answer, then the same for the apology: no retries stacked beneath them.
    assert.equal(
      harness.connector.refused.length,
      10,
      `${harness.connector.refused.length} requests refused`,
    );
    assert.ok(elapsed < 10_000, `the turn held on for ${elapsed} ms`);
    assert.equal(harness.connector.messages(thread.conversationId).length, 0);

    harness.connector.failures = [];
    const [reply] = await harness.ask(message(thread, DEMO.alex, `who is ${KARITA}`));
    assert.match(textOf(cardOf(reply)), new RegExp(KARITA), 'answered once Teams is back');
  });

  it('when sixteen questions arrive at once in one thread, then each is answered once and no second holds more than 7 sends', async () => {
    const thread = channelThread(harness.serviceUrl);
    const questions = Array.from({ length: 16 }, () => message(thread, DEMO.alex, `who is ${KARITA}`));
    await burst(thread.conversationId, questions);
    const sends = sendTimes(thread.conversationId);
    assert.equal(sends.length, questions.length, 'nothing but the answers (no typing in channels)');
    assertPaced(sends);
  });

  it('when six questions arrive at once in a group chat, then typing indicators and answers together keep to 7 sends a second', async () => {
    const chat = groupChat(harness.serviceUrl);
    const questions = Array.from({ length: 6 }, () => message(chat, DEMO.alex, `who is ${KARITA}`));
    await burst(chat.conversationId, questions);
    const sends = sendTimes(chat.conversationId);
    assert.equal(sends.length, 2 * questions.length, 'a typing indicator and an answer per question');
    assertPaced(sends);
  });
});
