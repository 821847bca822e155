import type { Directory, Identity } from './directory';
import { SALT as DIRECTORY_SALT, isoSeconds } from './directory';
import { keepJson } from './json-text';
import { Draws, hash32, indexOfGuid, indexedGuid, labelGuid, stringHash } from './prng';
import { LOG_RETENTION_MS } from './sign-ins';
import {
  ATTACKER,
  CA_POLICIES,
  DEMO_IDENTITIES,
  DEVICES,
  FIRST_PARTY_APPS,
  GROUPS,
  IRVIN,
  KARITA,
  PAYROLL_CONNECTOR,
  SUSPICIOUS_APP,
  TIMELINE,
} from './story';
import { ArrayStream, newestFirst, type RecordStream } from './streams';

const MINUTE = 60_000;

export interface AuditRecord {
  time: number;
  json: Record<string, unknown>;
}

export const AUDIT_PROPERTIES = [
  'id',
  'category',
  'correlationId',
  'result',
  'resultReason',
  'activityDisplayName',
  'activityDateTime',
  'loggedByService',
  'operationType',
  'initiatedBy',
  'targetResources',
  'additionalDetails',
] as const;

interface Actor {
  user?: { id: string; displayName: string | null; userPrincipalName: string; ipAddress: string | null };
  app?: {
    appId: string | null;
    displayName: string;
    servicePrincipalId: string | null;
    servicePrincipalName: string | null;
  };
}

interface Target {
  id: string;
  displayName: string | null;
  type: string;
  userPrincipalName?: string | null;
  groupType?: string | null;
  modifiedProperties?: { displayName: string; oldValue: string | null; newValue: string | null }[];
}

interface AuditSpec {
  id: string;
  time: number;
  activity: string;
  category: string;
  service: string;
  operationType: string;
  resultReason?: string;
  actor: Actor;
  targets: Target[];
  additionalDetails?: { key: string; value: string }[];
  correlationId: string;
}

const audit = (spec: AuditSpec): AuditRecord => ({
  time: spec.time,
  json: {
    id: spec.id,
    category: spec.category,
    correlationId: spec.correlationId,
    result: 'success',
    resultReason: spec.resultReason ?? '',
    activityDisplayName: spec.activity,
    activityDateTime: new Date(spec.time).toISOString(),
    loggedByService: spec.service,
    operationType: spec.operationType,
    initiatedBy: {
      user: spec.actor.user ? { ...spec.actor.user, userType: null } : null,
      app: spec.actor.app ?? null,
    },
    targetResources: spec.targets.map((target) => ({
      id: target.id,
      displayName: target.displayName,
      type: target.type,
      userPrincipalName: target.userPrincipalName ?? null,
      groupType: target.groupType ?? null,
      modifiedProperties: target.modifiedProperties ?? [],
    })),
    additionalDetails: spec.additionalDetails ?? [],
  },
});

const userActor = (
  identity: { id: string; displayName: string; userPrincipalName: string },
  ip: string | null,
): Actor => ({
  user: {
    id: identity.id,
    displayName: identity.displayName,
    userPrincipalName: identity.userPrincipalName,
    ipAddress: ip,
  },
});

const userTarget = (
  identity: { id: string; displayName: string; userPrincipalName: string },
  modified: Target['modifiedProperties'] = [],
): Target => ({
  id: identity.id,
  displayName: identity.displayName,
  type: 'User',
  userPrincipalName: identity.userPrincipalName,
  modifiedProperties: modified,
});

const DEVICE_REGISTRATION_ACTOR: Actor = {
  app: {
    appId: null,
    displayName: FIRST_PARTY_APPS.deviceRegistration.displayName,
    servicePrincipalId: labelGuid(`sp:${FIRST_PARTY_APPS.deviceRegistration.appId}`),
    servicePrincipalName: null,
  },
};

export const SALT = {
  audit: stringHash('audit'),
  auditCorrelation: stringHash('audit-correlation'),
} as const;

/** Whole seconds, so an audit entry and the object it created carry the same timestamp to the second. */
const atSecond = (ms: number): number => Math.floor(ms / 1000) * 1000;

