import type {
  AppRole,
  AppRoleAssignment,
  Application,
  DirectoryObject,
  KeyCredential,
  OAuth2PermissionGrant,
  PasswordCredential,
  RiskyServicePrincipal,
  RiskyUser,
  ServicePrincipal,
  ServicePrincipalRiskDetection,
  SignIn,
  User,
} from '@microsoft/microsoft-graph-types';

import type { AppFact, AppLine, AppList, AppSection } from '../../cards/app-details';
import { plural, relativeAge, shortUtc, utcTime } from '../../cards/format';
import { safeText } from '../../cards/safe-text';
import type { BatchItemResult, GraphGateway, GraphRequest } from '../graph/graph-gateway';
import { dateTimeLiteral, guidLiteral, isGuid, quote } from '../graph/odata';
import { takeCollection } from './batch-items';
import { takeBatchItem } from './partial';
import { highPrivilegeReason, MICROSOFT_GRAPH_APP_ID } from './privilege';
import { detectionName, stateWords } from './risk-picture';
import { hoursAgo } from './skill';

/**
 * What `app.details` and `tenant.riskyApps` read about a service principal, planned as `$batch` items keyed by a
 * prefix so several apps share one batch: owners, delegated grants (`clientId eq`), app role assignments, the app
 * registration (where client secrets usually live: Entra keeps them on the application object, not the service
 * principal), its ID Protection state and detections. Microsoft Graph's own service principal is read in the same
 * batch, so the permissions almost every app holds are named without another round trip; other resources and the
 * users behind one-person consents are named in one more batch only when there are any.
 */

/** Credentials this new are flagged: adding a secret to an existing app is how attackers keep access to a tenant. */
const NEW_CREDENTIAL_DAYS = 7;
const EXPIRING_DAYS = 30;
const MAX_LINES = 12;
// Microsoft's own tenants publish first-party apps; an app owned by either is Microsoft's.
const MICROSOFT_TENANTS = new Set([
  'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
  '72f988bf-86f1-41af-91ab-2d7cd011db47',
]);

/** Graph returns `createdDateTime` on service principals although v1.0's schema (and so its types) omits it. */
export type AppPrincipal = ServicePrincipal & { createdDateTime?: string | null };

export interface AppFacts {
  sp: AppPrincipal;
  application: Application | null;
  owners: (DirectoryObject & User)[] | null;
  grants: OAuth2PermissionGrant[] | null;
  assignments: AppRoleAssignment[] | null;
  risk: RiskyServicePrincipal | null;
  detections: ServicePrincipalRiskDetection[] | null;
  signIns: SignIn[] | null;
}

export interface AppRequestOptions {
  /** Read ID Protection's state for the app (tenant.riskyApps already has it). */
  risk: boolean;
  /** Read user sign-ins to the app since this many hours ago. */
  signInHours: number | null;
  now: Date;
}

export const appRequests = (
  sp: ServicePrincipal,
  prefix: string,
  options: AppRequestOptions,
): GraphRequest[] => {
  const id = sp.id ?? '';
  if (!isGuid(id)) return [];
  const requests: GraphRequest[] = [
    { id: `${prefix}owners`, path: `/servicePrincipals/${id}/owners` },
    {
      id: `${prefix}grants`,
      path: '/oauth2PermissionGrants',
      query: { $filter: `clientId eq ${guidLiteral(id)}` },
    },
    { id: `${prefix}assignments`, path: `/servicePrincipals/${id}/appRoleAssignments` },
  ];
  if (sp.appId && isGuid(sp.appId)) {
    requests.push({
      id: `${prefix}application`,
      path: '/applications',
      query: { $filter: `appId eq ${guidLiteral(sp.appId)}` },
    });
  }
  if (options.risk) {
    requests.push(
      { id: `${prefix}risk`, path: `/identityProtection/riskyServicePrincipals/${id}` },
      {
        id: `${prefix}detections`,
        path: '/identityProtection/servicePrincipalRiskDetections',
        query: { $filter: `servicePrincipalId eq ${guidLiteral(id)}`, $top: 50 },
      },
    );
  }
  if (options.signInHours !== null && sp.appId && isGuid(sp.appId)) {
    requests.push({
      id: `${prefix}signIns`,
      path: '/auditLogs/signIns',
      query: {
        $filter: `appId eq ${guidLiteral(sp.appId)} and createdDateTime ge ${dateTimeLiteral(
          hoursAgo(options.now, options.signInHours),
        )}`,
        $top: 200,
      },
    });
  }
  return requests;
};

