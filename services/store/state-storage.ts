import type { Storage, StoreItems } from 'botbuilder';
import type { BlobsStorageOptions } from 'botbuilder-azure-blobs';

import { BoundedMemoryStorage } from './memory-state';
import { StoreError } from './store-error';

type BlobRetryOptions = NonNullable<
  NonNullable<BlobsStorageOptions['storagePipelineOptions']>['retryOptions']
>;

export type StateStorageOptions =
  | { kind: 'memory' }
  | { kind: 'blob'; connectionString: string; container: string; retry?: BlobRetryOptions };

// Conversation state is read and written on every turn; the SDK's defaults (4 tries, 4 s growing to 120 s between
// them, no per-try timeout) would hold a turn for minutes when storage is away.
const DEFAULT_BLOB_RETRY: BlobRetryOptions = {
  maxTries: 3,
  tryTimeoutInMs: 5000,
  retryDelayInMs: 200,
  maxRetryDelayInMs: 2000,
};

const CONTAINER = /^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * Conversation state (thread subject, pending dialogs): in memory for one instance, for its most recently active
 * conversations (services/store/memory-state.ts); Azure Blob Storage when several instances share the conversations
 * (DESIGN §8). Failures surface as `StoreError`s.
 */
export function createStateStorage(options: StateStorageOptions): Storage {
  if (options.kind === 'memory') return new GuardedStorage(() => new BoundedMemoryStorage(), false);
  if (!CONTAINER.test(options.container))
    throw new StoreError(
      'invalid',
      `"${options.container}" is not a blob container name (3-63 lowercase letters, digits and single hyphens)`,
    );
  const { connectionString, container } = options;
  const retryOptions = { ...DEFAULT_BLOB_RETRY, ...options.retry };
  return new GuardedStorage(() => {
    try {
      // Required here rather than imported: the Azure SDK costs ~20 MB that an in-memory instance never needs.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { BlobsStorage } = require('botbuilder-azure-blobs') as typeof import('botbuilder-azure-blobs');
      return new BlobsStorage(connectionString, container, { storagePipelineOptions: { retryOptions } });
    } catch {
      // The SDK's error can quote the connection string, key included.
      throw new StoreError('invalid', 'the Azure Storage connection string is malformed');
    }
  }, true);
}

class GuardedStorage implements Storage {
  private inner: Storage | undefined;

  /** `renew`: drop the inner storage after a failure; never for memory, which would lose every conversation. */
  constructor(
    private readonly create: () => Storage,
    private readonly renew: boolean,
  ) {
    this.inner = create();
  }

  read(keys: string[]): Promise<StoreItems> {
    return this.guard('read conversation state', (storage) => storage.read(keys));
  }

  write(changes: StoreItems): Promise<void> {
    return this.guard('write conversation state', (storage) => storage.write(changes));
  }

  delete(keys: string[]): Promise<void> {
    return this.guard('delete conversation state', (storage) => storage.delete(keys));
  }

  private async guard<T>(what: string, operation: (storage: Storage) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const storage = (this.inner ??= this.create());
      try {
        return await operation(storage);
      } catch (error) {
        const failure = fromStorage(error, what);
        // BlobsStorage 4.23.3 checks its container once and keeps that promise, rejected or not: after an outage at
        // start-up, or a container deleted underneath it, only a fresh instance (which creates it again) recovers.
        if (this.renew && failure.reason === 'unavailable' && this.inner === storage) this.inner = undefined;
        if (attempt === 0 && this.renew && codeOf(error) === 'ContainerNotFound') continue;
        throw failure;
      }
    }
  }
}

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

function fromStorage(error: unknown, what: string): StoreError {
  if (error instanceof StoreError) return error;
  const fail = (reason: StoreError['reason'], message: string) =>
    new StoreError(reason, `cannot ${what}: ${message}`, { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  // The memory storage and BlobsStorage report a lost optimistic-concurrency race only through this text.
  if (/due to eTag conflict/i.test(message))
    return fail('conflict', 'the state changed meanwhile (eTag conflict)');
  if (error instanceof Error && (error.name === 'ZodError' || /non-empty key/.test(message)))
    return fail('invalid', 'the keys or items are malformed');
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  const label = codeOf(error) ?? (error instanceof Error ? error.name : 'error');
  if (typeof status !== 'number') return fail('unavailable', `Azure Blob Storage is unreachable (${label})`);
  if (status === 409 || status === 412)
    return fail('conflict', `the state changed meanwhile (HTTP ${status})`);
  if (status === 400 || status === 413)
    return fail('invalid', `Azure Blob Storage refused the state (HTTP ${status})`);
  return fail('unavailable', `Azure Blob Storage answered HTTP ${status} (${label})`);
}
