import { SqliteStore, type SqliteStoreOptions } from './sqlite-store';
import { SqliteWorkerStore } from './sqlite-worker-store';
import type { TableStoreOptions } from './table-store';
import type { WardenStore } from './types';

export type StoreOptions =
  | ({
      kind: 'sqlite';
      /** Run SQLite in a worker thread, off the event loop (default true). */
      worker?: boolean;
    } & SqliteStoreOptions)
  | ({ kind: 'table' } & TableStoreOptions);

/** The records store chosen by configuration; it does no I/O until first used (`ping()` checks it at start-up). */
export function createStore(options: StoreOptions): WardenStore {
  switch (options.kind) {
    case 'sqlite':
      return options.worker === false ? new SqliteStore(options) : new SqliteWorkerStore(options);
    case 'table': {
      // Required here rather than imported: the Azure SDK costs ~17 MB that a SQLite deployment never needs.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { TableStore } = require('./table-store') as typeof import('./table-store');
      return new TableStore(options);
    }
  }
}

export { StoreError, isStoreError, type StoreErrorReason } from './store-error';
export { STORE_LIMITS } from './records';
export type * from './types';
