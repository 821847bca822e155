import type { FilterOp, FilterSchema, LambdaSpec, PropertySpec, ValueType } from './odata';
import { RISK_LEVELS, RISK_STATES, SIGN_IN_PROPERTIES_V1, BETA_ONLY_SIGN_IN_PROPERTIES } from './sign-ins';
import { AUDIT_PROPERTIES } from './audits';

/**
 * What each endpoint accepts: the properties `$select` may name (the entity type's, per Graph's v1.0 metadata) and
 * the properties and operators `$filter` may use (per each resource's documented "Supports $filter" notes).
 */

type Json = Record<string, unknown>;

/** Reads `a/b/c` from a record. */
export const field = (path: string) => {
  const segments = path.split('/');
  return (record: unknown): unknown => {
    // '' is a lambda's element itself (`t eq 'x'` over a collection of strings).
    if (path === '') return record;
    let value: unknown = record;
    for (const segment of segments) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Json)[segment];
    }
    return value;
  };
};

const spec = <T>(
  type: ValueType,
  ops: readonly FilterOp[],
  get: (record: T) => unknown,
  enumValues?: readonly string[],
): PropertySpec<T> => ({
  type,
  ops,
  get,
  enumValues,
});

const on = (path: string, type: ValueType, ops: readonly FilterOp[], enumValues?: readonly string[]) =>
  spec<unknown>(type, ops, field(path), enumValues);

/** Properties of a log record (`{ json }`) rather than of the JSON itself. */
const onJson = (path: string, type: ValueType, ops: readonly FilterOp[], enumValues?: readonly string[]) => {
  const get = field(path);
  return spec<{ json: Json }>(type, ops, (record) => get(record.json), enumValues);
};

// prettier-ignore
export const USER_PROPERTIES = [
  'id', 'deletedDateTime', 'aboutMe', 'accountEnabled', 'ageGroup', 'assignedLicenses', 'assignedPlans',
  'authorizationInfo', 'birthday', 'businessPhones', 'city', 'companyName', 'consentProvidedForMinor', 'country',
  'createdDateTime', 'creationType', 'customSecurityAttributes', 'department', 'deviceEnrollmentLimit', 'displayName',
  'employeeHireDate', 'employeeId', 'employeeLeaveDateTime', 'employeeOrgData', 'employeeType', 'externalUserState',
  'externalUserStateChangeDateTime', 'faxNumber', 'givenName', 'hireDate', 'identities', 'imAddresses', 'interests',
  'isManagementRestricted', 'isResourceAccount', 'jobTitle', 'lastPasswordChangeDateTime',
  'legalAgeGroupClassification', 'licenseAssignmentStates', 'mail', 'mailboxSettings', 'mailNickname', 'mobilePhone',
  'mySite', 'officeLocation', 'onPremisesDistinguishedName', 'onPremisesDomainName', 'onPremisesExtensionAttributes',
  'onPremisesImmutableId', 'onPremisesLastSyncDateTime', 'onPremisesProvisioningErrors', 'onPremisesSamAccountName',
  'onPremisesSecurityIdentifier', 'onPremisesSyncEnabled', 'onPremisesUserPrincipalName', 'otherMails',
  'passwordPolicies', 'passwordProfile', 'pastProjects', 'postalCode', 'preferredDataLocation', 'preferredLanguage',
  'preferredName', 'print', 'provisionedPlans', 'proxyAddresses', 'responsibilities', 'schools', 'securityIdentifier',
  'serviceProvisioningErrors', 'showInAddressList', 'signInActivity', 'signInSessionsValidFromDateTime', 'skills',
  'state', 'streetAddress', 'surname', 'usageLocation', 'userPrincipalName', 'userType',
] as const;

/** Returned without `$select` (user-get.md). */
// prettier-ignore
export const USER_DEFAULT_PROPERTIES = [
  'businessPhones', 'displayName', 'givenName', 'jobTitle', 'mail', 'mobilePhone', 'officeLocation',
  'preferredLanguage', 'surname', 'userPrincipalName', 'id',
] as const;

