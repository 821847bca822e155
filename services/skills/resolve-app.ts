import type { Application, ServicePrincipal } from '@microsoft/microsoft-graph-types';

import type { GraphGateway } from '../graph/graph-gateway';
import { guidLiteral, isGuid, quote } from '../graph/odata';
import { takeCollection, throwIfAllFailed } from './batch-items';

export type AppResolution =
  | { kind: 'found'; servicePrincipal: ServicePrincipal }
  | { kind: 'ambiguous'; candidates: ServicePrincipal[]; total: number }
  | { kind: 'not-found'; name: string }
  | { kind: 'invalid' };

/** Entra display names are at most 256 characters, but nobody types more than this to ask about one. */
export const MAX_APP_NAME = 120;
const MAX_CANDIDATES = 6;
// A startswith page this big holds every plausible candidate; more than that is a prefix too short to mean one app.
const PREFIX_PAGE = 25;

/* eslint-disable no-control-regex -- rejecting control characters in a typed name is the point */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/;
/* eslint-enable no-control-regex */

/** What the person wrote, without the quotes they put around it; null when it cannot be a display name or id. */
export const appKey = (written: string): string | null => {
  const value = written
    .trim()
    .replace(/^["“”'‘’]+|["“”'‘’]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!value || value.length > MAX_APP_NAME || CONTROL.test(value)) return null;
  return value;
};

/**
 * Turns what the person wrote into exactly one service principal, or says why not, the way `resolveUser` does for
 * people: a GUID is looked up as a service principal object id, an appId, or an app registration's object id (all in
 * one `$batch`); a name is matched exactly and by prefix (one `$batch`), and several matches are handed back for the
 * person to choose. The name reaches Graph only as an escaped OData literal.
 */
export const resolveApp = async (graph: GraphGateway, written: string): Promise<AppResolution> => {
  const key = appKey(written);
  if (key === null) return { kind: 'invalid' };
  if (isGuid(key)) return resolveGuid(graph, key.toLowerCase());
  const results = await graph.batch([
    {
      id: 'exact',
      path: '/servicePrincipals',
      query: { $filter: `displayName eq ${quote(key)}`, $top: PREFIX_PAGE },
    },
    {
      id: 'prefix',
      path: '/servicePrincipals',
      query: { $filter: `startswith(displayName, ${quote(key)})`, $top: PREFIX_PAGE },
    },
  ]);
  throwIfAllFailed(results, ['exact', 'prefix']);
  const notes: string[] = [];
  const lower = key.toLowerCase();
  // Graph compares display names case-insensitively; the exact list is checked again so "HR" never means "HR Sync".
  const exact = (takeCollection<ServicePrincipal>(results.get('exact'), 'exact', notes) ?? []).filter(
    (sp) => sp.displayName?.toLowerCase() === lower,
  );
  const prefix = takeCollection<ServicePrincipal>(results.get('prefix'), 'prefix', notes) ?? [];
  if (exact.length === 1) return { kind: 'found', servicePrincipal: exact[0] };
  if (exact.length > 1)
    return { kind: 'ambiguous', candidates: exact.slice(0, MAX_CANDIDATES), total: exact.length };
  if (prefix.length === 1) return { kind: 'found', servicePrincipal: prefix[0] };
  if (prefix.length > 1)
    return { kind: 'ambiguous', candidates: prefix.slice(0, MAX_CANDIDATES), total: prefix.length };
  return { kind: 'not-found', name: key };
};

const resolveGuid = async (graph: GraphGateway, id: string): Promise<AppResolution> => {
  const literal = guidLiteral(id);
  const results = await graph.batch([
    { id: 'objectId', path: `/servicePrincipals/${id}` },
    { id: 'appId', path: '/servicePrincipals', query: { $filter: `appId eq ${literal}` } },
    {
      id: 'application',
      path: '/applications',
      query: { $filter: `id eq ${literal}`, $select: 'id,appId,displayName' },
    },
  ]);
  throwIfAllFailed(results, ['objectId', 'appId', 'application']);
  const byObjectId = results.get('objectId');
  if (byObjectId?.ok) return { kind: 'found', servicePrincipal: byObjectId.body as ServicePrincipal };
  const notes: string[] = [];
  const byAppId = takeCollection<ServicePrincipal>(results.get('appId'), 'appId', notes) ?? [];
  if (byAppId.length > 0) return { kind: 'found', servicePrincipal: byAppId[0] };
  // An app registration's object id (what audit entries name): its service principal is found by its appId.
  const application = (takeCollection<Application>(results.get('application'), 'application', notes) ??
    [])[0];
  if (application?.appId && isGuid(application.appId)) {
    const page = await graph.firstPage<ServicePrincipal>({
      path: '/servicePrincipals',
      query: { $filter: `appId eq ${guidLiteral(application.appId)}` },
    });
    if (page.items.length > 0) return { kind: 'found', servicePrincipal: page.items[0] };
  }
  return { kind: 'not-found', name: id };
};