/**
 * The directory audit log: the story's entries (each stamped with the exact time of the object it describes) and a
 * lazily generated stream of ordinary administration and self-service, newest first.
 */
export class AuditLog {
  readonly story: ArrayStream<AuditRecord>;
  readonly ambient: AmbientAudits;
  private readonly storyById = new Map<string, AuditRecord>();

  constructor(
    directory: Directory,
    seed: number,
    private readonly anchorMs: number,
    ambientCount: number,
  ) {
    const records = newestFirst(this.buildStory(directory), (record) => record.time);
    for (const record of records) {
      this.storyById.set((record.json.id as string).toLowerCase(), record);
      // Never changed, and returned on every question about the story's people: their JSON is kept.
      keepJson(record.json);
    }
    this.story = new ArrayStream(records, (record) => record.time, {
      id: (record) => record.json.id as string,
      correlationId: (record) => record.json.correlationId as string,
    });
    this.ambient = new AmbientAudits(
      directory,
      seed,
      anchorMs,
      directory.ambientCount > 0 ? ambientCount : 0,
    );
  }

  streams(): RecordStream<AuditRecord>[] {
    return [this.story, this.ambient];
  }

  find(id: string): AuditRecord | null {
    const story = this.storyById.get(id.toLowerCase());
    if (story) return story;
    const index = this.ambient.locate(new Map([['id', id.toLowerCase()]]));
    return typeof index === 'number' ? this.ambient.at(index) : null;
  }

  private at(minutesBefore: number): number {
    return atSecond(this.anchorMs - minutesBefore * MINUTE);
  }

