import { isoSeconds } from './directory';
import { labelGuid } from './prng';
import {
  FIRST_PARTY_APPS,
  GRAPH_APP_ROLES,
  HR_SYNC,
  IRVIN,
  KARITA,
  PAYROLL_CONNECTOR,
  SUSPICIOUS_APP,
  TENANT_DOMAIN,
  TENANT_ID,
  TIMELINE,
} from './story';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

type Json = Record<string, unknown>;

/** Microsoft's own tenant, the owner of first-party applications. */
const MICROSOFT_SERVICES_TENANT = 'f8cdef31-a31e-4b4a-93e4-5f571e91255a';

const EXTRA_FIRST_PARTY = [
  { appId: '1b730954-1685-4b74-9bfd-dac224a7b894', displayName: 'Azure Active Directory PowerShell' },
  { appId: 'cc15fd57-2c6c-4117-a88c-83b1d56b4bbe', displayName: 'Microsoft Teams Services' },
  { appId: '797f4846-ba00-4fd7-ba43-dac1f8f63013', displayName: 'Windows Azure Service Management API' },
  { appId: '00000002-0000-0000-c000-000000000000', displayName: 'Windows Azure Active Directory' },
] as const;

export const graphServicePrincipalId = (): string => labelGuid(`sp:${FIRST_PARTY_APPS.graph.appId}`);

interface ServicePrincipalSpec {
  id: string;
  appId: string;
  displayName: string;
  owner: string;
  audience: string;
  createdMs: number;
  publisher: Json | null;
  homepage?: string | null;
  tags?: string[];
  appRoles?: Json[];
  description?: string | null;
}

const servicePrincipalJson = (spec: ServicePrincipalSpec): Json => ({
  id: spec.id,
  deletedDateTime: null,
  accountEnabled: true,
  alternativeNames: [],
  appDisplayName: spec.displayName,
  appDescription: null,
  appId: spec.appId,
  applicationTemplateId: null,
  appOwnerOrganizationId: spec.owner,
  appRoleAssignmentRequired: false,
  createdDateTime: isoSeconds(spec.createdMs),
  description: spec.description ?? null,
  disabledByMicrosoftStatus: null,
  displayName: spec.displayName,
  homepage: spec.homepage ?? null,
  loginUrl: null,
  logoutUrl: null,
  notes: null,
  notificationEmailAddresses: [],
  preferredSingleSignOnMode: null,
  preferredTokenSigningKeyThumbprint: null,
  replyUrls: [],
  servicePrincipalNames: [spec.appId],
  servicePrincipalType: 'Application',
  signInAudience: spec.audience,
  tags: spec.tags ?? [],
  tokenEncryptionKeyId: null,
  samlSingleSignOnSettings: null,
  addIns: [],
  appRoles: spec.appRoles ?? [],
  info: {
    logoUrl: null,
    marketingUrl: null,
    privacyStatementUrl: null,
    supportUrl: null,
    termsOfServiceUrl: null,
  },
  keyCredentials: [],
  oauth2PermissionScopes: [],
  passwordCredentials: [],
  resourceSpecificApplicationPermissions: [],
  verifiedPublisher: spec.publisher ?? { displayName: null, verifiedPublisherId: null, addedDateTime: null },
});

/**
 * Service principals, application registrations, delegated grants and app role assignments. Payroll Connector is
 * the risky workload (Mail.ReadWrite, a secret added from Karita's session); Secure Docs Viewer is the malicious
 * multi-tenant app she consented to, so it has a service principal here but no application registration.
 */
export class Applications {
  private readonly servicePrincipals: Json[];
  private readonly applications: Json[];
  private readonly grants: Json[];
  private readonly assignments = new Map<string, Json[]>();
  private readonly owners = new Map<string, string[]>();

