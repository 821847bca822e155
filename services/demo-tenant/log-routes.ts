/** The identity and access reports: sign-ins and directory audits, served newest first from lazy streams. */
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

export const auditLogs = (call: Call, rest: string[]): Reply => {
  requireMethod(call, 'GET');
  const kind = (rest[0] ?? '').toLowerCase();
  if (kind === 'signins') {
    const properties = schema.signInProperties(call.version);
    const strip = (json: Json): Json => {
      if (call.version === 'beta') return json;
      const copy = { ...json };
      for (const name of BETA_ONLY_SIGN_IN_PROPERTIES) delete copy[name];
      return copy;
    };
    if (rest.length === 2) {
      const record = call.tenant.signIns.find(rest[1]);
      if (!record || record.time < call.now.getTime() - LOG_RETENTION_MS) {
        throw call.fail(404, 'NotFound', `Sign-in '${rest[1]}' was not found.`);
      }
      return entityReply(call, 'auditLogs/signIns', 'microsoft.graph.signIn', properties, strip(record.json));
    }
    if (rest.length > 2) throw segmentNotFound(call, rest[2]);
    call.allowOnly(['$filter', '$select', '$top', '$skiptoken', '$orderby']);
    logOrder(call, 'createdDateTime');
    const select = call.select('microsoft.graph.signIn', properties);
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
        select,
        page.items.map((record) => applySelect(strip(record.json), select)),
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
        page.items.map((record) => applySelect(record.json, select)),
        page.next,
      ),
    );
  }
  throw segmentNotFound(call, rest[0] ?? 'auditLogs');
};
