import { strict as assert } from 'node:assert';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { GraphError } from '../../../services/graph/graph-error';
import { GraphGateway } from '../../../services/graph/graph-gateway';
import { OnBehalfOfTokenProvider } from '../../../services/graph/token-provider';
import { ENTRA_HOST, LoopbackEntra } from '../../helpers/entra';

const TENANT = 'd3e0a7b1-0000-4000-8000-000000000001';
const CLIENT_ID = '6f1d2b0e-5c1a-4f7b-9a8e-3c2d1e0f9a7b';

/** A Graph that records the Authorization header of every request and answers 200. */
class RecordingGraph {
  readonly requests: { path: string; authorization: string | undefined }[] = [];
  private server: Server | null = null;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      this.requests.push({ path: req.url ?? '', authorization: req.headers.authorization });
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ id: 'x' }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }
}

describe('OnBehalfOfTokenProvider with the GraphGateway', () => {
  let entra: LoopbackEntra;
  let graph: RecordingGraph;
  let tokens: OnBehalfOfTokenProvider;
  let gateway: GraphGateway;
  let sleeps: number;

  beforeEach(async () => {
    entra = new LoopbackEntra();
    await entra.start();
    graph = new RecordingGraph();
    const origin = await graph.start();
    tokens = new OnBehalfOfTokenProvider(
      {
        tenantId: TENANT,
        clientId: CLIENT_ID,
        clientSecret: 'test-only-graph-secret',
        authorityHost: ENTRA_HOST,
        graphResource: 'https://graph.microsoft.com',
      },
      { networkClient: entra.networkClient },
    );
    sleeps = 0;
    gateway = new GraphGateway({
      baseUrl: origin,
      tokens,
      retry: { maxRetries: 3, baseDelayMs: 1, maxDelayMs: 1 },
      sleep: async () => {
        sleeps += 1;
      },
    });
  });

  afterEach(async () => {
    await graph.stop();
    await entra.stop();
  });

  /** `work` in a turn of its own, with the turn's Graph calls made as the person whose assertion this is. */
  const asPerson = <T>(assertion: string, work: (graph: GraphGateway) => Promise<T>): Promise<T> => {
    const turn = { turnState: new Map<unknown, unknown>() };
    return gateway.runAs(turn, tokens.forPerson(assertion), () => work(gateway.forTurn(turn)));
  };

  it('when Graph is called in a person’s turn, then Entra gets an on-behalf-of grant for their assertion and Graph their token', async () => {
    await asPerson('sso-assertion-alex', (graph) => graph.get({ path: '/users/alex' }));

    assert.equal(entra.grants.length, 1);
    const grant = entra.grants[0];
    assert.equal(grant.grant_type, 'urn:ietf:params:oauth:grant-type:jwt-bearer');
    assert.equal(grant.requested_token_use, 'on_behalf_of');
    assert.equal(grant.assertion, 'sso-assertion-alex');
    assert.ok(grant.scope.split(' ').includes('https://graph.microsoft.com/.default'), grant.scope);
    assert.equal(grant.client_id, CLIENT_ID);
    assert.equal(grant.client_secret, 'test-only-graph-secret');
    const issued = entra.tokenFor('sso-assertion-alex');
    assert.ok(issued);
    assert.deepEqual(graph.requests, [{ path: '/v1.0/users/alex', authorization: `Bearer ${issued}` }]);
  });

  it('when two people ask at the same time, then every Graph request carries its own asker’s token', async () => {
    const people = ['alex', 'adele'];
    await Promise.all(
      Array.from({ length: 12 }, (_, index) => {
        const person = people[index % 2];
        return asPerson(`sso-assertion-${person}`, async (graph) => {
          await new Promise((resolve) => setTimeout(resolve, (index * 7) % 5));
          await graph.get({ path: `/users/${person}` });
        });
      }),
    );

    const alex = entra.tokenFor('sso-assertion-alex');
    const adele = entra.tokenFor('sso-assertion-adele');
    assert.ok(alex && adele && alex !== adele);
    assert.equal(graph.requests.length, 12);
    for (const request of graph.requests) {
      const expected: string = request.path.endsWith('/alex') ? alex : adele;
      assert.equal(request.authorization, `Bearer ${expected}`, request.path);
    }
    // msal caches per assertion: once it holds a person's token, their later calls need no new grant.
    const grants = entra.grants.length;
    await asPerson('sso-assertion-alex', (graph) => graph.get({ path: '/users/alex' }));
    assert.equal(entra.grants.length, grants);
    assert.equal(graph.requests.at(-1)?.authorization, `Bearer ${alex}`);
  });

  it('when Graph is called outside any person’s turn, then it fails as forbidden and nothing is sent to Graph', async () => {
    await assert.rejects(
      () => gateway.get({ path: '/organization' }),
      (error: unknown) => error instanceof GraphError && error.reason === 'forbidden',
    );
    // Nor after a person's work in the same turn has ended.
    const turn = { turnState: new Map<unknown, unknown>() };
    await gateway.runAs(turn, tokens.forPerson('sso-assertion-alex'), async () => undefined);
    await assert.rejects(
      () => gateway.forTurn(turn).get({ path: '/organization' }),
      (error: unknown) => error instanceof GraphError && error.reason === 'forbidden',
    );
    assert.equal(entra.grants.length, 0, 'no token was asked for');
    assert.equal(graph.requests.length, 0, 'Graph was not called, not even without a token');
  });

  it('when Entra refuses the assertion, then the call fails as forbidden at once, without retries or a Graph call', async () => {
    entra.refused.add('expired-assertion');
    await assert.rejects(
      () => asPerson('expired-assertion', (graph) => graph.get({ path: '/users/alex' })),
      (error: unknown) => error instanceof GraphError && error.reason === 'forbidden' && error.status === 401,
    );
    assert.equal(entra.oboGrants.length, 1);
    assert.equal(sleeps, 0, 'not retried');
    assert.equal(graph.requests.length, 0);
  });
});
