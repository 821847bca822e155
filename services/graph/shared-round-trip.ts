import type { BatchItemResult, GraphRequest } from './graph-gateway';

/** Graph's limit on requests in one `$batch`. */
export const MAX_BATCH_REQUESTS = 20;

interface Caller {
  requests: GraphRequest[];
  resolve: (results: BatchItemResult[] | null) => void;
  reject: (error: unknown) => void;
}

/**
 * One Graph round trip shared by the calls a turn starts together (GraphGateway.sharingFirstRoundTrip): the requests
 * of every call made before the event loop's next turn go to Graph in one `$batch`, each call getting its own
 * results. Used once: calls that come after it has gone are not taken.
 *
 * A call alone, or calls that would not fit one batch, are handed back (`null`) to be made as they would have been.
 */
export class SharedRoundTrip {
  private callers: Caller[] = [];
  private gone = false;

  constructor(
    /** Sends the gathered requests, each with an id unique in the batch, as one `$batch`. */
    private readonly sendBatch: (
      requests: (GraphRequest & { id: string })[],
    ) => Promise<Map<string, BatchItemResult>>,
  ) {}

  /** Whether a call made now is still taken. */
  get open(): boolean {
    return !this.gone;
  }

  /** Each request's result from the shared `$batch`, in order; null when the call is to be made on its own. */
  take(requests: GraphRequest[]): Promise<BatchItemResult[] | null> {
    if (this.gone) return Promise.resolve(null);
    return new Promise((resolve, reject) => {
      // After the promise jobs and ticks of this turn of the loop: a call made after an `await` still joins.
      if (this.callers.length === 0) setImmediate(() => void this.send());
      this.callers.push({ requests, resolve, reject });
    });
  }

  private async send(): Promise<void> {
    this.gone = true;
    const callers = this.callers;
    this.callers = [];
    const count = callers.reduce((sum, caller) => sum + caller.requests.length, 0);
    if (callers.length < 2 || count > MAX_BATCH_REQUESTS) {
      for (const caller of callers) caller.resolve(null);
      return;
    }
    // Ids of the callers' own are not carried over: two callers may both have used "1".
    const ids = callers.map((caller, index) => caller.requests.map((_, item) => `${index + 1}.${item + 1}`));
    let results: Map<string, BatchItemResult>;
    try {
      results = await this.sendBatch(
        callers.flatMap((caller, index) =>
          caller.requests.map((request, item) => ({ ...request, id: ids[index][item] })),
        ),
      );
    } catch (error) {
      for (const caller of callers) caller.reject(error);
      return;
    }
    callers.forEach((caller, index) => caller.resolve(ids[index].map((id) => results.get(id)!)));
  }
}
