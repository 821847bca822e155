import { strict as assert } from 'node:assert';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

import { GraphError } from '../../../services/graph/graph-error';
import { GraphGateway } from '../../../services/graph/graph-gateway';
import { NodeHttpHandler } from '../../../services/graph/http-transport';

/**
 * Graph requests go out through `node:http` (services/graph/http-transport.ts) rather than fetch: connections are kept
 * and reused, compressed bodies are read, and every way a response can go wrong still ends in a typed GraphError.
 */
describe('Graph HTTP transport', () => {
  let server: Server;
  let origin: string;
  let connections: number;
  let handle: (req: IncomingMessage, res: ServerResponse, body: string) => void;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => handle(req, res, body));
    });
    server.on('connection', () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(() => {
    connections = 0;
  });

  const gateway = (timeoutMs = 5_000) =>
    new GraphGateway({
      baseUrl: origin,
      tokens: { getAccessToken: async () => 'token-123' },
      retry: { maxRetries: 0, baseDelayMs: 10, maxDelayMs: 10 },
      timeoutMs,
    });
  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };
  const failure = async (work: Promise<unknown>): Promise<GraphError> => {
    const error = await work.then(
      () => assert.fail('expected a GraphError'),
      (caught: unknown) => caught,
    );
    assert.ok(error instanceof GraphError, `got ${String(error)}`);
    return error;
  };

  it('when several requests follow each other, then they share one kept-alive connection', async () => {
    handle = (req, res) => json(res, 200, { id: req.url });
    const graph = gateway();
    for (let index = 0; index < 5; index += 1)
      assert.deepEqual(await graph.get({ path: `/users/${index}` }), { id: `/v1.0/users/${index}` });
    assert.equal(connections, 1);
  });

  it('when a response has been read, then its text is let go and a second read is refused, as fetch does', async () => {
    handle = (_req, res) => json(res, 200, { value: ['a', 'b'] });
    const context = { request: `${origin}/v1.0/users`, options: { method: 'GET' } } as Parameters<
      NodeHttpHandler['execute']
    >[0];
    await new NodeHttpHandler().execute(context);
    const response = context.response!;
    assert.equal(response.bodyUsed, false);
    assert.deepEqual(await response.json(), { value: ['a', 'b'] });
    assert.equal(response.bodyUsed, true);
    await assert.rejects(response.text(), { name: 'TypeError', message: /already been read/ });
  });

  it('when a POST carries a body, then Graph gets it whole with its length, the token and JSON content type', async () => {
    let seen: { body: string; headers: IncomingMessage['headers'] } | null = null;
    handle = (req, res, body) => {
      seen = { body, headers: req.headers };
      json(res, 200, { responses: [] });
    };
    await gateway().post({ path: '/$batch', body: { requests: [{ id: '1', url: '/me', note: 'é…' }] } });
    assert.ok(seen);
    const { body, headers } = seen as { body: string; headers: IncomingMessage['headers'] };
    assert.deepEqual(JSON.parse(body), { requests: [{ id: '1', url: '/me', note: 'é…' }] });
    assert.equal(Number(headers['content-length']), Buffer.byteLength(body));
    assert.equal(headers.authorization, 'Bearer token-123');
    assert.match(String(headers['content-type']), /application\/json/);
  });

  it('when Graph compresses its answer, then it is asked for and read', async () => {
    let accepted = '';
    handle = (req, res) => {
      accepted = String(req.headers['accept-encoding']);
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.end(gzipSync(JSON.stringify({ value: [{ displayName: 'Karita Ström' }] })));
    };
    assert.deepEqual(await gateway().get({ path: '/users' }), { value: [{ displayName: 'Karita Ström' }] });
    assert.match(accepted, /gzip/);
  });

  it('when Graph throttles, then the error is "throttled" with its Retry-After', async () => {
    handle = (_req, res) =>
      json(res, 429, { error: { code: 'TooManyRequests', message: 'slow down' } }, { 'Retry-After': '7' });
    const error = await failure(gateway().get({ path: '/users' }));
    assert.equal(error.reason, 'throttled');
    assert.equal(error.retryAfterSeconds, 7);
  });

  it('when a gateway in front of Graph answers 502 with an HTML page, then the error is "unavailable"', async () => {
    handle = (_req, res) => {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html>Bad gateway</html>');
    };
    const error = await failure(gateway().get({ path: '/users' }));
    assert.equal(error.reason, 'unavailable');
    assert.equal(error.status, 502);
  });

  it('when the body is not JSON though it says so, then the error is "unavailable", not a crash', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"value": [');
    };
    assert.equal((await failure(gateway().get({ path: '/users' }))).reason, 'unavailable');
  });

  it('when the connection drops halfway through the body, then the request fails rather than hangs', async () => {
    handle = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
      res.write('{"value": [');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const started = Date.now();
    assert.equal((await failure(gateway().get({ path: '/users' }))).reason, 'unavailable');
    assert.ok(Date.now() - started < 2_000);
  });

  it('when the connection drops halfway through a compressed body, then the request fails rather than hangs', async () => {
    handle = (_req, res) => {
      const body = gzipSync(
        JSON.stringify({ value: Array.from({ length: 500 }, (_, index) => ({ index })) }),
      );
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' });
      res.write(body.subarray(0, body.length >> 1));
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const started = Date.now();
    assert.equal((await failure(gateway().get({ path: '/users' }))).reason, 'unavailable');
    assert.ok(Date.now() - started < 2_000);
  });

  it('when Graph does not answer within the timeout, then the request is abandoned as "unavailable"', async () => {
    handle = () => undefined;
    const started = Date.now();
    assert.equal((await failure(gateway(300).get({ path: '/users' }))).reason, 'unavailable');
    const took = Date.now() - started;
    assert.ok(took >= 250 && took < 2_000, `took ${took} ms`);
  });
});