/** Microsoft Graph's service principal with its app roles, and the users ID Protection holds at risk (owners). */
export const sharedRequests = (): GraphRequest[] => [
  {
    id: 'graphResource',
    path: '/servicePrincipals',
    query: { $filter: `appId eq ${quote(MICROSOFT_GRAPH_APP_ID)}`, $select: 'id,appId,displayName,appRoles' },
  },
  {
    id: 'riskyUsers',
    path: '/identityProtection/riskyUsers',
    query: { $filter: `riskState eq 'atRisk'`, $top: 500 },
  },
];

export const readAppFacts = (
  sp: AppPrincipal,
  results: Map<string, BatchItemResult>,
  prefix: string,
  notes: string[],
  known: { risk?: RiskyServicePrincipal | null; detections?: ServicePrincipalRiskDetection[] } = {},
): AppFacts => {
  const name = safeText(sp.displayName ?? 'app', 60);
  const got = <T>(key: string, label: string, missingIsNormal = false) =>
    takeCollection<T>(results.get(`${prefix}${key}`), `${name}: ${label}`, notes, missingIsNormal);
  return {
    sp,
    application: got<Application>('application', 'app registration')?.[0] ?? null,
    owners: got<DirectoryObject & User>('owners', 'owners'),
    grants: got<OAuth2PermissionGrant>('grants', 'delegated permissions'),
    assignments: got<AppRoleAssignment>('assignments', 'application permissions'),
    risk:
      known.risk !== undefined
        ? known.risk
        : takeBatchItem<RiskyServicePrincipal>(
            results.get(`${prefix}risk`),
            `${name}: risk state`,
            notes,
            true,
          ),
    detections: known.detections ?? got<ServicePrincipalRiskDetection>('detections', 'risk detections'),
    signIns: results.has(`${prefix}signIns`) ? got<SignIn>('signIns', 'sign-ins') : null,
  };
};

export interface Resources {
  /** Resource service principal id → its name and app roles (id → value). */
  byId: Map<string, { displayName: string; roles: Map<string, string> }>;
  /** User id → "Name (upn)", for one-person consents. */
  people: Map<string, string>;
  /** Users ID Protection holds at risk, by id → level. */
  riskyUsers: Map<string, string>;
}

const resourceEntry = (sp: ServicePrincipal & { appRoles?: AppRole[] }) => ({
  displayName: sp.displayName ?? sp.appId ?? 'resource',
  roles: new Map((sp.appRoles ?? []).map((role) => [role.id ?? '', role.value ?? role.displayName ?? ''])),
});

/**
 * Names the resources and consenting users the facts point at. Microsoft Graph came in the first batch; anything
 * else (Exchange's full_access_as_app, a line-of-business API, the person behind a one-user consent) is read in one
 * more batch, at most 20 ids, and only when there is something to name.
 */
export const nameResources = async (
  graph: GraphGateway,
  results: Map<string, BatchItemResult>,
  facts: AppFacts[],
  notes: string[],
): Promise<Resources> => {
  const byId = new Map<string, { displayName: string; roles: Map<string, string> }>();
  for (const sp of takeCollection<ServicePrincipal>(
    results.get('graphResource'),
    'Microsoft Graph permissions',
    notes,
  ) ?? []) {
    if (sp.id) byId.set(sp.id, resourceEntry(sp));
  }
  const riskyUsers = new Map(
    (takeCollection<RiskyUser>(results.get('riskyUsers'), 'Risky users', notes) ?? []).map((user) => [
      user.id ?? '',
      user.riskLevel ?? 'unknown',
    ]),
  );
  const resourceIds = new Set<string>();
  const personIds = new Set<string>();
  for (const fact of facts) {
    for (const assignment of fact.assignments ?? []) {
      const known = byId.get(assignment.resourceId ?? '');
      if (!known?.roles.has(assignment.appRoleId ?? '') && assignment.resourceId)
        resourceIds.add(assignment.resourceId);
    }
    for (const grant of fact.grants ?? []) {
      if (grant.resourceId && !byId.has(grant.resourceId)) resourceIds.add(grant.resourceId);
      if (grant.consentType === 'Principal' && grant.principalId) personIds.add(grant.principalId);
    }
  }
  const lookups: GraphRequest[] = [
    ...[...resourceIds].filter(isGuid).map((id) => ({
      id: `resource:${id}`,
      path: `/servicePrincipals/${id}`,
      query: { $select: 'id,appId,displayName,appRoles' },
    })),
    ...[...personIds].filter(isGuid).map((id) => ({
      id: `person:${id}`,
      path: `/users/${id}`,
      query: { $select: 'id,displayName,userPrincipalName' },
    })),
  ].slice(0, 20);
  const people = new Map<string, string>();
  if (lookups.length > 0) {
    const named = await graph.batch(lookups);
    for (const [key, result] of named) {
      if (!result.ok) continue;
      const [kind, id] = key.split(':');
      if (kind === 'resource') byId.set(id, resourceEntry(result.body as ServicePrincipal));
      else {
        const user = result.body as User;
        people.set(id, `${user.displayName ?? ''} (${user.userPrincipalName ?? id})`);
      }
    }
  }
  return { byId, people, riskyUsers };
};

