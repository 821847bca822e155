/**
 * What every route shares: the request as the server parsed it, Graph's error body, the OData query options with
 * Graph's refusals, and the list/entity responses with @odata.context and absolute nextLinks.
 */
import { holdsKept } from './json-text';
import {
  FilterError,
  applySelect,
  compileFilter,
  parseSearch,
  parseSelect,
  searchMatches,
  type CompiledFilter,
  type FilterSchema,
} from './odata';
import { queryKey } from './paging';
import type { Tenant } from './tenant';

export type Json = Record<string, unknown>;

export type GraphVersion = 'v1.0' | 'beta';

export interface GraphCall {
  method: string;
  version: GraphVersion;
  /** The path after the version, as sent (percent-encoded), e.g. `/users/karita%40woodgrovebank.com`. */
  path: string;
  /** Decoded query options in the order sent. */
  query: [string, string][];
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  /** Parsed JSON body, undefined when none, or INVALID_JSON. */
  body: unknown;
  origin: string;
  requestId: string;
  clientRequestId: string;
  now: Date;
}

export const INVALID_JSON = Symbol('invalid JSON body');

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** undefined: no body (204). */
  body?: unknown;
}

/** Graph's error body, with the ids a client quotes to support. */
export const errorReply = (
  call: Pick<GraphCall, 'requestId' | 'clientRequestId' | 'now'>,
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): Reply => ({
  status,
  headers,
  body: {
    error: {
      code,
      message,
      innerError: {
        date: call.now.toISOString().replace(/\.\d{3}Z$/, ''),
        'request-id': call.requestId,
        'client-request-id': call.clientRequestId,
      },
    },
  },
});

/** Which family of Graph services an endpoint belongs to: they word their query errors differently. */
export type Style = 'directory' | 'reports' | 'protection';

export class Failure extends Error {
  constructor(readonly reply: Reply) {
    super('graph failure');
  }
}

const INVALID_FILTER = 'Invalid filter clause';
const SYSTEM_OPTIONS = [
  '$filter',
  '$select',
  '$top',
  '$skiptoken',
  '$search',
  '$count',
  '$orderby',
  '$expand',
  '$skip',
  '$format',
];

/** The entity type named in Graph's `$select` error ('microsoft.graph.user'). */
export type TypeName = string;

export interface ListSpec {
  style: Style;
  /** `@odata.context` fragment after `$metadata#`, without a `$select` list. */
  context: string;
  typeName: TypeName;
  /** Resource name in directory filter errors ('User'). */
  resource: string;
  selectable: readonly string[];
  filter?: FilterSchema<Json>;
  /** Schema used instead of `filter` for advanced queries (ConsistencyLevel: eventual and $count=true). */
  advancedFilter?: FilterSchema<Json>;
  searchable?: readonly string[];
  defaultTop: number;
  maxTop: number;
  /** Properties returned without `$select`; all when absent. */
  defaultSelect?: readonly string[];
  /** Advanced query required for any `$filter` (directoryObject relationships). */
  filterNeedsAdvanced?: boolean;
  count?: boolean;
}

/** One request in flight, with the helpers every route shares. */
export class Call {
  private options: Map<string, string> | null = null;

  constructor(
    readonly tenant: Tenant,
    readonly raw: GraphCall,
  ) {}

  get version(): GraphVersion {
    return this.raw.version;
  }

  get now(): Date {
    return this.raw.now;
  }

  get base(): string {
    return `${this.raw.origin}/${this.raw.version}`;
  }

  context(fragment: string): string {
    return `${this.base}/$metadata#${fragment}`;
  }

  fail(status: number, code: string, message: string, headers?: Record<string, string>): Failure {
    return new Failure(errorReply(this.raw, status, code, message, headers));
  }

  get eventual(): boolean {
    return (this.raw.headers['consistencylevel'] ?? '').toLowerCase() === 'eventual';
  }

