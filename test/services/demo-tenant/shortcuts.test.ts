import { strict as assert } from 'node:assert';

import { holdsKept, jsonBytes, keepJson } from '../../../services/demo-tenant/json-text';
import { compileFilter, FilterError } from '../../../services/demo-tenant/odata';
import { hash32, indexedGuid } from '../../../services/demo-tenant/prng';
import { RequestLog } from '../../../services/demo-tenant/request-log';
import { AUDIT_FILTER, signInFilter } from '../../../services/demo-tenant/schemas';
import { IRVIN, KARITA } from '../../../services/demo-tenant/story';
import {
  ArrayStream,
  pageStreams,
  type RecordStream,
  type StreamPage,
  type StreamQuery,
} from '../../../services/demo-tenant/streams';
import { SMALL_SCALE, Tenant } from '../../../services/demo-tenant/tenant';
import { SALT as DIRECTORY_SALT } from '../../../services/demo-tenant/directory';

/**
 * The definition of a page and its continuation: read every record in merged order (newest first, ties to the
 * earlier stream), test each, and stop after the page's last match, each stream's cursor where the reading stopped.
 * Only `relevant` and `locate` narrow the reading here, as they always have; the shortcuts must not change the answer.
 */
const fullRead = <T>(streams: readonly RecordStream<T>[], query: StreamQuery<T>): StreamPage<T> => {
  const ends: number[] = [];
  const cursor = streams.map((stream, s) => {
    let start = Number.isFinite(query.upperMs) ? firstIndex(stream, (time) => time <= query.upperMs) : 0;
    let end = Number.isFinite(query.lowerMs)
      ? firstIndex(stream, (time) => time < query.lowerMs)
      : stream.length;
    if (stream.relevant && !stream.relevant(query.equals)) end = start;
    const located = stream.locate?.(query.equals);
    if (located === null) end = start;
    else if (located !== undefined) {
      start = Math.max(start, located);
      end = Math.min(end, located + 1);
    }
    ends.push(end);
    return Math.max(start, query.cursor?.[s] ?? 0);
  });
  const next = (at: number[]): T | null => {
    for (;;) {
      let best = -1;
      for (let s = 0; s < streams.length; s += 1) {
        if (at[s] < ends[s] && (best < 0 || streams[s].timeAt(at[s]) > streams[best].timeAt(at[best])))
          best = s;
      }
      if (best < 0) return null;
      const record = streams[best].at(at[best]);
      at[best] += 1;
      if (query.test(record)) return record;
    }
  };
  const items: T[] = [];
  while (items.length < query.pageSize) {
    const record = next(cursor);
    if (record === null) return { items, next: null };
    items.push(record);
  }
  return { items, next: next([...cursor]) === null ? null : cursor };
};

const firstIndex = <T>(stream: RecordStream<T>, passes: (time: number) => boolean): number => {
  let index = 0;
  while (index < stream.length && !passes(stream.timeAt(index))) index += 1;
  return index;
};

/** Every page of a query, following continuations, as items and continuations. */
const allPages = <T>(
  streams: RecordStream<T>[],
  equals: ReadonlyMap<string, string>,
  test: (record: T) => boolean,
  pageSize: number,
  range: { lowerMs?: number; upperMs?: number } = {},
  read: typeof pageStreams = pageStreams,
): StreamPage<T>[] => {
  const pages: StreamPage<T>[] = [];
  let cursor: number[] | null = null;
  do {
    const page: StreamPage<T> = read(streams, {
      lowerMs: range.lowerMs ?? -Infinity,
      upperMs: range.upperMs ?? Infinity,
      equals,
      test,
      pageSize,
      cursor,
    });
    pages.push(page);
    cursor = page.next;
  } while (cursor && pages.length < 1000);
  return pages;
};

interface Entry {
  time: number;
  user: string;
  n: number;
}

/** A generated stream that only ever names one user, so a query for anyone else can exclude it. */
class OneUserStream implements RecordStream<Entry> {
  constructor(
    readonly length: number,
    private readonly user: string,
  ) {}

  // On the same 20 ms grid as the array stream, so many records tie across streams.
  timeAt(index: number): number {
    return 1_000_000 - Math.floor((index * 2) / 3) * 20;
  }

  at(index: number): Entry {
    return { time: this.timeAt(index), user: this.user, n: index };
  }

  excludes(equals: ReadonlyMap<string, string>): boolean {
    const user = equals.get('user');
    return user !== undefined && user !== this.user;
  }
}

