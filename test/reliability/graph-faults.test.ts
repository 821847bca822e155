import { strict as assert } from 'node:assert';

import { DEMO, channelThread, message } from '../helpers/activities';
import { cardOf, startHarness, textOf, type Harness } from '../helpers/warden';

const KARITA = 'karita@woodgrovebank.com';
const WHO_IS_KARITA = `who is ${KARITA}`;
/** The one Graph request of this question is `GET /identityProtection/riskyUsers` (ID Protection: no Retry-After). */
const RISKY_USERS = 'Who are the high-risk users right now?';
/** What the issue promises a person in the channel: the answer, or a card saying why not, within 30 s. */
const ANSWER_BOUND_MS = 30_000;
/** Small knobs so that every fault plays out in seconds; the retry count is the default. */
const TIMEOUT_MS = 1000;
const MAX_RETRIES = 3;
const QUICK_GRAPH = {
  GRAPH_TIMEOUT_MS: String(TIMEOUT_MS),
  GRAPH_RETRY_BASE_MS: '50',
  GRAPH_MAX_RETRIES: String(MAX_RETRIES),
};

/**
 * The demo tenant's log of requests to a path (batch items included, marked) that arrived since `since`, in order of
 * arrival. The log stamps a request when it arrives but writes it when it is answered, so a slow request from an
 * earlier test may still land; the arrival time keeps it out.
 */
const loggedSince = async (origin: string, prefix: string, since: number): Promise<LoggedRequest[]> => {
  const log = (await (await fetch(`${origin}/_demo/requests`)).json()) as { value: LoggedRequest[] };
  return log.value
    .filter((entry) => entry.path.startsWith(`/v1.0${prefix}`) && Date.parse(entry.at) >= since)
    .sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
};

interface LoggedRequest {
  at: string;
  method: string;
  path: string;
  status: number;
  batchItem?: boolean;
}

