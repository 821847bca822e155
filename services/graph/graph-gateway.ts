import { Client, GraphError as SdkGraphError, HTTPMessageHandler } from '@microsoft/microsoft-graph-client';
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';

import { GraphError, parseRetryAfter, reasonFor } from './graph-error';
import { RateLimiter, bucketFor } from './rate-limiter';

export type GraphVersion = 'v1.0' | 'beta';

export interface GraphRequest {
  /** Correlates a `$batch` item with its response; filled in by `batch()` when absent. */
  id?: string;
  method?: 'GET' | 'POST' | 'PATCH';
  /** Relative to the version root, e.g. `/users/{id}`; path segments already encoded (see `odata.ts`). */
  path: string;
  /** Raw OData values; the gateway percent-encodes them (the SDK does not). */
  query?: Record<string, string | number>;
  headers?: Record<string, string>;
  body?: unknown;
  version?: GraphVersion;
}

export interface GraphPage<T> {
  items: T[];
  nextLink: string | null;
}

export interface ListResult<T> {
  items: T[];
  pages: number;
  /** True when the scan stopped at its bound while Graph still had more pages. */
  truncated: boolean;
  /** Where to continue, for "Show more". */
  nextLink: string | null;
}

export type BatchItemResult<T = unknown> =
  { ok: true; status: number; body: T } | { ok: false; error: GraphError };

export interface TokenProvider {
  getAccessToken(): Promise<string>;
}

export interface GraphGatewayOptions {
  /** Origin (and optional path) Graph is served from, e.g. `https://graph.microsoft.com` or the demo tenant. */
  baseUrl: string;
  tokens: TokenProvider | null;
  retry?: { maxRetries: number; baseDelayMs: number; maxDelayMs: number };
  /** Each attempt's deadline, so a slow Graph never holds a turn past its budget. */
  timeoutMs?: number;
  limiter?: RateLimiter | null;
  /** Injected for tests (fake timers); defaults to a real timer. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The only place that talks to Microsoft Graph: authentication, `$batch`, bounded paging, throttling (429 with
 * Retry-After, and our own jittered backoff where Graph sends none), and typed errors for the cards.
 */
export class GraphGateway {
  private readonly client: Client;
  private readonly origin: string;
  private readonly retry: { maxRetries: number; baseDelayMs: number; maxDelayMs: number };
  private readonly timeoutMs: number;
  private readonly limiter: RateLimiter | null;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: GraphGatewayOptions) {
    const base = new URL(options.baseUrl);
    this.origin = `${base.origin}${base.pathname.replace(/\/$/, '')}`;
    this.retry = options.retry ?? { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 10_000 };
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.limiter = options.limiter ?? null;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    // A custom chain: the SDK's own RetryHandler waits a fixed 3 s and knows nothing of per-tenant buckets, and its
    // AuthenticationHandler drops the token for hosts it does not recognise; we do both here instead.
    const auth = new BearerTokenMiddleware(options.tokens);
    auth.setNext(new HTTPMessageHandler());
    this.client = Client.initWithMiddleware({
      baseUrl: `${this.origin}/`,
      defaultVersion: 'v1.0',
      middleware: auth,
    });
  }

  get baseUrl(): string {
    return this.origin;
  }

  async get<T>(request: Omit<GraphRequest, 'method' | 'body'>): Promise<T> {
    return this.send<T>({ ...request, method: 'GET' });
  }

  async post<T>(request: Omit<GraphRequest, 'method'>): Promise<T> {
    return this.send<T>({ ...request, method: 'POST' });
  }

  async patch<T>(request: Omit<GraphRequest, 'method'>): Promise<T> {
    return this.send<T>({ ...request, method: 'PATCH' });
  }

  /** One page of a collection; `page()` continues from its nextLink. */
  async firstPage<T>(request: Omit<GraphRequest, 'method' | 'body'>): Promise<GraphPage<T>> {
    const body = await this.get<CollectionBody<T>>(request);
    return toPage(body);
  }

  async page<T>(nextLink: string, version: GraphVersion = 'v1.0'): Promise<GraphPage<T>> {
    const body = await this.get<CollectionBody<T>>({
      path: this.relativeNextLink(nextLink, version),
      version,
    });
    return toPage(body);
  }