describe('demo tenant shortcuts give the answers of a full read', () => {
  // Times with ties inside and across streams, so the merge order's tie-break is exercised.
  const entries: Entry[] = Array.from({ length: 400 }, (_, n) => ({
    time: 1_000_000 - Math.floor(n / 3) * 20,
    user: ['ann', 'bob', 'cy', 'dee'][hash32(7, n) % 4],
    n,
  }));
  const streams = (): RecordStream<Entry>[] => [
    new ArrayStream(entries, (entry) => entry.time, { user: (entry) => entry.user }),
    new OneUserStream(300, 'bob'),
    new OneUserStream(250, 'eve'),
  ];

  for (const user of ['ann', 'bob', 'eve', 'zed']) {
    for (const pageSize of [1, 2, 5, 64]) {
      it(`when ${user}'s records are paged ${pageSize} at a time, then items and continuations match a full read`, () => {
        const equals = new Map([['user', user]]);
        const test = (entry: Entry) => entry.user === user && entry.n % 5 !== 0;
        const range = { lowerMs: 997_000, upperMs: 999_990 };
        const fast = allPages(streams(), equals, test, pageSize, range);
        const slow = allPages(streams(), equals, test, pageSize, range, fullRead);
        assert.deepEqual(fast, slow);
      });
    }
  }

  it('when audit queries name Irvin, an ambient user, their laptop or Karita, then pages match a full read', () => {
    const now = Date.parse('2026-03-02T10:00:00Z');
    const tenant = new Tenant(1, now, SMALL_SCALE);
    const ambient = tenant.directory.ambientIdentity(3);
    const laptop = indexedGuid(1, DIRECTORY_SALT.device, 3);
    // Each with whether the generated entries hold a match, so the shortcut is seen keeping as well as skipping.
    const filters: [string, boolean][] = [
      [`initiatedBy/user/id eq '${IRVIN.id}'`, true],
      [`initiatedBy/user/id eq '${ambient.id.toUpperCase()}'`, true],
      [`initiatedBy/user/userPrincipalName eq '${ambient.userPrincipalName}'`, true],
      [`initiatedBy/user/userPrincipalName eq '${IRVIN.userPrincipalName}'`, true],
      [`targetResources/any(t: t/id eq '${ambient.id}')`, true],
      [`targetResources/any(t: t/id eq '${laptop}')`, true],
      [`targetResources/any(t: t/id eq '${KARITA.id}')`, false],
      [`initiatedBy/user/id eq '${KARITA.id}'`, false],
      [`initiatedBy/user/id eq '${IRVIN.id}' and targetResources/any(t: t/id eq '${ambient.id}')`, false],
    ];
    const generated = new Set(Array.from({ length: tenant.audits.ambient.length }, (_, i) => i));
    for (const [text, generatedMatch] of filters) {
      const filter = compileFilter(text, AUDIT_FILTER);
      const read = (how: typeof pageStreams) =>
        allPages(
          tenant.audits.streams(),
          filter.hints.equals,
          (record) => filter.test(record),
          3,
          {},
          how,
        ).map((page) => ({ ids: page.items.map((record) => record.json.id), next: page.next }));
      assert.deepEqual(read(pageStreams), read(fullRead), text);
      const matches = [...generated].some((i) => filter.test(tenant.audits.ambient.at(i)));
      if (generatedMatch) assert.ok(matches, `no generated entry matches ${text}`);
    }
  });

  it("when a sign-in query names Karita, then the story's index gives the pages of a full read", () => {
    const tenant = new Tenant(1, Date.parse('2026-03-02T10:00:00Z'), SMALL_SCALE);
    const filter = compileFilter(`userId eq '${KARITA.id}' and status/errorCode eq 0`, signInFilter('v1.0'));
    const read = (how: typeof pageStreams) =>
      allPages(
        tenant.signIns.streams(),
        filter.hints.equals,
        (record) => filter.test(record),
        4,
        {},
        how,
      ).map((page) => ({ ids: page.items.map((record) => record.json.id), next: page.next }));
    assert.deepEqual(read(pageStreams), read(fullRead));
  });
});