describe('@e2e Questions when Graph fails (demo tenant faults), asked over HTTP', function () {
  this.timeout(30_000);
  let harness: Harness;
  let origin: string;
  let karitaId: string;
  let testStartedAt: number;

  before(async () => {
    harness = await startHarness({
      ...QUICK_GRAPH,
      // Every question here is asked as a first one, so the user lookup is a request of its own whose faults and
      // retries these tests follow. A follow-up sends it in one $batch with the skill's (see the next describe).
      EARLY_ANSWER_MINUTES: '0',
    });
    origin = harness.server.graph.baseUrl;
    const response = await fetch(`${origin}/v1.0/users/${encodeURIComponent(KARITA)}`);
    karitaId = ((await response.json()) as { id: string }).id;
  });

  after(async () => {
    await harness?.stop();
  });

  beforeEach(() => {
    testStartedAt = Date.now();
  });

  afterEach(async () => {
    await setFaults([]);
  });

  /** Over HTTP, as a test in another process would. */
  const setFaults = async (rules: object[]) => {
    const response = await fetch(`${origin}/_demo/faults`, { method: 'PUT', body: JSON.stringify(rules) });
    assert.equal(response.status, 204, await response.text());
  };

  /** Top-level requests to a path since this test began (`loggedSince`). */
  const requestsTo = async (prefix: string): Promise<LoggedRequest[]> =>
    (await loggedSince(origin, prefix, testStartedAt)).filter((entry) => !entry.batchItem);

  /**
   * What the thread shows once the turn is over: each message as last sent or edited (a slow answer first shows a
   * placeholder that the answer, or the notice, then replaces), without deleted ones.
   */
  const threadCards = (conversationId: string): string[] => {
    const shown = new Map<string, Record<string, unknown>>();
    for (const call of harness.connector.calls.filter((each) => each.conversationId === conversationId)) {
      if (call.method === 'delete' && call.activityId) shown.delete(call.activityId);
      else if (call.method === 'update' && call.activityId) shown.set(call.activityId, call.activity);
      else if (call.activity.type === 'message') shown.set(String(call.activity.id), call.activity);
    }
    return [...shown.values()]
      .filter((activity) => Array.isArray(activity.attachments) && activity.attachments.length > 0)
      .map((activity) => textOf(cardOf(activity)));
  };

  /** Asks in a fresh thread and waits for a card there; resolves with its text and how long it took. */
  const ask = async (question: string) => {
    const thread = channelThread(harness.serviceUrl);
    const started = Date.now();
    const { status } = await harness.post(message(thread, DEMO.alex, question));
    assert.equal(status, 200);
    await harness.connector.waitFor(() => threadCards(thread.conversationId).length > 0, ANSWER_BOUND_MS);
    const elapsed = Date.now() - started;
    const cards = threadCards(thread.conversationId);
    assert.equal(cards.length, 1, `one card in the thread, got: ${cards.join(' | ')}`);
    assert.ok(elapsed < ANSWER_BOUND_MS, `answered in ${elapsed} ms`);
    return { text: cards[0], elapsed };
  };

  const assertKaritaAnswered = (text: string) => {
    assert.ok(text.includes(karitaId), `Karita's Object ID on the card: ${text.slice(0, 200)}`);
    assert.doesNotMatch(text, /could not/);
  };

  const assertRiskyUsersAnswered = (text: string) => {
    assert.match(text, /users at high risk/);
    assert.doesNotMatch(text, /could not/);
  };

  describe('a fault that passes: the retry answers', () => {
    it('when Graph throttles the user lookup twice with Retry-After: 1, then each retry waits that second and the answer comes', async () => {
      await setFaults([{ kind: 'throttle', path: '/users/karita', times: 2, retryAfterSeconds: 1 }]);
      const { text, elapsed } = await ask(WHO_IS_KARITA);
      assertKaritaAnswered(text);
      const lookups = await requestsTo('/users/karita');
      assert.deepEqual(
        lookups.map((entry) => entry.status),
        [429, 429, 200],
      );
      for (let index = 1; index < lookups.length; index += 1) {
        const waited = Date.parse(lookups[index].at) - Date.parse(lookups[index - 1].at);
        assert.ok(waited >= 990, `retry ${index} came ${waited} ms after a 429 with Retry-After: 1`);
      }
      assert.ok(elapsed >= 2000, `two Retry-After seconds were honoured (${elapsed} ms)`);
    });

    it('when ID Protection throttles twice without Retry-After, then Warden backs off on its own and the answer comes', async () => {
      await setFaults([{ kind: 'throttle', path: '/identityProtection/riskyUsers', times: 2 }]);
      const { text } = await ask(RISKY_USERS);
      assertRiskyUsersAnswered(text);
      const requests = await requestsTo('/identityProtection/riskyUsers');
      assert.deepEqual(
        requests.map((entry) => entry.status),
        [429, 429, 200],
      );
      for (let index = 1; index < requests.length; index += 1) {
        const waited = Date.parse(requests[index].at) - Date.parse(requests[index - 1].at);
        assert.ok(waited >= 20, `retry ${index} backed off (${waited} ms)`);
      }
    });

    it('when Graph answers 503 and then 504, then the answer comes on the third attempt', async () => {
      await setFaults([
        { kind: 'unavailable', path: '/users/karita', times: 1 },
        { kind: 'gatewayTimeout', path: '/users/karita', times: 1 },
      ]);
      const { text } = await ask(WHO_IS_KARITA);
      assertKaritaAnswered(text);
      assert.deepEqual(
        (await requestsTo('/users/karita')).map((entry) => entry.status),
        [503, 504, 200],
      );
    });

    it('when one response is slower than the gateway timeout, then Warden gives up on it and the retry answers', async () => {
      await setFaults([{ kind: 'slow', path: '/users/karita', times: 1, delayMs: 3 * TIMEOUT_MS }]);
      const { text, elapsed } = await ask(WHO_IS_KARITA);
      assertKaritaAnswered(text);
      assert.ok(elapsed >= TIMEOUT_MS, `waited out the timeout (${elapsed} ms)`);
      assert.ok(elapsed < 3 * TIMEOUT_MS, `did not wait for the slow response (${elapsed} ms)`);
    });

    it('when one response is malformed JSON, then the retry answers', async () => {
      await setFaults([{ kind: 'malformed', path: '/users/karita', times: 1 }]);
      const { text } = await ask(WHO_IS_KARITA);
      assertKaritaAnswered(text);
      assert.equal((await requestsTo('/users/karita')).length, 2);
    });

    it('when one connection is reset, then the retry answers', async () => {
      await setFaults([{ kind: 'reset', path: '/users/karita', times: 1 }]);
      const { text } = await ask(WHO_IS_KARITA);
      assertKaritaAnswered(text);
      assert.deepEqual(
        (await requestsTo('/users/karita')).map((entry) => entry.status),
        [0, 200],
      );
    });
  });

  describe('a fault that lasts: a card says why, within the bound, after a bounded number of attempts', () => {
    const lasting: { kind: string; says: RegExp; extra?: object }[] = [
      { kind: 'throttle', says: /could not answer: risky users.*throttling requests/ },
      { kind: 'unavailable', says: /could not answer: risky users.*did not answer in time/ },
      { kind: 'gatewayTimeout', says: /could not answer: risky users.*did not answer in time/ },
      {
        kind: 'slow',
        says: /could not answer: risky users.*did not answer in time/,
        extra: { delayMs: 3 * TIMEOUT_MS },
      },
      { kind: 'malformed', says: /could not answer: risky users.*did not answer in time/ },
      { kind: 'reset', says: /could not answer: risky users.*did not answer in time/ },
    ];
    for (const { kind, says, extra } of lasting) {
      it(`when every ID Protection request meets "${kind}", then a card says Graph could not answer`, async () => {
        await setFaults([{ kind, path: '/identityProtection/riskyUsers', ...extra }]);
        const { text, elapsed } = await ask(RISKY_USERS);
        assert.match(text, says);
        if (kind === 'slow') {
          // Each attempt is cut at the timeout; the slow responses themselves are logged only when they end.
          assert.ok(elapsed >= (MAX_RETRIES + 1) * TIMEOUT_MS, `${elapsed} ms`);
        } else {
          assert.equal(
            (await requestsTo('/identityProtection/riskyUsers')).length,
            MAX_RETRIES + 1,
            'the first attempt and every retry, no more',
          );
        }
      });
    }

    it('when the user lookup is throttled with Retry-After every time, then the card says so with the wait Graph gave', async () => {
      await setFaults([{ kind: 'throttle', path: '/users/karita', retryAfterSeconds: 1 }]);
      const { text, elapsed } = await ask(WHO_IS_KARITA);
      assert.match(text, /could not look up that user.*throttling requests; try again in 1 s/);
      assert.ok(elapsed >= MAX_RETRIES * 1000, `each retry waited Retry-After (${elapsed} ms)`);
      assert.equal((await requestsTo('/users/karita')).length, MAX_RETRIES + 1);
    });
  });
});