  /** Follows nextLinks until `maxItems` or `maxPages`, whichever comes first, and says whether it stopped early. */
  async list<T>(
    request: Omit<GraphRequest, 'method' | 'body'>,
    bounds: { maxItems: number; maxPages: number },
  ): Promise<ListResult<T>> {
    let page = await this.firstPage<T>(request);
    return this.continueList(page, request.version ?? 'v1.0', bounds, async (link) => {
      page = await this.page<T>(link, request.version ?? 'v1.0');
      return page;
    });
  }

  /** Continues a scan whose first page came from elsewhere (e.g. a `$batch` item). */
  async continueList<T>(
    first: GraphPage<T>,
    version: GraphVersion,
    bounds: { maxItems: number; maxPages: number },
    fetchPage: (nextLink: string) => Promise<GraphPage<T>> = (link) => this.page<T>(link, version),
  ): Promise<ListResult<T>> {
    const items = [...first.items];
    let nextLink = first.nextLink;
    let pages = 1;
    while (nextLink && pages < bounds.maxPages && items.length < bounds.maxItems) {
      const next = await fetchPage(nextLink);
      items.push(...next.items);
      nextLink = next.nextLink;
      pages += 1;
    }
    return {
      items: items.slice(0, bounds.maxItems),
      pages,
      truncated: nextLink !== null || items.length > bounds.maxItems,
      nextLink,
    };
  }

  /**
   * Runs up to 20 requests in one `$batch` round trip (Graph's limit). Items that come back throttled are retried in a
   * follow-up batch after the longest Retry-After among them; other failures are returned per item.
   */
  async batch<T = unknown>(requests: GraphRequest[]): Promise<Map<string, BatchItemResult<T>>> {
    if (requests.length === 0) return new Map();
    if (requests.length > 20) throw new RangeError('Graph accepts at most 20 requests in one $batch');
    const withIds = requests.map((request, index) => ({ ...request, id: request.id ?? String(index + 1) }));
    const results = new Map<string, BatchItemResult<T>>();
    let pending = withIds;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      const body = await this.send<BatchResponseBody>({
        method: 'POST',
        path: '/$batch',
        body: { requests: pending.map((request) => toBatchItem(request)) },
      });
      const throttled: typeof pending = [];
      let wait = 0;
      for (const request of pending) {
        const response = body.responses?.find((item) => item.id === request.id);
        if (!response) {
          results.set(request.id, {
            ok: false,
            error: new GraphError({
              reason: 'unavailable',
              status: 502,
              message: 'Graph returned no response for a batch item',
              path: request.path,
            }),
          });
          continue;
        }
        if (response.status >= 200 && response.status < 300) {
          results.set(request.id, { ok: true, status: response.status, body: response.body as T });
          continue;
        }
        const error = errorFromBody(
          response.status,
          response.body,
          request.path,
          headerValue(response.headers, 'retry-after'),
        );
        if (error.reason === 'throttled' && attempt < this.retry.maxRetries) {
          throttled.push(request);
          wait = Math.max(wait, this.backoff(attempt, error.retryAfterSeconds));
        } else {
          results.set(request.id, { ok: false, error });
        }
      }
      pending = throttled;
      if (pending.length > 0) await this.sleep(wait);
    }
    return results;
  }

  private async send<T>(request: GraphRequest): Promise<T> {
    const version = request.version ?? 'v1.0';
    for (let attempt = 0; ; attempt += 1) {
      await this.limiter?.acquire(bucketFor(request.path));
      try {
        return await this.attempt<T>(request, version);
      } catch (error) {
        const graphError = toGraphError(error, request.path);
        const retriable =
          graphError.reason === 'throttled' ||
          (graphError.reason === 'unavailable' && request.method !== 'PATCH');
        if (!retriable || attempt >= this.retry.maxRetries) throw graphError;
        await this.sleep(this.backoff(attempt, graphError.retryAfterSeconds));
      }
    }
  }

  private async attempt<T>(request: GraphRequest, version: GraphVersion): Promise<T> {
    const [path, inlineQuery] = splitQuery(request.path);
    let call = this.client.api(inlineQuery ? `${path}?${inlineQuery}` : path).version(version);
    if (request.query) call = call.query(encodeQuery(request.query));
    if (request.headers) call = call.headers(request.headers);
    call = call.option('signal', AbortSignal.timeout(this.timeoutMs));
    switch (request.method ?? 'GET') {
      case 'GET':
        return (await call.get()) as T;
      case 'POST':
        return (await call.post(request.body ?? {})) as T;
      case 'PATCH':
        return (await call.patch(request.body ?? {})) as T;
    }
  }

  /** Graph's Retry-After when it sent one; otherwise exponential backoff with full jitter. */
  private backoff(attempt: number, retryAfterSeconds: number | null): number {
    if (retryAfterSeconds !== null) return Math.min(retryAfterSeconds * 1000, this.retry.maxDelayMs);
    const ceiling = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** attempt);
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  /**
   * The SDK only understands absolute `https://` links in `api()`, and we must never send our token to another host,
   * so a nextLink is followed only when it points back at our own base URL, and then as a relative path.
   */
  private relativeNextLink(nextLink: string, version: GraphVersion): string {
    const prefix = `${this.origin}/${version}`;
    if (!nextLink.startsWith(`${prefix}/`)) {
      throw new GraphError({
        reason: 'bad-request',
        status: 400,
        message: 'Graph returned a next link to another host',
        path: nextLink,
      });
    }
    return nextLink.slice(prefix.length);
  }
}

