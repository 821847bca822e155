export interface RequestLogEntry {
  at: string;
  method: string;
  /** Versioned path as requested, e.g. `/v1.0/auditLogs/signIns`. */
  path: string;
  /** The decoded query string without `?`. */
  query: string;
  status: number;
  /** Set on requests that arrived inside a `$batch`. */
  batchItem?: boolean;
}

// A demo left running must not grow without bound; tests clear the log long before this.
const MAX_ENTRIES = 10_000;

/** What the tenant was asked, so tests can count round trips and check which queries a client sent. */
export class RequestLog {
  // A ring once full: the newest entry replaces the oldest in place, so a long run does not shift 10,000 entries on
  // every request.
  private log: RequestLogEntry[] = [];
  /** Where the oldest entry is (and the next one goes) once the ring is full. */
  private oldest = 0;
  private trips = 0;

  add(entry: RequestLogEntry): void {
    if (this.log.length < MAX_ENTRIES) this.log.push(entry);
    else {
      this.log[this.oldest] = entry;
      this.oldest = (this.oldest + 1) % MAX_ENTRIES;
    }
    if (!entry.batchItem) this.trips += 1;
  }

  entries(): RequestLogEntry[] {
    return [...this.log.slice(this.oldest), ...this.log.slice(0, this.oldest)].map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.log = [];
    this.oldest = 0;
    this.trips = 0;
  }

  /** Top-level HTTP requests since the last clear (a `$batch` counts once; control endpoints never). */
  roundTrips(): number {
    return this.trips;
  }
}
