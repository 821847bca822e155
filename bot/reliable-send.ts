import type { Activity, Middleware, ResourceResponse, TurnContext } from 'botbuilder';

import type { Logger } from '../services/logger';

/** Teams allows a bot 7 sends per second per conversation (learn.microsoft.com/microsoftteams/platform/bots/how-to/rate-limit). */
const SENDS_PER_SECOND = 7;
const RETRIABLE = new Set([412, 429, 502, 503, 504]);
const MAX_ATTEMPTS = 5;

interface SendError {
  statusCode?: number;
  response?: { headers?: { get?(name: string): string | undefined } };
}

/**
 * Replies are paced per conversation and retried on Teams' throttling and gateway errors (429, 412, 502, 503, 504)
 * with exponential backoff and jitter, honouring Retry-After, as Teams asks; a reply is never silently dropped —
 * after the last attempt the error reaches `onTurnError`.
 */
export class ReliableSend implements Middleware {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly logger: Logger,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly baseDelayMs = 250,
  ) {}

  async onTurn(context: TurnContext, next: () => Promise<void>): Promise<void> {
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
    await this.pace(context.activity.conversation?.id ?? '', activities.length);
    return this.withRetries(context, sendNext);
  }

  private async withRetries<T>(context: TurnContext, attempt: () => Promise<T>): Promise<T> {
    for (let tries = 1; ; tries += 1) {
      try {
        return await attempt();
      } catch (error) {
        const status = (error as SendError).statusCode ?? 0;
        if (!RETRIABLE.has(status) || tries >= MAX_ATTEMPTS) throw error;
        const retryAfter = Number((error as SendError).response?.headers?.get?.('retry-after'));
        const ceiling = this.baseDelayMs * 2 ** (tries - 1);
        const delay =
          Number.isFinite(retryAfter) && retryAfter > 0
            ? retryAfter * 1000
            : ceiling / 2 + Math.random() * (ceiling / 2);
        this.logger.warn(
          { status, tries, delay, conversationId: context.activity.conversation?.id },
          'Teams refused a send; retrying',
        );
        await this.sleep(delay);
      }
    }
  }

  /** A sliding one-second window per conversation. */
  private async pace(conversationId: string, count: number): Promise<void> {
    for (let sent = 0; sent < count; sent += 1) {
      const now = Date.now();
      const times = (this.recent.get(conversationId) ?? []).filter((time) => time > now - 1000);
      if (times.length >= SENDS_PER_SECOND) await this.sleep(times[0] + 1000 - now);
      times.push(Date.now());
      this.recent.set(conversationId, times);
    }
    if (this.recent.size > 10_000) this.forgetIdle();
  }

  private forgetIdle(): void {
    const cutoff = Date.now() - 1000;
    for (const [id, times] of this.recent) if (times.every((time) => time <= cutoff)) this.recent.delete(id);
  }
}
