import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { GraphError } from '../../../services/graph/graph-error';
import { GraphGateway } from '../../../services/graph/graph-gateway';
import { RateLimiter } from '../../../services/graph/rate-limiter';

type Handler = (
  req: IncomingMessage,
  body: string,
) => { status: number; body?: unknown; headers?: Record<string, string>; raw?: string };

/** A scripted Graph: each test says what to answer, and every request is recorded. */
class ScriptedGraph {
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
  handler: Handler = () => ({ status: 200, body: {} });
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
        const answer = this.handler(req, body);
        res.writeHead(answer.status, { 'Content-Type': 'application/json', ...answer.headers });
        res.end(answer.raw ?? (answer.body === undefined ? '' : JSON.stringify(answer.body)));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}

const graphError = (_status: number, code: string, message: string) => ({
  error: {
    code,
    message,
    innerError: { date: '2026-01-01T00:00:00', 'request-id': 'r', 'client-request-id': 'c' },
  },
});

describe('GraphGateway', () => {
  const graph = new ScriptedGraph();
  let origin: string;
  let sleeps: number[];
  const gateway = (options: Partial<ConstructorParameters<typeof GraphGateway>[0]> = {}) =>
    new GraphGateway({
      baseUrl: origin,
      tokens: { getAccessToken: async () => 'token-123' },
      retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 2_000 },
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    });

  /** A limiter of 1 ID Protection request per second on a clock that its waits move, and the waits it made. */
  const oneIdProtectionRequestPerSecond = () => {
    let clock = 0;
    const waits: number[] = [];
    const limiter = new RateLimiter(
      { idProtection: { count: 1, perMs: 1000 } },
      () => clock,
      async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    );
    return { limiter, waits };
  };

  before(async () => {
    origin = await graph.start();
  });
  after(() => graph.stop());
  beforeEach(() => {
    graph.requests = [];
    sleeps = [];
  });

  it('when a filter holds quotes, ampersands and hashes, then it reaches Graph percent-encoded and intact', async () => {
    graph.handler = () => ({ status: 200, body: { value: [] } });
    const filter = "displayName eq 'R&D #1 ''Ops'''";
    await gateway().get({ path: '/groups', query: { $filter: filter } });
    const url = new URL(graph.requests[0].url, origin);
    assert.equal(url.pathname, '/v1.0/groups');
    assert.equal(url.searchParams.get('$filter'), filter);
    assert.equal(graph.requests[0].headers.authorization, 'Bearer token-123');
  });

  it('when Graph throttles with Retry-After, then the gateway waits that long and succeeds on retry', async () => {
    let calls = 0;
    graph.handler = () =>
      ++calls === 1
        ? {
            status: 429,
            body: graphError(429, 'TooManyRequests', 'slow down'),
            headers: { 'Retry-After': '2' },
          }
        : { status: 200, body: { id: 'x' } };
    const result = await gateway().get<{ id: string }>({ path: '/users/x' });
    assert.equal(result.id, 'x');
    assert.deepEqual(sleeps, [2000]);
  });

  it('when Graph throttles without Retry-After (ID Protection), then it backs off with jitter, growing per attempt', async () => {
    graph.handler = () => ({ status: 429, body: graphError(429, 'TooManyRequests', 'slow down') });
    await assert.rejects(
      gateway().get({ path: '/identityProtection/riskyUsers' }),
      (error: GraphError) => error.reason === 'throttled',
    );
    assert.equal(graph.requests.length, 4);
    assert.equal(sleeps.length, 3);
    assert.ok(sleeps[0] >= 50 && sleeps[0] <= 100, `first ${sleeps[0]}`);
    assert.ok(sleeps[2] >= 200 && sleeps[2] <= 400, `third ${sleeps[2]}`);
  });

  it('when Graph answers 404, 403 or a licence error, then the error carries the reason a card explains', async () => {
    const cases: [number, string, string, GraphError['reason']][] = [
      [404, 'Request_ResourceNotFound', "Resource 'x' does not exist", 'not-found'],
      [403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.', 'forbidden'],
      [
        403,
        'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
        "Neither tenant is B2C or tenant doesn't have premium license",
        'not-licensed',
      ],
      [400, 'BadRequest', 'Invalid filter clause', 'bad-request'],
    ];
    for (const [status, code, message, reason] of cases) {
      graph.handler = () => ({ status, body: graphError(status, code, message) });
      await assert.rejects(
        gateway().get({ path: '/auditLogs/signIns' }),
        (error: GraphError) => error instanceof GraphError && error.reason === reason,
      );
    }
    assert.equal(sleeps.length, 0, 'no retries for errors that will not change');
  });

  it('when Graph keeps failing with 503, then the caller gets "unavailable" after the bounded retries', async () => {
    graph.handler = () => ({ status: 503, body: graphError(503, 'ServiceUnavailable', 'down') });
    await assert.rejects(
      gateway().get({ path: '/users' }),
      (error: GraphError) => error.reason === 'unavailable',
    );
    assert.equal(graph.requests.length, 4);
  });

  it('when the body is not JSON, then the caller gets a typed error, not a crash', async () => {
    graph.handler = () => ({ status: 200, raw: '{"value": [' });
    await assert.rejects(gateway().get({ path: '/users' }), GraphError);
  });

  it('when Graph is slower than the deadline, then the call fails as unavailable instead of hanging', async () => {
    const slow = new ScriptedGraph();
    const slowOrigin = await slow.start();
    slow.handler = () => ({ status: 200, body: {} });
    const server = (slow as unknown as { server: Server }).server;
    server.removeAllListeners('request');
    server.on('request', () => {
      /* never answers */
    });
    try {
      const started = Date.now();
      await assert.rejects(
        gateway({
          baseUrl: slowOrigin,
          timeoutMs: 200,
          retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 },
        }).get({ path: '/users' }),
        (error: GraphError) => error.reason === 'unavailable',
      );
      assert.ok(Date.now() - started < 2000);
    } finally {
      server.closeAllConnections();
      await slow.stop();
    }
  });

  it('when a collection has more pages than the bound, then the scan stops and says it was truncated', async () => {
    graph.handler = (req) => {
      const page = Number(new URL(req.url ?? '', origin).searchParams.get('$skiptoken') ?? 0);
      return {
        status: 200,
        body: {
          value: [{ id: `item-${page}` }],
          '@odata.nextLink': `${origin}/v1.0/auditLogs/signIns?$skiptoken=${page + 1}`,
        },
      };
    };
    const scan = await gateway().list<{ id: string }>(
      { path: '/auditLogs/signIns' },
      { maxPages: 3, maxItems: 100 },
    );
    assert.deepEqual(
      scan.items.map((item) => item.id),
      ['item-0', 'item-1', 'item-2'],
    );
    assert.equal(scan.truncated, true);
    assert.equal(graph.requests.length, 3);
  });

  it('when a scan keeps only part of each item, then every page is cut down as it arrives', async () => {
    graph.handler = (req) => {
      const page = Number(new URL(req.url ?? '', origin).searchParams.get('$skiptoken') ?? 0);
      return {
        status: 200,
        body: {
          value: [{ id: `item-${page}`, appliedConditionalAccessPolicies: [{ id: 'p' }] }],
          '@odata.nextLink': page < 2 ? `${origin}/v1.0/auditLogs/signIns?$skiptoken=${page + 1}` : undefined,
        },
      };
    };
    const scan = await gateway().list<{ id: string; appliedConditionalAccessPolicies?: unknown }>(
      { path: '/auditLogs/signIns' },
      { maxPages: 5, maxItems: 100, keep: (item) => ({ id: item.id }) },
    );
    assert.deepEqual(scan.items, [{ id: 'item-0' }, { id: 'item-1' }, { id: 'item-2' }]);
    assert.equal(scan.truncated, false);
  });

  it('when a nextLink points at another host, then it is not followed (the token never leaves our Graph)', async () => {
    graph.handler = () => ({
      status: 200,
      body: { value: [{ id: 'a' }], '@odata.nextLink': 'https://evil.example/v1.0/users?$skiptoken=1' },
    });
    await assert.rejects(
      gateway().list({ path: '/users' }, { maxPages: 5, maxItems: 100 }),
      (error: GraphError) => error.reason === 'bad-request',
    );
    assert.equal(graph.requests.length, 1);
  });

  it('when one batch item is throttled, then only that item is retried and every result is returned by id', async () => {
    let batches = 0;
    graph.handler = (_req, body) => {
      batches += 1;
      const requests = (JSON.parse(body) as { requests: { id: string; url: string }[] }).requests;
      return {
        status: 200,
        body: {
          responses: requests.map((request) =>
            request.id === 'b' && batches === 1
              ? {
                  id: 'b',
                  status: 429,
                  headers: { 'Retry-After': '1' },
                  body: graphError(429, 'TooManyRequests', 'later'),
                }
              : request.id === 'c'
                ? { id: 'c', status: 404, body: graphError(404, 'Request_ResourceNotFound', 'gone') }
                : { id: request.id, status: 200, body: { url: request.url } },
          ),
        },
      };
    };
    const results = await gateway().batch([
      { id: 'a', path: '/users/1', query: { $select: 'id,displayName' } },
      { id: 'b', path: '/auditLogs/signIns', query: { $filter: "userId eq '1'" } },
      { id: 'c', path: '/users/1/manager' },
    ]);
    assert.equal(batches, 2);
    assert.deepEqual(
      JSON.parse(graph.requests[1].body).requests.map((request: { id: string }) => request.id),
      ['b'],
    );
    assert.deepEqual(sleeps, [1000]);
    const a = results.get('a');
    assert.ok(a?.ok && (a.body as { url: string }).url === '/users/1?$select=id%2CdisplayName');
    assert.ok(results.get('b')?.ok);
    const c = results.get('c');
    assert.ok(c && !c.ok && c.error.reason === 'not-found');
  });

  it('when more than 20 requests are batched, then it refuses before calling Graph', async () => {
    await assert.rejects(
      gateway().batch(Array.from({ length: 21 }, (_, index) => ({ path: `/users/${index}` }))),
      RangeError,
    );
    assert.equal(graph.requests.length, 0);
  });

  it('when the limiter allows 1 request per second for ID Protection, then back-to-back calls are spaced', async () => {
    const { limiter, waits } = oneIdProtectionRequestPerSecond();
    graph.handler = () => ({ status: 200, body: {} });
    const limited = gateway({ limiter });
    await limited.get({ path: '/identityProtection/riskyUsers' });
    await limited.get({ path: '/identityProtection/riskDetections' });
    await limited.get({ path: '/users/x' });
    assert.deepEqual(waits, [1000]);
  });

  describe('within a turn budget', () => {
    it('when Graph never answers, then the attempt is cut at the budget instead of the gateway timeout', async () => {
      // A Graph that takes every request and never answers.
      const hanging = createServer(() => undefined);
      await new Promise<void>((resolve) => hanging.listen(0, '127.0.0.1', resolve));
      const slowOrigin = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
      const patient = new GraphGateway({
        baseUrl: slowOrigin,
        tokens: null,
        timeoutMs: 15_000,
        retry: { maxRetries: 3, baseDelayMs: 50, maxDelayMs: 200 },
      });
      const started = Date.now();
      await assert.rejects(
        patient.withinBudget(1_000).get({ path: '/users/x' }),
        (error: GraphError) => error.reason === 'unavailable',
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900 && elapsed < 2_000, `gave up after ${elapsed} ms, not 4 × 15 s`);
      hanging.closeAllConnections();
      await new Promise((resolve) => hanging.close(resolve));
    });

    it('when a Retry-After would outlast the budget, then it fails at once as throttled rather than waiting', async () => {
      graph.handler = () => ({
        status: 429,
        body: graphError(429, 'TooManyRequests', 'slow down'),
        headers: { 'Retry-After': '60' },
      });
      const gw = gateway({ retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 120_000 } });
      await assert.rejects(
        gw.withinBudget(5_000).get({ path: '/users/x' }),
        (error: GraphError) => error.reason === 'throttled' && error.retryAfterSeconds === 60,
      );
      assert.equal(graph.requests.length, 1);
      assert.deepEqual(sleeps, []);
    });

    it('when a batch item stays throttled past the budget, then that item fails and the others are returned', async () => {
      graph.handler = () => ({
        status: 200,
        body: {
          responses: [
            { id: '1', status: 200, body: { id: 'a' } },
            { id: '2', status: 429, headers: { 'Retry-After': '30' }, body: graphError(429, 'x', 'y') },
          ],
        },
      });
      const gw = gateway();
      const results = await gw
        .withinBudget(2_000)
        .batch([{ path: '/users/a' }, { path: '/identityProtection/riskyUsers/a' }]);
      assert.equal(results.get('1')?.ok, true);
      const second = results.get('2');
      assert.ok(second && !second.ok && second.error.reason === 'throttled');
      assert.equal(graph.requests.length, 1, 'no follow-up batch');
    });

    it('when budgets nest, then the tighter one holds', async () => {
      graph.handler = () => ({ status: 503, body: graphError(503, 'ServiceUnavailable', 'busy') });
      const gw = gateway({ retry: { maxRetries: 3, baseDelayMs: 400, maxDelayMs: 400 } });
      await assert.rejects(
        gw.withinBudget(60_000).withinBudget(300).get({ path: '/users/x' }),
        (error: GraphError) => error.reason === 'unavailable',
      );
      assert.equal(graph.requests.length, 1, 'no retry fits in 300 ms');
    });

    it('when a budget is spent, then only its own calls are refused: the gateway it came from still retries', async () => {
      graph.handler = () => ({ status: 503, body: graphError(503, 'ServiceUnavailable', 'busy') });
      const gw = gateway({ retry: { maxRetries: 2, baseDelayMs: 400, maxDelayMs: 400 } });
      const spent = gw.withinBudget(0);
      await assert.rejects(
        spent.get({ path: '/users/x' }),
        (error: GraphError) => error.reason === 'unavailable',
      );
      assert.equal(graph.requests.length, 0, 'no attempt starts without time for an answer');
      await assert.rejects(
        gw.get({ path: '/users/x' }),
        (error: GraphError) => error.reason === 'unavailable',
      );
      assert.equal(graph.requests.length, 3, 'the unbounded gateway made its attempt and both retries');
    });

    it("when a turn is started, then its calls go through the turn's budget, and other turns' do not", async () => {
      graph.handler = () => ({ status: 503, body: graphError(503, 'ServiceUnavailable', 'busy') });
      const gw = gateway({ retry: { maxRetries: 3, baseDelayMs: 400, maxDelayMs: 400 } });
      const turn = { turnState: new Map<unknown, unknown>() };
      const otherTurn = { turnState: new Map<unknown, unknown>() };
      assert.equal(gw.forTurn(turn), gw, 'before the turn starts');
      gw.startTurn(turn, 300);
      assert.notEqual(gw.forTurn(turn), gw);
      assert.equal(gw.forTurn(otherTurn), gw);
      await assert.rejects(
        gw.forTurn(turn).get({ path: '/users/x' }),
        (error: GraphError) => error.reason === 'unavailable',
      );
      assert.equal(graph.requests.length, 1, 'no retry fits in the turn');
      assert.deepEqual(sleeps, []);
    });

    it('when a budgeted view is used, then it shares the rate limiter of the gateway it came from', async () => {
      const { limiter, waits } = oneIdProtectionRequestPerSecond();
      graph.handler = () => ({ status: 200, body: {} });
      const limited = gateway({ limiter });
      await limited.withinBudget(5_000).get({ path: '/identityProtection/riskyUsers' });
      await limited.get({ path: '/identityProtection/riskDetections' });
      assert.deepEqual(waits, [1000]);
    });
  });

  describe('sharing the first round trip (sharingFirstRoundTrip)', () => {
    /** Answers a $batch item by item (`item` decides each), and any other request with its own URL. */
    const batchesBy = (item: (url: string) => { status: number; body: unknown }) => {
      graph.handler = (req, body) => {
        if (!req.url?.endsWith('/$batch')) return { status: 200, body: { url: req.url } };
        const requests = (JSON.parse(body) as { requests: { id: string; url: string }[] }).requests;
        return {
          status: 200,
          body: { responses: requests.map((request) => ({ id: request.id, ...item(request.url) })) },
        };
      };
    };
    const echo = (url: string) => ({ status: 200, body: { url } });

    it('when a GET and a batch start together, then one $batch carries all three and each call gets its own', async () => {
      batchesBy(echo);
      const shared = gateway().sharingFirstRoundTrip();
      const [user, results] = await Promise.all([
        shared.get<{ url: string }>({ path: '/users/karita%40woodgrovebank.com', query: { $select: 'id' } }),
        // Joins after an await, as a skill's first request does.
        Promise.resolve().then(() =>
          shared.batch<{ url: string }>([
            { path: '/users/1/manager' },
            { path: '/users/1/registeredDevices' },
          ]),
        ),
      ]);
      assert.deepEqual(
        graph.requests.map((request) => `${request.method} ${request.url}`),
        ['POST /v1.0/$batch'],
      );
      assert.deepEqual(
        JSON.parse(graph.requests[0].body).requests.map(
          (request: { id: string; url: string }) => request.url,
        ),
        ['/users/karita%40woodgrovebank.com?$select=id', '/users/1/manager', '/users/1/registeredDevices'],
      );
      assert.equal(user.url, '/users/karita%40woodgrovebank.com?$select=id');
      const [first, second] = [results.get('1'), results.get('2')];
      assert.ok(first?.ok && first.body.url === '/users/1/manager');
      assert.ok(second?.ok && second.body.url === '/users/1/registeredDevices');
    });

    it('when a call comes alone, after the round trip, on a view of the view or to beta, then it goes as usual', async () => {
      batchesBy(echo);
      const shared = gateway().sharingFirstRoundTrip();
      await shared.get({ path: '/users/1' });
      await Promise.all([shared.get({ path: '/users/2' }), shared.get({ path: '/users/3' })]);
      const budgeted = gateway().sharingFirstRoundTrip();
      await Promise.all([
        budgeted.withinBudget(10_000).get({ path: '/users/4' }),
        budgeted.get({ path: '/users/5', version: 'beta' }),
        budgeted.get({ path: '/users/6' }),
      ]);
      assert.deepEqual(
        graph.requests.map((request) => `${request.method} ${request.url}`),
        [
          'GET /v1.0/users/1',
          'GET /v1.0/users/2',
          'GET /v1.0/users/3',
          'GET /v1.0/users/4',
          'GET /beta/users/5',
          'GET /v1.0/users/6',
        ],
      );
    });

    it('when an item fails in the shared batch, then a 404 is final and a 503 is retried on its own', async () => {
      batchesBy((url) =>
        url.startsWith('/users/gone')
          ? { status: 404, body: graphError(404, 'Request_ResourceNotFound', 'gone') }
          : url.startsWith('/users/busy')
            ? { status: 503, body: graphError(503, 'ServiceUnavailable', 'later') }
            : echo(url),
      );
      const shared = gateway().sharingFirstRoundTrip();
      const [gone, busy, fine] = await Promise.allSettled([
        shared.get({ path: '/users/gone' }),
        shared.get<{ url: string }>({ path: '/users/busy' }),
        shared.get<{ url: string }>({ path: '/users/fine' }),
      ]);
      assert.ok(gone.status === 'rejected' && (gone.reason as GraphError).reason === 'not-found');
      assert.ok(busy.status === 'fulfilled' && busy.value.url === '/v1.0/users/busy', 'answered on its own');
      assert.ok(fine.status === 'fulfilled' && fine.value.url === '/users/fine');
      assert.deepEqual(
        graph.requests.map((request) => `${request.method} ${request.url}`),
        ['POST /v1.0/$batch', 'GET /v1.0/users/busy'],
      );
      assert.equal(sleeps.length, 1, 'one backoff before the retry, as after a first attempt of its own');
    });
  });
});
