/**
 * Logs as index-addressed streams, newest first. A query merges a few streams (the story's explicit records and the
 * lazily generated ones), narrows each to its time range by binary search, and builds only the records it inspects;
 * the continuation is each stream's next index, so a page costs O(page) however large the tenant is.
 */

export interface RecordStream<T> {
  readonly length: number;
  /** Milliseconds since the epoch; never increases with the index. */
  timeAt(index: number): number;
  at(index: number): T;
  /** False when no record in this stream can satisfy the `eq` hints, so the stream is skipped whole. */
  relevant?(equals: ReadonlyMap<string, string>): boolean;
  /** A cheap check on one index before its record is built. */
  mayMatch?(index: number, equals: ReadonlyMap<string, string>): boolean;
  /** The only index that can match (an id that encodes its index), null for none, undefined to scan. */
  locate?(equals: ReadonlyMap<string, string>): number | null | undefined;
}

export interface StreamQuery<T> {
  lowerMs: number;
  upperMs: number;
  equals: ReadonlyMap<string, string>;
  test(record: T): boolean;
  pageSize: number;
  /** Each stream's next index, from a previous page's continuation. */
  cursor: readonly number[] | null;
}

export interface StreamPage<T> {
  items: T[];
  next: number[] | null;
}

/** Smallest index whose time is <= ms (the stream is sorted newest first). */
const firstAtOrBefore = <T>(stream: RecordStream<T>, ms: number): number => {
  let low = 0;
  let high = stream.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (stream.timeAt(mid) <= ms) high = mid;
    else low = mid + 1;
  }
  return low;
};

/** Smallest index whose time is < ms. */
const firstBefore = <T>(stream: RecordStream<T>, ms: number): number => {
  let low = 0;
  let high = stream.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (stream.timeAt(mid) < ms) high = mid;
    else low = mid + 1;
  }
  return low;
};

export const pageStreams = <T>(streams: readonly RecordStream<T>[], query: StreamQuery<T>): StreamPage<T> => {
  const positions: number[] = [];
  const ends: number[] = [];
  streams.forEach((stream, s) => {
    let start = Number.isFinite(query.upperMs) ? firstAtOrBefore(stream, query.upperMs) : 0;
    let end = Number.isFinite(query.lowerMs) ? firstBefore(stream, query.lowerMs) : stream.length;
    if (stream.relevant && !stream.relevant(query.equals)) end = start;
    const located = stream.locate?.(query.equals);
    if (located === null) end = start;
    else if (located !== undefined) {
      start = Math.max(start, located);
      end = Math.min(end, located + 1);
    }
    positions.push(Math.max(start, query.cursor?.[s] ?? 0));
    ends.push(end);
  });

  // Picks the newest remaining candidate across streams; ties go to the earlier stream, which keeps order stable.
  const nextMatch = (cursor: number[]): T | null => {
    for (;;) {
      let best = -1;
      let bestTime = -Infinity;
      for (let s = 0; s < streams.length; s += 1) {
        if (cursor[s] >= ends[s]) continue;
        const time = streams[s].timeAt(cursor[s]);
        if (time > bestTime) {
          best = s;
          bestTime = time;
        }
      }
      if (best < 0) return null;
      const index = cursor[best];
      cursor[best] += 1;
      const stream = streams[best];
      if (stream.mayMatch && !stream.mayMatch(index, query.equals)) continue;
      const record = stream.at(index);
      if (query.test(record)) return record;
    }
  };

  const items: T[] = [];
  while (items.length < query.pageSize) {
    const record = nextMatch(positions);
    if (record === null) return { items, next: null };
    items.push(record);
  }
  // Graph only sends a nextLink when there is more to read; look one match ahead on a copy to know.
  const snapshot = [...positions];
  return { items, next: nextMatch([...positions]) === null ? null : snapshot };
};

/** An explicit, pre-sorted array as a stream (the story's hand-written records). */
export class ArrayStream<T> implements RecordStream<T> {
  private readonly byKey = new Map<string, Map<string, number[]>>();

  constructor(
    private readonly records: readonly T[],
    private readonly time: (record: T) => number,
    /** Properties worth indexing for `eq` hints, e.g. `userId`, `id`, `correlationId`. */
    private readonly keys: Record<string, (record: T) => string | null | undefined> = {},
  ) {
    for (const [name, get] of Object.entries(keys)) {
      const index = new Map<string, number[]>();
      records.forEach((record, i) => {
        const value = get(record)?.toLowerCase();
        if (!value) return;
        const list = index.get(value);
        if (list) list.push(i);
        else index.set(value, [i]);
      });
      this.byKey.set(name, index);
    }
  }

  get length(): number {
    return this.records.length;
  }

  timeAt(index: number): number {
    return this.time(this.records[index]);
  }

  at(index: number): T {
    return this.records[index];
  }

  relevant(equals: ReadonlyMap<string, string>): boolean {
    for (const [name, value] of equals) {
      const index = this.byKey.get(name);
      if (index && !index.has(value)) return false;
    }
    return true;
  }

  mayMatch(index: number, equals: ReadonlyMap<string, string>): boolean {
    for (const [name, value] of equals) {
      const get = this.keys[name];
      if (get && get(this.records[index])?.toLowerCase() !== value) return false;
    }
    return true;
  }
}

/** Sorts newest first, the order every log stream must have. */
export const newestFirst = <T>(records: T[], time: (record: T) => number): T[] =>
  records.sort((a, b) => time(b) - time(a));
