/**
 * Why a store call failed. Callers switch on `reason`, never on text:
 * - `unavailable`: the backend cannot be reached, is locked, or is unreadable; retrying later may work;
 * - `conflict`: someone else changed the same record first and retrying did not settle it;
 * - `invalid`: the record breaks a limit or an enumeration; retrying will not help;
 * - `not-found`: the record an update refers to does not exist;
 * - `closed`: the store was closed.
 */
export type StoreErrorReason = 'unavailable' | 'conflict' | 'invalid' | 'not-found' | 'closed';

export class StoreError extends Error {
  readonly reason: StoreErrorReason;

  constructor(reason: StoreErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.reason = reason;
  }
}

export const isStoreError = (error: unknown, reason?: StoreErrorReason): error is StoreError =>
  error instanceof StoreError && (reason === undefined || error.reason === reason);