// prettier-ignore
export const GROUP_PROPERTIES = [
  'id', 'deletedDateTime', 'allowExternalSenders', 'assignedLabels', 'assignedLicenses', 'autoSubscribeNewMembers',
  'classification', 'createdDateTime', 'description', 'displayName', 'expirationDateTime', 'groupTypes',
  'hasMembersWithLicenseErrors', 'hideFromAddressLists', 'hideFromOutlookClients', 'isArchived', 'isAssignableToRole',
  'isManagementRestricted', 'isSubscribedByMail', 'licenseProcessingState', 'mail', 'mailEnabled', 'mailNickname',
  'membershipRule', 'membershipRuleProcessingState', 'onPremisesDomainName', 'onPremisesLastSyncDateTime',
  'onPremisesNetBiosName', 'onPremisesProvisioningErrors', 'onPremisesSamAccountName', 'onPremisesSecurityIdentifier',
  'onPremisesSyncEnabled', 'preferredDataLocation', 'preferredLanguage', 'proxyAddresses', 'renewedDateTime',
  'securityEnabled', 'securityIdentifier', 'serviceProvisioningErrors', 'theme', 'uniqueName', 'unseenCount',
  'visibility',
] as const;

export const DIRECTORY_ROLE_PROPERTIES = [
  'id',
  'deletedDateTime',
  'description',
  'displayName',
  'roleTemplateId',
] as const;

// prettier-ignore
export const DEVICE_PROPERTIES = [
  'id', 'deletedDateTime', 'accountEnabled', 'alternativeSecurityIds', 'approximateLastSignInDateTime',
  'complianceExpirationDateTime', 'deviceCategory', 'deviceId', 'deviceMetadata', 'deviceOwnership', 'deviceVersion',
  'displayName', 'enrollmentProfileName', 'enrollmentType', 'isCompliant', 'isManaged', 'isManagementRestricted',
  'isRooted', 'managementType', 'manufacturer', 'mdmAppId', 'model', 'onPremisesLastSyncDateTime',
  'onPremisesSecurityIdentifier', 'onPremisesSyncEnabled', 'operatingSystem', 'operatingSystemVersion',
  'physicalIds', 'profileType', 'registrationDateTime', 'systemLabels', 'trustType',
] as const;

// prettier-ignore
export const RISKY_USER_PROPERTIES = [
  'id', 'isDeleted', 'isProcessing', 'riskDetail', 'riskLastUpdatedDateTime', 'riskLevel', 'riskState',
  'userDisplayName', 'userPrincipalName',
] as const;

export const RISKY_USER_HISTORY_PROPERTIES = [
  ...RISKY_USER_PROPERTIES,
  'userId',
  'initiatedBy',
  'activity',
] as const;

// prettier-ignore
export const RISK_DETECTION_PROPERTIES = [
  'id', 'activity', 'activityDateTime', 'additionalInfo', 'correlationId', 'detectedDateTime', 'detectionTimingType',
  'ipAddress', 'lastUpdatedDateTime', 'location', 'requestId', 'riskDetail', 'riskEventType', 'riskLevel',
  'riskState', 'source', 'tokenIssuerType', 'userDisplayName', 'userId', 'userPrincipalName',
] as const;

// prettier-ignore
export const RISKY_SERVICE_PRINCIPAL_PROPERTIES = [
  'id', 'appId', 'displayName', 'isEnabled', 'isProcessing', 'riskDetail', 'riskLastUpdatedDateTime', 'riskLevel',
  'riskState', 'servicePrincipalType',
] as const;

export const RISKY_SERVICE_PRINCIPAL_HISTORY_PROPERTIES = [
  ...RISKY_SERVICE_PRINCIPAL_PROPERTIES,
  'servicePrincipalId',
  'initiatedBy',
  'activity',
] as const;

// prettier-ignore
export const SERVICE_PRINCIPAL_RISK_DETECTION_PROPERTIES = [
  'id', 'activity', 'activityDateTime', 'additionalInfo', 'appId', 'correlationId', 'detectedDateTime',
  'detectionTimingType', 'ipAddress', 'keyIds', 'lastUpdatedDateTime', 'location', 'requestId', 'riskDetail',
  'riskEventType', 'riskLevel', 'riskState', 'servicePrincipalDisplayName', 'servicePrincipalId', 'source',
  'tokenIssuerType',
] as const;