describe('demo tenant caches', () => {
  it('when kept records sit inside marked envelopes, then the bytes are what JSON.stringify writes', () => {
    const kept = keepJson({ id: 'a', name: 'Zoë – “quoted”', nested: { list: [1, null, 'x'] } });
    const page = [kept, { id: 'b', skip: undefined }, keepJson({ id: 'c' }), keepJson({ id: 'd', at: 1.5 })];
    // An undefined element and a hole, which JSON writes as null; half the page is still kept records.
    const items: unknown[] = [...page, undefined];
    items.length = 6;
    holdsKept(items, items);
    const body = holdsKept({ '@odata.context': 'ctx', gone: undefined, fn: () => 1, value: items }, [items]);
    const envelope = holdsKept({ responses: [holdsKept({ id: '1', body }, [body])] }, [body]);
    holdsKept(envelope.responses, envelope.responses);
    for (const value of [envelope, body, items, kept, { plain: true }]) {
      assert.equal(jsonBytes(value)!.toString('utf8'), JSON.stringify(value));
    }
    // Written twice from the kept bytes, still the same.
    assert.equal(jsonBytes(envelope)!.toString('utf8'), JSON.stringify(envelope));
  });

  it('when a batch holds one page of kept records among plain answers, then that page is written from kept bytes', () => {
    const record = keepJson({ id: 'story-1', state: 'atRisk' });
    const value = holdsKept([record], [record]);
    const page = holdsKept({ value }, [value]);
    const items = [page, { id: 'x' }, { id: 'y' }].map((body, i) =>
      holdsKept({ id: String(i), body }, [body]),
    );
    const envelope = holdsKept({ responses: holdsKept(items, items) }, [items]);
    const first = jsonBytes(envelope)!.toString('utf8');
    assert.equal(first, JSON.stringify(envelope));
    // Kept records must never change; changing one anyway shows its first bytes being reused.
    (record as { state: string }).state = 'changed';
    assert.equal(jsonBytes(envelope)!.toString('utf8'), first);
  });

  it('when a filter is compiled twice, then the second is the first; a refused one is refused every time', () => {
    const text = `userId eq '${KARITA.id}' and createdDateTime ge 2026-03-01T00:00:00Z`;
    const first = compileFilter(text, signInFilter('v1.0'));
    assert.equal(compileFilter(text, signInFilter('v1.0')), first);
    assert.notEqual(compileFilter(text, signInFilter('beta')), first);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      assert.throws(() => compileFilter('userId gt 1', signInFilter('v1.0')), FilterError);
    }
  });

  it('when a conjunction mixes timestamps and strings, then its test is the same whichever order it runs in', () => {
    const filter = compileFilter(
      "createdDateTime ge 2026-03-01T00:00:00Z and userId eq 'a' and riskEventTypes_v2/any(t: t eq 'x')",
      signInFilter('v1.0'),
    );
    const record = (createdDateTime: string, userId: string, risks: string[]) => ({
      json: { createdDateTime, userId, riskEventTypes_v2: risks },
    });
    assert.equal(filter.test(record('2026-03-02T00:00:00Z', 'A', ['x'])), true);
    assert.equal(filter.test(record('2026-02-02T00:00:00Z', 'a', ['x'])), false);
    assert.equal(filter.test(record('2026-03-02T00:00:00Z', 'b', ['x'])), false);
    assert.equal(filter.test(record('2026-03-02T00:00:00Z', 'a', [])), false);
    assert.equal(
      compileFilter("targetResources/any(t: t/id eq 'X1')", AUDIT_FILTER).hints.equals.get(
        'targetResources/id',
      ),
      'x1',
    );
  });

  it('when more than 10,000 requests are logged, then the newest 10,000 are kept in order and every trip counted', () => {
    const log = new RequestLog();
    const total = 10_000 + 2_345;
    for (let n = 0; n < total; n += 1) {
      log.add({
        at: '',
        method: 'GET',
        path: `/v1.0/users/${n}`,
        query: '',
        status: 200,
        batchItem: n % 2 === 1,
      });
    }
    const entries = log.entries();
    assert.equal(entries.length, 10_000);
    assert.equal(entries[0].path, `/v1.0/users/${total - 10_000}`);
    assert.equal(entries.at(-1)!.path, `/v1.0/users/${total - 1}`);
    assert.ok(entries.every((entry, i) => entry.path === `/v1.0/users/${total - 10_000 + i}`));
    assert.equal(log.roundTrips(), Math.ceil(total / 2));
    log.clear();
    log.add({ at: '', method: 'GET', path: '/v1.0/users/again', query: '', status: 200 });
    assert.deepEqual(
      log.entries().map((entry) => entry.path),
      ['/v1.0/users/again'],
    );
  });
});