export const AUDIENCE: Record<string, string> = {
  AzureADMyOrg: 'This tenant only',
  AzureADMultipleOrgs: 'Any Microsoft Entra tenant (multi-tenant)',
  AzureADandPersonalMicrosoftAccount: 'Any Entra tenant and personal Microsoft accounts',
  PersonalMicrosoftAccount: 'Personal Microsoft accounts',
};

/** Who publishes the app, from the tenant that owns it (no app registration read needed). */
export const ownerWords = (sp: ServicePrincipal): string =>
  MICROSOFT_TENANTS.has(sp.appOwnerOrganizationId ?? '')
    ? 'Microsoft'
    : sp.appOwnerOrganizationId
      ? `tenant ${safeText(sp.appOwnerOrganizationId, 40)}`
      : 'unknown';

interface Credential {
  kind: string;
  name: string;
  keyId: string;
  start: string | null;
  end: string | null;
  where: string;
}

const credentials = (facts: AppFacts): Credential[] => {
  const from = (
    items: (PasswordCredential | KeyCredential)[] | null | undefined,
    kind: string,
    where: string,
  ): Credential[] =>
    (items ?? []).map((item) => ({
      kind,
      name: item.displayName ?? ('hint' in item && item.hint ? `…${item.hint}` : ''),
      keyId: item.keyId ?? '',
      start: item.startDateTime ?? null,
      end: item.endDateTime ?? null,
      where,
    }));
  return [
    ...from(facts.application?.passwordCredentials, 'Client secret', 'app registration'),
    ...from(facts.application?.keyCredentials, 'Certificate', 'app registration'),
    ...from(facts.sp.passwordCredentials, 'Client secret', 'service principal'),
    ...from(facts.sp.keyCredentials, 'Certificate', 'service principal'),
  ].sort((a, b) => (b.start ?? '').localeCompare(a.start ?? ''));
};

/** Credentials live for years, so their dates carry the year (UTC). */
const day10 = (iso: string | null | undefined): string =>
  iso && !Number.isNaN(Date.parse(iso)) ? iso.slice(0, 10) : '—';

const bounded = (lines: AppLine[]): AppLine[] =>
  lines.length <= MAX_LINES
    ? lines
    : [
        ...lines.slice(0, MAX_LINES - 1),
        { text: `and ${lines.length - MAX_LINES + 1} more`, attention: false },
      ];

export interface AppReading {
  section: AppSection;
  highPrivilege: string[];
  newCredentials: number;
  riskLevel: string | null;
}

