import { isoSeconds } from './directory';
import {
  BREAK_GLASS,
  CA_POLICIES,
  GROUPS,
  INITIAL_DOMAIN,
  TENANT_DOMAIN,
  TENANT_ID,
  TENANT_NAME,
} from './story';

const DAY = 24 * 60 * 60_000;

type Json = Record<string, unknown>;

interface PolicySpec {
  policy: { id: string; displayName: string };
  state: 'enabled' | 'disabled' | 'enabledForReportingButNotEnforced';
  createdDays: number;
  modifiedDays: number | null;
  users?: Partial<Record<'includeUsers' | 'excludeUsers' | 'includeGroups' | 'excludeGroups', string[]>>;
  applications?: string[];
  clientAppTypes?: string[];
  signInRiskLevels?: string[];
  userRiskLevels?: string[];
  grant: { operator: 'OR' | 'AND'; builtInControls: string[] };
}

const SPECS: readonly PolicySpec[] = [
  {
    policy: CA_POLICIES.requireMfa,
    state: 'enabled',
    createdDays: 700,
    modifiedDays: 300,
    users: { excludeUsers: [BREAK_GLASS.id], excludeGroups: [GROUPS.mfaExclusion.id] },
    grant: { operator: 'OR', builtInControls: ['mfa'] },
  },
  {
    policy: CA_POLICIES.blockLegacyAuth,
    state: 'enabled',
    createdDays: 690,
    modifiedDays: null,
    users: { excludeUsers: [BREAK_GLASS.id] },
    clientAppTypes: ['exchangeActiveSync', 'other'],
    grant: { operator: 'OR', builtInControls: ['block'] },
  },
  {
    policy: CA_POLICIES.signInRisk,
    state: 'enabledForReportingButNotEnforced',
    createdDays: 400,
    modifiedDays: 12,
    users: { excludeUsers: [BREAK_GLASS.id] },
    signInRiskLevels: ['high', 'medium'],
    grant: { operator: 'OR', builtInControls: ['block'] },
  },
  {
    policy: CA_POLICIES.userRisk,
    state: 'enabled',
    createdDays: 400,
    modifiedDays: 20,
    users: { excludeUsers: [BREAK_GLASS.id], excludeGroups: [GROUPS.financeAccountsPayable.id] },
    userRiskLevels: ['high'],
    grant: { operator: 'AND', builtInControls: ['mfa', 'passwordChange'] },
  },
  {
    policy: CA_POLICIES.compliantDevice,
    state: 'disabled',
    createdDays: 150,
    modifiedDays: 149,
    users: { includeUsers: [], includeGroups: [GROUPS.finance.id] },
    applications: ['Office365'],
    grant: { operator: 'OR', builtInControls: ['compliantDevice', 'domainJoinedDevice'] },
  },
];

/**
 * Conditional access with a real gap: the sign-in-risk policy is report-only (changed 12 days ago) and the user-risk
 * policy excludes Finance - Accounts Payable, Karita's group (changed 20 days ago); the audit log records both.
 */
export const conditionalAccessPolicies = (anchorMs: number): Json[] =>
  SPECS.map((spec) => ({
    id: spec.policy.id,
    templateId: null,
    displayName: spec.policy.displayName,
    createdDateTime: isoSeconds(anchorMs - spec.createdDays * DAY),
    modifiedDateTime: spec.modifiedDays === null ? null : isoSeconds(anchorMs - spec.modifiedDays * DAY),
    state: spec.state,
    sessionControls: null,
    conditions: {
      userRiskLevels: spec.userRiskLevels ?? [],
      signInRiskLevels: spec.signInRiskLevels ?? [],
      clientAppTypes: spec.clientAppTypes ?? ['all'],
      servicePrincipalRiskLevels: [],
      insiderRiskLevels: null,
      platforms: null,
      locations: null,
      devices: null,
      clientApplications: null,
      applications: {
        includeApplications: spec.applications ?? ['All'],
        excludeApplications: [],
        includeUserActions: [],
        includeAuthenticationContextClassReferences: [],
        applicationFilter: null,
      },
      users: {
        includeUsers: spec.users?.includeUsers ?? ['All'],
        excludeUsers: spec.users?.excludeUsers ?? [],
        includeGroups: spec.users?.includeGroups ?? [],
        excludeGroups: spec.users?.excludeGroups ?? [],
        includeRoles: [],
        excludeRoles: [],
        includeGuestsOrExternalUsers: null,
        excludeGuestsOrExternalUsers: null,
      },
    },
    grantControls: {
      operator: spec.grant.operator,
      builtInControls: spec.grant.builtInControls,
      customAuthenticationFactors: [],
      termsOfUse: [],
      authenticationStrength: null,
    },
  }));

export const organization = (anchorMs: number): Json => ({
  id: TENANT_ID,
  deletedDateTime: null,
  businessPhones: ['+1 206 555 0100'],
  city: 'Seattle',
  country: 'United States',
  countryLetterCode: 'US',
  createdDateTime: isoSeconds(anchorMs - 2900 * DAY),
  defaultUsageLocation: 'US',
  displayName: TENANT_NAME,
  marketingNotificationEmails: [],
  onPremisesLastSyncDateTime: isoSeconds(anchorMs - 25 * 60_000),
  onPremisesSyncEnabled: true,
  partnerTenantType: null,
  postalCode: '98101',
  preferredLanguage: 'en',
  securityComplianceNotificationMails: [],
  securityComplianceNotificationPhones: [],
  state: 'WA',
  street: '100 Pine Street',
  technicalNotificationMails: [`it@${TENANT_DOMAIN}`],
  tenantType: 'AAD',
  privacyProfile: null,
  assignedPlans: [
    {
      assignedDateTime: isoSeconds(anchorMs - 900 * DAY),
      capabilityStatus: 'Enabled',
      service: 'AADPremiumService',
      servicePlanId: '41781fb2-bc02-4b7c-bd55-b576c07bb09d',
    },
    {
      assignedDateTime: isoSeconds(anchorMs - 900 * DAY),
      capabilityStatus: 'Enabled',
      service: 'AADPremiumService',
      servicePlanId: 'eec0eb4f-6444-4f95-aba0-50c24d67f998',
    },
  ],
  provisionedPlans: [],
  verifiedDomains: [
    {
      capabilities: 'Email, OfficeCommunicationsOnlineService',
      isDefault: true,
      isInitial: false,
      name: TENANT_DOMAIN,
      type: 'Managed',
    },
    {
      capabilities: 'Email, OfficeCommunicationsOnlineService',
      isDefault: false,
      isInitial: true,
      name: INITIAL_DOMAIN,
      type: 'Managed',
    },
  ],
});