  /** System query options by lower-cased `$name`; Graph also accepts them without the `$`. */
  option(name: string): string | undefined {
    if (!this.options) {
      const options = new Map<string, string>();
      for (const [rawKey, value] of this.raw.query) {
        const lower = rawKey.toLowerCase();
        const key = lower.startsWith('$') ? lower : SYSTEM_OPTIONS.includes(`$${lower}`) ? `$${lower}` : null;
        if (!key) continue;
        if (!SYSTEM_OPTIONS.includes(key)) {
          throw this.fail(
            400,
            'BadRequest',
            `Query option '${rawKey}' is not allowed. Make sure that it is supported.`,
          );
        }
        if (options.has(key))
          throw this.fail(
            400,
            'BadRequest',
            `Query option '${key}' was specified more than once, but it must be specified at most once.`,
          );
        options.set(key, value);
      }
      this.options = options;
    }
    return this.options.get(name);
  }

  /** Refuses options the endpoint does not take (Graph answers 400 rather than ignoring most of them). */
  allowOnly(allowed: readonly string[]): void {
    for (const name of SYSTEM_OPTIONS) {
      if (this.option(name) !== undefined && !allowed.includes(name)) {
        if (name === '$expand') {
          throw this.fail(
            400,
            'BadRequest',
            `Parsing OData Select and Expand failed: $expand is not supported on this request.`,
          );
        }
        if (name === '$orderby')
          throw this.fail(400, 'Request_UnsupportedQuery', 'Sorting not supported for current query.');
        throw this.fail(400, 'BadRequest', `Query option '${name}' is not supported for this request.`);
      }
    }
  }

  select(typeName: TypeName, selectable: readonly string[]): string[] | null {
    const text = this.option('$select');
    if (text === undefined) return null;
    const parsed = parseSelect(text, selectable);
    if (!Array.isArray(parsed)) {
      throw this.fail(
        400,
        'BadRequest',
        `Parsing OData Select and Expand failed: Could not find a property named '${parsed.unknown}' on type '${typeName}'.`,
      );
    }
    if (parsed.length === 0)
      throw this.fail(400, 'BadRequest', 'Parsing OData Select and Expand failed: $select is empty.');
    return parsed;
  }

  top(style: Style, defaultTop: number, maxTop: number): number {
    const text = this.option('$top');
    if (text === undefined) return defaultTop;
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < 1 || value > maxTop) {
      throw this.fail(
        400,
        style === 'directory' ? 'Request_UnsupportedQuery' : 'BadRequest',
        `Invalid page size specified: '${text}'. Must be between 1 and ${maxTop} inclusive.`,
      );
    }
    return value;
  }

  filter<T>(
    style: Style,
    resource: string,
    filterSchema: FilterSchema<T> | undefined,
  ): CompiledFilter<T> | null {
    const text = this.option('$filter');
    if (text === undefined) return null;
    if (!filterSchema)
      throw this.filterFailure(style, resource, new FilterError('unsupported', null, 'no $filter here'));
    try {
      return compileFilter(text, filterSchema);
    } catch (error) {
      if (error instanceof FilterError) throw this.filterFailure(style, resource, error);
      throw error;
    }
  }

  filterFailure(style: Style, resource: string, error: FilterError): Failure {
    if (
      style !== 'directory' ||
      error.reason === 'syntax' ||
      error.reason === 'retention' ||
      error.reason === 'value'
    ) {
      return this.fail(400, 'BadRequest', INVALID_FILTER);
    }
    if (error.reason === 'type') return this.fail(400, 'BadRequest', error.message);
    return this.fail(
      400,
      'Request_UnsupportedQuery',
      error.property
        ? `Unsupported or invalid query filter clause specified for property '${error.property}' of resource '${resource}'.`
        : 'Unsupported Query.',
    );
  }

  cursor(): number[] | null {
    const token = this.option('$skiptoken');
    if (token === undefined) return null;
    const cursor = this.tenant.skipTokens.decode(
      queryKey(this.version, this.raw.path, this.raw.query),
      token,
    );
    if (!cursor)
      throw this.fail(400, 'BadRequest', 'The $skiptoken is invalid or belongs to a different query.');
    return cursor;
  }

  /** An absolute nextLink on this request's own origin, with the original query and an opaque $skiptoken. */
  nextLink(cursor: readonly number[]): string {
    const token = this.tenant.skipTokens.encode(
      queryKey(this.version, this.raw.path, this.raw.query),
      cursor,
    );
    const params = this.raw.query
      .filter(([key]) => key.toLowerCase() !== '$skiptoken')
      .map(([key, value]) => `${key}=${encodeQueryValue(value)}`);
    params.push(`$skiptoken=${token}`);
    return `${this.base}${this.raw.path}?${params.join('&')}`;
  }

  ok(body: Json, status = 200): Reply {
    return { status, body };
  }
}