describe("@e2e A follow-up's shared round trip when Graph fails (demo tenant faults)", function () {
  this.timeout(30_000);
  let harness: Harness;
  let origin: string;
  let testStartedAt: number;

  before(async () => {
    harness = await startHarness(QUICK_GRAPH);
    origin = harness.server.graph.baseUrl;
  });

  after(async () => {
    await harness?.stop();
  });

  afterEach(() => harness.server.demoTenant!.setFaults([]));

  /** Every request to a path since the follow-up was asked, batch items (`item`) and top-level requests alike. */
  const requestsTo = async (prefix: string) =>
    (await loggedSince(origin, prefix, testStartedAt)).map(
      (entry) => `${entry.batchItem ? 'item ' : ''}${entry.status}`,
    );

  /** Asks about Karita once to be remembered, then again with `faults` in place; the second answer's card text. */
  const followUp = async (faults: object[]) => {
    const first = await harness.ask(message(channelThread(harness.serviceUrl), DEMO.alex, WHO_IS_KARITA));
    assert.match(textOf(cardOf(first[0])), /Karita/);
    harness.server.demoTenant!.setFaults(faults as never);
    testStartedAt = Date.now();
    const replies = await harness.ask(message(channelThread(harness.serviceUrl), DEMO.alex, WHO_IS_KARITA));
    assert.equal(replies.length, 1);
    return textOf(cardOf(replies[0]));
  };

  it('when the lookup meets 503 in the shared $batch and 504 on its own, then its last retry answers', async () => {
    const text = await followUp([
      { kind: 'unavailable', path: '/users/karita', times: 1 },
      { kind: 'gatewayTimeout', path: '/users/karita', times: 1 },
    ]);
    assert.match(text, /Karita/);
    assert.doesNotMatch(text, /could not/);
    assert.deepEqual(await requestsTo('/users/karita'), ['item 503', '504', '200']);
    assert.deepEqual(await requestsTo('/$batch'), ['200'], 'one shared round trip, not retried whole');
  });

  it('when the lookup stays throttled, then it gets the retries it had left after the shared attempt, no more', async () => {
    const text = await followUp([{ kind: 'throttle', path: '/users/karita', retryAfterSeconds: 0 }]);
    assert.match(text, /could not look up that user.*throttling requests/);
    assert.deepEqual(await requestsTo('/users/karita'), ['item 429', '429', '429', '429']);
  });

  it('when the shared $batch loses its connection, then the batch is sent again and the answer comes', async () => {
    const text = await followUp([{ kind: 'reset', path: '/$batch', times: 1 }]);
    assert.match(text, /Karita/);
    assert.doesNotMatch(text, /could not/);
    assert.deepEqual(await requestsTo('/$batch'), ['0', '200']);
    assert.deepEqual(await requestsTo('/users/karita'), ['item 200']);
  });
});

