/**
 * Logs as index-addressed streams, newest first. A query merges a few streams (the story's explicit records and the
 * lazily generated ones), narrows each to its time range by binary search, and builds only the records it inspects;
 * the continuation is each stream's next index, so a page costs O(page) however large the tenant is. Streams may skip
 * records they know cannot match (by index, or whole); the continuation is still the one a full read would give.
 */

export interface RecordStream<T> {
  readonly length: number;
  /** Milliseconds since the epoch; never increases with the index. */
  timeAt(index: number): number;
  at(index: number): T;
  /** False when no record in this stream can satisfy the `eq` hints, so the stream is skipped whole. */
  relevant?(equals: ReadonlyMap<string, string>): boolean;
  /**
   * True when no record can satisfy the `eq` hints, so the stream is not read. Unlike `relevant`, the continuation
   * still moves through the stream as a full read would, so the `$skiptoken` does not depend on the shortcut.
   */
  excludes?(equals: ReadonlyMap<string, string>): boolean;
  /** A cheap check on one index before its record is built. */
  mayMatch?(index: number, equals: ReadonlyMap<string, string>): boolean;
  /** The first index at or after `index` that may satisfy the `eq` hints (an index lookup instead of a scan). */
  nextCandidate?(index: number, equals: ReadonlyMap<string, string>): number;
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
  const starts: number[] = [];
  const ends: number[] = [];
  const excluded = streams.map((stream) => stream.excludes?.(query.equals) ?? false);
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
    starts.push(Math.max(start, query.cursor?.[s] ?? 0));
    ends.push(end);
  });

  // The last match: the continuation is derived from it.
  let matchStream = -1;
  let matchTime = -Infinity;

  // Picks the newest remaining candidate across streams; ties go to the earlier stream, which keeps order stable.
  const nextMatch = (cursor: number[]): T | null => {
    for (;;) {
      let best = -1;
      let bestTime = -Infinity;
      for (let s = 0; s < streams.length; s += 1) {
        const candidate = streams[s];
        if (excluded[s]) continue;
        if (candidate.nextCandidate && cursor[s] < ends[s])
          cursor[s] = candidate.nextCandidate(cursor[s], query.equals);
        if (cursor[s] >= ends[s]) continue;
        const time = candidate.timeAt(cursor[s]);
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
      if (query.test(record)) {
        matchStream = best;
        matchTime = bestTime;
        return record;
      }
    }
  };

  const positions = [...starts];
  const items: T[] = [];
  while (items.length < query.pageSize) {
    const record = nextMatch(positions);
    if (record === null) return { items, next: null };
    items.push(record);
  }
  // Each stream's continuation is where reading every record in merged order would stand after the last match: past
  // the records that come before it (newer, or as new and in an earlier stream), within the stream's range. Excluded
  // streams and index lookups skip records without reading them, so their cursors cannot be used as they are.
  const continuation = starts.map((start, s) => {
    if (s === matchStream || start >= ends[s]) return positions[s];
    const passed =
      s < matchStream ? firstBefore(streams[s], matchTime) : firstAtOrBefore(streams[s], matchTime);
    return Math.min(ends[s], Math.max(start, passed));
  });
  // Graph only sends a nextLink when there is more to read; look one match ahead on a copy to know.
  return { items, next: nextMatch([...positions]) === null ? null : continuation };
};

/** An explicit, pre-sorted array as a stream (the story's hand-written records). */
export class ArrayStream<T> implements RecordStream<T> {
  private readonly byKey = new Map<string, Map<string, number[]>>();
  /** Each indexed property's lower-cased value per record, so `mayMatch` reads instead of recomputing. */
  private readonly columns = new Map<string, (string | undefined)[]>();
  private readonly resolved = new WeakMap<ReadonlyMap<string, string>, readonly Hinted[]>();

  constructor(
    private readonly records: readonly T[],
    private readonly time: (record: T) => number,
    /** Properties worth indexing for `eq` hints, e.g. `userId`, `id`, `correlationId`. */
    keys: Record<string, (record: T) => string | null | undefined> = {},
  ) {
    for (const [name, get] of Object.entries(keys)) {
      const index = new Map<string, number[]>();
      const column = records.map((record) => get(record)?.toLowerCase());
      this.columns.set(name, column);
      records.forEach((_record, i) => {
        const value = column[i];
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
    return this.hinted(equals).every(({ column, value }) => column[index] === value);
  }

  nextCandidate(index: number, equals: ReadonlyMap<string, string>): number {
    let next = index;
    for (const { column, value, positions } of this.hinted(equals)) {
      if (column[index] === value) continue;
      // Every indexed hint must hold, so the next candidate is at or after each one's next position.
      next = Math.max(next, positions[firstAtOrAfter(positions, index)] ?? this.records.length);
    }
    return next;
  }

  /** The indexed properties a hint map names, resolved once per map (compiled filters share theirs). */
  private hinted(equals: ReadonlyMap<string, string>): readonly Hinted[] {
    let hinted = this.resolved.get(equals);
    if (!hinted) {
      const found: Hinted[] = [];
      for (const [name, value] of equals) {
        const column = this.columns.get(name);
        if (column) found.push({ column, value, positions: this.byKey.get(name)!.get(value) ?? [] });
      }
      this.resolved.set(equals, found);
      hinted = found;
    }
    return hinted;
  }
}

interface Hinted {
  column: readonly (string | undefined)[];
  value: string;
  /** The records with that value, ascending. */
  positions: readonly number[];
}

/** Smallest i with sorted[i] >= value (sorted.length when none). */
const firstAtOrAfter = (sorted: readonly number[], value: number): number => {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid] >= value) high = mid;
    else low = mid + 1;
  }
  return low;
};

/** Sorts newest first, the order every log stream must have. */
export const newestFirst = <T>(records: T[], time: (record: T) => number): T[] =>
  records.sort((a, b) => time(b) - time(a));