// prettier-ignore
export const SERVICE_PRINCIPAL_PROPERTIES = [
  'id', 'deletedDateTime', 'accountEnabled', 'addIns', 'alternativeNames', 'appDescription', 'appDisplayName', 'appId',
  'applicationTemplateId', 'appOwnerOrganizationId', 'appRoleAssignmentRequired', 'appRoles', 'createdDateTime',
  'customSecurityAttributes', 'description', 'disabledByMicrosoftStatus', 'displayName', 'homepage', 'info',
  'keyCredentials', 'loginUrl', 'logoutUrl', 'notes', 'notificationEmailAddresses', 'oauth2PermissionScopes',
  'passwordCredentials', 'preferredSingleSignOnMode', 'preferredTokenSigningKeyThumbprint', 'replyUrls',
  'resourceSpecificApplicationPermissions', 'samlSingleSignOnSettings', 'servicePrincipalNames',
  'servicePrincipalType', 'signInAudience', 'tags', 'tokenEncryptionKeyId', 'verifiedPublisher',
] as const;

// prettier-ignore
export const APPLICATION_PROPERTIES = [
  'id', 'deletedDateTime', 'addIns', 'api', 'appId', 'applicationTemplateId', 'appRoles', 'authenticationBehaviors',
  'certification', 'createdDateTime', 'defaultRedirectUri', 'description', 'disabledByMicrosoftStatus', 'displayName',
  'groupMembershipClaims', 'identifierUris', 'info', 'isDeviceOnlyAuthSupported', 'isFallbackPublicClient',
  'keyCredentials', 'logo', 'nativeAuthenticationApisEnabled', 'notes', 'optionalClaims', 'parentalControlSettings',
  'passwordCredentials', 'publicClient', 'publisherDomain', 'requestSignatureVerification', 'requiredResourceAccess',
  'samlMetadataUrl', 'serviceManagementReference', 'servicePrincipalLockConfiguration', 'signInAudience', 'spa',
  'tags', 'tokenEncryptionKeyId', 'uniqueName', 'verifiedPublisher', 'web',
] as const;

export const GRANT_PROPERTIES = [
  'id',
  'clientId',
  'consentType',
  'principalId',
  'resourceId',
  'scope',
] as const;

// prettier-ignore
export const APP_ROLE_ASSIGNMENT_PROPERTIES = [
  'id', 'deletedDateTime', 'appRoleId', 'createdDateTime', 'principalDisplayName', 'principalId', 'principalType',
  'resourceDisplayName', 'resourceId',
] as const;

// prettier-ignore
export const CA_POLICY_PROPERTIES = [
  'id', 'conditions', 'createdDateTime', 'description', 'displayName', 'grantControls', 'modifiedDateTime',
  'sessionControls', 'state', 'templateId',
] as const;

// prettier-ignore
export const ORGANIZATION_PROPERTIES = [
  'id', 'deletedDateTime', 'assignedPlans', 'businessPhones', 'city', 'country', 'countryLetterCode',
  'createdDateTime', 'defaultUsageLocation', 'displayName', 'marketingNotificationEmails',
  'mobileDeviceManagementAuthority', 'onPremisesLastSyncDateTime', 'onPremisesSyncEnabled', 'partnerTenantType',
  'postalCode', 'preferredLanguage', 'privacyProfile', 'provisionedPlans', 'securityComplianceNotificationMails',
  'securityComplianceNotificationPhones', 'state', 'street', 'technicalNotificationMails', 'tenantType',
  'verifiedDomains',
] as const;

const SIGN_IN_PROPERTIES_BETA: readonly string[] = [
  ...SIGN_IN_PROPERTIES_V1,
  ...BETA_ONLY_SIGN_IN_PROPERTIES,
];

export const signInProperties = (version: 'v1.0' | 'beta'): readonly string[] =>
  version === 'beta' ? SIGN_IN_PROPERTIES_BETA : SIGN_IN_PROPERTIES_V1;

export { AUDIT_PROPERTIES };

const RISK_LEVEL_VALUES: readonly string[] = RISK_LEVELS;
const RISK_STATE_VALUES: readonly string[] = RISK_STATES;
const CA_STATUS_VALUES = ['success', 'failure', 'notApplied', 'unknownFutureValue'] as const;

