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
  private log: RequestLogEntry[] = [];
  private trips = 0;

  add(entry: RequestLogEntry): void {
    this.log.push(entry);
    if (this.log.length > MAX_ENTRIES) this.log.splice(0, this.log.length - MAX_ENTRIES);
    if (!entry.batchItem) this.trips += 1;
  }

  entries(): RequestLogEntry[] {
    return this.log.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.log = [];
    this.trips = 0;
  }

  /** Top-level HTTP requests since the last clear (a `$batch` counts once; control endpoints never). */
  roundTrips(): number {
    return this.trips;
  }
}
