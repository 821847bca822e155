import type { GraphGateway } from '../graph/graph-gateway';
import { displayNameSearch, isGuid, isSearchableName, isUpn, userPathKey } from '../graph/odata';
import type { UserKind } from '../intent/types';

/** The profile fields every user-centred skill starts from; one `$select` so resolution is one round trip. */
export const USER_FIELDS = [
  'id',
  'displayName',
  'userPrincipalName',
  'mail',
  'jobTitle',
  'department',
  'officeLocation',
  'accountEnabled',
  'userType',
  'createdDateTime',
  'lastPasswordChangeDateTime',
  'onPremisesSyncEnabled',
  'usageLocation',
] as const;

export interface DirectoryUser {
  id: string;
  displayName: string | null;
  userPrincipalName: string;
  mail?: string | null;
  jobTitle?: string | null;
  department?: string | null;
  officeLocation?: string | null;
  accountEnabled?: boolean | null;
  userType?: string | null;
  createdDateTime?: string | null;
  lastPasswordChangeDateTime?: string | null;
  onPremisesSyncEnabled?: boolean | null;
  usageLocation?: string | null;
}

export type Resolution =
  | { kind: 'found'; user: DirectoryUser }
  | { kind: 'ambiguous'; candidates: DirectoryUser[] }
  | { kind: 'not-found' }
  | { kind: 'invalid' };

const MAX_CANDIDATES = 6;

/**
 * Turns what the person wrote into exactly one directory user, or says why not. A UPN or object id is looked up
 * directly (404 → not found); a display name is searched, and a single match (or a single exact one) is used while
 * several are handed back for the person to choose: Warden never picks one of several users on its own.
 */
export const resolveUser = async (
  graph: GraphGateway,
  written: string,
  kind: UserKind,
): Promise<Resolution> => {
  if (kind === 'upn' || kind === 'objectId') {
    if (!(isGuid(written) || isUpn(written))) return { kind: 'invalid' };
    try {
      const user = await graph.get<DirectoryUser>({
        path: `/users/${userPathKey(written)}`,
        query: { $select: USER_FIELDS.join(',') },
      });
      // Graph matches UPNs case-insensitively; a different answer than asked would be a wrong-user bug, so refuse it.
      const same = isGuid(written)
        ? user.id.toLowerCase() === written.toLowerCase()
        : user.userPrincipalName.toLowerCase() === written.toLowerCase();
      return same ? { kind: 'found', user } : { kind: 'not-found' };
    } catch (error) {
      if ((error as { reason?: string }).reason === 'not-found') return { kind: 'not-found' };
      throw error;
    }
  }
  const name = written.trim().replace(/\s+/g, ' ');
  if (!isSearchableName(name)) return { kind: 'invalid' };
  const page = await graph.firstPage<DirectoryUser>({
    path: '/users',
    query: { $search: displayNameSearch(name), $select: USER_FIELDS.join(','), $top: 25, $count: 'true' },
    headers: { ConsistencyLevel: 'eventual' },
  });
  const lower = name.toLowerCase();
  const exact = page.items.filter((user) => user.displayName?.toLowerCase() === lower);
  if (exact.length === 1) return { kind: 'found', user: exact[0] };
  if (exact.length === 0 && page.items.length === 1) return { kind: 'found', user: page.items[0] };
  const candidates = (exact.length > 1 ? exact : page.items).slice(0, MAX_CANDIDATES);
  if (candidates.length === 0) return { kind: 'not-found' };
  return { kind: 'ambiguous', candidates };
};
