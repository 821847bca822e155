import {
  Client,
  GraphError as SdkGraphError,
  type Context,
  type Middleware,
} from '@microsoft/microsoft-graph-client';

import { annotateSpan, inSpan, pathTemplate } from '../telemetry';
import { GraphError, parseRetryAfter, reasonFor, TokenError } from './graph-error';
import { NodeHttpHandler } from './http-transport';
import { RateLimiter, bucketFor } from './rate-limiter';
import { MAX_BATCH_REQUESTS, SharedRoundTrip } from './shared-round-trip';

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

export interface ListBounds<T = unknown> {
  maxItems: number;
  maxPages: number;
  /** Told the running item count after each page, for progress updates on long scans. */
  onProgress?: (items: number) => void;
  /**
   * What to keep of each item as its page arrives (e.g. the fields a card shows), so that a long scan holds only that
   * rather than every whole object until the last page. For endpoints without `$select`, such as sign-in logs.
   */
  keep?: (item: T) => T;
}

export type BatchItemResult<T = unknown> =
  { ok: true; status: number; body: T } | { ok: false; error: GraphError };

/** Where Graph tokens come from; failures are `TokenError`s (see `token-provider.ts`). */
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
  private tokens: TokenProvider | null;
  private readonly origin: string;
  private readonly retry: { maxRetries: number; baseDelayMs: number; maxDelayMs: number };
  private readonly timeoutMs: number;
  private readonly limiter: RateLimiter | null;
  private readonly sleep: (ms: number) => Promise<void>;
  /** The time (ms since the epoch) by which this gateway's calls must be done: Infinity but in `withinBudget`'s views. */
  private deadlineAt = Infinity;
  /** Where this view's first calls go together: set on `sharingFirstRoundTrip`'s views only. */
  private sharing: SharedRoundTrip | null = null;

  constructor(options: GraphGatewayOptions) {
    const base = new URL(options.baseUrl);
    this.origin = `${base.origin}${base.pathname.replace(/\/$/, '')}`;
    this.retry = options.retry ?? { maxRetries: 3, baseDelayMs: 500, maxDelayMs: 10_000 };
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.limiter = options.limiter ?? null;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.tokens = options.tokens;
    // No SDK middleware but our HTTP handler (http-transport.ts): the SDK's own RetryHandler waits a fixed 3 s and
    // knows nothing of per-tenant buckets, and its AuthenticationHandler drops the token for hosts it does not
    // recognise (and would turn a token failure into a network error); we do both in `send` and `attempt` instead.
    this.client = Client.initWithMiddleware({
      baseUrl: `${this.origin}/`,
      defaultVersion: 'v1.0',
      middleware: [new StatusOnSpan(), new NodeHttpHandler()],
    });
  }

  get baseUrl(): string {
    return this.origin;
  }

  /**
   * This gateway with all its calls, however many and however deep, inside one time budget: each attempt's timeout is
   * cut to what is left, and no retry starts that could not finish in it. However Graph fails, the turn ends with an
   * answer or a card saying why within the budget, rather than after every call's own retries. A view within a view
   * keeps the tighter deadline.
   *
   * A view, not an AsyncLocalStorage: any `run` of one turns on Node 20's promise hooks for the whole process, and
   * they cost about a tenth of Warden's CPU per answer (README, Performance).
   */
  withinBudget(budgetMs: number): GraphGateway {
    // Views read everything they do not set through the prototype, so they share the client and the rate limiter.
    const view = Object.create(this) as GraphGateway;
    view.deadlineAt = Math.min(this.deadlineAt, Date.now() + budgetMs);
    return view;
  }

  /** This gateway with its calls made with `tokens`' tokens: the person asking, with delegated access. */
  withTokens(tokens: TokenProvider): GraphGateway {
    const view = Object.create(this) as GraphGateway;
    view.tokens = tokens;
    return view;
  }

  /**
   * This gateway with its first calls sent to Graph as one round trip: the GETs and batches made on this view before
   * the event loop's next turn go in one `$batch`, and each call gets what it would have got on its own. A follow-up
   * question starts its skill beside the user lookup (dialogs/early-answer.ts): both go in one request, not two. A
   * call alone goes as it always does, and so do calls made later, on other views (a budget taken from this one, say)
   * or to beta. The shared batch is one attempt: a request Graph throttled or failed in it is retried by its own call,
   * with the retries it had left, so no call's results wait on another's retries.
   */
  sharingFirstRoundTrip(): GraphGateway {
    const view = Object.create(this) as GraphGateway;
    view.sharing = new SharedRoundTrip((requests) => view.batchOnce(requests));
    return view;
  }

  /** The round trip a call with `requests` joins, if this view shares one and it has not gone yet. */
  private sharedFor(requests: Pick<GraphRequest, 'version'>[]): SharedRoundTrip | null {
    const own = Object.prototype.hasOwnProperty.call(this, 'sharing') ? this.sharing : null;
    return own?.open && requests.every((request) => (request.version ?? 'v1.0') === 'v1.0') ? own : null;
  }

  /** Makes `withinBudget(budgetMs)` the gateway that `forTurn` gives out for this turn. */
  startTurn(turn: TurnScoped, budgetMs: number): void {
    turn.turnState.set(TURN_GATEWAY, this.withinBudget(budgetMs));
  }

  /** Runs `work` with this turn's calls made with `tokens` (within the turn's budget), and only `work`'s. */
  async runAs<T>(turn: TurnScoped, tokens: TokenProvider, work: () => Promise<T>): Promise<T> {
    const before: unknown = turn.turnState.get(TURN_GATEWAY);
    turn.turnState.set(TURN_GATEWAY, this.forTurn(turn).withTokens(tokens));
    try {
      return await work();
    } finally {
      turn.turnState.set(TURN_GATEWAY, before);
    }
  }

  /** The gateway for this turn's calls: bounded by the turn's budget once `startTurn` has run, else this one. */
  forTurn(turn: TurnScoped): GraphGateway {
    const bound: unknown = turn.turnState.get(TURN_GATEWAY);
    return bound instanceof GraphGateway ? bound : this;
  }

  /** What is left of this gateway's budget (Infinity outside one). */
  private remainingMs(): number {
    return this.deadlineAt - Date.now();
  }

  /** Whether a retry after `delayMs` could still get an answer back within the budget. */
  private retryFits(delayMs: number): boolean {
    return delayMs + MIN_ATTEMPT_MS <= this.remainingMs();
  }

  async get<T>(request: Omit<GraphRequest, 'method' | 'body'>): Promise<T> {
    const shared = this.sharedFor([request]);
    const [result] = (shared && (await shared.take([{ ...request, method: 'GET' }]))) || [];
    if (result?.ok) return result.body as T;
    return this.send<T>({ ...request, method: 'GET' }, result?.error);
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
    bounds: ListBounds<T>,
  ): Promise<ListResult<T>> {
    return this.continueList(await this.firstPage<T>(request), request.version ?? 'v1.0', bounds);
  }

  /** Continues a scan whose first page came from elsewhere (e.g. a `$batch` item). */
  async continueList<T>(
    first: GraphPage<T>,
    version: GraphVersion,
    bounds: ListBounds<T>,
    fetchPage: (nextLink: string) => Promise<GraphPage<T>> = (link) => this.page<T>(link, version),
  ): Promise<ListResult<T>> {
    const keep = bounds.keep ?? ((item: T) => item);
    const items = first.items.map(keep);
    let nextLink = first.nextLink;
    let pages = 1;
    bounds.onProgress?.(items.length);
    while (nextLink && pages < bounds.maxPages && items.length < bounds.maxItems) {
      const next = await fetchPage(nextLink);
      for (const item of next.items) items.push(keep(item));
      nextLink = next.nextLink;
      pages += 1;
      bounds.onProgress?.(items.length);
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
    if (requests.length > MAX_BATCH_REQUESTS)
      throw new RangeError(`Graph accepts at most ${MAX_BATCH_REQUESTS} requests in one $batch`);
    const withIds = requests.map((request, index) => ({ ...request, id: request.id ?? String(index + 1) }));
    const shared = this.sharedFor(requests);
    const together = shared && (await shared.take(withIds));
    let round = together ? new Map(withIds.map((request, index) => [request.id, together[index]])) : null;
    const results = new Map<string, BatchItemResult<T>>();
    let pending = withIds;
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      round ??= await this.batchOnce(pending);
      const throttled: typeof pending = [];
      let wait = 0;
      for (const request of pending) {
        const result = round.get(request.id)!;
        if (!result.ok && result.error.reason === 'throttled' && attempt < this.retry.maxRetries) {
          throttled.push(request);
          wait = Math.max(wait, this.backoff(attempt, result.error.retryAfterSeconds));
        } else {
          results.set(request.id, result as BatchItemResult<T>);
        }
      }
      if (throttled.length > 0 && !this.retryFits(wait)) {
        for (const request of throttled)
          results.set(request.id, { ok: false, error: outOfTime(request.path, 'throttled') });
        throttled.length = 0;
      }
      pending = throttled;
      round = null;
      if (pending.length > 0) await this.sleep(wait);
    }
    return results;
  }

  /** One `$batch` round trip, without retrying throttled items: each request's result by id. */
  private async batchOnce(
    requests: (GraphRequest & { id: string })[],
  ): Promise<Map<string, BatchItemResult>> {
    const body = await this.send<BatchResponseBody>({
      method: 'POST',
      path: '/$batch',
      body: { requests: requests.map((request) => toBatchItem(request)) },
    });
    const results = new Map<string, BatchItemResult>();
    for (const request of requests) {
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
      } else if (response.status >= 200 && response.status < 300) {
        results.set(request.id, { ok: true, status: response.status, body: response.body });
      } else {
        const retryAfter = headerValue(response.headers, 'retry-after');
        results.set(request.id, {
          ok: false,
          error: errorFromBody(response.status, response.body, request.path, retryAfter),
        });
      }
    }
    return results;
  }

  /**
   * Sends `request`, retrying what Graph may answer on a second try. `failedFirst` is the failure of a first attempt
   * made elsewhere (in a shared `$batch`): it counts as attempt 0, so the request gets only the retries it had left.
   */
  private async send<T>(request: GraphRequest, failedFirst?: GraphError): Promise<T> {
    const version = request.version ?? 'v1.0';
    if (failedFirst) await this.waitToRetry(request, failedFirst, 0);
    for (let attempt = failedFirst ? 1 : 0; ; attempt += 1) {
      await this.limiter?.acquire(bucketFor(request.path));
      try {
        return await inSpan(
          'graph.request',
          {
            'http.request.method': request.method ?? 'GET',
            'url.template': pathTemplate(request.path),
            'warden.graph.version': version,
            'http.request.resend_count': attempt,
            'warden.graph.throttled': false,
          },
          (span) =>
            this.attempt<T>(request, version).catch((error: unknown) => {
              const graphError = toGraphError(error, request.path);
              span.setAttributes({
                'error.type': graphError.reason,
                'warden.graph.throttled': graphError.reason === 'throttled',
              });
              throw graphError;
            }),
          'client',
        );
      } catch (error) {
        await this.waitToRetry(request, toGraphError(error, request.path), attempt);
      }
    }
  }

  /** Waits as long as a retry after `error` on `attempt` should, or throws `error` when there is to be none. */
  private async waitToRetry(request: GraphRequest, error: GraphError, attempt: number): Promise<void> {
    const retriable =
      error.reason === 'throttled' || (error.reason === 'unavailable' && request.method !== 'PATCH');
    if (!retriable || attempt >= this.retry.maxRetries) throw error;
    const delay = this.backoff(attempt, error.retryAfterSeconds);
    // A retry that cannot finish within the turn's budget would only delay the card that says why.
    if (!this.retryFits(delay)) throw error;
    await this.sleep(delay);
  }

  private async attempt<T>(request: GraphRequest, version: GraphVersion): Promise<T> {
    const [path, inlineQuery] = splitQuery(request.path);
    let call = this.client.api(inlineQuery ? `${path}?${inlineQuery}` : path).version(version);
    if (request.query) call = call.query(encodeQuery(request.query));
    if (request.headers) call = call.headers(request.headers);
    if (this.tokens) call = call.header('Authorization', `Bearer ${await this.accessToken(request.path)}`);
    const remaining = this.remainingMs();
    if (remaining < MIN_ATTEMPT_MS) throw outOfTime(request.path, 'unavailable');
    call = call.option('signal', AbortSignal.timeout(Math.min(this.timeoutMs, remaining)));
    switch (request.method ?? 'GET') {
      case 'GET':
        return (await call.get()) as T;
      case 'POST':
        return (await call.post(request.body ?? {})) as T;
      case 'PATCH':
        return (await call.patch(request.body ?? {})) as T;
    }
  }

  /** A token, fetched per attempt (msal caches it); a refusal is final, an unreachable Entra is retried like Graph. */
  private async accessToken(path: string): Promise<string> {
    try {
      return await this.tokens!.getAccessToken();
    } catch (error) {
      const refused = error instanceof TokenError && error.refused;
      throw new GraphError({
        reason: refused ? 'forbidden' : 'unavailable',
        status: refused ? 401 : 503,
        code: 'TokenUnavailable',
        message: 'Warden could not get a token for Microsoft Graph',
        path,
        cause: error,
      });
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

/** What carries one turn's state: botbuilder's TurnContext. */
export interface TurnScoped {
  turnState: Map<unknown, unknown>;
}

const TURN_GATEWAY = Symbol('warden.graph.turn');

/** Below this, an attempt is not worth starting: it could not get an answer back in time. */
const MIN_ATTEMPT_MS = 250;

/** The turn's Graph budget is spent: the card says Graph did not answer in time (or was throttling). */
const outOfTime = (path: string, reason: 'throttled' | 'unavailable'): GraphError =>
  new GraphError({
    reason,
    status: reason === 'throttled' ? 429 : 504,
    message: 'Microsoft Graph did not answer within the time a question is allowed',
    path,
  });

/** Tells the request's span what Graph answered: on success the SDK returns only the body. */
class StatusOnSpan implements Middleware {
  private next: Middleware | null = null;

  async execute(context: Context): Promise<void> {
    await this.next?.execute(context);
    if (context.response) annotateSpan({ 'http.response.status_code': context.response.status });
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
