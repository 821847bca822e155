import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { normalizeResponse } from './records';
import { auditCursor, paged, type SqliteStore, type SqliteStoreOptions } from './sqlite-store';
import type { StoreReply, StoreRequest, WorkerMethod } from './sqlite-worker';
import { StoreError } from './store-error';
import type {
  AuditRecord,
  ExportRecord,
  FeedbackInput,
  FeedbackRecord,
  ResponseRecord,
  WardenStore,
} from './types';

/**
 * The embedded store with SQLite off the event loop: the same SqliteStore (same file, same guarantees: a write
 * resolves once it is in the log) running in a worker thread. better-sqlite3 is synchronous, so on the main thread
 * every answer's records (a 40 KB card, a CSV, an audit entry) held up every other conversation while they were
 * written, and with `synchronous: 'full'` for a disk flush too.
 *
 * Requests run in the order they are made, so a read sees every write made before it. A response's card is turned
 * into JSON here, where `normalizeResponse` checks it anyway, because a string crosses to the worker for the cost of
 * a copy and an object tree does not. The worker is started on first use, holds the process open only while a
 * request is in flight, and is started again after a crash (the requests it held fail as 'unavailable').
 */
export class SqliteWorkerStore implements WardenStore {
  private readonly options: Omit<SqliteStoreOptions, 'now'>;
  private readonly now: () => Date;
  private worker: Worker | null = null;
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private nextId = 1;
  private closed = false;

  constructor(options: SqliteStoreOptions = {}) {
    const { now, ...rest } = options;
    this.options = rest;
    this.now = now ?? (() => new Date());
  }

  async saveResponse(record: ResponseRecord): Promise<void> {
    const { record: checked, cardJson } = normalizeResponse(record);
    const { card: _card, ...rest } = checked;
    await this.call('writeResponse', rest, cardJson);
  }

  async attachActivityId(responseId: string, activityId: string): Promise<void> {
    await this.call('attachActivityId', responseId, activityId);
  }

  getResponse(responseId: string): Promise<ResponseRecord | undefined> {
    return this.call('getResponse', responseId) as Promise<ResponseRecord | undefined>;
  }

  findResponseByActivityId(conversationId: string, activityId: string): Promise<ResponseRecord | undefined> {
    return this.call('findResponseByActivityId', conversationId, activityId) as Promise<
      ResponseRecord | undefined
    >;
  }

  upsertFeedback(feedback: FeedbackInput): Promise<FeedbackRecord> {
    return this.call('upsertFeedback', feedback) as Promise<FeedbackRecord>;
  }

  listFeedback(): AsyncIterable<FeedbackRecord> {
    return paged(
      () => 0,
      (after) => this.call('feedbackPage', after) as ReturnType<SqliteWorkerPages['feedbackPage']>,
    );
  }

  async appendAudit(record: AuditRecord): Promise<void> {
    await this.call('appendAudit', record);
  }

  listAudit(options: { since?: string } = {}): AsyncIterable<AuditRecord> {
    return paged(
      () => auditCursor(options),
      (cursor) => this.call('auditPage', cursor) as ReturnType<SqliteWorkerPages['auditPage']>,
    );
  }

  claimOnce(key: string, owner: string): Promise<boolean> {
    return this.call('claimOnce', key, owner) as Promise<boolean>;
  }

  async saveExport(record: ExportRecord): Promise<void> {
    await this.call('saveExport', record);
  }

  getExport(exportId: string): Promise<ExportRecord | undefined> {
    return this.call('getExport', exportId) as Promise<ExportRecord | undefined>;
  }

  async ping(): Promise<void> {
    await this.call('ping');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const worker = this.worker;
    // Queued behind every request made before it: terminating a worker inside a SQLite call aborts the whole process.
    if (worker) await this.call('close').catch(() => undefined);
    this.closed = true;
    this.worker = null;
    await worker?.terminate();
  }

  private call(method: WorkerMethod, ...args: unknown[]): Promise<unknown> {
    if (this.closed) return Promise.reject(new StoreError('closed', 'the Warden store is closed'));
    const worker = this.started();
    const id = this.nextId++;
    const reply = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (this.pending.size === 1) worker.ref();
    worker.postMessage({ id, method, args, at: this.now().getTime() } satisfies StoreRequest);
    return reply;
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker(this.options);
    worker.on('message', (reply: StoreReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if ('error' in reply)
        waiting.reject(
          reply.error.reason
            ? new StoreError(reply.error.reason, reply.error.message)
            : new Error(reply.error.message),
        );
      else waiting.resolve(reply.value);
    });
    const lost = (why: string) => {
      if (this.worker !== worker) return;
      this.worker = null;
      const waiting = [...this.pending.values()];
      this.pending.clear();
      for (const each of waiting) each.reject(new StoreError('unavailable', `the store's worker ${why}`));
    };
    worker.on('error', (error) => lost(`failed: ${error.message}`));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}

type SqliteWorkerPages = Pick<SqliteStore, 'feedbackPage' | 'auditPage'>;

/** Compiled, the worker is a sibling .js file; under tsx (tests, `node --import tsx`), the .ts source. */
function startWorker(options: Omit<SqliteStoreOptions, 'now'>): Worker {
  const entry = join(__dirname, `sqlite-worker${extname(__filename)}`);
  if (extname(__filename) === '.js') return new Worker(entry, { workerData: options });
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(entry)});`, {
    workerData: options,
    eval: true,
  });
}