/** The card section for one app: what matters first (risk, new credentials, high-privilege permissions), then facts. */
export const readApp = (facts: AppFacts, resources: Resources, now: Date): AppReading => {
  const { sp } = facts;
  const day = 86_400_000;
  const detectionKeys = new Set((facts.detections ?? []).flatMap((detection) => detection.keyIds ?? []));
  const creds = credentials(facts);
  const credentialLines = creds.map((credential): AppLine => {
    const start = credential.start ? Date.parse(credential.start) : NaN;
    const end = credential.end ? Date.parse(credential.end) : NaN;
    const isNew = !Number.isNaN(start) && now.getTime() - start <= NEW_CREDENTIAL_DAYS * day;
    const expired = !Number.isNaN(end) && end < now.getTime();
    const expiring = !expired && !Number.isNaN(end) && end - now.getTime() <= EXPIRING_DAYS * day;
    const used = detectionKeys.has(credential.keyId);
    const flags = [
      isNew ? `NEW (added ${relativeAge(new Date(start), now)})` : null,
      used ? 'used in a risk detection' : null,
      expired ? 'EXPIRED' : expiring ? 'expires soon' : null,
    ].filter(Boolean);
    return {
      text: safeText(
        `${credential.kind} “${credential.name || 'unnamed'}” on the ${credential.where} · added ${day10(
          credential.start,
        )} · expires ${day10(credential.end)}${credential.end ? ` (${relativeAge(new Date(end), now)})` : ''}${
          flags.length ? ` · ${flags.join(', ')}` : ''
        }`,
        240,
      ),
      attention: isNew || used || expired,
    };
  });
  const newCredentials = credentialLines.filter((line) => line.attention).length;

  const highPrivilege: string[] = [];
  const permissionLines: AppLine[] = [];
  for (const assignment of facts.assignments ?? []) {
    const resource = resources.byId.get(assignment.resourceId ?? '');
    const value =
      resource?.roles.get(assignment.appRoleId ?? '') ?? `app role ${assignment.appRoleId ?? '?'}`;
    const why = highPrivilegeReason(value);
    if (why) highPrivilege.push(value);
    permissionLines.push({
      text: safeText(
        `${value} (application, ${resource?.displayName ?? assignment.resourceDisplayName ?? 'resource'})${
          why ? ` · HIGH PRIVILEGE: ${why}` : ''
        } · granted ${day10(assignment.createdDateTime)}`,
        240,
      ),
      attention: !!why,
    });
  }
  for (const grant of facts.grants ?? []) {
    const resource = resources.byId.get(grant.resourceId ?? '')?.displayName ?? 'resource';
    const who =
      grant.consentType === 'AllPrincipals'
        ? 'admin consent for all users'
        : `consented by ${resources.people.get(grant.principalId ?? '') ?? grant.principalId ?? 'one user'}`;
    for (const scope of (grant.scope ?? '').split(' ').filter(Boolean)) {
      const why = highPrivilegeReason(scope);
      if (why) highPrivilege.push(scope);
      permissionLines.push({
        text: safeText(
          `${scope} (delegated, ${resource}, ${who})${why ? ` · HIGH PRIVILEGE: ${why}` : ''}`,
          240,
        ),
        attention: !!why,
      });
    }
  }
  permissionLines.sort((a, b) => Number(b.attention) - Number(a.attention));

  const ownerLines = (facts.owners ?? []).map((owner): AppLine => {
    const level = resources.riskyUsers.get(owner.id ?? '');
    return {
      text: safeText(
        `${owner.displayName ?? '—'}${owner.userPrincipalName ? ` (${owner.userPrincipalName})` : ''}${
          level ? ` · user at ${level} risk` : ''
        }`,
        200,
      ),
      attention: !!level,
    };
  });
  const detectionLines = (facts.detections ?? []).map((detection): AppLine => ({
    text: safeText(
      `${detectionName(detection.riskEventType)} (${detection.riskLevel ?? '—'}, ${stateWords(detection.riskState)}) · ${shortUtc(
        detection.activityDateTime,
      )} UTC from ${detection.ipAddress ?? 'unknown IP'}${
        detection.location?.countryOrRegion
          ? ` (${[detection.location.city, detection.location.countryOrRegion].filter(Boolean).join(', ')})`
          : ''
      }${detection.keyIds?.length ? ' · with a credential flagged above' : ''}`,
      240,
    ),
    attention: detection.riskState === 'atRisk' || detection.riskState === 'confirmedCompromised',
  }));

  const microsoft = MICROSOFT_TENANTS.has(sp.appOwnerOrganizationId ?? '');
  const homeTenant = facts.application !== null;
  const verified =
    sp.verifiedPublisher?.displayName ?? facts.application?.verifiedPublisher?.displayName ?? null;
  const external = !microsoft && !homeTenant;
  const created = sp.createdDateTime ? Date.parse(sp.createdDateTime) : NaN;
  const isNewApp = !Number.isNaN(created) && now.getTime() - created <= NEW_CREDENTIAL_DAYS * day;
  const risk = facts.risk;
  const atRisk = risk?.riskState === 'atRisk' || risk?.riskState === 'confirmedCompromised';
  const facts_: AppFact[] = [
    {
      label: 'Publisher',
      value: microsoft
        ? 'Microsoft'
        : homeTenant
          ? `This tenant${facts.application?.publisherDomain ? ` (${safeText(facts.application.publisherDomain, 80)})` : ''}`
          : `Another tenant (${safeText(sp.appOwnerOrganizationId ?? 'unknown', 40)})`,
      attention: external,
    },
    {
      label: 'Verified publisher',
      value: verified ? safeText(verified, 80) : microsoft ? '—' : 'No (unverified)',
      attention: external && !verified,
    },
    {
      label: 'Sign-in audience',
      value: safeText(AUDIENCE[sp.signInAudience ?? ''] ?? sp.signInAudience ?? '—', 80),
      attention: false,
    },
    { label: 'Enabled', value: sp.accountEnabled === false ? 'No' : 'Yes', attention: false },
    { label: 'Added to tenant', value: utcTime(sp.createdDateTime, now), attention: isNewApp },
  ];
  if (sp.homepage) facts_.push({ label: 'Homepage', value: safeText(sp.homepage, 120), attention: false });
  if (risk) {
    facts_.unshift({
      label: 'Risk',
      value: `${risk.riskLevel ?? '—'} · ${stateWords(risk.riskState)} · updated ${utcTime(risk.riskLastUpdatedDateTime, now)}`,
      attention: atRisk,
    });
  }
  if (facts.signIns !== null) {
    const users = new Set(facts.signIns.map((signIn) => signIn.userId).filter(Boolean));
    const risky = facts.signIns.filter((signIn) =>
      ['low', 'medium', 'high'].includes(signIn.riskLevelDuringSignIn ?? ''),
    );
    facts_.push({
      label: 'User sign-ins (7 d)',
      value:
        facts.signIns.length === 0
          ? 'None'
          : `${plural(facts.signIns.length, 'sign-in')} by ${plural(users.size, 'user')}, ${risky.length} risky; last ${utcTime(
              facts.signIns[0]?.createdDateTime,
              now,
            )}`,
      attention: risky.length > 0,
    });
  }

  const headline = [
    atRisk ? `Risk ${risk?.riskLevel ?? ''} (${stateWords(risk?.riskState)})` : null,
    newCredentials ? `${plural(newCredentials, 'credential')} to check` : null,
    highPrivilege.length ? `high privilege: ${[...new Set(highPrivilege)].join(', ')}` : null,
    external && !verified ? 'unverified publisher in another tenant' : null,
    ownerLines.some((line) => line.attention) ? 'owned by a user at risk' : null,
  ].filter(Boolean);
  const lists: AppList[] = [
    ...(facts.detections !== null && (facts.detections.length > 0 || risk)
      ? [{ title: 'Risk detections', lines: bounded(detectionLines), emptyText: 'No risk detections.' }]
      : []),
    {
      title: 'Credentials',
      lines: bounded(credentialLines),
      emptyText:
        homeTenant || facts.sp.passwordCredentials?.length
          ? 'No secrets or certificates.'
          : 'No secrets or certificates in this tenant (the app is registered elsewhere).',
    },
    {
      title: 'Permissions',
      lines: bounded(permissionLines),
      emptyText:
        facts.assignments === null && facts.grants === null
          ? 'Could not be read.'
          : 'No permissions granted.',
    },
    {
      title: 'Owners',
      lines: bounded(ownerLines),
      emptyText: facts.owners === null ? 'Could not be read.' : 'No owners.',
    },
  ];
  return {
    section: {
      name: safeText(sp.displayName ?? sp.appDisplayName ?? 'Unnamed app', 120),
      ids: `App ID ${sp.appId ?? '—'} · Object ID ${sp.id ?? '—'}`,
      headline: safeText(headline.join(' · '), 300),
      attention: headline.length > 0,
      facts: facts_,
      lists,
      ask: null,
    },
    highPrivilege: [...new Set(highPrivilege)],
    newCredentials,
    riskLevel: risk?.riskLevel ?? null,
  };
};
