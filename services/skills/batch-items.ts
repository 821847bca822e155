import type { BatchItemResult, GraphRequest } from '../graph/graph-gateway';
import { takeBatchItem } from './partial';

/** The `value` of a collection returned inside a `$batch`, or null with a note saying why not. */
export const takeCollection = <T>(
  result: BatchItemResult | undefined,
  label: string,
  notes: string[],
  missingIsNormal = false,
): T[] | null => {
  const body = takeBatchItem<{ value?: T[] }>(result, label, notes, missingIsNormal);
  return body ? (body.value ?? []) : null;
};

/** Whether a collection inside a `$batch` had more pages than the one read. */
export const hasMore = (result: BatchItemResult | undefined): boolean =>
  !!result?.ok && typeof (result.body as { '@odata.nextLink'?: unknown })['@odata.nextLink'] === 'string';

/**
 * When every request an answer rests on failed, the answer failed: the first error is thrown so the pipeline explains
 * it in one sentence (`explainGraphError`) instead of a card made only of notes. `not-found` counts as an answer.
 */
export const throwIfAllFailed = (results: Map<string, BatchItemResult>, ids: string[]): void => {
  const failures = ids
    .map((id) => results.get(id))
    .filter((result): result is Extract<BatchItemResult, { ok: false }> => !!result && !result.ok);
  if (failures.length === ids.length && failures.length > 0) {
    const real = failures.find((failure) => failure.error.reason !== 'not-found') ?? failures[0];
    if (real.error.reason !== 'not-found') throw real.error;
  }
};

/** Graph allows 20 requests per `$batch`; skills plan within it, and this says so where a plan is assembled. */
export const MAX_BATCH = 20;

export const withinBatch = (requests: GraphRequest[]): GraphRequest[] => {
  if (requests.length > MAX_BATCH) throw new RangeError(`planned ${requests.length} requests for one $batch`);
  return requests;
};