  private buildStory(directory: Directory): AuditRecord[] {
    const karita = directory.findUser(KARITA.id)!.identity;
    const irvin = directory.findUser(IRVIN.id)!.identity;
    const adele = directory.findUser(DEMO_IDENTITIES.adele.id)!.identity;
    const fromAttacker = userActor(karita, ATTACKER.anonymizerIp);
    const records: AuditRecord[] = [];
    let n = 0;
    const add = (spec: Omit<AuditSpec, 'id' | 'correlationId'> & { correlationId?: string }) => {
      n += 1;
      records.push(
        audit({
          ...spec,
          id: `Directory_${labelGuid(`audit:${n}`)}`,
          correlationId: spec.correlationId ?? labelGuid(`audit-correlation:${n}`),
        }),
      );
    };

    const methodTime = this.at(TIMELINE.authenticatorRegistered);
    add({
      time: methodTime,
      activity: 'User registered security info',
      category: 'UserManagement',
      service: 'Authentication Methods',
      operationType: 'Add',
      resultReason: 'User registered Microsoft Authenticator App with Notification and Code',
      actor: fromAttacker,
      targets: [userTarget(karita)],
    });
    add({
      time: methodTime,
      activity: 'Update user',
      category: 'UserManagement',
      service: 'Core Directory',
      operationType: 'Update',
      actor: fromAttacker,
      targets: [
        userTarget(karita, [
          {
            displayName: 'StrongAuthenticationPhoneAppDetail',
            oldValue: '[{"DeviceName":"iPhone 14"}]',
            newValue: '[{"DeviceName":"iPhone 14"},{"DeviceName":"SM-A515F"}]',
          },
          {
            displayName: 'Included Updated Properties',
            oldValue: null,
            newValue: '"StrongAuthenticationPhoneAppDetail"',
          },
        ]),
      ],
    });

    const deviceTime = this.at(TIMELINE.deviceRegistered);
    const deviceCorrelation = labelGuid('audit-correlation:device-registration');
    const device: Target = {
      id: DEVICES.attackerDevice.id,
      displayName: DEVICES.attackerDevice.displayName,
      type: 'Device',
    };
    add({
      time: deviceTime,
      activity: 'Register device',
      category: 'Device',
      service: 'Core Directory',
      operationType: 'Add',
      correlationId: deviceCorrelation,
      actor: fromAttacker,
      targets: [device],
      additionalDetails: [
        { key: 'Device Id', value: DEVICES.attackerDevice.deviceId },
        { key: 'Device OS', value: 'Windows' },
        { key: 'Device Trust Type', value: 'Workplace' },
      ],
    });
    add({
      time: deviceTime,
      activity: 'Add registered owner to device',
      category: 'Device',
      service: 'Core Directory',
      operationType: 'Assign',
      correlationId: deviceCorrelation,
      actor: DEVICE_REGISTRATION_ACTOR,
      targets: [device, userTarget(karita)],
    });
    add({
      time: deviceTime,
      activity: 'Add registered users to device',
      category: 'Device',
      service: 'Core Directory',
      operationType: 'Assign',
      correlationId: deviceCorrelation,
      actor: DEVICE_REGISTRATION_ACTOR,
      targets: [device, userTarget(karita)],
    });

    const consentTime = this.at(TIMELINE.consentGranted);
    const consentCorrelation = labelGuid('audit-correlation:consent');
    const suspicious: Target = {
      id: SUSPICIOUS_APP.servicePrincipalId,
      displayName: SUSPICIOUS_APP.displayName,
      type: 'ServicePrincipal',
    };
    const graphSp = labelGuid(`sp:${FIRST_PARTY_APPS.graph.appId}`);
    add({
      time: consentTime,
      activity: 'Add service principal',
      category: 'ApplicationManagement',
      service: 'Core Directory',
      operationType: 'Add',
      correlationId: consentCorrelation,
      actor: fromAttacker,
      targets: [
        {
          ...suspicious,
          modifiedProperties: [
            { displayName: 'AppId', oldValue: null, newValue: `"${SUSPICIOUS_APP.appId}"` },
            {
              displayName: 'DisplayName',
              oldValue: null,
              newValue: JSON.stringify(SUSPICIOUS_APP.displayName),
            },
          ],
        },
      ],
    });
    add({
      time: consentTime,
      activity: 'Add delegated permission grant',
      category: 'ApplicationManagement',
      service: 'Core Directory',
      operationType: 'Assign',
      correlationId: consentCorrelation,
      actor: fromAttacker,
      targets: [
        {
          id: graphSp,
          displayName: FIRST_PARTY_APPS.graph.displayName,
          type: 'ServicePrincipal',
          modifiedProperties: [
            {
              displayName: 'DelegatedPermissionGrant.Scope',
              oldValue: '""',
              newValue: `" ${SUSPICIOUS_APP.scope}"`,
            },
            { displayName: 'DelegatedPermissionGrant.ConsentType', oldValue: '""', newValue: '"Principal"' },
          ],
        },
        suspicious,
      ],
    });
    add({
      time: consentTime,
      activity: 'Consent to application',
      category: 'ApplicationManagement',
      service: 'Core Directory',
      operationType: 'Assign',
      correlationId: consentCorrelation,
      actor: fromAttacker,
      targets: [
        {
          ...suspicious,
          modifiedProperties: [
            { displayName: 'ConsentContext.IsAdminConsent', oldValue: null, newValue: '"False"' },
            { displayName: 'ConsentContext.OnBehalfOfAll', oldValue: null, newValue: '"False"' },
            {
              displayName: 'ConsentAction.Permissions',
              oldValue: null,
              newValue: `"[] => [[Id: ${SUSPICIOUS_APP.grantId}, ClientId: ${SUSPICIOUS_APP.servicePrincipalId}, PrincipalId: ${KARITA.id}, ResourceId: ${graphSp}, ConsentType: Principal, Scope:  ${SUSPICIOUS_APP.scope}]]; "`,
            },
          ],
        },
      ],
      additionalDetails: [
        { key: 'User-Agent', value: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/121.0.0.0' },
      ],
    });

    const secretTime = this.at(TIMELINE.payrollSecretAdded);
    const payrollApp: Target = {
      id: PAYROLL_CONNECTOR.applicationId,
      displayName: PAYROLL_CONNECTOR.displayName,
      type: 'Application',
    };
    add({
      time: secretTime,
      activity: 'Update application – Certificates and secrets management ',
      category: 'ApplicationManagement',
      service: 'Core Directory',
      operationType: 'Update',
      actor: fromAttacker,
      targets: [
        {
          ...payrollApp,
          modifiedProperties: [
            {
              displayName: 'KeyDescription',
              oldValue: `["[KeyIdentifier=${labelGuid('payroll:secret:2024')},KeyType=Password,KeyUsage=Verify,DisplayName=payroll-prod-2024]"]`,
              newValue: `["[KeyIdentifier=${labelGuid('payroll:secret:2024')},KeyType=Password,KeyUsage=Verify,DisplayName=payroll-prod-2024]","[KeyIdentifier=${PAYROLL_CONNECTOR.attackerSecretKeyId},KeyType=Password,KeyUsage=Verify,DisplayName=sync-2]"]`,
            },
          ],
        },
      ],
    });
    add({
      time: secretTime,
      activity: 'Update application',
      category: 'ApplicationManagement',
      service: 'Core Directory',
      operationType: 'Update',
      actor: fromAttacker,
      targets: [
        {
          ...payrollApp,
          modifiedProperties: [
            { displayName: 'Included Updated Properties', oldValue: null, newValue: '"KeyDescription"' },
          ],
        },
      ],
    });

    // How the conditional access gaps came to be, and other administration inside the window.
    const fromIrvin = userActor(irvin, '192.0.2.14');
    add({
      time: this.at(12 * 24 * 60 + 95),
      activity: 'Update conditional access policy',
      category: 'Policy',
      service: 'Conditional Access',
      operationType: 'Update',
      actor: fromIrvin,
      targets: [
        {
          id: CA_POLICIES.signInRisk.id,
          displayName: CA_POLICIES.signInRisk.displayName,
          type: 'Policy',
          modifiedProperties: [
            {
              displayName: 'ConditionalAccessPolicy',
              oldValue: `{"id":"${CA_POLICIES.signInRisk.id}","state":"enabled"}`,
              newValue: `{"id":"${CA_POLICIES.signInRisk.id}","state":"enabledForReportingButNotEnforced"}`,
            },
          ],
        },
      ],
    });
    add({
      time: this.at(20 * 24 * 60 + 310),
      activity: 'Update conditional access policy',
      category: 'Policy',
      service: 'Conditional Access',
      operationType: 'Update',
      actor: fromIrvin,
      targets: [
        {
          id: CA_POLICIES.userRisk.id,
          displayName: CA_POLICIES.userRisk.displayName,
          type: 'Policy',
          modifiedProperties: [
            {
              displayName: 'ConditionalAccessPolicy',
              oldValue: `{"conditions":{"users":{"excludeGroups":[]}}}`,
              newValue: `{"conditions":{"users":{"excludeGroups":["${GROUPS.financeAccountsPayable.id}"]}}}`,
            },
          ],
        },
      ],
    });
    add({
      time: this.at(10 * 24 * 60 + 42),
      activity: 'Add member to group',
      category: 'GroupManagement',
      service: 'Core Directory',
      operationType: 'Assign',
      resultReason: 'Successfully added member to group',
      actor: fromIrvin,
      targets: [
        userTarget(adele),
        {
          id: GROUPS.wardenRemediators.id,
          displayName: GROUPS.wardenRemediators.displayName,
          type: 'Group',
          groupType: 'azureAD',
        },
      ],
    });
    add({
      time: this.at(19 * 24 * 60 + 200),
      activity: 'Update user',
      category: 'UserManagement',
      service: 'Core Directory',
      operationType: 'Update',
      actor: fromIrvin,
      targets: [
        userTarget(karita, [
          {
            displayName: 'JobTitle',
            oldValue: '["Accounts Payable Clerk"]',
            newValue: `["${KARITA.jobTitle}"]`,
          },
          { displayName: 'Included Updated Properties', oldValue: null, newValue: '"JobTitle"' },
        ]),
      ],
    });
    return records;
  }
}

type AmbientKind = 'selfServicePassword' | 'securityInfo' | 'adminUpdate' | 'adminReset' | 'deviceUpdate';

const AMBIENT_KINDS: readonly (readonly [AmbientKind, number])[] = [
  ['selfServicePassword', 25],
  ['securityInfo', 15],
  ['adminUpdate', 25],
  ['adminReset', 5],
  ['deviceUpdate', 30],
];

const UPDATED_PROPERTIES = [
  ['JobTitle', 'Financial Analyst', 'Senior Financial Analyst'],
  ['Department', 'Operations', 'Finance'],
  ['MobilePhone', '+1 206 555 0111', '+1 206 555 0142'],
  ['OfficeLocation', 'New York', 'Seattle HQ'],
] as const;

/** Kinds whose actor is the ambient user themselves; the others are Irvin (admin) or the device registration app. */
const SELF_KINDS: ReadonlySet<AmbientKind> = new Set(['selfServicePassword', 'securityInfo']);
const ADMIN_KINDS: ReadonlySet<AmbientKind> = new Set(['adminUpdate', 'adminReset']);

/** Whether an ambient entry, known only by its user and kind, can name the people an `eq` hint asks for. */
type PeopleTest = (userIndex: number, kind: AmbientKind) => boolean;

/** Ordinary administration and self-service for generated users, spread over the retention window. */
export class AmbientAudits implements RecordStream<AuditRecord> {
  private readonly slot: number;
  /** Per hint map (compiled filters are cached, so the same map comes back); null when no entry can match. */
  private readonly peopleTests = new WeakMap<ReadonlyMap<string, string>, PeopleTest | null | undefined>();

