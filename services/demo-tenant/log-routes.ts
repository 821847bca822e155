/** The identity and access reports: sign-ins and directory audits, served newest first from lazy streams. */
import { isKept, keepJson } from './json-text';
import { applySelect, type CompiledFilter } from './odata';
import * as schema from './schemas';
import { BETA_ONLY_SIGN_IN_PROPERTIES, LOG_RETENTION_MS, type SignInRecord } from './sign-ins';
import { pageStreams, type RecordStream } from './streams';
import {
  checkRetention,
  collectionBody,
  entityReply,
  requireMethod,
  segmentNotFound,
  type Call,
  type Json,
  type Reply,
} from './graph-call';

const logOrder = (call: Call, timeProperty: string): void => {
  const orderby = call.option('$orderby');
  if (orderby === undefined) return;
  // The logs are served newest first, which is what Graph returns by default.
  if (!new RegExp(`^\\s*${timeProperty}(\\s+desc)?\\s*$`, 'i').test(orderby) || !/desc/i.test(orderby)) {
    throw call.fail(
      400,
      'BadRequest',
      `Invalid $orderby clause '${orderby}': only '${timeProperty} desc' is supported.`,
    );
  }
};

const pageLog = <T extends { time: number; json: Json }>(
  call: Call,
  streams: RecordStream<T>[],
  filter: CompiledFilter<T> | null,
  extraTest: (record: T) => boolean,
  top: number,
): { items: T[]; next: number[] | null } => {
  const hints = filter?.hints;
  return pageStreams(streams, {
    lowerMs: Math.max(hints?.lowerMs ?? -Infinity, call.now.getTime() - LOG_RETENTION_MS),
    upperMs: hints?.upperMs ?? Infinity,
    equals: hints?.equals ?? new Map(),
    test: (record) => extraTest(record) && (!filter || filter.test(record)),
    pageSize: top,
    cursor: call.cursor(),
  });
};

const BETA_ONLY: ReadonlySet<string> = new Set(BETA_ONLY_SIGN_IN_PROPERTIES);
const v1SignIns = new WeakMap<Json, Json>();

/** A sign-in without its beta-only properties, the others in their order. */
const v1SignIn = (json: Json): Json => {
  // Story sign-ins are kept, the same objects on every request: their v1.0 shape is kept with them. Generated ones
  // are built for one response, so keeping anything for them would only cost.
  if (!isKept(json)) return withoutBetaProperties(json);
  let v1 = v1SignIns.get(json);
  if (!v1) {
    v1 = keepJson(withoutBetaProperties(json));
    v1SignIns.set(json, v1);
  }
  return v1;
};

const withoutBetaProperties = (json: Json): Json => {
  const v1: Json = {};
  for (const name of Object.keys(json)) if (!BETA_ONLY.has(name)) v1[name] = json[name];
  return v1;
};

// A kept record's projections are kept with it (a client asks for the same story records with the same $select on
// every question), a few per record so that a client varying its $select cannot grow them without bound.
const SELECTIONS_PER_RECORD = 4;
const selections = new WeakMap<Json, Map<string, Json>>();

/** `$select` applied to a log record; the same object every time for a kept one. */
const selected = (json: Json, select: string[]): Json => {
  if (!isKept(json)) return applySelect(json, select);
  const key = select.join(',');
  let byKey = selections.get(json);
  if (!byKey) {
    byKey = new Map();
    selections.set(json, byKey);
  }
  let projection = byKey.get(key);
  if (!projection) {
    projection = keepJson(applySelect(json, select));
    if (byKey.size >= SELECTIONS_PER_RECORD) byKey.delete(byKey.keys().next().value!);
    byKey.set(key, projection);
  }
  return projection;
};

export const auditLogs = (call: Call, rest: string[]): Reply => {
  requireMethod(call, 'GET');
  const kind = (rest[0] ?? '').toLowerCase();
  if (kind === 'signins') {
    const properties = schema.signInProperties(call.version);
    const strip = (json: Json): Json => (call.version === 'beta' ? json : v1SignIn(json));
    if (rest.length === 2) {
      const record = call.tenant.signIns.find(rest[1]);
      if (!record || record.time < call.now.getTime() - LOG_RETENTION_MS) {
        throw call.fail(404, 'NotFound', `Sign-in '${rest[1]}' was not found.`);
      }
      return entityReply(call, 'auditLogs/signIns', 'microsoft.graph.signIn', properties, strip(record.json));
    }
    if (rest.length > 2) throw segmentNotFound(call, rest[2]);
    // Graph's sign-in list takes $filter, $top and $skiptoken only (signin-list, v1.0 and beta), and refuses $select
    // with this OData message (microsoftgraph/microsoft-graph-devx-api#1250, a feature request).
    if (call.option('$select') !== undefined)
      throw call.fail(
        400,
        'BadRequest',
        "Query option 'Select' is not allowed. To allow it, set the 'AllowedQueryOptions' property on EnableQueryAttribute or QueryValidationSettings.",
      );
    call.allowOnly(['$filter', '$top', '$skiptoken', '$orderby']);
    logOrder(call, 'createdDateTime');
    const top = call.top('reports', 1000, 1000);
    const filter = call.filter('reports', 'SignIn', schema.signInFilter(call.version));
    if (filter) checkRetention(call, filter.hints.datetimes, LOG_RETENTION_MS);
    // Without an event-type filter the API returns interactive user sign-ins only.
    const eventTypes = /signInEventTypes/i.test(call.option('$filter') ?? '');
    const page = pageLog<SignInRecord>(
      call,
      call.tenant.signIns.streams(),
      filter as CompiledFilter<SignInRecord> | null,
      (record) => eventTypes || record.eventType === 'interactiveUser',
      top,
    );
    return call.ok(
      collectionBody(
        call,
        'auditLogs/signIns',
        null,
        page.items.map((record) => strip(record.json)),
        page.next,
      ),
    );
  }
  if (kind === 'directoryaudits') {
    if (rest.length === 2) {
      const record = call.tenant.audits.find(rest[1]);
      if (!record || record.time < call.now.getTime() - LOG_RETENTION_MS) {
        throw call.fail(404, 'NotFound', `Directory audit '${rest[1]}' was not found.`);
      }
      return entityReply(
        call,
        'auditLogs/directoryAudits',
        'microsoft.graph.directoryAudit',
        schema.AUDIT_PROPERTIES,
        record.json,
      );
    }
    if (rest.length > 2) throw segmentNotFound(call, rest[2]);
    call.allowOnly(['$filter', '$select', '$top', '$skiptoken', '$orderby']);
    logOrder(call, 'activityDateTime');
    const select = call.select('microsoft.graph.directoryAudit', schema.AUDIT_PROPERTIES);
    // Graph does not document this endpoint's page size; 100 keeps pages small enough that a client which stops
    // after one page (or ignores nextLink) visibly misses entries in the 72-hour story window.
    const top = call.top('reports', 100, 1000);
    const filter = call.filter('reports', 'DirectoryAudit', schema.AUDIT_FILTER);
    if (filter) checkRetention(call, filter.hints.datetimes, LOG_RETENTION_MS);
    const page = pageLog(call, call.tenant.audits.streams(), filter, () => true, top);
    return call.ok(
      collectionBody(
        call,
        'auditLogs/directoryAudits',
        select,
        page.items.map((record) => (select ? selected(record.json, select) : record.json)),
        page.next,
      ),
    );
  }
  throw segmentNotFound(call, rest[0] ?? 'auditLogs');
};
