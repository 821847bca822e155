import { parentPort, workerData } from 'node:worker_threads';

import { SqliteStore, type SqliteStoreOptions } from './sqlite-store';
import { StoreError } from './store-error';

/**
 * The worker thread behind `SqliteWorkerStore`: one SqliteStore, called in the order requests arrive. Each store
 * method does its SQLite work synchronously before it returns, so requests run one after another, and the `at` each
 * request carries is the store's clock for exactly that request.
 */

export interface StoreRequest {
  id: number;
  method: WorkerMethod;
  args: unknown[];
  /** The caller's `now()`, in milliseconds. */
  at: number;
}

export type StoreReply =
  | { id: number; value: unknown }
  | { id: number; error: { reason: StoreError['reason'] | null; message: string } };

/** What the worker runs: the store's own methods, with paging and a pre-normalized response write. */
export const WORKER_METHODS = [
  'writeResponse',
  'attachActivityId',
  'getResponse',
  'findResponseByActivityId',
  'upsertFeedback',
  'feedbackPage',
  'appendAudit',
  'auditPage',
  'claimOnce',
  'saveExport',
  'getExport',
  'ping',
  'close',
] as const;
export type WorkerMethod = (typeof WORKER_METHODS)[number];

if (parentPort) {
  const port = parentPort;
  let at = Date.now();
  const store = new SqliteStore({ ...(workerData as SqliteStoreOptions), now: () => new Date(at) });
  const methods: ReadonlySet<string> = new Set(WORKER_METHODS);
  port.on('message', (request: StoreRequest) => {
    at = request.at;
    const call = methods.has(request.method)
      ? (store[request.method] as (...args: unknown[]) => Promise<unknown>).apply(store, request.args)
      : Promise.reject(new Error(`the store has no method ${String(request.method)}`));
    call.then(
      (value) => port.postMessage({ id: request.id, value } satisfies StoreReply),
      (error: unknown) =>
        port.postMessage({
          id: request.id,
          error: {
            reason: error instanceof StoreError ? error.reason : null,
            message: error instanceof Error ? error.message : String(error),
          },
        } satisfies StoreReply),
    );
  });
}