export const USER_FILTER: FilterSchema<Json> = {
  allowOr: true,
  properties: {
    id: on('id', 'string', ['eq', 'in']),
    userPrincipalName: on('userPrincipalName', 'string', ['eq', 'startswith', 'in']),
    mail: on('mail', 'string', ['eq', 'startswith', 'in']),
    displayName: on('displayName', 'string', ['eq', 'startswith', 'in']),
    givenName: on('givenName', 'string', ['eq', 'startswith', 'in']),
    surname: on('surname', 'string', ['eq', 'startswith', 'in']),
    accountEnabled: on('accountEnabled', 'boolean', ['eq']),
    userType: on('userType', 'string', ['eq', 'in']),
    employeeId: on('employeeId', 'string', ['eq', 'startswith', 'in']),
  },
};

/** Properties Graph filters only as an advanced query (ConsistencyLevel: eventual and $count=true). */
export const USER_FILTER_ADVANCED: FilterSchema<Json> = {
  allowOr: true,
  properties: {
    ...USER_FILTER.properties,
    accountEnabled: on('accountEnabled', 'boolean', ['eq', 'ne']),
    department: on('department', 'string', ['eq', 'startswith', 'in']),
    jobTitle: on('jobTitle', 'string', ['eq', 'startswith', 'in']),
    usageLocation: on('usageLocation', 'string', ['eq', 'in']),
    onPremisesSyncEnabled: on('onPremisesSyncEnabled', 'boolean', ['eq', 'ne']),
    createdDateTime: on('createdDateTime', 'datetime', ['eq', 'ge', 'le', 'gt', 'lt']),
    city: on('city', 'string', ['eq', 'startswith', 'in']),
  },
};

export const GROUP_FILTER: FilterSchema<Json> = {
  allowOr: true,
  properties: {
    id: on('id', 'string', ['eq', 'in']),
    displayName: on('displayName', 'string', ['eq', 'startswith', 'in']),
    mail: on('mail', 'string', ['eq', 'startswith', 'in']),
    mailNickname: on('mailNickname', 'string', ['eq', 'startswith', 'in']),
    securityEnabled: on('securityEnabled', 'boolean', ['eq']),
    mailEnabled: on('mailEnabled', 'boolean', ['eq']),
  },
  lambdas: {
    groupTypes: {
      items: (record) => (record.groupTypes as string[]) ?? [],
      properties: { '': on('', 'string', ['eq']) },
    },
  },
};

export const DEVICE_FILTER: FilterSchema<Json> = {
  allowOr: true,
  properties: {
    id: on('id', 'string', ['eq', 'in']),
    deviceId: on('deviceId', 'string', ['eq', 'in']),
    displayName: on('displayName', 'string', ['eq', 'startswith', 'in']),
    accountEnabled: on('accountEnabled', 'boolean', ['eq']),
    operatingSystem: on('operatingSystem', 'string', ['eq', 'startswith', 'in']),
    trustType: on('trustType', 'string', ['eq', 'in']),
  },
};

const elementOps = (ops: readonly FilterOp[]): LambdaSpec<unknown>['properties'] => ({
  '': on('', 'string', ops),
});