  constructor(
    private readonly directory: Directory,
    private readonly seed: number,
    private readonly anchorMs: number,
    readonly length: number,
  ) {
    this.slot = length > 0 ? (LOG_RETENTION_MS - 2 * 60 * MINUTE) / length : 0;
  }

  timeAt(index: number): number {
    const jitter = 0.05 + 0.9 * (hash32(this.seed, SALT.audit, index, 99) / 0x1_0000_0000);
    return Math.floor(this.anchorMs - 5 * MINUTE - (index + jitter) * this.slot);
  }

  /** An entry's user and kind: its first two draws, enough to rule it out before it is built. */
  private shape(index: number): { draws: Draws; userIndex: number; kind: AmbientKind } {
    const draws = new Draws(this.seed, SALT.audit, index);
    const userIndex = draws.int(this.directory.ambientCount);
    const kind = draws.weighted(AMBIENT_KINDS);
    return { draws, userIndex, kind };
  }

  at(index: number): AuditRecord {
    const { draws, userIndex, kind } = this.shape(index);
    const user: Identity = this.directory.ambientIdentity(userIndex);
    const irvin = this.directory.findUser(IRVIN.id)!.identity;
    const base = {
      id: `Directory_${indexedGuid(this.seed, SALT.audit, index)}`,
      correlationId: indexedGuid(this.seed, SALT.auditCorrelation, index),
      time: this.timeAt(index),
    };
    const self = userActor(user, user.office.egressIp);
    const admin = userActor(irvin, '192.0.2.14');
    switch (kind) {
      case 'selfServicePassword':
        return audit({
          ...base,
          activity: 'Change password (self-service)',
          category: 'UserManagement',
          service: 'Self-service Password Management',
          operationType: 'Update',
          resultReason: 'Successfully changed password',
          actor: self,
          targets: [userTarget(user)],
        });
      case 'securityInfo':
        return audit({
          ...base,
          activity: 'User registered security info',
          category: 'UserManagement',
          service: 'Authentication Methods',
          operationType: 'Add',
          resultReason: 'User registered Microsoft Authenticator App with Notification and Code',
          actor: self,
          targets: [userTarget(user)],
        });
      case 'adminUpdate': {
        const [property, oldValue, newValue] = draws.pick(UPDATED_PROPERTIES);
        return audit({
          ...base,
          activity: 'Update user',
          category: 'UserManagement',
          service: 'Core Directory',
          operationType: 'Update',
          actor: admin,
          targets: [
            userTarget(user, [
              { displayName: property, oldValue: `["${oldValue}"]`, newValue: `["${newValue}"]` },
              { displayName: 'Included Updated Properties', oldValue: null, newValue: `"${property}"` },
            ]),
          ],
        });
      }
      case 'adminReset':
        return audit({
          ...base,
          activity: 'Reset password (by admin)',
          category: 'UserManagement',
          service: 'Core Directory',
          operationType: 'Update',
          actor: admin,
          targets: [userTarget(user)],
        });
      case 'deviceUpdate':
        return audit({
          ...base,
          activity: 'Update device',
          category: 'Device',
          service: 'Core Directory',
          operationType: 'Update',
          actor: DEVICE_REGISTRATION_ACTOR,
          targets: [
            {
              id: indexedGuid(this.seed, DIRECTORY_SALT.device, user.ambientIndex ?? 0),
              displayName: user.deviceName,
              type: 'Device',
              modifiedProperties: [
                {
                  displayName: 'ApproximateLastLogonTimestamp',
                  oldValue: null,
                  newValue: `"${isoSeconds(base.time)}"`,
                },
              ],
            },
          ],
        });
    }
  }