class BearerTokenMiddleware implements Middleware {
  private next: Middleware | undefined;

  constructor(private readonly tokens: TokenProvider | null) {}

  async execute(context: Context): Promise<void> {
    if (this.tokens) {
      const authorization = `Bearer ${await this.tokens.getAccessToken()}`;
      const options = context.options ?? {};
      if (options.headers instanceof Headers) options.headers.set('Authorization', authorization);
      else
        options.headers = {
          ...(options.headers as Record<string, string> | undefined),
          Authorization: authorization,
        };
      context.options = options;
    }
    if (!this.next) throw new Error('BearerTokenMiddleware has no next handler');
    await this.next.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

interface CollectionBody<T> {
  value?: T[];
  '@odata.nextLink'?: string;
}

interface BatchResponseBody {
  responses?: { id: string; status: number; headers?: Record<string, string>; body?: unknown }[];
}

const toPage = <T>(body: CollectionBody<T>): GraphPage<T> => ({
  items: Array.isArray(body.value) ? body.value : [],
  nextLink: typeof body['@odata.nextLink'] === 'string' ? body['@odata.nextLink'] : null,
});

const encodeQuery = (query: Record<string, string | number>): Record<string, string> =>
  Object.fromEntries(Object.entries(query).map(([key, value]) => [key, encodeURIComponent(String(value))]));

const splitQuery = (path: string): [string, string] => {
  const index = path.indexOf('?');
  return index < 0 ? [path, ''] : [path.slice(0, index), path.slice(index + 1)];
};

const toBatchItem = (request: GraphRequest & { id: string }) => {
  const [path, inline] = splitQuery(request.path);
  const params = [
    inline,
    ...Object.entries(request.query ?? {}).map(
      ([key, value]) => `${key}=${encodeURIComponent(String(value))}`,
    ),
  ].filter(Boolean);
  return {
    id: request.id,
    method: request.method ?? 'GET',
    url: params.length ? `${path}?${params.join('&')}` : path,
    ...(request.headers || request.body !== undefined
      ? {
          headers: {
            ...(request.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...request.headers,
          },
        }
      : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
  };
};

const headerValue = (headers: Record<string, string> | undefined, name: string): string | null => {
  if (!headers) return null;
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  return key ? headers[key] : null;
};

const errorFromBody = (
  status: number,
  body: unknown,
  path: string,
  retryAfter: string | null,
): GraphError => {
  const inner = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
  const message = inner?.message ?? `Graph answered ${status}`;
  const code = inner?.code ?? null;
  return new GraphError({
    reason: reasonFor(status, code, message),
    status,
    code,
    message,
    path,
    retryAfterSeconds: parseRetryAfter(retryAfter),
  });
};

const toGraphError = (error: unknown, path: string): GraphError => {
  if (error instanceof GraphError) return error;
  if (error instanceof SdkGraphError) {
    const status = error.statusCode > 0 ? error.statusCode : 503;
    const retryAfter = error.headers?.get?.('Retry-After') ?? null;
    // statusCode -1 is how the SDK reports a network failure, a timeout or an unparsable body.
    const message = error.statusCode > 0 ? error.message : 'Graph could not be reached';
    return new GraphError({
      reason: reasonFor(status, error.code, error.message),
      status,
      code: error.code,
      message,
      path,
      retryAfterSeconds: parseRetryAfter(retryAfter),
      cause: error,
    });
  }
  return new GraphError({
    reason: 'unavailable',
    status: 503,
    message: 'Graph could not be reached',
    path,
    cause: error,
  });
};