const buildSignInFilter = (version: 'v1.0' | 'beta'): FilterSchema<{ json: Json }> => ({
  timeProperty: 'createdDateTime',
  properties: {
    createdDateTime: onJson('createdDateTime', 'datetime', ['eq', 'le', 'ge']),
    id: onJson('id', 'string', ['eq']),
    userId: onJson('userId', 'string', ['eq']),
    userPrincipalName: onJson('userPrincipalName', 'string', ['eq', 'startswith']),
    userDisplayName: onJson('userDisplayName', 'string', ['eq', 'startswith']),
    appId: onJson('appId', 'string', ['eq']),
    appDisplayName: onJson('appDisplayName', 'string', ['eq', 'startswith']),
    ipAddress: onJson('ipAddress', 'string', ['eq', 'startswith']),
    'status/errorCode': onJson('status/errorCode', 'number', ['eq']),
    'location/city': onJson('location/city', 'string', ['eq', 'startswith']),
    'location/state': onJson('location/state', 'string', ['eq', 'startswith']),
    'location/countryOrRegion': onJson('location/countryOrRegion', 'string', ['eq', 'startswith']),
    'deviceDetail/browser': onJson('deviceDetail/browser', 'string', ['eq', 'startswith']),
    'deviceDetail/operatingSystem': onJson('deviceDetail/operatingSystem', 'string', ['eq', 'startswith']),
    conditionalAccessStatus: onJson('conditionalAccessStatus', 'enum', ['eq'], CA_STATUS_VALUES),
    correlationId: onJson('correlationId', 'string', ['eq']),
    clientAppUsed: onJson('clientAppUsed', 'string', ['eq']),
    riskLevelAggregated: onJson('riskLevelAggregated', 'enum', ['eq'], RISK_LEVEL_VALUES),
    riskLevelDuringSignIn: onJson('riskLevelDuringSignIn', 'enum', ['eq'], RISK_LEVEL_VALUES),
    riskState: onJson('riskState', 'enum', ['eq'], RISK_STATE_VALUES),
    riskDetail: onJson('riskDetail', 'string', ['eq']),
    resourceId: onJson('resourceId', 'string', ['eq']),
    resourceDisplayName: onJson('resourceDisplayName', 'string', ['eq']),
    ...(version === 'beta' ? { userAgent: onJson('userAgent', 'string', ['eq', 'startswith']) } : {}),
  },
  lambdas: {
    riskEventTypes_v2: {
      items: (record) => ((record as { json: Json }).json.riskEventTypes_v2 as string[]) ?? [],
      properties: elementOps(['eq', 'startswith']),
    },
    ...(version === 'beta'
      ? {
          signInEventTypes: {
            items: (record: unknown) => ((record as { json: Json }).json.signInEventTypes as string[]) ?? [],
            properties: elementOps(['eq', 'ne']),
          },
        }
      : {}),
  },
});

// One schema object per version, so compiled filters are cached against it (see compileFilter).
const SIGN_IN_FILTERS = { 'v1.0': buildSignInFilter('v1.0'), beta: buildSignInFilter('beta') } as const;

export const signInFilter = (version: 'v1.0' | 'beta'): FilterSchema<{ json: Json }> =>
  SIGN_IN_FILTERS[version];

export const AUDIT_FILTER: FilterSchema<{ json: Json }> = {
  timeProperty: 'activityDateTime',
  properties: {
    activityDateTime: onJson('activityDateTime', 'datetime', ['eq', 'ge', 'le']),
    activityDisplayName: onJson('activityDisplayName', 'string', ['eq', 'startswith']),
    category: onJson('category', 'string', ['eq']),
    correlationId: onJson('correlationId', 'string', ['eq']),
    id: onJson('id', 'string', ['eq']),
    loggedByService: onJson('loggedByService', 'string', ['eq']),
    'initiatedBy/user/id': onJson('initiatedBy/user/id', 'string', ['eq']),
    'initiatedBy/user/displayName': onJson('initiatedBy/user/displayName', 'string', ['eq']),
    'initiatedBy/user/userPrincipalName': onJson('initiatedBy/user/userPrincipalName', 'string', [
      'eq',
      'startswith',
    ]),
    'initiatedBy/app/appId': onJson('initiatedBy/app/appId', 'string', ['eq']),
    'initiatedBy/app/displayName': onJson('initiatedBy/app/displayName', 'string', ['eq']),
  },
  lambdas: {
    targetResources: {
      items: (record) => ((record as { json: Json }).json.targetResources as unknown[]) ?? [],
      properties: {
        id: on('id', 'string', ['eq']),
        displayName: on('displayName', 'string', ['eq', 'startswith']),
      },
    },
  },
};

export const RISKY_USER_FILTER: FilterSchema<Json> = {
  properties: {
    id: on('id', 'string', ['eq']),
    riskLevel: on('riskLevel', 'enum', ['eq'], RISK_LEVEL_VALUES),
    riskState: on('riskState', 'enum', ['eq'], RISK_STATE_VALUES),
    userPrincipalName: on('userPrincipalName', 'string', ['eq']),
    userDisplayName: on('userDisplayName', 'string', ['eq']),
    riskLastUpdatedDateTime: on('riskLastUpdatedDateTime', 'datetime', ['ge', 'le', 'gt', 'lt']),
  },
};