describe('@e2e One Graph budget per turn, with the default timeouts and retries', function () {
  this.timeout(30_000);
  /** Far below the default per-attempt timeout (15 s) and retries (3), so only the turn budget can explain the card. */
  const BUDGET_MS = 2000;
  let harness: Harness;

  before(async () => {
    // No progress placeholder: the first message is the card (placeholders are covered above and in progress tests).
    harness = await startHarness({ GRAPH_TURN_BUDGET_MS: String(BUDGET_MS), PROGRESS_AFTER_MS: '60000' });
  });

  after(async () => {
    await harness?.stop();
  });

  const setFaults = async (rules: object[]) => {
    const response = await fetch(`${harness.server.graph.baseUrl}/_demo/faults`, {
      method: 'PUT',
      body: JSON.stringify(rules),
    });
    assert.equal(response.status, 204, await response.text());
  };

  afterEach(() => setFaults([]));

  const askInChannel = async (question: string) => {
    const thread = channelThread(harness.serviceUrl);
    const started = Date.now();
    const [reply] = await harness.ask(message(thread, DEMO.alex, question));
    return { text: textOf(cardOf(reply)), elapsed: Date.now() - started };
  };

  it('when Graph is slower than the budget, then the card says it did not answer in time once the budget is spent', async () => {
    await setFaults([{ kind: 'slow', path: '/identityProtection/riskyUsers', delayMs: 5000 }]);
    const { text, elapsed } = await askInChannel(RISKY_USERS);
    assert.match(text, /could not answer: risky users.*did not answer in time/);
    assert.ok(elapsed >= BUDGET_MS - 100 && elapsed < BUDGET_MS + 1500, `card after ${elapsed} ms`);
  });

  it('when Graph asks to wait longer than the budget, then the card says so at once with the wait Graph gave', async () => {
    await setFaults([{ kind: 'throttle', path: '/users/karita', retryAfterSeconds: 10 }]);
    const { text, elapsed } = await askInChannel(WHO_IS_KARITA);
    assert.match(text, /throttling requests; try again in 10 s/);
    assert.ok(elapsed < BUDGET_MS, `card after ${elapsed} ms`);
  });
});
