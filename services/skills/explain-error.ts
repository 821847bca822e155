import type { GraphError } from '../graph/graph-error';

/** Where the permission or licence a Graph area needs is known, the sentence names it (reference/entra_graph.md §2). */
const NEEDS: { test: RegExp; permission: string; licence: string | null }[] = [
  {
    test: /^\/auditLogs\/signIns/i,
    permission: 'AuditLog.Read.All (role: Reports Reader or Security Reader)',
    licence: 'Microsoft Entra ID P1 or P2',
  },
  {
    test: /^\/auditLogs\/directoryAudits/i,
    permission: 'AuditLog.Read.All (role: Reports Reader or Security Reader)',
    licence: null,
  },
  {
    test: /^\/identityProtection\/riskyServicePrincipals|servicePrincipalRiskDetections/i,
    permission: 'IdentityRiskyServicePrincipal.Read.All',
    licence: 'Workload Identities Premium',
  },
  {
    test: /^\/identityProtection\/riskyUsers/i,
    permission: 'IdentityRiskyUser.Read.All (role: Security Reader)',
    licence: 'Microsoft Entra ID P2',
  },
  {
    test: /^\/identityProtection\/riskDetections/i,
    permission: 'IdentityRiskEvent.Read.All (role: Security Reader)',
    licence: 'Microsoft Entra ID P2',
  },
  {
    test: /^\/identity\/conditionalAccess/i,
    permission: 'Policy.Read.All (role: Security Reader)',
    licence: 'Microsoft Entra ID P1',
  },
  { test: /\/authentication\/methods/i, permission: 'UserAuthenticationMethod.Read.All', licence: null },
  { test: /\/(registered|owned)Devices|^\/devices/i, permission: 'Device.Read.All', licence: null },
  { test: /^\/users/i, permission: 'User.Read.All', licence: null },
  {
    test: /^\/servicePrincipals|^\/applications|^\/oauth2PermissionGrants/i,
    permission: 'Application.Read.All',
    licence: null,
  },
];

/** Turns a typed Graph failure into the plain sentence a card shows; never Graph's raw message. */
export const explainGraphError = (error: GraphError): string => {
  const need = NEEDS.find((entry) => entry.test.test(error.path));
  switch (error.reason) {
    case 'not-found':
      return 'Microsoft Graph has no such object.';
    case 'forbidden':
      return `Warden is not allowed to read this${need ? `; it needs ${need.permission}` : ''}.`;
    case 'not-licensed':
      return `This tenant's licence does not include it${need?.licence ? ` (it needs ${need.licence})` : ''}.`;
    case 'throttled':
      return `Microsoft Graph is throttling requests; try again in ${error.retryAfterSeconds ?? 30} s.`;
    case 'bad-request':
      return 'Microsoft Graph refused the request as asked.';
    case 'unavailable':
      return 'Microsoft Graph did not answer in time; try again in a moment.';
  }
};
