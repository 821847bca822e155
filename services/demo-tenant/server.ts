import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { JSON_CONTENT_TYPE, parseBatch, runBatch, type BatchRequest } from './batch';
import { FaultInjector, validateFaults, type FaultBucket, type FaultRule, type MatchedFault } from './faults';
import { holdsKept, jsonBytes } from './json-text';
import { RequestLog } from './request-log';
import { INVALID_JSON, errorReply, route, type GraphCall, type GraphVersion, type Reply } from './routes';
import { SMALL_SCALE, Tenant, type ScaleOptions } from './tenant';

export interface DemoTenantOptions {
  /** Default 3979; 0 picks an ephemeral port. */
  port?: number;
  /** Default '127.0.0.1': the demo tenant is for this machine only. */
  host?: string;
  /** Default 1. */
  seed?: number;
  /** The clock; the story is anchored to its value at construction. Default `() => new Date()`. */
  now?: () => Date;
  /** Default: a small tenant (about 60 users, a few thousand sign-ins). */
  scale?: ScaleOptions;
  /** Default none. */
  faults?: FaultRule[];
}

const MAX_BODY_BYTES = 1024 * 1024;

const DIAGNOSTIC = JSON.stringify({
  ServerInfo: {
    DataCenter: 'Local',
    Slice: 'E',
    Ring: '0',
    ScaleUnit: '000',
    RoleInstance: 'WOODGROVE-DEMO',
  },
});

const decodeComponent = (text: string): string => {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
};

// Built by one loop into one array literal, empty or not, so every query array has the same shape and the code that
// reads them on every request stays optimized (an empty `[]` and an array from map() differed, and V8 threw away the
// optimized request handler whenever the other one turned up).
const decodeQuery = (raw: string): [string, string][] => {
  const pairs: [string, string][] = [];
  for (const pair of raw ? raw.split('&') : []) {
    if (!pair) continue;
    const index = pair.indexOf('=');
    const key = index < 0 ? pair : pair.slice(0, index);
    const value = index < 0 ? '' : pair.slice(index + 1);
    pairs.push([decodeComponent(key), decodeComponent(value)]);
  }
  return pairs;
};