export const RISK_DETECTION_FILTER: FilterSchema<Json> = {
  properties: {
    id: on('id', 'string', ['eq']),
    userId: on('userId', 'string', ['eq']),
    userPrincipalName: on('userPrincipalName', 'string', ['eq']),
    riskLevel: on('riskLevel', 'enum', ['eq'], RISK_LEVEL_VALUES),
    riskState: on('riskState', 'enum', ['eq'], RISK_STATE_VALUES),
    riskEventType: on('riskEventType', 'string', ['eq']),
    requestId: on('requestId', 'string', ['eq']),
    correlationId: on('correlationId', 'string', ['eq']),
    ipAddress: on('ipAddress', 'string', ['eq']),
    activityDateTime: on('activityDateTime', 'datetime', ['ge', 'le', 'eq']),
    detectedDateTime: on('detectedDateTime', 'datetime', ['ge', 'le', 'eq']),
  },
};

export const RISKY_SERVICE_PRINCIPAL_FILTER: FilterSchema<Json> = {
  properties: {
    id: on('id', 'string', ['eq']),
    appId: on('appId', 'string', ['eq']),
    displayName: on('displayName', 'string', ['eq', 'startswith']),
    riskLevel: on('riskLevel', 'enum', ['eq'], RISK_LEVEL_VALUES),
    riskState: on('riskState', 'enum', ['eq'], RISK_STATE_VALUES),
  },
};

export const SERVICE_PRINCIPAL_RISK_DETECTION_FILTER: FilterSchema<Json> = {
  properties: {
    id: on('id', 'string', ['eq']),
    servicePrincipalId: on('servicePrincipalId', 'string', ['eq']),
    appId: on('appId', 'string', ['eq']),
    riskLevel: on('riskLevel', 'enum', ['eq'], RISK_LEVEL_VALUES),
    riskState: on('riskState', 'enum', ['eq'], RISK_STATE_VALUES),
    activityDateTime: on('activityDateTime', 'datetime', ['ge', 'le', 'eq']),
  },
};

export const SERVICE_PRINCIPAL_FILTER: FilterSchema<Json> = {
  allowOr: true,
  properties: {
    id: on('id', 'string', ['eq', 'in']),
    appId: on('appId', 'string', ['eq', 'in']),
    displayName: on('displayName', 'string', ['eq', 'startswith', 'in']),
    accountEnabled: on('accountEnabled', 'boolean', ['eq']),
    servicePrincipalType: on('servicePrincipalType', 'string', ['eq']),
    appOwnerOrganizationId: on('appOwnerOrganizationId', 'string', ['eq']),
  },
  lambdas: {
    servicePrincipalNames: {
      items: (record) => (record.servicePrincipalNames as string[]) ?? [],
      properties: elementOps(['eq', 'startswith']),
    },
    tags: { items: (record) => (record.tags as string[]) ?? [], properties: elementOps(['eq']) },
  },
};

export const APPLICATION_FILTER: FilterSchema<Json> = {
  allowOr: true,
  properties: {
    id: on('id', 'string', ['eq', 'in']),
    appId: on('appId', 'string', ['eq', 'in']),
    displayName: on('displayName', 'string', ['eq', 'startswith', 'in']),
    publisherDomain: on('publisherDomain', 'string', ['eq', 'startswith']),
    signInAudience: on('signInAudience', 'string', ['eq']),
  },
};

export const GRANT_FILTER: FilterSchema<Json> = {
  properties: {
    id: on('id', 'string', ['eq']),
    clientId: on('clientId', 'string', ['eq']),
    consentType: on('consentType', 'string', ['eq']),
    principalId: on('principalId', 'string', ['eq']),
    resourceId: on('resourceId', 'string', ['eq']),
  },
};

export const CA_POLICY_FILTER: FilterSchema<Json> = {
  properties: {
    id: on('id', 'string', ['eq']),
    displayName: on('displayName', 'string', ['eq', 'startswith']),
    state: on('state', 'enum', ['eq', 'ne'], ['enabled', 'disabled', 'enabledForReportingButNotEnforced']),
  },
};

export const DIRECTORY_OBJECT_FILTER: FilterSchema<Json> = {
  properties: {
    id: on('id', 'string', ['eq', 'in']),
    displayName: on('displayName', 'string', ['eq', 'startswith']),
  },
};
