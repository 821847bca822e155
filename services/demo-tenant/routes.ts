import {
  applicationsRoute,
  devices,
  groups,
  oauth2PermissionGrants,
  organization,
  servicePrincipals,
  users,
} from './directory-routes';
import {
  Call,
  Failure,
  INVALID_JSON,
  segmentNotFound,
  segmentsOf,
  type GraphCall,
  type Reply,
} from './graph-call';
import { auditLogs } from './log-routes';
import { identity, identityProtection } from './protection-routes';
import type { Tenant } from './tenant';

export { INVALID_JSON, errorReply, type GraphCall, type GraphVersion, type Reply } from './graph-call';

/** Answers one Graph request (top-level or inside `$batch`) against the tenant. */
export const route = (tenant: Tenant, raw: GraphCall): Reply => {
  const call = new Call(tenant, raw);
  try {
    if (raw.body === INVALID_JSON) {
      throw call.fail(
        400,
        'BadRequest',
        'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.',
      );
    }
    const segments = segmentsOf(call);
    if (segments.length === 0) throw call.fail(400, 'BadRequest', 'Invalid request.');
    const [head, ...rest] = segments;
    switch (head.toLowerCase()) {
      case 'users':
        return users(call, rest);
      case 'groups':
        return groups(call, rest);
      case 'devices':
        return devices(call, rest);
      case 'auditlogs':
        return auditLogs(call, rest);
      case 'identityprotection':
        return identityProtection(call, rest);
      case 'serviceprincipals':
        return servicePrincipals(call, rest);
      case 'oauth2permissiongrants':
        return oauth2PermissionGrants(call, rest);
      case 'applications':
        return applicationsRoute(call, rest);
      case 'identity':
        return identity(call, rest);
      case 'organization':
        return organization(call, rest);
      case 'me':
        // The demo tenant is called app-only, as Warden calls Graph.
        throw call.fail(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
      default:
        throw segmentNotFound(call, head);
    }
  } catch (error) {
    if (error instanceof Failure) return error.reply;
    throw error;
  }
};
