/**
 * Graph's per-tenant service limits that a client must respect itself (learn.microsoft.com/graph/throttling-limits):
 * identity and access reports allow 5 requests per 10 s per app per tenant; ID Protection and conditional access allow
 * 1 request per second per tenant and answer 429 *without* Retry-After, so waiting beforehand beats backing off blind.
 */
export type GraphBucket = 'reports' | 'idProtection' | 'directory';

export interface BucketLimit {
  count: number;
  perMs: number;
}

export type RateLimits = Partial<Record<GraphBucket, BucketLimit>>;

export const GRAPH_SERVICE_LIMITS: RateLimits = {
  reports: { count: 5, perMs: 10_000 },
  idProtection: { count: 1, perMs: 1_000 },
};

export const bucketFor = (path: string): GraphBucket => {
  if (/^\/auditLogs\//i.test(path) || /\/authentication\/methods/i.test(path)) return 'reports';
  if (/^\/identityProtection\//i.test(path) || /^\/identity\/conditionalAccess\//i.test(path))
    return 'idProtection';
  return 'directory';
};

/** A sliding-window limiter per bucket; callers queue in arrival order. */
export class RateLimiter {
  private readonly sent = new Map<GraphBucket, number[]>();
  private readonly queues = new Map<GraphBucket, Promise<void>>();

  constructor(
    private readonly limits: RateLimits,
    private readonly now: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) =>
      new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  acquire(bucket: GraphBucket): Promise<void> {
    const limit = this.limits[bucket];
    if (!limit) return Promise.resolve();
    const previous = this.queues.get(bucket) ?? Promise.resolve();
    const turn = previous.then(() => this.take(bucket, limit));
    this.queues.set(bucket, turn);
    return turn;
  }

  private async take(bucket: GraphBucket, limit: BucketLimit): Promise<void> {
    const times = this.sent.get(bucket) ?? [];
    for (;;) {
      const now = this.now();
      while (times.length > 0 && times[0] <= now - limit.perMs) times.shift();
      if (times.length < limit.count) {
        times.push(now);
        this.sent.set(bucket, times);
        return;
      }
      await this.sleep(times[0] + limit.perMs - now);
    }
  }
}
