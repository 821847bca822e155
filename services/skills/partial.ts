import type { BatchItemResult } from '../graph/graph-gateway';
import type { GraphError } from '../graph/graph-error';
import { explainGraphError } from './explain-error';

/** A sentence for a part of an answer that could not be fetched, so the rest of the card still helps. */
export const explainPartial = (error: GraphError, what: string): string =>
  `${what}: ${explainGraphError(error)}`;

/**
 * The body of one `$batch` item, or null with a note saying why not. `missingIsNormal` is for reads where 404 is an
 * answer (no manager, not a risky user) rather than a failure.
 */
export const takeBatchItem = <T>(
  result: BatchItemResult | undefined,
  label: string,
  notes: string[],
  missingIsNormal = false,
): T | null => {
  if (!result) return null;
  if (result.ok) return result.body as T;
  if (missingIsNormal && result.error.reason === 'not-found') return null;
  notes.push(explainPartial(result.error, label));
  return null;
};
