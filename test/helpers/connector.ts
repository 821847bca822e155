import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ConnectorCall {
  method: 'send' | 'reply' | 'update' | 'delete';
  conversationId: string;
  activityId: string | null;
  activity: Record<string, unknown>;
  at: number;
}

/** A message as the connector received it, and when (`process.hrtime.bigint()`, once its body was read). */
export interface Arrival {
  activity: Record<string, unknown>;
  at: bigint;
}

/** One call to refuse: answered with `status` (and `Retry-After`), or with its connection dropped (`reset`). */
export interface ConnectorFailure {
  status: number;
  retryAfter?: string;
  reset?: boolean;
}

/**
 * A local Bot Connector: the bot's replies arrive here over HTTP, exactly as they would at Teams' serviceUrl
 * (`/v3/conversations/{id}/activities[/{replyToId}]`). It records every call and can be told to fail some.
 */
export class LocalConnector {
  readonly calls: ConnectorCall[] = [];
  private server: Server | null = null;
  private origin = '';
  private nextId = 1000;
  private readonly nextMessage = new Map<string, (arrival: Arrival) => void>();
  private waiters: { predicate: (calls: ConnectorCall[]) => boolean; resolve: () => void }[] = [];
  /** Status codes to answer with, one per incoming call, before answering normally (e.g. [429, 502]). */
  failures: ConnectorFailure[] = [];
  /** The calls answered from `failures`, with when they came: what a retry's timing is measured from. */
  readonly refused: { status: number; url: string; at: number }[] = [];
  /** Keep every call in `calls` (tests); the benchmark and soak turn it off so memory stays flat. */
  record = true;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(
        ({ status, body, headers }) => {
          res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
          res.end(JSON.stringify(body));
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}/`;
    return this.origin;
  }

  /** The serviceUrl to put on activities. */
  get url(): string {
    return this.origin;
  }

  /**
   * The next message the bot sends to a conversation, with when it arrived (for the benchmark, which measures to the
   * reply's arrival and cannot afford to scan every call).
   */
  next(conversationId: string): Promise<Arrival> {
    return new Promise((resolve) => this.nextMessage.set(conversationId, resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Messages (not typing) sent to a conversation, in order. */
  messages(conversationId?: string): Record<string, unknown>[] {
    return this.calls
      .filter(
        (call) => (call.method === 'send' || call.method === 'reply') && call.activity.type === 'message',
      )
      .filter((call) => !conversationId || call.conversationId === conversationId)
      .map((call) => call.activity);
  }

  async waitFor(predicate: (calls: ConnectorCall[]) => boolean, timeoutMs = 10_000): Promise<void> {
    if (predicate(this.calls)) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`connector: condition not met within ${timeoutMs} ms; calls: ${this.calls.length}`),
          ),
        timeoutMs,
      );
      this.waiters.push({
        predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> {
    const body = await readBody(req);
    const arrivedAt = process.hrtime.bigint();
    const failure = this.failures.shift();
    if (failure) this.refused.push({ status: failure.status, url: req.url ?? '', at: Date.now() });
    if (failure?.reset) {
      req.socket.destroy();
      return { status: 500, body: null };
    }
    if (failure)
      return {
        status: failure.status,
        body: { error: { code: 'Throttled', message: 'test failure' } },
        headers: failure.retryAfter ? { 'Retry-After': failure.retryAfter } : {},
      };
    const match = /^\/v3\/conversations\/([^/]+)\/activities(?:\/([^/?]+))?/.exec(req.url ?? '');
    if (!match) return { status: 404, body: { error: 'not found' } };
    const conversationId = decodeURIComponent(match[1]);
    const activityId = match[2] ? decodeURIComponent(match[2]) : null;
    const method =
      req.method === 'PUT' ? 'update' : req.method === 'DELETE' ? 'delete' : activityId ? 'reply' : 'send';
    const id = method === 'update' && activityId ? activityId : String(this.nextId++);
    const call: ConnectorCall = {
      method,
      conversationId,
      activityId,
      activity: { ...(body as Record<string, unknown>), id },
      at: Date.now(),
    };
    if (this.record) this.calls.push(call);
    const waiting = this.nextMessage.get(conversationId);
    if (waiting && method !== 'update' && method !== 'delete' && call.activity.type === 'message') {
      this.nextMessage.delete(conversationId);
      waiting({ activity: call.activity, at: arrivedAt });
    }
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.predicate(this.calls)) return true;
      waiter.resolve();
      return false;
    });
    return { status: 200, body: { id } };
  }
}

/** A request's JSON body ({} when empty); rejects on a body that is not JSON. */
export const readBody = (req: IncomingMessage): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        resolve(text ? JSON.parse(text) : {});
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
