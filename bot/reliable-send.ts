import type { Activity, Middleware, ResourceResponse, TurnContext } from 'botbuilder';

import type { Logger } from '../services/logger';

/** Teams allows a bot 7 sends per second per conversation (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit). */
const SENDS_PER_SECOND = 7;
const RETRIABLE = new Set([412, 429, 502, 503, 504]);
const MAX_ATTEMPTS = 5;
/** A connection that failed or dropped before Teams answered (the HTTP client's error codes). */
const NETWORK_ERRORS = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'REQUEST_SEND_ERROR',
]);

/** A conversation's last sends, each as the promise of the time it completed (Teams had it by then). */
interface Pacing {
  sends: Promise<number>[];
  inFlight: number;
  lastDoneAt: number;
}

interface SendError {
  statusCode?: number;
  code?: string;
  response?: { headers?: { get?(name: string): string | undefined } };
}

/**
 * Replies are paced per conversation and retried on Teams' throttling and gateway errors (429, 412, 502, 503, 504)
 * and on dropped connections, with exponential backoff and jitter, honouring Retry-After, as Teams asks; a reply is never silently dropped —
 * after the last attempt the error reaches `onTurnError`.
 */
export class ReliableSend implements Middleware {
  private readonly recent = new Map<string, Pacing>();

  constructor(
    private readonly logger: Logger,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly baseDelayMs = 250,
  ) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
    withoutClientRetries(context.turnState.get(context.adapter.ConnectorClientKey));
    context.onSendActivities(async (ctx, activities, sendNext) => this.send(ctx, activities, sendNext));
    context.onUpdateActivity(async (ctx, _activity, updateNext) => {
      await this.withRetries(ctx, updateNext);
    });
    await next();
  }

  private async send(
    context: TurnContext,
    activities: Partial<Activity>[],
    sendNext: () => Promise<ResourceResponse[]>,
  ): Promise<ResourceResponse[]> {
    // expectReplies turns are answered in the HTTP response, not through the connector: nothing to pace.
    if (context.activity.deliveryMode === 'expectReplies') return sendNext();
    return this.paced(context.activity.conversation?.id ?? '', activities.length, () =>
      this.withRetries(context, sendNext),
    );
  }

  private async withRetries<T>(context: TurnContext, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries += 1) {
      try {
        return await attempt();
      } catch (error) {
        const status = (error as SendError).statusCode ?? 0;
        const network = status === 0 ? (error as SendError).code : undefined;
        const retriable = RETRIABLE.has(status) || (network !== undefined && NETWORK_ERRORS.has(network));
        if (!retriable || tries >= MAX_ATTEMPTS) throw error;
        const retryAfter = Number((error as SendError).response?.headers?.get?.('retry-after'));
        const ceiling = this.baseDelayMs * 2 ** (tries - 1);
        const delay =
          Number.isFinite(retryAfter) && retryAfter > 0
            ? retryAfter * 1000
            : ceiling / 2 + Math.random() * (ceiling / 2);
        this.logger.warn(
          { status, network, tries, delay, conversationId: context.activity.conversation?.id },
          'Teams refused a send; retrying',
        );
        await this.sleep(delay);
      }
    }
  }

  /**
   * A sliding one-second window per conversation, measured where Teams measures it: a send starts no sooner than a
   * second after the send seven places before it has completed, so however long each request spends on the way, no
   * second at Teams' end holds more than seven. The place is taken before any await, so concurrent turns in one
   * conversation queue behind each other instead of all taking the last free one; a batch takes one place per activity.
   */
  private async paced<T>(conversationId: string, count: number, send: () => Promise<T>): Promise<T> {
    const pacing = this.recent.get(conversationId) ?? { sends: [], inFlight: 0, lastDoneAt: 0 };
    this.recent.set(conversationId, pacing);
    // The send seven places before the last of these (the latest one, for a batch larger than seven can ever fit).
    const index = Math.min(pacing.sends.length + count - 1 - SENDS_PER_SECOND, pacing.sends.length - 1);
    const blocking = index >= 0 ? pacing.sends[index] : null;
    let finished: (at: number) => void = () => undefined;
    const done = new Promise<number>((resolve) => (finished = resolve));
    for (let place = 0; place < count; place += 1) pacing.sends.push(done);
    pacing.sends = pacing.sends.slice(-SENDS_PER_SECOND);
    pacing.inFlight += 1;
    if (this.recent.size > 10_000) this.forgetIdle();
    try {
      if (blocking !== null) {
        const wait = (await blocking) + 1000 - Date.now();
        if (wait > 0) await this.sleep(wait);
      }
      return await send();
    } finally {
      pacing.inFlight -= 1;
      pacing.lastDoneAt = Date.now();
      finished(pacing.lastDoneAt);
    }
  }

  private forgetIdle(): void {
    const cutoff = Date.now() - 1000;
    for (const [id, pacing] of this.recent)
      if (pacing.inFlight === 0 && pacing.lastDoneAt <= cutoff) this.recent.delete(id);
  }
}

/**
 * botframework-connector's client retries on its own, beneath this middleware: 5xx three times, 1 to 4 s apart, and
 * 429 with Retry-After. Stacked, one reply took 4 requests per attempt here, 20 in all, and a Teams outage held a turn
 * (its answer, then its apology) for about a minute and 40 requests. Sends are retried here, with Teams' own rules, so
 * the client's policy goes. The client keeps its core-rest-pipeline in `client` (botbuilder-stdlib's
 * ServiceClientContext); should that change, test/reliability/connector-faults.test.ts counts the requests again.
 */
const withoutClientRetries = (connector: unknown): void => {
  const client = (
    connector as { client?: { pipeline?: { removePolicy(policy: { name: string }): unknown } } }
  )?.client;
  client?.pipeline?.removePolicy({ name: 'defaultRetryPolicy' });
};