const splitUrl = (url: string): [string, string] => {
  const index = url.indexOf('?');
  return index < 0 ? [url, ''] : [url.slice(0, index), url.slice(index + 1)];
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** How Graph fails in each case this fault stands for (reference/entra_graph.md §2.5, §2.7, §3.3). */
const faultReply = (
  fault: MatchedFault,
  ids: Pick<GraphCall, 'requestId' | 'clientRequestId' | 'now'>,
): Reply | null => {
  const { rule, bucket } = fault;
  switch (rule.kind) {
    case 'throttle': {
      // ID Protection and conditional access throttle without Retry-After (throttling-limits).
      const sendsRetryAfter = bucket === 'reports' || bucket === 'directory';
      const headers: Record<string, string> = sendsRetryAfter
        ? { 'Retry-After': String(rule.retryAfterSeconds ?? 1) }
        : {};
      return errorReply(ids, 429, 'TooManyRequests', 'Too many requests. Please retry later.', headers);
    }
    case 'unavailable':
      return errorReply(
        ids,
        503,
        'ServiceUnavailable',
        'The service is temporarily unavailable. Please retry later.',
        rule.retryAfterSeconds !== undefined ? { 'Retry-After': String(rule.retryAfterSeconds) } : undefined,
      );
    case 'gatewayTimeout':
      return errorReply(
        ids,
        504,
        'GatewayTimeout',
        'The operation timed out before the service could complete it.',
      );
    case 'forbidden':
      return errorReply(
        ids,
        403,
        'Authorization_RequestDenied',
        'Insufficient privileges to complete the operation.',
      );
    case 'unlicensed':
      return unlicensed(bucket, ids);
    case 'slow':
    case 'malformed':
    case 'reset':
      return null;
  }
};

/**
 * Sign-in logs and signInActivity need Entra ID P1 ("Neither tenant is B2C or tenant doesn't have premium
 * license"); ID Protection needs P2 and risky workloads need Workload ID Premium, which Graph reports as
 * "Your tenant is not licensed for this feature."
 */
const unlicensed = (
  bucket: FaultBucket,
  ids: Pick<GraphCall, 'requestId' | 'clientRequestId' | 'now'>,
): Reply => {
  if (bucket === 'idProtection' || bucket === 'conditionalAccess') {
    return errorReply(ids, 403, 'Forbidden', 'Your tenant is not licensed for this feature.');
  }
  return errorReply(
    ids,
    403,
    'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
    "Neither tenant is B2C or tenant doesn't have premium license",
  );
};

/**
 * The embedded, Graph-compatible Woodgrove Bank tenant: Node's http server, Graph's paths under /v1.0 and /beta,
 * `$batch`, fault injection, a request log, and `/_demo/*` controls for tests in other processes.
 */
export class DemoTenant {
  readonly requestLog = new RequestLog();
  private readonly tenant: Tenant;
  private readonly faults: FaultInjector;
  private readonly clock: () => Date;
  private readonly port: number;
  private readonly host: string;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private origin: string | null = null;

  constructor(options: DemoTenantOptions = {}) {
    this.clock = options.now ?? (() => new Date());
    this.port = options.port ?? 3979;
    this.host = options.host ?? '127.0.0.1';
    this.tenant = new Tenant(options.seed ?? 1, this.clock().getTime(), options.scale ?? SMALL_SCALE);
    this.faults = new FaultInjector(options.faults ?? []);
  }

  /** Listens and resolves to the origin, e.g. `http://127.0.0.1:3979`. */
  async start(): Promise<string> {
    if (this.server) throw new Error('The demo tenant is already started');
    const server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': JSON_CONTENT_TYPE });
          res.end(JSON.stringify({ error: { code: 'InternalServerError', message: String(error) } }));
        } else res.destroy();
      });
    });
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    this.origin = `http://${host}:${address.port}`;
    return this.origin;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    server.closeAllConnections();
    await closed;
  }

  setFaults(rules: FaultRule[]): void {
    this.faults.set(validateFaults(rules));
  }

  /** Drops every remediation change (revoked sessions, disabled accounts, risk actions). */
  reset(): void {
    this.tenant.overlay.reset();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const [rawPath, rawQuery] = splitUrl(req.url ?? '/');
    const text = await readBody(req);
    if (text === null) {
      this.send(
        res,
        {
          status: 413,
          body: { error: { code: 'RequestEntityTooLarge', message: 'The request body is too large.' } },
        },
        randomUUID(),
        randomUUID(),
      );
      return;
    }
    if (rawPath === '/_demo' || rawPath.startsWith('/_demo/')) {
      this.control(method, rawPath, text, res);
      return;
    }
    const requestId = randomUUID();
    const headerId = req.headers['client-request-id'];
    const clientRequestId = typeof headerId === 'string' && headerId ? headerId : requestId;
    const now = this.clock();
    const ids = { requestId, clientRequestId, now };
    const query = decodeQuery(rawQuery);
    const log = (status: number) =>
      this.requestLog.add({
        at: now.toISOString(),
        method,
        path: rawPath,
        query: queryText(query),
        status,
      });

    const versioned = /^\/(v1\.0|beta)(\/.*)?$/i.exec(rawPath);
    if (!versioned) {
      const reply = errorReply(ids, 400, 'BadRequest', 'Invalid version.');
      log(reply.status);
      this.send(res, reply, requestId, clientRequestId);
      return;
    }
    const version = versioned[1].toLowerCase() === 'beta' ? 'beta' : 'v1.0';
    const path = versioned[2] ?? '/';
    const envelope = path.toLowerCase() === '/$batch';
    const fault = this.faults.match(method, path, envelope);
    if (fault?.rule.kind === 'reset') {
      log(0);
      req.socket.destroy();
      return;
    }
    if (fault?.rule.kind === 'slow') await sleep(fault.rule.delayMs ?? 0);
    if (fault?.rule.kind === 'malformed') {
      log(200);
      res.writeHead(200, {
        'Content-Type': JSON_CONTENT_TYPE,
        'request-id': requestId,
        'client-request-id': clientRequestId,
      });
      res.end(`{"@odata.context":"${this.originOf(req)}/${version}/$metadata#value","value":[{"id":`);
      return;
    }
    const injected = fault ? faultReply(fault, ids) : null;
    let reply: Reply;
    if (injected) reply = injected;
    else if (envelope) reply = await this.batch(method, version, text, req, ids);
    else {
      reply = route(this.tenant, {
        method,
        version,
        path,
        query,
        headers: lowerHeaders(req.headers),
        body: parseJson(text),
        origin: this.originOf(req),
        requestId,
        clientRequestId,
        now,
      });
    }
    log(reply.status);
    this.send(res, reply, requestId, clientRequestId);
  }

  private async batch(
    method: string,
    version: GraphVersion,
    text: string,
    req: IncomingMessage,
    ids: { requestId: string; clientRequestId: string; now: Date },
  ): Promise<Reply> {
    if (method !== 'POST') {
      return errorReply(
        ids,
        405,
        'Request_BadRequest',
        'Specified HTTP method is not allowed for the request target.',
      );
    }
    const body = parseJson(text);
    if (body === INVALID_JSON || body === undefined)
      return errorReply(ids, 400, 'BadRequest', 'Invalid batch payload format.');
    const parsed = parseBatch(body, ids);
    if (!Array.isArray(parsed)) return parsed;
    const origin = this.originOf(req);
    const responses = await runBatch(parsed, ids, (request) =>
      this.batchItem(request, version, origin, ids.clientRequestId),
    );
    return { status: 200, body: holdsKept({ responses }, [responses]) };
  }

  /** One request inside `$batch`: its own faults, its own status, logged with `batchItem`; later only when slowed. */
  private batchItem(
    request: BatchRequest,
    version: GraphVersion,
    origin: string,
    clientRequestId: string,
  ): Reply | Promise<Reply> {
    const now = this.clock();
    const ids = { requestId: randomUUID(), clientRequestId, now };
    // Relative to the envelope's version; the official JS client sends `/v1.0/...` after stripping the host.
    let url = request.url.replace(/^\//, '');
    let itemVersion = version;
    const versioned = /^(v1\.0|beta)\//i.exec(url);
    if (versioned) {
      itemVersion = versioned[1].toLowerCase() === 'beta' ? 'beta' : 'v1.0';
      url = url.slice(versioned[0].length);
    }
    const [itemPath, itemQuery] = splitUrl(url);
    const path = `/${itemPath}`;
    const query = decodeQuery(itemQuery.replace(/ /g, '%20'));
    const log = (status: number) =>
      this.requestLog.add({
        at: now.toISOString(),
        method: request.method,
        path: `/${itemVersion}${path.replace(/ /g, '%20')}`,
        // Decoded as sent: only a raw space next to a bad escape decodes differently from the routed query.
        query: itemQuery.includes(' ') ? queryText(decodeQuery(itemQuery)) : queryText(query),
        status,
        batchItem: true,
      });
    if (/^https?:/i.test(request.url) || path.toLowerCase() === '/$batch') {
      const reply = errorReply(
        ids,
        400,
        'BadRequest',
        'Invalid request URL: batch requests must use relative URLs.',
      );
      log(reply.status);
      return reply;
    }
    const fault = this.faults.match(request.method, path, false);
    const answer = (): Reply => {
      const injected = fault ? faultReply(fault, ids) : null;
      const reply =
        injected ??
        route(this.tenant, {
          method: request.method,
          version: itemVersion,
          path: path.replace(/ /g, '%20'),
          query,
          headers: request.headers,
          body: request.body,
          origin,
          requestId: ids.requestId,
          clientRequestId,
          now,
        });
      log(reply.status);
      return reply;
    };
    return fault?.rule.kind === 'slow' ? sleep(fault.rule.delayMs ?? 0).then(answer) : answer();
  }

  private control(method: string, path: string, text: string, res: ServerResponse): void {
    const json = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'Content-Type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    switch (`${method} ${path.replace(/\/$/, '')}`) {
      case 'GET /_demo/requests':
        return json(200, { roundTrips: this.requestLog.roundTrips(), value: this.requestLog.entries() });
      case 'POST /_demo/requests/clear':
        this.requestLog.clear();
        return json(204);
      case 'GET /_demo/faults':
        return json(200, { value: this.faults.list() });
      case 'PUT /_demo/faults': {
        try {
          this.setFaults(validateFaults(JSON.parse(text || 'null'), 'PUT /_demo/faults'));
        } catch (error) {
          return json(400, { error: { code: 'BadRequest', message: (error as Error).message } });
        }
        return json(204);
      }
      case 'POST /_demo/reset':
        this.reset();
        return json(204);
      default:
        return json(404, { error: { code: 'NotFound', message: `No demo control at ${method} ${path}` } });
    }
  }

  private originOf(req: IncomingMessage): string {
    const host = req.headers.host;
    return host ? `http://${host}` : (this.origin ?? `http://${this.host}:${this.port}`);
  }

  private send(res: ServerResponse, reply: Reply, requestId: string, clientRequestId: string): void {
    const headers: Record<string, string> = {
      'request-id': requestId,
      'client-request-id': clientRequestId,
      'x-ms-ags-diagnostic': DIAGNOSTIC,
      'Cache-Control': 'no-cache',
      ...(reply.headers ?? {}),
    };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    // Bytes, not a string: a string body would be measured, joined to the head and encoded again on write.
    const payload = jsonBytes(reply.body)!;
    res.writeHead(reply.status, {
      ...headers,
      'Content-Type': JSON_CONTENT_TYPE,
      'OData-Version': '4.0',
      'Content-Length': String(payload.length),
    });
    res.end(payload);
  }
}

const lowerHeaders = (headers: IncomingMessage['headers']): Record<string, string | undefined> => {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers))
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
};

const queryText = (query: readonly [string, string][]): string => {
  let text = '';
  for (const [key, value] of query) text += `${text ? '&' : ''}${key}=${value}`;
  return text;
};

const parseJson = (text: string): unknown => {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return INVALID_JSON;
  }
};

const readBody = (req: IncomingMessage): Promise<string | null> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
