import type { Storage, StoreItems } from 'botbuilder';

/**
 * Conversations whose state one instance keeps in memory. Each is a few hundred bytes of JSON (the thread's subject,
 * a pending question), so the bound is a few megabytes; every channel thread is a conversation of its own, and
 * botbuilder's MemoryStorage, which this replaces, kept every one for the life of the process.
 */
export const MEMORY_STATE_CONVERSATIONS = 10_000;

/**
 * botbuilder's MemoryStorage with a bound: the least recently read or written conversations are forgotten beyond
 * `capacity`. A forgotten conversation starts again as a new one does (its follow-ups name their user again), as after
 * a restart. Items are kept as JSON, so that what is read is a copy, as from any storage across a network, and writes
 * keep MemoryStorage's optimistic concurrency: an item written with an eTag other than the current one is refused
 * with the same message, and nothing of that write is kept.
 */
export class BoundedMemoryStorage implements Storage {
  private readonly items = new Map<string, { json: string; eTag: string }>();
  private nextETag = 1;

  constructor(readonly capacity = MEMORY_STATE_CONVERSATIONS) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError('capacity must be a positive integer');
  }

  get size(): number {
    return this.items.size;
  }

  async read(keys: string[]): Promise<StoreItems> {
    const found: StoreItems = {};
    for (const key of keys) {
      const item = this.items.get(key);
      if (item === undefined) continue;
      this.touch(key, item);
      found[key] = JSON.parse(item.json) as StoreItems[string];
    }
    return found;
  }

  async write(changes: StoreItems): Promise<void> {
    const keys = Object.keys(changes);
    for (const key of keys) {
      const eTag = (changes[key] as { eTag?: unknown } | null)?.eTag;
      const current = this.items.get(key);
      if (current === undefined || !eTag || eTag === '*') continue;
      if (current.eTag !== eTag) throw new Error(`Storage: error writing "${key}" due to eTag conflict.`);
    }
    for (const key of keys) {
      const eTag = String(this.nextETag++);
      this.touch(key, { json: JSON.stringify({ ...changes[key], eTag }), eTag });
    }
    while (this.items.size > this.capacity) this.items.delete(this.items.keys().next().value as string);
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) this.items.delete(key);
  }

  /** Keeps `item` under `key` as the most recently used. */
  private touch(key: string, item: { json: string; eTag: string }): void {
    this.items.delete(key);
    this.items.set(key, item);
  }
}
