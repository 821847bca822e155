/** Why a Graph call failed, in the terms a card explains to an analyst. Callers switch on `reason`, never on text. */
export type GraphErrorReason =
  'not-found' | 'forbidden' | 'not-licensed' | 'throttled' | 'bad-request' | 'unavailable';

export class GraphError extends Error {
  readonly reason: GraphErrorReason;
  readonly status: number;
  readonly code: string | null;
  readonly retryAfterSeconds: number | null;
  readonly path: string;

  constructor(options: {
    reason: GraphErrorReason;
    status: number;
    code?: string | null;
    message: string;
    retryAfterSeconds?: number | null;
    path: string;
    cause?: unknown;
  }) {
    super(options.message, { cause: options.cause });
    this.name = 'GraphError';
    this.reason = options.reason;
    this.status = options.status;
    this.code = options.code ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
    this.path = options.path;
  }
}

// Graph reports missing P1/P2/Workload ID licences in a few shapes; these are the ones documented or seen in the field
// (reference/entra_graph.md §2.5, §2.7).
const LICENCE_HINTS = [
  /premium license/i,
  /\bP[12]\b.*licen[cs]e/i,
  /licen[cs]e.*required/i,
  /not licensed/i,
  /Workload Identit/i,
];

export const reasonFor = (status: number, code: string | null, message: string): GraphErrorReason => {
  if (status === 429) return 'throttled';
  if (status === 404) return 'not-found';
  if (status === 401 || status === 403) {
    if (LICENCE_HINTS.some((hint) => hint.test(message)) || /licen/i.test(code ?? '')) return 'not-licensed';
    return 'forbidden';
  }
  if (status === 400) return 'bad-request';
  return 'unavailable';
};

export const parseRetryAfter = (value: string | null | undefined, now = Date.now()): number | null => {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
};

/**
 * A Graph token could not be had. `refused`: Entra (or Warden itself) said no, e.g. no consent, an expired or foreign
 * assertion, or no signed-in person; retrying will not help. Otherwise Entra could not be reached.
 */
export class TokenError extends Error {
  constructor(
    readonly refused: boolean,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'TokenError';
  }
}