  constructor(anchorMs: number) {
    const ago = (days: number) => anchorMs - days * DAY;
    const microsoft = (app: { appId: string; displayName: string }, appRoles: Json[] = []) =>
      servicePrincipalJson({
        id: labelGuid(`sp:${app.appId}`),
        appId: app.appId,
        displayName: app.displayName,
        owner: MICROSOFT_SERVICES_TENANT,
        audience: 'AzureADMultipleOrgs',
        createdMs: ago(2800),
        publisher: null,
        appRoles,
      });
    const graphRoles = Object.values(GRAPH_APP_ROLES).map((role) => ({
      allowedMemberTypes: ['Application'],
      description: `Allows the app to ${role.value === 'Mail.ReadWrite' ? 'create, read, update, and delete mail in all mailboxes' : 'read user profiles'} without a signed-in user.`,
      displayName: role.value,
      id: role.id,
      isEnabled: true,
      origin: 'Application',
      value: role.value,
    }));
    const tenantSp = (
      app: typeof HR_SYNC | typeof PAYROLL_CONNECTOR,
      createdDays: number,
      description: string,
    ) =>
      servicePrincipalJson({
        id: app.servicePrincipalId,
        appId: app.appId,
        displayName: app.displayName,
        owner: TENANT_ID,
        audience: 'AzureADMyOrg',
        createdMs: ago(createdDays),
        publisher: null,
        tags: ['HideApp', 'WindowsAzureActiveDirectoryIntegratedApp'],
        description,
      });
    this.servicePrincipals = [
      microsoft(FIRST_PARTY_APPS.graph, graphRoles),
      ...Object.values(FIRST_PARTY_APPS)
        .filter((app) => app.appId !== FIRST_PARTY_APPS.graph.appId)
        .map((app) => microsoft(app)),
      ...EXTRA_FIRST_PARTY.map((app) => microsoft(app)),
      tenantSp(HR_SYNC, 610, 'Synchronises the HR system of record into Microsoft Entra ID'),
      tenantSp(PAYROLL_CONNECTOR, 420, 'Sends payroll notifications and reads remittance mailboxes'),
      servicePrincipalJson({
        id: SUSPICIOUS_APP.servicePrincipalId,
        appId: SUSPICIOUS_APP.appId,
        displayName: SUSPICIOUS_APP.displayName,
        owner: SUSPICIOUS_APP.publisherTenantId,
        audience: 'AzureADMultipleOrgs',
        createdMs: anchorMs - TIMELINE.consentGranted * MINUTE,
        publisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
        homepage: 'https://securedocs-viewer.example/',
        tags: ['WindowsAzureActiveDirectoryIntegratedApp'],
      }),
    ];

    const secret = (displayName: string, keyId: string, startMs: number, years: number, hint: string) => ({
      customKeyIdentifier: null,
      displayName,
      endDateTime: isoSeconds(startMs + years * 365 * DAY),
      hint,
      keyId,
      secretText: null,
      startDateTime: isoSeconds(startMs),
    });
    const application = (
      app: typeof HR_SYNC | typeof PAYROLL_CONNECTOR,
      createdDays: number,
      passwordCredentials: Json[],
      roles: { id: string }[],
    ): Json => ({
      id: app.applicationId,
      deletedDateTime: null,
      appId: app.appId,
      applicationTemplateId: null,
      createdDateTime: isoSeconds(ago(createdDays)),
      description: null,
      disabledByMicrosoftStatus: null,
      displayName: app.displayName,
      groupMembershipClaims: null,
      identifierUris: [],
      isDeviceOnlyAuthSupported: null,
      isFallbackPublicClient: false,
      notes: null,
      publisherDomain: TENANT_DOMAIN,
      serviceManagementReference: null,
      signInAudience: 'AzureADMyOrg',
      tags: [],
      tokenEncryptionKeyId: null,
      defaultRedirectUri: null,
      keyCredentials: [],
      passwordCredentials,
      requiredResourceAccess: [
        {
          resourceAppId: FIRST_PARTY_APPS.graph.appId,
          resourceAccess: roles.map((role) => ({ id: role.id, type: 'Role' })),
        },
      ],
      verifiedPublisher: { displayName: null, verifiedPublisherId: null, addedDateTime: null },
      web: { homePageUrl: null, logoutUrl: null, redirectUris: [] },
    });
    this.applications = [
      application(
        HR_SYNC,
        610,
        [secret('hr-sync-2024', labelGuid('hr-sync:secret'), ago(200), 2, 'hR4')],
        [GRAPH_APP_ROLES.userReadAll],
      ),
      application(
        PAYROLL_CONNECTOR,
        420,
        [
          secret('payroll-prod-2024', labelGuid('payroll:secret:2024'), ago(320), 2, 'Pq~'),
          secret(
            'sync-2',
            PAYROLL_CONNECTOR.attackerSecretKeyId,
            anchorMs - TIMELINE.payrollSecretAdded * MINUTE,
            2,
            'x8Q',
          ),
        ],
        [GRAPH_APP_ROLES.mailReadWrite, GRAPH_APP_ROLES.userReadAll],
      ),
    ];

    const graphSp = graphServicePrincipalId();
    this.grants = [
      {
        id: SUSPICIOUS_APP.grantId,
        clientId: SUSPICIOUS_APP.servicePrincipalId,
        consentType: 'Principal',
        principalId: KARITA.id,
        resourceId: graphSp,
        scope: ` ${SUSPICIOUS_APP.scope}`,
      },
      {
        id: 'f7QkT2bNOkWVk9Bc0sQAE3ZSnd2Tq8FMr0l6J2k2m2c',
        clientId: HR_SYNC.servicePrincipalId,
        consentType: 'AllPrincipals',
        principalId: null,
        resourceId: graphSp,
        scope: 'User.Read',
      },
    ];

    const assignment = (
      app: typeof HR_SYNC | typeof PAYROLL_CONNECTOR,
      role: { id: string; value: string },
      createdDays: number,
    ): Json => ({
      id: Buffer.from(labelGuid(`assignment:${app.appId}:${role.id}`))
        .toString('base64url')
        .slice(0, 43),
      deletedDateTime: null,
      appRoleId: role.id,
      createdDateTime: isoSeconds(ago(createdDays)),
      principalDisplayName: app.displayName,
      principalId: app.servicePrincipalId,
      principalType: 'ServicePrincipal',
      resourceDisplayName: FIRST_PARTY_APPS.graph.displayName,
      resourceId: graphSp,
    });
    this.assignments.set(PAYROLL_CONNECTOR.servicePrincipalId, [
      assignment(PAYROLL_CONNECTOR, GRAPH_APP_ROLES.mailReadWrite, 300),
      assignment(PAYROLL_CONNECTOR, GRAPH_APP_ROLES.userReadAll, 419),
    ]);
    this.assignments.set(HR_SYNC.servicePrincipalId, [assignment(HR_SYNC, GRAPH_APP_ROLES.userReadAll, 609)]);
    this.owners.set(PAYROLL_CONNECTOR.servicePrincipalId, [KARITA.id, IRVIN.id]);
    this.owners.set(HR_SYNC.servicePrincipalId, [IRVIN.id]);
  }

  allServicePrincipals(): Json[] {
    return this.servicePrincipals;
  }

  servicePrincipal(id: string): Json | null {
    const lower = id.toLowerCase();
    return this.servicePrincipals.find((sp) => sp.id === lower) ?? null;
  }

  allApplications(): Json[] {
    return this.applications;
  }

  application(id: string): Json | null {
    const lower = id.toLowerCase();
    return this.applications.find((app) => app.id === lower) ?? null;
  }

  allGrants(): Json[] {
    return this.grants;
  }

  appRoleAssignments(servicePrincipalId: string): Json[] {
    return this.assignments.get(servicePrincipalId.toLowerCase()) ?? [];
  }

  ownerIds(servicePrincipalId: string): string[] {
    return this.owners.get(servicePrincipalId.toLowerCase()) ?? [];
  }
}