  /**
   * Every entry is initiated by its ambient user, by Irvin or by an app, and targets its ambient user or their
   * laptop, so a query about anyone else (Karita, in every story question) skips this stream without building it.
   */
  excludes(equals: ReadonlyMap<string, string>): boolean {
    return this.peopleTest(equals) === null;
  }

  mayMatch(index: number, equals: ReadonlyMap<string, string>): boolean {
    const test = this.peopleTest(equals);
    if (test === undefined) return true;
    if (test === null) return false;
    const { userIndex, kind } = this.shape(index);
    return test(userIndex, kind);
  }

  /** undefined when the hints name no actor or target, so every entry stays a candidate. */
  private peopleTest(equals: ReadonlyMap<string, string>): PeopleTest | null | undefined {
    if (!this.peopleTests.has(equals)) this.peopleTests.set(equals, this.buildPeopleTest(equals));
    return this.peopleTests.get(equals);
  }

  private buildPeopleTest(equals: ReadonlyMap<string, string>): PeopleTest | null | undefined {
    const tests: PeopleTest[] = [];
    const actorId = equals.get('initiatedBy/user/id');
    const actorUpn = equals.get('initiatedBy/user/userPrincipalName');
    for (const [key, value] of [
      ['id', actorId],
      ['userPrincipalName', actorUpn],
    ] as const) {
      if (value === undefined) continue;
      const irvin = this.directory.findUser(IRVIN.id)!.identity;
      if (value === (key === 'id' ? irvin.id : irvin.userPrincipalName).toLowerCase()) {
        tests.push((_user, kind) => ADMIN_KINDS.has(kind));
        continue;
      }
      const user = key === 'id' ? this.ambientUserById(value) : this.ambientUserByUpn(value);
      if (user === null) return null;
      tests.push((userIndex, kind) => userIndex === user && SELF_KINDS.has(kind));
    }
    const targetId = equals.get('targetResources/id');
    if (targetId !== undefined) {
      const user = this.ambientUserById(targetId);
      const laptop = indexOfGuid(this.seed, DIRECTORY_SALT.device, targetId, this.directory.ambientCount);
      if (user === null && laptop === null) return null;
      tests.push(
        (userIndex, kind) =>
          (userIndex === user && kind !== 'deviceUpdate') ||
          (userIndex === laptop && kind === 'deviceUpdate'),
      );
    }
    if (tests.length === 0) return undefined;
    return (userIndex, kind) => tests.every((test) => test(userIndex, kind));
  }

  private ambientUserById(id: string): number | null {
    return indexOfGuid(this.seed, DIRECTORY_SALT.user, id, this.directory.ambientCount);
  }

  private ambientUserByUpn(upn: string): number | null {
    const index = this.directory.findUser(upn)?.identity.ambientIndex ?? null;
    if (index === null) return null;
    return this.directory.ambientIdentity(index).userPrincipalName.toLowerCase() === upn ? index : null;
  }

  locate(equals: ReadonlyMap<string, string>): number | null | undefined {
    const id = equals.get('id');
    if (id !== undefined) {
      return indexOfGuid(this.seed, SALT.audit, id.replace(/^directory_/, ''), this.length);
    }
    const correlation = equals.get('correlationId');
    if (correlation !== undefined)
      return indexOfGuid(this.seed, SALT.auditCorrelation, correlation, this.length);
    return undefined;
  }
}