/** Percent-encodes a query value but keeps OData's punctuation readable, as Graph's own nextLinks do. */
const encodeQueryValue = (value: string): string =>
  encodeURIComponent(value)
    .replace(/%2C/gi, ',')
    .replace(/%2F/gi, '/')
    .replace(/%24/g, '$')
    .replace(/%3A/gi, ':');

export const selectionContext = (fragment: string, select: string[] | null, entity = false): string => {
  const selection = select ? `(${select.join(',')})` : '';
  return `${fragment}${selection}${entity ? '/$entity' : ''}`;
};

export const collectionBody = (
  call: Call,
  fragment: string,
  select: string[] | null,
  items: Json[],
  next: number[] | null,
  count?: number,
): Json =>
  holdsKept(
    {
      '@odata.context': call.context(selectionContext(fragment, select)),
      ...(count !== undefined ? { '@odata.count': count } : {}),
      ...(next ? { '@odata.nextLink': call.nextLink(next) } : {}),
      value: holdsKept(items, items),
    },
    [items],
  );

/**
 * A directory-style list over positions 0…length-1 (users, devices, arrays): filter, search, count, select, top and
 * a position continuation. `locate` short-cuts `eq` lookups on keys that can be resolved directly.
 */
export const listPositions = (
  call: Call,
  spec: ListSpec,
  length: number,
  at: (position: number) => Json,
  locate?: (equals: ReadonlyMap<string, string>) => number[] | undefined,
): Reply => {
  call.allowOnly([
    '$filter',
    '$select',
    '$top',
    '$skiptoken',
    ...(spec.searchable ? ['$search'] : []),
    ...(spec.count ? ['$count'] : []),
  ]);
  const select = call.select(spec.typeName, spec.selectable);
  const top = call.top(spec.style, spec.defaultTop, spec.maxTop);
  const countRequested = (call.option('$count') ?? '').toLowerCase() === 'true';
  if (
    call.option('$count') !== undefined &&
    !['true', 'false'].includes((call.option('$count') ?? '').toLowerCase())
  ) {
    throw call.fail(400, 'BadRequest', `Invalid value for $count: '${call.option('$count')}'.`);
  }
  if (countRequested && spec.style === 'directory' && !call.eventual) {
    throw call.fail(400, 'Request_BadRequest', '$count is not currently supported.');
  }
  const advanced = call.eventual && countRequested;
  if (spec.filterNeedsAdvanced && call.option('$filter') !== undefined && !advanced) {
    throw call.filterFailure(
      spec.style,
      spec.resource,
      new FilterError('unsupported', 'id', 'advanced query required'),
    );
  }
  const filter = call.filter(
    spec.style,
    spec.resource,
    advanced && spec.advancedFilter ? spec.advancedFilter : spec.filter,
  );
  let search: ReturnType<typeof parseSearch> = null;
  const searchText = call.option('$search');
  if (searchText !== undefined) {
    if (!call.eventual) {
      throw call.fail(
        400,
        'Request_UnsupportedQuery',
        "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      );
    }
    search = parseSearch(searchText, spec.searchable ?? []);
    if (!search) throw call.fail(400, 'Request_UnsupportedQuery', 'Unsupported query.');
  }
  const cursor = call.cursor();
  const positions = (filter ? locate?.(filter.hints.equals) : undefined) ?? null;
  const matches = (json: Json) => (!filter || filter.test(json)) && (!search || searchMatches(json, search));

  const project = (json: Json) =>
    applySelect(json, select ?? (spec.defaultSelect ? [...spec.defaultSelect] : null));
  const items: Json[] = [];
  let next: number[] | null = null;
  const total = positions ? positions.length : length;
  const record = (i: number) => at(positions ? positions[i] : i);
  for (let i = cursor?.[0] ?? 0; i < total; i += 1) {
    const json = record(i);
    if (!matches(json)) continue;
    if (items.length === top) {
      // One match past the page means there is more; the continuation starts there.
      next = [i];
      break;
    }
    items.push(project(json));
  }
  let count: number | undefined;
  if (countRequested) {
    count = 0;
    for (let i = 0; i < total; i += 1) if (matches(record(i))) count += 1;
  }
  return call.ok(collectionBody(call, spec.context, select, items, next, count));
};

export const listArray = (call: Call, spec: ListSpec, items: Json[]): Reply =>
  listPositions(call, spec, items.length, (i) => items[i]);

export const entityReply = (
  call: Call,
  fragment: string,
  typeName: TypeName,
  selectable: readonly string[],
  json: Json,
  defaults?: readonly string[],
) => {
  call.allowOnly(['$select']);
  const select = call.select(typeName, selectable);
  const projected = applySelect(json, select ?? (defaults ? [...defaults] : null));
  return call.ok({
    '@odata.context': call.context(selectionContext(fragment, select, true)),
    ...stripType(projected),
  });
};

export const stripType = (json: Json): Json => {
  const { ['@odata.type']: _type, ...rest } = json;
  return rest;
};

export const notFound = (call: Call, key: string): Failure =>
  call.fail(
    404,
    'Request_ResourceNotFound',
    `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
  );

const methodNotAllowed = (call: Call): Failure =>
  call.fail(405, 'Request_BadRequest', 'Specified HTTP method is not allowed for the request target.');

export const segmentNotFound = (call: Call, segment: string): Failure =>
  call.fail(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);

export const requireMethod = (call: Call, ...methods: string[]) => {
  if (!methods.includes(call.raw.method)) throw methodNotAllowed(call);
};

/** Splits the path into decoded segments; `users('x')` becomes `users`, `x`, and `devices(deviceId='x')` keeps a marker. */
export const segmentsOf = (call: Call): string[] => {
  const out: string[] = [];
  for (const raw of call.raw.path.split('/').filter(Boolean)) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      throw call.fail(400, 'BadRequest', `Bad Request - Invalid URL segment '${raw}'.`);
    }
    const keyed = /^([A-Za-z0-9.]+)\((.*)\)$/.exec(segment);
    if (keyed) {
      const inner = keyed[2];
      const quoted = /^'(.*)'$/.exec(inner);
      const alternate = /^deviceId='(.*)'$/.exec(inner);
      out.push(keyed[1]);
      if (alternate) out.push(`@deviceId=${alternate[1].replace(/''/g, "'")}`);
      else if (quoted) out.push(quoted[1].replace(/''/g, "'"));
      else out.push(inner);
      continue;
    }
    out.push(segment);
  }
  return out;
};

/** Refuses windows that reach past retention, as Graph's minimum-date check does ("Invalid filter clause"). */
export const checkRetention = (call: Call, datetimes: number[], retentionMs: number): void => {
  const oldest = call.now.getTime() - retentionMs;
  if (datetimes.some((ms) => ms < oldest))
    throw call.filterFailure('reports', '', new FilterError('retention', null, 'before retention'));
};
